"""The Flask app factory: one app per store, every feature a Blueprint.

Configuration comes from the one :class:`~sira_kg.core.settings.Settings`
object; the state the blueprints share (settings, store, query evaluator)
lives in ``app.extensions["sira"]`` as a :class:`SiraState`. The factory also
installs what every route gets: an access log line per request, CORS for
reads, and error handlers that never show a traceback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from sira_kg import __version__
from sira_kg.core.settings import Settings
from sira_kg.core.store import GraphStore, open_store
from sira_kg.endpoint.cache import CachingEvaluator
from sira_kg.endpoint.evaluation import ThreadEvaluator

access_log = logging.getLogger("sira_kg.access")
log = logging.getLogger("sira_kg.endpoint")

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class SiraState:
    """What the blueprints share; ``current_app.extensions["sira"]``."""

    settings: Settings
    store: GraphStore
    evaluator: Any  # ThreadEvaluator or workers.ProcessEvaluator: .run(job) -> Answer

    def __getitem__(self, name: str) -> Any:  # state["store"] works as well as state.store
        return getattr(self, name)


def create_app(settings: Settings | None = None, store: GraphStore | None = None) -> Flask:
    """A WSGI app serving ``store`` (opened from ``settings`` if not given)."""
    settings = settings or Settings()
    store = store if store is not None else open_store(settings)
    app = Flask("sira_kg.endpoint")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.json.sort_keys = False
    app.extensions["sira"] = SiraState(
        settings=settings, store=store, evaluator=make_evaluator(settings, store)
    )
    app.wsgi_app = AccessLog(app.wsgi_app)  # type: ignore[method-assign]

    @app.get("/healthz")
    def healthz() -> Response:
        """Liveness, and whether SPARQL is answered by the worker processes yet."""
        evaluator = app.extensions["sira"].evaluator
        ready = getattr(evaluator, "ready", None)
        return jsonify(
            status="ok",
            version=__version__,
            query_workers="threads" if ready is None else ("ready" if ready else "starting"),
        )

    @app.after_request
    def cors(response: Response) -> Response:
        """Reads are open to every origin (browser tools, notebooks); writes are not."""
        if request.method in READ_METHODS or request.path == "/sparql":
            response.headers.setdefault("Access-Control-Allow-Origin", "*")
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
            response.headers["Access-Control-Max-Age"] = "86400"
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        message = exc.description or exc.name
        if exc.code == 413:
            message = (
                f"request too large: at most {settings.max_request_bytes} bytes are accepted "
                "(setting max_request_bytes, env SIRA_KG_MAX_REQUEST_BYTES)"
            )
        return _error(exc.code or 500, message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _error(500, "internal error: the server failed on this request; it was logged")

    from sira_kg.endpoint import sparql

    app.register_blueprint(sparql.bp)
    # Feature blueprints, one line each:
    from sira_kg.endpoint.contributions import routes as contributions

    app.register_blueprint(contributions.bp)
    from sira_kg.endpoint import pages

    app.register_blueprint(pages.bp)
    from sira_kg.endpoint import openapi
    from sira_kg.endpoint.questions import routes as questions

    app.register_blueprint(questions.bp)
    app.register_blueprint(openapi.bp)
    return app


def make_evaluator(settings: Settings, store: GraphStore) -> Any:
    """Worker processes over an in-memory copy (or threads if ``query_workers`` is 0), cached."""
    if settings.query_workers > 0:
        from sira_kg.endpoint.workers import ProcessEvaluator

        evaluator: Any = ProcessEvaluator(store, settings.query_workers)
    else:
        evaluator = ThreadEvaluator(store, slots=4)
    if settings.query_cache_bytes > 0:
        evaluator = CachingEvaluator(evaluator, store, settings.query_cache_bytes)
    return evaluator


def _error(status: int, message: str) -> Response:
    """JSON under /api/, plain text elsewhere; never a traceback."""
    if request.path.startswith("/api/"):
        response = jsonify(error=message, status=status)
        response.status_code = status
    else:
        response = Response(message + "\n", status=status, mimetype="text/plain")
    return response


class AccessLog:
    """WSGI middleware: one line per request with method, path, status and duration.

    Only the path is logged, never the query string or headers, so that
    tokens and Authorization headers cannot end up in a log file.
    """

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        status: list[str] = ["-"]

        def recording_start_response(s: str, headers: list, exc_info: Any = None) -> Any:
            status[0] = s.split(" ", 1)[0]
            return start_response(s, headers, exc_info)

        body = self.app(environ, recording_start_response)
        try:
            yield from body
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            access_log.info(
                "%s %s %s %.1fms",
                environ.get("REQUEST_METHOD", "-"),
                environ.get("PATH_INFO", "-"),
                status[0],
                (time.perf_counter() - started) * 1000,
            )
