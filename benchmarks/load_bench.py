"""Load benchmarks: bulk throughput against `oxigraph load`, validated loads by store size.

Run: ``.venv/bin/python -m benchmarks.load_bench [--regions 300] [--actions 100]``
(or ``make bench``, which runs every benchmark). Prints three tables:

1. bulk load of the synthetic file (``sira-kg synth --regions 300 --actions 100``,
   about 1M triples) with ``sira-kg load --no-validate``'s code path
   (:func:`sira_kg.core.ingest.bulk_ingest`) and with the ``oxigraph load`` command
   of the PyPI package ``oxigraph``, in the same run, on the same file; the
   ratio of triples per second (target: at least 0.8);
2. validated loads (:func:`sira_kg.core.ingest.ingest`: parse, SHACL with the
   store's context, one transaction) of 1k, 10k and 100k-triple contributions
   into an empty (bootstrapped) store and into the 1M-triple store; the change
   of load time with store size (target: under 30 %);
3. the on-disk size of the store before and after each contribution.

All data is synthetic (https://w3id.org/sira/synthetic/); nothing here is a fact.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sira_kg.core import ingest, provenance
from sira_kg.core.bootstrap import ensure_bootstrapped
from sira_kg.core.settings import Settings
from sira_kg.core.store import GraphStore, open_store

SIZES = (1_000, 10_000, 100_000)


def synthetic_file(folder: Path, regions: int, actions: int) -> Path:
    """The synthetic N-Quads of ``sira-kg synth`` (or plain N-Triples if synth is absent)."""
    try:
        from sira_kg.loaders.synth import write_synth
    except ImportError:
        path = folder / "synthetic.nt"
        with open(path, "w", encoding="utf-8") as out:
            for i in range(regions * actions * 33):
                out.write(
                    f"<https://w3id.org/sira/synthetic/bench/s{i // 8}> "
                    f'<https://w3id.org/sira/synthetic/bench/p{i % 8}> "synthetic {i}" .\n'
                )
        return path
    path = folder / "synthetic.nq"
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        write_synth(out, regions=regions, actions=actions, seed=0)
    return path


def contribution(triples: int) -> str:
    """About ``triples`` triples of conforming synthetic Turtle (shared with validation_bench)."""
    try:
        from benchmarks.validation_bench import synthetic_turtle
    except ImportError:  # run as a script from benchmarks/
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from benchmarks.validation_bench import synthetic_turtle
    return synthetic_turtle(triples)


def oxigraph_command() -> str:
    found = Path(sys.executable).parent / "oxigraph"
    if found.exists():
        return str(found)
    which = shutil.which("oxigraph")
    if which is None:
        raise SystemExit("the `oxigraph` command is missing: pip install 'sira-kg[bench]'")
    return which


def count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def disk_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def bulk(folder: Path, data: Path) -> tuple[GraphStore, Path, list[list[object]], float]:
    """Time oxigraph load and our bulk load on the same file; return our (1M) store."""
    triples = count_lines(data)
    ox_dir = folder / "oxigraph-cli"
    t0 = time.perf_counter()
    subprocess.run(
        [oxigraph_command(), "load", "--location", str(ox_dir), "--file", str(data)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    ox_time = time.perf_counter() - t0
    ox_size = disk_size(ox_dir)
    shutil.rmtree(ox_dir)

    ours_dir = folder / "sira-kg"
    store = open_store(Settings(store_path=ours_dir))
    t0 = time.perf_counter()
    result = ingest.bulk_ingest(store, [data], agent=provenance.user_agent("benchmark"))
    our_time = time.perf_counter() - t0
    assert result.triples == triples, (result.triples, triples)
    ratio = (triples / our_time) / (triples / ox_time)
    rows = [
        [
            "oxigraph load (CLI)",
            triples,
            f"{ox_time:.2f}",
            f"{triples / ox_time:,.0f}",
            _mb(ox_size),
        ],
        [
            "sira-kg load --no-validate",
            triples,
            f"{our_time:.2f}",
            f"{triples / our_time:,.0f}",
            _mb(disk_size(ours_dir)),
        ],
    ]
    return store, ours_dir, rows, ratio


def validated(store: GraphStore, settings: Settings, sizes: tuple[int, ...]) -> list[dict]:
    """Parse, then ingest (validate + write) each contribution into ``store``; remove it again.

    The stages are timed with ingest's own stage messages (``notify``).
    """
    from sira_kg.core.rdfio import parse_bytes

    out = []
    for size in sizes:
        text = contribution(size)
        store.flush()
        size_before = store.disk_size()
        stamps: dict[str, float] = {}

        def notify(line: str, stamps: dict[str, float] = stamps) -> None:
            stamps[line.split()[0]] = time.perf_counter()

        t0 = time.perf_counter()
        data = parse_bytes(text, "turtle", f"synthetic-{size}.ttl")
        t1 = time.perf_counter()
        result = ingest.ingest(
            store,
            data,
            source=f"urn:sira:benchmark:{size}",
            agent=provenance.user_agent("benchmark"),
            media_type="text/turtle",
            settings=settings,
            notify=notify,
        )
        t2 = time.perf_counter()
        assert result.report is not None and result.report.conforms
        store.flush()
        out.append(
            {
                "triples": result.triples,
                "parse": t1 - t0,
                "validate": stamps["writing"] - stamps["validating"],
                "write": t2 - stamps["writing"],
                "total": t2 - t0,
                "grown": store.disk_size() - size_before,
                "size_before": size_before,
            }
        )
        ingest.remove(store, result.graph_iri)
    return out


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def table(header: list[str], rows: list[list[object]]) -> str:
    cells = [header] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [
        "  ".join(
            c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="load_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=300)
    parser.add_argument("--actions", type=int, default=100)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    args = parser.parse_args(argv if argv is not None else [])
    sizes = tuple(args.sizes)
    with tempfile.TemporaryDirectory(prefix="sira-load-bench-") as tmp:
        folder = Path(tmp)
        data = synthetic_file(folder, args.regions, args.actions)
        print(f"load average: {_load_average()}")
        print(f"== bulk load of {data.name} ({data.stat().st_size / 1e6:.0f} MB, synthetic)")
        big, big_dir, rows, ratio = bulk(folder, data)
        print(table(["loader", "triples", "seconds", "triples/s", "store size"], rows))
        print(f"ratio sira-kg / oxigraph load: {ratio:.2f} (target >= 0.8)\n")

        big_settings = Settings(store_path=big_dir)
        ensure_bootstrapped(big, big_settings)
        empty_dir = folder / "empty"
        empty = open_store(Settings(store_path=empty_dir))
        empty_settings = Settings(store_path=empty_dir)
        ensure_bootstrapped(empty, empty_settings)
        ingest.check(empty, _warm(), settings=empty_settings)  # build the validator's caches
        print(f"load average before the validated loads: {_load_average()}")

        in_empty = validated(empty, empty_settings, sizes)
        in_big = validated(big, big_settings, sizes)
        print(
            "== validated loads (parse + SHACL with the store's context + one transaction); "
            f"the big store holds {len(big):,} quads"
        )
        rows = []
        for label, results in (("empty store", in_empty), ("1M-triple store", in_big)):
            for r in results:
                rows.append(
                    [
                        label,
                        f"{r['triples']:,}",
                        f"{r['parse']:.2f}",
                        f"{r['validate']:.2f}",
                        f"{r['write']:.2f}",
                        f"{r['total']:.2f}",
                        _mb(r["size_before"]),
                        f"+{_mb(r['grown'])}",
                    ]
                )
        print(
            table(
                [
                    "store",
                    "triples",
                    "parse s",
                    "validate s",
                    "write s",
                    "total s",
                    "store size",
                    "grown",
                ],
                rows,
            )
        )
        print("\n== change of the validated load time with store size (target: under 30 %)")
        change_rows = []
        for a, b in zip(in_empty, in_big, strict=True):
            change = (b["total"] - a["total"]) / a["total"]
            change_rows.append(
                [f"{a['triples']:,}", f"{a['total']:.2f}", f"{b['total']:.2f}", f"{change:+.0%}"]
            )
        print(table(["triples", "empty s", "1M s", "change"], change_rows))
        targets = {1: 10_000, 10: 100_000}
        for limit, size in targets.items():
            for r in in_empty + in_big:
                if abs(r["triples"] - size) / size < 0.2 and r["total"] > limit:
                    print(
                        f"MISSED: {r['triples']:,} triples took {r['total']:.2f} s "
                        f"(target {limit} s)"
                    )
        del big, empty


def _load_average() -> str:
    """Other processes slow every number here; say how busy the machine was."""
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"
    except OSError:
        return "unknown"


def _warm():
    from sira_kg.core.rdfio import as_graph, parse_bytes

    return as_graph(parse_bytes(contribution(100), "turtle", "warm-up"))


if __name__ == "__main__":
    main(sys.argv[1:])
