"""A load killed with SIGKILL midway leaves a store that opens and holds all or none of it.

Real processes, a real on-disk store, a real `kill -9`. The data is synthetic
(https://w3id.org/sira/synthetic/) and made up for this test only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sira_kg.core.bootstrap import ensure_bootstrapped
from sira_kg.core.namespaces import GRAPH, METADATA_GRAPH
from sira_kg.core.settings import Settings
from sira_kg.core.store import open_store

SYN = "https://w3id.org/sira/synthetic/crash-test/"


def write_synthetic(path: Path, triples: int) -> None:
    """N-Triples (also valid Turtle) of ``triples`` made-up statements."""
    with open(path, "w", encoding="utf-8") as out:
        for i in range(triples):
            out.write(f'<{SYN}thing/{i // 4}> <{SYN}p{i % 4}> "synthetic value {i}"@en .\n')


def start_load(store: Path, *args: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, SIRA_KG_PROGRESS="1", PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "sira_kg", "load", "--store", str(store), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )


def wait_for(proc: subprocess.Popen[bytes], marker: bytes, timeout: float = 120) -> bytes:
    """Read the child's stderr until ``marker`` shows up (the stage we want to kill in)."""
    seen = b""
    deadline = time.monotonic() + timeout
    assert proc.stderr is not None
    while marker not in seen:
        if time.monotonic() > deadline or proc.poll() is not None:
            pytest.fail(f"the load never reached {marker!r}; stderr: {seen[-2000:]!r}")
        seen += os.read(proc.stderr.fileno(), 4096)
    return seen


def kill(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL  # it was killed, it did not finish


def load_graphs(store) -> dict[str, int]:
    return {g.iri: g.triples for g in store.graphs() if g.iri.startswith(str(GRAPH["load/"]))}


def recorded(store, graph_iri: str) -> bool:
    return bool(
        store.query(
            f"ASK {{ GRAPH <{METADATA_GRAPH}> {{ <{graph_iri}> "
            "<http://www.w3.org/ns/prov#generatedAtTime> ?t }}"
        )
    )


@pytest.fixture
def bootstrapped(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    store = open_store(Settings(store_path=path))
    ensure_bootstrapped(store, Settings(store_path=path), validate_data=False)
    store.flush()
    del store  # release the lock for the child process
    return path


def test_killed_during_the_transactional_write(bootstrapped: Path, tmp_path: Path) -> None:
    data = tmp_path / "big.ttl"
    triples = 200_000
    write_synthetic(data, triples)
    proc = start_load(bootstrapped, str(data), "--no-validate")
    wait_for(proc, b"writing")
    time.sleep(0.3)  # well inside a write of 200k triples
    kill(proc)

    store = open_store(Settings(store_path=bootstrapped))  # it opens
    loads = load_graphs(store)
    if loads:  # all of it, with its record
        [(iri, count)] = loads.items()
        assert count == triples and recorded(store, iri)
    else:  # none of it, and no record of it
        void_triples = "<http://rdfs.org/ns/void#triples>"
        assert not store.query(
            f"ASK {{ GRAPH <{METADATA_GRAPH}> {{ ?g {void_triples} {triples} }} }}"
        )
    # The store is still usable: a load now goes through.
    del store
    small = tmp_path / "small.ttl"
    write_synthetic(small, 10)
    proc = start_load(bootstrapped, str(small), "--no-validate")
    assert proc.wait(timeout=300) == 0
    store = open_store(Settings(store_path=bootstrapped))
    assert 10 in load_graphs(store).values()


def test_killed_during_a_bulk_load(bootstrapped: Path, tmp_path: Path) -> None:
    data = tmp_path / "big.nt"
    write_synthetic(data, 600_000)
    proc = start_load(bootstrapped, str(data), "--no-validate")
    wait_for(proc, b"loading big.nt")
    time.sleep(0.8)
    kill(proc)

    store = open_store(Settings(store_path=bootstrapped))  # it opens
    # Killed midway: the load was marked pending and never finished.
    pending = [row["g"].value for row in store.query(_pending_query())]
    assert len(pending) == 1
    assert not recorded(store, pending[0])
    result = ensure_bootstrapped(store, Settings(store_path=bootstrapped), validate_data=False)
    assert result.recovered == pending
    assert load_graphs(store) == {}  # none of it
    assert not store.query(f"ASK {{ GRAPH <{METADATA_GRAPH}> {{ <{pending[0]}> ?p ?o }} }}")


def _pending_query() -> str:
    from sira_kg.core.provenance import interrupted_query

    return interrupted_query()
