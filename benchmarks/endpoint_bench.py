"""SPARQL endpoint benchmark: our `sira-kg serve` against `oxigraph serve`, same data, same client.

Run: ``.venv/bin/python -m benchmarks.endpoint_bench [--regions 300] [--actions 100]
[--repeat 20] [--seconds 15]`` (or ``make bench``, which runs every benchmark).

1. Data: ``sira-kg synth --regions 300 --actions 100`` (about 1M synthetic
   triples, https://w3id.org/sira/synthetic/) bulk-loaded into an on-disk store,
   then bootstrapped as `sira-kg serve` does (ontology, schemes, Saône-et-Loire
   graph). The store is dumped and loaded with ``oxigraph load`` into a second
   directory, so both servers hold the same quads.
2. Servers, one at a time, each on its own on-disk store: ``oxigraph serve
   --union-default-graph`` (the PyPI package ``oxigraph``, same version as
   pyoxigraph), and ``sira-kg serve`` twice: as configured by default (answers
   cached until the next write) and with the cache off
   (``SIRA_KG_QUERY_CACHE_BYTES=0``), which measures the worker processes'
   in-memory evaluation itself.
3. Latency: five cross-cutting questions (below), each sent ``--repeat`` times
   after one warm-up, by one ``requests`` session asking for SPARQL JSON; p50
   and p95 per question and server.
4. Throughput: 8 client threads, each with its own session, cycle through the
   five questions for ``--seconds``; requests per second and errors (any
   status other than 200, or no response).
5. Memory: the server's peak. For ``sira-kg serve`` that is a process tree (the
   server, the zygote holding the in-memory copy, the workers that share it
   copy-on-write), so two figures: the peak of the tree's total PSS, sampled
   every 0.25 s (shared pages counted once, the real footprint), and the sum of
   each process's VmHWM (shared pages counted in every process: an upper bound).

Targets (issue 4): our p50 at or below Oxigraph's on every question, zero
errors, peak memory under 1 GiB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

BIN = Path(sys.executable).parent
SYNTH_GRAPH = "https://w3id.org/sira/synthetic/graph"

PREFIXES = """PREFIX sira: <https://w3id.org/sira/ns#>
PREFIX schema: <http://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
"""
# Cross-cutting questions of the roundtables, written in the forms Oxigraph plans
# well (UNION + GROUP BY/HAVING rather than FILTER NOT EXISTS).
QUESTIONS = {
    "what runs where (actions by region and theme)": PREFIXES
    + """SELECT ?region ?theme (COUNT(DISTINCT ?a) AS ?actions) WHERE {
  ?a a sira:Action ; sira:region ?region ; sira:theme ?theme
} GROUP BY ?region ?theme ORDER BY ?region ?theme""",
    "who funds it (amounts by funding level)": PREFIXES
    + """SELECT ?level (COUNT(?f) AS ?grants) (SUM(?v) AS ?total) WHERE {
  ?f a sira:Funding ; sira:fundingStream ?s ; schema:amount ?m .
  ?m schema:value ?v . ?s sira:governanceLevel ?level
} GROUP BY ?level ORDER BY DESC(?total)""",
    "gaps with no action (region, theme)": PREFIXES
    + """SELECT ?region ?theme WHERE {
  { ?g a sira:Gap ; sira:region ?region ; sira:theme ?theme . BIND(1 AS ?gap) }
  UNION
  { ?a a sira:Action ; sira:region ?region ; sira:theme ?theme . BIND(1 AS ?act) }
} GROUP BY ?region ?theme HAVING (COUNT(?gap) > 0 && COUNT(?act) = 0)
ORDER BY ?region ?theme""",
    "strategy coverage by level": PREFIXES
    + """SELECT ?level (COUNT(DISTINCT ?st) AS ?strategies) (COUNT(DISTINCT ?a) AS ?actions)
WHERE {
  ?st a sira:Strategy ; sira:governanceLevel ?level .
  OPTIONAL { ?a sira:implementsStrategy ?st }
} GROUP BY ?level ORDER BY ?level""",
    "implementers by stakeholder category": PREFIXES
    + """SELECT ?category (COUNT(DISTINCT ?o) AS ?organisations) (COUNT(DISTINCT ?a) AS ?actions)
