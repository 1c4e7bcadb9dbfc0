"""A real sira-kg server for tests: waitress on a free 127.0.0.1 port, in a thread.

Tests talk HTTP to it with real clients (requests, SPARQLWrapper, rdflib).
Imported by conftest.py, so every test module can ask for:

* ``live_server`` - a fresh in-memory store filled by the bootstrap
  (ontology, schemes, shapes, Saône-et-Loire data), served for one test;
* ``live_server_factory`` - ``factory(settings=None, store=None, bootstrap=True)``
  for a server with other settings (limits) or a prepared store; every server
  it starts is stopped at the end of the test.

Outside pytest, :func:`running` serves any app for the length of a ``with``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask

from sira_kg.core.settings import Settings
from sira_kg.core.store import GraphStore, open_store
from sira_kg.endpoint.app import create_app
from sira_kg.endpoint.server import bootstrap as bootstrap_store
from sira_kg.endpoint.server import make_server, stop_server

SAMPLE = Path(__file__).resolve().parent / "fixtures" / "endpoint-sample.trig"


@dataclass
class LiveServer:
    """A running server: ``url`` is its root (``http://127.0.0.1:PORT``)."""

    url: str
    app: Flask
    store: GraphStore
    settings: Settings

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"


@contextmanager
def running(app: Flask) -> Iterator[LiveServer]:
    """Serve ``app`` with waitress on a free port until the ``with`` ends."""
    # a short loop timeout lets the server thread notice a stop at once
    server = make_server(app, "127.0.0.1", 0, threads=8, asyncore_loop_timeout=0.05)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    state = app.extensions["sira"]
    wait_ready = getattr(state.evaluator, "wait_ready", None)
    if wait_ready is not None:  # answer from the worker processes from the first request
        assert wait_ready(60), "the query workers did not start"
    try:
        yield LiveServer(
            f"http://127.0.0.1:{server.effective_port}", app, state.store, state.settings
        )
    finally:
        stop_server(server)
        thread.join(timeout=10)
        state.evaluator.close()


def sample_store() -> GraphStore:
    """An in-memory store holding the small synthetic sample (two named graphs)."""
    store = open_store(Settings(store_path=None))
    store.ox.load(path=str(SAMPLE), format=ox.RdfFormat.TRIG)
    return store


@pytest.fixture
def live_server_factory() -> Iterator[Callable[..., LiveServer]]:
    with ExitStack() as stack:

        def start(
            settings: Settings | None = None,
            store: GraphStore | None = None,
            bootstrap: bool = True,
        ) -> LiveServer:
            settings = settings or Settings(store_path=None)
            store = store if store is not None else open_store(settings)
            if bootstrap:
                bootstrap_store(store, settings)
            return stack.enter_context(running(create_app(settings, store)))

        yield start


@pytest.fixture
def live_server(live_server_factory: Callable[..., LiveServer]) -> LiveServer:
    """A server over a fresh in-memory store filled by the bootstrap."""
    return live_server_factory()
