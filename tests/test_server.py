"""`sira-kg serve` as a user runs it: a subprocess on a free port over an on-disk store."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

SIRA_KG = str(Path(sys.executable).with_name("sira-kg"))
DATA_GRAPH = "https://w3id.org/sira/graph/data/saone-et-loire"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    def __init__(self, process: subprocess.Popen, url: str, log: Path) -> None:
        self.process, self.url, self.log = process, url, log

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode


def start(store: Path, tmp_path: Path, *extra: str) -> Served:
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIRA_KG_")}
    process = subprocess.Popen(
        [SIRA_KG, "serve", "--store", str(store), "--host", "127.0.0.1", "--port", str(port)]
        + list(extra),
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        env=env,
        cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}: {log.read_text()}")
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                return Served(process, url, log)
        except requests.ConnectionError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("serve did not answer /healthz within 60 s: " + log.read_text())


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    server = start(tmp_path / "store", tmp_path)
    yield server
    server.stop()


def test_serve_fills_an_empty_store_and_answers(served: Served) -> None:
    r = requests.get(
        served.url + "/sparql",
        params={"query": f"ASK {{ GRAPH <{DATA_GRAPH}> {{ ?s ?p ?o }} }}"},
        timeout=30,
    )
    assert r.status_code == 200 and r.json()["boolean"] is True
    r = requests.get(served.url + "/healthz", timeout=30)
    assert r.json()["status"] == "ok"


def test_access_log_has_one_line_per_request_without_secrets(served: Served) -> None:
    secret = "s3cr3t-token-value"
    requests.get(
        served.url + "/sparql",
        params={"query": "ASK {}", "token": secret},
        headers={"Authorization": f"Bearer {secret}"},
        timeout=30,
    )
    requests.get(served.url + "/no-such-page", timeout=30)
    time.sleep(0.3)
    served.stop()
    log = served.log.read_text()
    lines = [line for line in log.splitlines() if "sira_kg.access" in line]
    assert any(line.endswith("ms") and "GET /sparql 200 " in line for line in lines), log
    assert any("GET /no-such-page 404 " in line for line in lines), log
    assert secret not in log and "Bearer" not in log


def test_interrupt_stops_the_server_and_the_data_stays(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = start(store, tmp_path)
    assert first.stop() == 0
    second = start(store, tmp_path)  # the same store again: bootstrapped once, opened again
    try:
        r = requests.get(
            second.url + "/sparql",
            params={
                "query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{DATA_GRAPH}> {{ ?s ?p ?o }} }}"
            },
            headers={"Accept": "text/csv"},
            timeout=30,
        )
        assert int(r.text.splitlines()[1]) > 100
    finally:
        second.stop()


def test_a_store_in_use_is_a_clear_error(served: Served, tmp_path: Path) -> None:
    result = subprocess.run(
        [SIRA_KG, "serve", "--store", str(tmp_path / "store"), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "in use" in result.stderr and "Traceback" not in result.stderr


def test_a_port_in_use_is_a_clear_error(served: Served, tmp_path: Path) -> None:
    port = served.url.rsplit(":", 1)[1]
    result = subprocess.run(
        [SIRA_KG, "serve", "--store", str(tmp_path / "other"), "--port", port],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"cannot serve on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