WHERE {
  ?a a sira:Action ; sira:implementer ?o . ?o org:classification ?category
} GROUP BY ?category ORDER BY DESC(?actions)""",
}
ACCEPT = {"Accept": "application/sparql-results+json"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- data -----------------------------------------------------------------------------


def build_stores(work: Path, regions: int, actions: int) -> tuple[Path, Path, int]:
    """Our store (synthetic data + bootstrap) and an Oxigraph copy of it; quads."""
    from sira_kg.core.bootstrap import ensure_bootstrapped
    from sira_kg.core.settings import Settings
    from sira_kg.core.store import open_store

    data = work / "synth.nq"
    subprocess.run(
        [str(BIN / "sira-kg"), "synth", "--regions", str(regions), "--actions", str(actions)]
        + ["-o", str(data)],
        check=True,
    )
    ours = work / "sira-store"
    settings = Settings(store_path=ours)
    store = open_store(settings)
    started = time.perf_counter()
    store.bulk_load(data, "application/n-quads", SYNTH_GRAPH)
    ensure_bootstrapped(store, settings)
    store.flush()
    quads = len(store)
    dump = work / "all.nq"
    store.ox.dump(output=str(dump), format=_n_quads(), from_graph=None)
    del store
    theirs = work / "oxigraph-store"
    subprocess.run(
        [str(BIN / "oxigraph"), "load", "--location", str(theirs), "--file", str(dump)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    dump.unlink()
    data.unlink()
    print(f"stores: {quads} quads each, built in {time.perf_counter() - started:.0f} s")
    return ours, theirs, quads


def _n_quads():  # noqa: ANN202
    import pyoxigraph as ox

    return ox.RdfFormat.N_QUADS


# -- servers and their memory -----------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def process_tree(root: int) -> list[int]:
    tree, out, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(tree.get(pid, []))
    return out


def _kib(path: str, field: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemoryWatch:
    """Samples the total PSS of a process tree; remembers every process's VmHWM."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_pss_kib = 0
        self.hwm_kib: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(0.25)

    def sample(self) -> None:
        total = 0
        for pid in process_tree(self.root):
            total += _kib(f"/proc/{pid}/smaps_rollup", "Pss")
            hwm = _kib(f"/proc/{pid}/status", "VmHWM")
            self.hwm_kib[pid] = max(self.hwm_kib.get(pid, 0), hwm)
        self.peak_pss_kib = max(self.peak_pss_kib, total)

    def stop(self) -> None:
        self.sample()
        self._stop.set()
        self._thread.join()


class Server:
    def __init__(self, name: str, command: list[str], url: str, env: dict | None = None) -> None:
        self.name, self.url = name, url
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=self.log, env=env or os.environ.copy()
        )
        self.memory = MemoryWatch(self.process.pid)

    def wait(self, ready: Callable[[], bool], timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"{self.name} exited: {self.log.read().decode()[-2000:]}")
            try:
                if ready():
                    return
            except requests.RequestException:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} did not start within {timeout} s")

    def stop(self) -> None:
        self.memory.stop()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_sira(store: Path, cache: bool) -> Server:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIRA_KG_")}
    if not cache:
        env["SIRA_KG_QUERY_CACHE_BYTES"] = "0"
    server = Server(
        "sira-kg serve" + ("" if cache else " (no cache)"),
        [str(BIN / "sira-kg"), "serve", "--store", str(store), "--port", str(port)],
        f"http://127.0.0.1:{port}/sparql",
        env,
    )
    root = f"http://127.0.0.1:{port}"
    server.wait(
        lambda: requests.get(root + "/healthz", timeout=2).json()["query_workers"] == "ready"
    )
    return server


