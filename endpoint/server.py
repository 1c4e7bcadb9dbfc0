"""Run the app under waitress: ``sira-kg serve`` and the tests' live server.

Waitress is a production WSGI server with a pool of threads in one process.
One process suits pyoxigraph: its on-disk store admits one process at a time
and many reading threads, and it releases the GIL while it evaluates, so
queries run in parallel.
"""

from __future__ import annotations

import json
import logging
import signal
import sys

from flask import Flask
from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask

from sira_kg.core.settings import Settings
from sira_kg.core.store import GraphStore, StoreError, open_store

log = logging.getLogger("sira_kg.endpoint")

THREADS = 16  # waitress request threads; query work is bounded by the evaluator


class _JsonErrorTask(ErrorTask):
    """Waitress's own refusals (a body over the limit, a malformed request) as the JSON
    errors the app gives, so that one limit has one answer whatever the size: waitress
    refuses a body longer than ``max_request_bytes`` before reading it, the app one
    that turns out longer while it reads it."""

    max_request_bytes = 0

    def execute(self) -> None:
        error = self.request.error
        if error.code == 413:
            message = (
                f"request too large: at most {self.max_request_bytes} bytes are accepted "
                "(setting max_request_bytes, env SIRA_KG_MAX_REQUEST_BYTES)"
            )
        else:
            message = f"{error.reason}: {error.body}"
        body = json.dumps({"error": message, "status": error.code}).encode("utf-8")
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


def make_server(app: Flask, host: str, port: int, *, threads: int = THREADS, **adjustments):  # noqa: ANN201
    """A waitress server for ``app`` on ``host:port`` (0 picks a free port), not yet running.

    ``server.effective_port`` is the port it listens on; ``server.run()``
    serves until :func:`stop_server`. ``adjustments`` go to waitress.
    """
    settings: Settings = app.extensions["sira"].settings
    error_task = type(
        "JsonErrorTask", (_JsonErrorTask,), {"max_request_bytes": settings.max_request_bytes}
    )
    server = create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="sira-kg",
        # one limit: waitress refuses a longer body before reading it (as JSON, below)
        max_request_body_size=settings.max_request_bytes,
        # a GET query travels in the URL; allow it as large as a POSTed one
        max_request_header_size=max(262144, settings.max_request_bytes),
        channel_timeout=max(120, int(settings.query_timeout) + 30),
        **adjustments,
    )
    server.channel_class = type(
        "JsonErrorChannel", (HTTPChannel,), {"error_task_class": error_task}
    )
    return server


def stop_server(server) -> None:  # noqa: ANN001
    """Stop a server whose ``run()`` loops in another thread; ``run`` then returns.

    The channels are closed from inside the loop (through waitress' trigger),
    so that the loop never selects on a closed socket.
    """

    def close_all() -> None:
        for channel in list(server._map.values()):
            if channel is not server.trigger and channel is not server:
                channel.handle_close()  # open connections
        server.close()  # the listening socket
        server.trigger.handle_close()

    server.trigger.pull_trigger(close_all)
    server.task_dispatcher.shutdown()


def bootstrap(store: GraphStore, settings: Settings) -> None:
    """Fill an empty store with the ontology, schemes, shapes and data, if that is built."""
    try:
        from sira_kg.core.bootstrap import BootstrapError, ensure_bootstrapped
    except ImportError:  # pragma: no cover - the bootstrap is another module's work
        log.warning("no bootstrap module: serving the store as it is")
        return
    try:
        ensure_bootstrapped(store, settings)
    except BootstrapError as exc:
        raise StoreError(f"cannot fill the empty store: {exc}") from None


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(settings: Settings) -> None:
    """Open (and if empty, fill) the store, then serve until interrupted."""
    from sira_kg.endpoint.app import create_app

    configure_logging()
    store = open_store(settings)
    bootstrap(store, settings)
    app = create_app(settings, store)
    server = make_server(app, settings.host, settings.port)
    refresh = getattr(app.extensions["sira"].evaluator, "refresh", None)
    if refresh is not None:
        refresh()  # copy the store into the query workers now, not at the first query
    log.info(
        "serving %s on http://%s:%s/ (SPARQL at /sparql)",
        settings.store_path or "an in-memory store",
        settings.host,
        server.effective_port,
    )
    signal.signal(signal.SIGTERM, _interrupt)  # stop as cleanly on SIGTERM as on Ctrl-C
    try:
        server.run()
    finally:
        server.close()
        app.extensions["sira"].evaluator.close()
        store.flush()
