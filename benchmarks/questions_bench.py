"""The named questions at about 1M triples: p50 and p95 of each, with typical parameters.

Run: ``.venv/bin/python -m benchmarks.questions_bench [--regions 300] [--actions 100]
[--repeat 5]`` (or ``make bench``, which runs every benchmark).

Data: ``sira-kg synth --regions 300 --actions 100`` (synthetic, under
https://w3id.org/sira/synthetic/: about 980k quads) bulk-loaded into an
in-memory Oxigraph store, plus what `sira-kg serve` bootstraps (ontology,
concept schemes, shapes, the Saône-et-Loire graph): about 1M triples.

Each case is timed twice, after one warm-up run: the default JSON answer of
``GET /api/questions/<name>`` as the API computes it (parameters resolved
against the store, the first page of ``Settings.question_page_size`` rows
asked with one row more, the labels of the IRIs in the page) and the paged
bound query alone. The target (issue 5) is a p50 under 1 s for every case,
with one region and with no parameter (every region). ``--whole`` also times
the whole answer (CSV, or the CLI without ``--limit``), for information.
Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from sira_kg.core.bootstrap import ensure_bootstrapped
from sira_kg.core.settings import Settings
from sira_kg.core.store import GraphStore
from sira_kg.endpoint import questions as q
from sira_kg.loaders.synth import write_synth

TARGET_SECONDS = 1.0


def build_store(regions: int, actions: int, seed: int = 0) -> GraphStore:
    settings = Settings(store_path=None)
    store = GraphStore(ox.Store(), None)
    ensure_bootstrapped(store, settings, validate_data=False)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synth.nq"
        with path.open("w", encoding="utf-8") as out:
            write_synth(out, regions=regions, actions=actions, seed=seed)
        store.ox.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    return store


def cases(store: GraphStore) -> list[tuple[str, dict[str, str], bool]]:
    """(question, parameters, counts for the target) for every question."""
    codes = sorted(
        r["code"].value
        for r in store.query(
            "SELECT ?code WHERE { ?r a <https://w3id.org/sira/ns#Region> ; "
            "<https://w3id.org/sira/ns#nutsCode> ?code }"
        )
        if r["code"].value.startswith("ZZ")
    )
    region = codes[len(codes) // 2] if codes else "FRC13"
    one = {"region": region}
    return [
        ("actions", one, True),
        ("actions", {**one, "theme": "health", "from": "2022-01-01"}, True),
        ("actions", {}, True),
        ("funding", one, True),
        ("funding", {}, True),
        ("gaps", one, True),
        ("gaps", {}, True),
        ("capacities", one, True),
        ("capacities", {}, True),
        ("strategy-coverage", one, True),
        ("strategy-coverage", {}, True),
        ("region-comparison", {"theme": "health"}, True),
        ("region-comparison", {}, True),
        ("stakeholders", one, True),
        ("stakeholders", {}, True),
        ("target-groups", one, True),
        ("target-groups", {"urban_rural": "predominantly-rural"}, True),
        ("resources", {"language": "fr"}, True),
        ("resources", {}, True),
        ("funders", one, True),
        ("funders", {}, True),
    ]


def measure(
    store: GraphStore,
    question: q.Question,
    params: dict[str, str],
    repeat: int,
    limit: int | None,
) -> tuple[list[float], list[float], int]:
    """Times of the answer (a page of ``limit`` rows; None: whole) and of its query alone."""
    runner = q.store_runner(store)
    terms = {k: r.terms for k, r in q.resolve(question, params, runner).items()}
    sparql = question.page(question.bind(terms), None if limit is None else limit + 1)
    q.answer(question, params, runner, "en", limit)  # warm-up
    whole, bare = [], []
    rows = 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = len(q.answer(question, params, runner, "en", limit).rows)
        whole.append(time.perf_counter() - started)
        started = time.perf_counter()
        runner(sparql)
        bare.append(time.perf_counter() - started)
    return whole, bare, rows


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="questions_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--regions", type=int, default=300)
    parser.add_argument("--actions", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--whole", action="store_true", help="also time the whole answers (CSV, CLI)"
    )
    args = parser.parse_args(argv if argv is not None else [])

    started = time.perf_counter()
    store = build_store(args.regions, args.actions)
    print(
        f"store: {len(store):,} quads in memory (synth --regions {args.regions} "
        f"--actions {args.actions} + bootstrap), built in {time.perf_counter() - started:.1f} s; "
        f"pyoxigraph {ox.__version__}",
        flush=True,
    )
    catalogue = q.load_catalogue(Settings().queries_dir)
    page = Settings().question_page_size
    print(f"answer: the default JSON answer, a page of at most {page} rows")
    header = (
        f"{'question':<18} {'parameters':<44} {'rows':>6} {'query p50':>10} "
        f"{'answer p50':>11} {'p95':>7}  target"
    ) + ("   whole rows  whole p50" if args.whole else "")
    print(header)
    print("-" * len(header))
    missed = []
    for name, params, targeted in cases(store):
        whole, bare, rows = measure(store, catalogue[name], params, args.repeat, page)
        p50 = statistics.median(whole)
        shown = " ".join(f"{k}={v}" for k, v in params.items()) or "(none: every region)"
        verdict = ("ok" if p50 < TARGET_SECONDS else "MISSED") if targeted else "-"
        if targeted and p50 >= TARGET_SECONDS:
            missed.append(f"{name} {shown}")
        print(
            f"{name:<18} {shown:<44} {rows:>6} {statistics.median(bare):>9.3f}s "
            f"{p50:>10.3f}s {_p95(whole):>6.3f}s  {verdict.ljust(6) if args.whole else verdict}",
            end="" if args.whole else "\n",
            flush=True,
        )
        if args.whole:
            times, _, all_rows = measure(store, catalogue[name], params, args.repeat, None)
            print(f"   {all_rows:>10} {statistics.median(times):>9.3f}s", flush=True)
    print(
        f"target: answer p50 < {TARGET_SECONDS:g} s for the cases marked; "
        + (f"missed: {'; '.join(missed)}" if missed else "all met")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