def start_oxigraph(store: Path) -> Server:
    port = free_port()
    server = Server(
        "oxigraph serve",
        [str(BIN / "oxigraph"), "serve", "--location", str(store)]
        + ["--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        f"http://127.0.0.1:{port}/query",
    )
    server.wait(
        lambda: requests.get(server.url, params={"query": "ASK {}"}, timeout=2).status_code == 200
    )
    return server


# -- measurements -----------------------------------------------------------------------


def latency(url: str, repeat: int) -> dict[str, tuple[float, float, int]]:
    """(p50 ms, p95 ms, rows) per question, from one session."""
    out = {}
    with requests.Session() as session:
        for name, query in QUESTIONS.items():
            r = session.get(url, params={"query": query}, headers=ACCEPT, timeout=300)
            r.raise_for_status()
            rows = len(r.json()["results"]["bindings"])
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                r = session.get(url, params={"query": query}, headers=ACCEPT, timeout=300)
                times.append((time.perf_counter() - started) * 1000)
                r.raise_for_status()
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            out[name] = (statistics.median(times), p95, rows)
    return out


def throughput(url: str, seconds: float, clients: int = 8) -> tuple[float, int, int]:
    """(requests per second, requests, errors) with ``clients`` concurrent sessions."""
    queries = list(QUESTIONS.values())
    stop = time.monotonic() + seconds
    counts = [[0, 0] for _ in range(clients)]

    def client(i: int) -> None:
        with requests.Session() as session:
            n = i
            while time.monotonic() < stop:
                query = queries[n % len(queries)]
                n += 1
                try:
                    r = session.get(url, params={"query": query}, headers=ACCEPT, timeout=300)
                    ok = r.status_code == 200
                except requests.RequestException:
                    ok = False
                counts[i][0] += 1
                counts[i][1] += 0 if ok else 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    total = sum(c[0] for c in counts)
    return total / elapsed, total, sum(c[1] for c in counts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=300)
    parser.add_argument("--actions", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args(argv if argv is not None else [])
    work = Path(tempfile.mkdtemp(prefix="sira-endpoint-bench-"))
    try:
        ours, theirs, quads = build_stores(work, args.regions, args.actions)
        results = {}
        for start in (
            lambda: start_oxigraph(theirs),
            lambda: start_sira(ours, cache=True),
            lambda: start_sira(ours, cache=False),
        ):
            server = start()
            try:
                lat = latency(server.url, args.repeat)
                rps = throughput(server.url, args.seconds)
            finally:
                server.stop()
            hwm = sum(server.memory.hwm_kib.values())
            results[server.name] = (lat, rps, server.memory.peak_pss_kib, hwm)
            print(f"{server.name}: done", flush=True)
        report(results, quads, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(results: dict, quads: int, args: argparse.Namespace) -> None:
    names = list(results)
    print(
        f"\n### SPARQL endpoint, {quads} quads, {args.repeat} runs per question after a "
        "warm-up, one client (ms)\n"
    )
    print("| question | rows | " + " | ".join(f"{n} p50 / p95" for n in names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    oxigraph = results[names[0]][0]
    for question in QUESTIONS:
        cells = [
            f"{results[n][0][question][0]:.1f} / {results[n][0][question][1]:.1f}" for n in names
        ]
        print(f"| {question} | {oxigraph[question][2]} | " + " | ".join(cells) + " |")
    print(f"\n### 8 concurrent clients for {args.seconds:g} s, and memory\n")
    print("| server | requests/s | requests | errors | peak PSS (tree) | sum of VmHWM |")
    print("|---|---:|---:|---:|---:|---:|")
    for n in names:
        _, (rps, total, errors), pss, hwm = results[n]
        memory = f"{pss / 1024:.0f} MiB | {hwm / 1024:.0f} MiB"
        print(f"| {n} | {rps:.1f} | {total} | {errors} | {memory} |")
    ours = names[1]
    slower = [q for q in QUESTIONS if results[ours][0][q][0] > oxigraph[q][0]]
    print(
        f"\ntarget p50 <= Oxigraph on every question ({ours}): "
        + ("met" if not slower else "NOT met on " + ", ".join(slower))
    )


if __name__ == "__main__":
    main(sys.argv[1:])
