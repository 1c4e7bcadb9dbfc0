"""The named questions at about 1M triples: p50 and p95 of each, with typical parameters.

Run: ``.venv/bin/python -m benchmarks.questions_bench [--regions 300] [--actions 100]
[--repeat 5] [--whole] [--no-http]`` (or ``make bench``, which runs every benchmark).

Data: ``sira-kg synth --regions 300 --actions 100`` (synthetic, under
https://w3id.org/sira/synthetic/: about 980k quads) bulk-loaded, plus what
`sira-kg serve` bootstraps (ontology, concept schemes, shapes, the
Saône-et-Loire graph): about 1M triples.

Each case is timed after one warm-up run, three ways:

* **query**: the queries of the page alone (:func:`questions.page_rows`: the
  paged bound query, or for ``capacities`` its first regions), on an
  in-memory store;
* **library**: the default JSON answer of ``GET /api/questions/<name>`` as the
  library computes it on that store (parameters resolved, the first page of
  ``Settings.question_page_size`` rows asked with one row more, the labels of
  the IRIs in the page): what ``sira-kg query --question`` does;
* **HTTP**: ``GET /api/questions/<name>`` from a real ``sira-kg serve`` on an
  on-disk copy, with its answer cache off (``SIRA_KG_QUERY_CACHE_BYTES=0``),
  so that every request is evaluated again (query and label lookups in the
  query workers, JSON over HTTP). With the cache on (the default) a repeated
  request takes a millisecond or two, which would measure nothing.

The target (issue 5) is a p50 under 1 s for every case, with one region and
with no parameter (every region), on the HTTP path (the library path when
``--no-http``). ``--whole`` also times the whole answers (CSV, or the CLI
without ``--limit``) by the library, for information. Timings are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
import requests

from benchmarks.endpoint_bench import start_sira
from sira_kg.core.bootstrap import ensure_bootstrapped
from sira_kg.core.settings import Settings
from sira_kg.core.store import GraphStore, open_store
from sira_kg.endpoint.questions.answers import answer, store_labeller
from sira_kg.endpoint.questions.catalogue import Question, load_catalogue
from sira_kg.endpoint.questions.paging import page_rows
from sira_kg.endpoint.questions.parameters import resolve
from sira_kg.endpoint.questions.running import store_runner
from sira_kg.loaders.synth import write_synth

TARGET_SECONDS = 1.0


def build_store(regions: int, actions: int, seed: int = 0, path: Path | None = None) -> GraphStore:
    """The synthetic data and the bootstrap, in memory or (``path``) on disk."""
    settings = Settings(store_path=path)
    store = open_store(settings) if path else GraphStore(ox.Store(), None)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "synth.nq"
        with data.open("w", encoding="utf-8") as out:
            write_synth(out, regions=regions, actions=actions, seed=seed)
        store.ox.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    ensure_bootstrapped(store, settings, validate_data=False)
    store.flush()
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
    question: Question,
    params: dict[str, str],
    repeat: int,
    limit: int | None,
) -> tuple[list[float], list[float], int]:
    """Times of the library's answer (a page of ``limit`` rows; None: whole) and of its query."""
    runner = store_runner(store)
    labeller = store_labeller(store)
    terms = {k: r.terms for k, r in resolve(question, params, runner).items()}

    def ask() -> int:
        return len(answer(question, params, runner, "en", limit, 0, labeller).rows)

    ask()  # warm-up
    whole, bare = [], []
    rows = 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = ask()
        whole.append(time.perf_counter() - started)
        started = time.perf_counter()
        page_rows(question, terms, runner, limit, 0)  # the queries of the page alone
        bare.append(time.perf_counter() - started)
    return whole, bare, rows


def measure_http(
    session: requests.Session, root: str, name: str, params: dict[str, str], repeat: int
) -> list[float]:
    """Times of ``GET /api/questions/<name>`` (JSON, the default page)."""
    url = f"{root}/api/questions/{name}"
    times = []
    for i in range(repeat + 1):  # the first one is the warm-up
        started = time.perf_counter()
        response = session.get(url, params=params, timeout=300)
        response.raise_for_status()
        if i:
            times.append(time.perf_counter() - started)
    return times


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
    parser.add_argument(
        "--no-http", dest="http", action="store_false", help="skip the HTTP server's timings"
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
    catalogue = load_catalogue(Settings().queries_dir)
    page = Settings().question_page_size
    print(f"answer: the default JSON answer, a page of at most {page} rows")
    library: dict[int, tuple[float, float, float, int]] = {}
    for i, (name, params, _targeted) in enumerate(cases(store)):
        whole, bare, rows = measure(store, catalogue[name], params, args.repeat, page)
        library[i] = (statistics.median(bare), statistics.median(whole), _p95(whole), rows)
    http: dict[int, tuple[float, float]] = {}
    if args.http:
        http = _http_timings(store, args)
    header = (
        (
            f"{'question':<18} {'parameters':<40} {'rows':>6} {'query p50':>10} "
            f"{'library p50':>12}" + (f" {'HTTP p50':>9} {'p95':>7}" if http else f" {'p95':>7}")
        )
        + "  target"
        + ("   whole rows  whole p50" if args.whole else "")
    )
    print(header)
    print("-" * len(header))
    missed = []
    for i, (name, params, targeted) in enumerate(cases(store)):
        bare, p50, p95, rows = library[i]
        if http:
            p50, p95 = http[i]
        shown = " ".join(f"{k}={v}" for k, v in params.items()) or "(none: every region)"
        verdict = ("ok" if p50 < TARGET_SECONDS else "MISSED") if targeted else "-"
        if targeted and p50 >= TARGET_SECONDS:
            missed.append(f"{name} {shown}")
        print(
            f"{name:<18} {shown:<40} {rows:>6} {bare:>9.3f}s {library[i][1]:>11.3f}s"
            + (f" {p50:>8.3f}s" if http else "")
            + f" {p95:>6.3f}s  {verdict.ljust(6) if args.whole else verdict}",
            end="" if args.whole else "\n",
            flush=True,
        )
        if args.whole:
            times, _, all_rows = measure(store, catalogue[name], params, args.repeat, None)
            print(f"   {all_rows:>10} {statistics.median(times):>9.3f}s", flush=True)
    print(
        f"target: {'HTTP' if http else 'library'} answer p50 < {TARGET_SECONDS:g} s for the "
        "cases marked; " + (f"missed: {'; '.join(missed)}" if missed else "all met")
    )
    return 0


def _http_timings(store: GraphStore, args: argparse.Namespace) -> dict[int, tuple[float, float]]:
    """(p50, p95) of each case from a real server on an on-disk copy, its cache off."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store"
        started = time.perf_counter()
        build_store(args.regions, args.actions, path=path).ox.flush()
        print(f"HTTP: on-disk copy built in {time.perf_counter() - started:.1f} s", flush=True)
        server = start_sira(path, cache=False)
        try:
            root = server.url.rsplit("/", 1)[0]
            with requests.Session() as session:
                for i, (name, params, _targeted) in enumerate(cases(store)):
                    times = measure_http(session, root, name, params, args.repeat)
                    out[i] = (statistics.median(times), _p95(times))
        finally:
            server.stop()
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
