"""``/api/questions``: the Flask Blueprint of the named questions.

Why apart: HTTP only (language, format, page and parameters from the request;
errors as JSON bodies). The answer itself is computed by
:func:`answer_in_store`, sent to the app's evaluator as a job, so that it
runs where the store is, under the query time limit.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, request

from sira_kg.core.store import GraphStore
from sira_kg.endpoint.evaluation import QueryFailed, StoreJob
from sira_kg.endpoint.questions.answers import Table, answer, store_labeller
from sira_kg.endpoint.questions.catalogue import (
    LANG_TAG,
    LANGS,
    RESERVED_NAMES,
    Question,
    catalogue_json,
    get_question,
    load_catalogue,
)
from sira_kg.endpoint.questions.errors import CatalogueError, ParameterError, QuestionError
from sira_kg.endpoint.questions.paging import page_url, request_page
from sira_kg.endpoint.questions.running import store_runner

bp = Blueprint("questions", __name__)


def request_lang() -> str:
    """``?lang=`` if given (400 if malformed), else the first usable Accept-Language, else en."""
    asked = request.args.get("lang")
    if asked is not None:
        if not LANG_TAG.match(asked):
            raise ParameterError(
                f"lang={asked!r} is not a language tag; use e.g. lang=en or lang=fr",
                parameter="lang",
                valid_values=list(LANGS),
            )
        return asked.split("-")[0].lower()
    for value, _quality in request.accept_languages:
        if LANG_TAG.match(value):
            return value.split("-")[0].lower()
    return "en"


def _catalogue() -> dict[str, Question]:
    return load_catalogue(current_app.extensions["sira"].settings.queries_dir)


def answer_in_store(
    store: GraphStore,
    check: Callable[[], None],
    question: Question,
    given: tuple[tuple[str, tuple[str, ...]], ...],
    lang: str,
    limit: int | None,
    offset: int,
    max_rows: int,
) -> bytes:
    """The whole answer where the store is: the pickled :class:`Table` or error body.

    Run by the app's evaluator as a :class:`StoreJob`: in a query worker, on
    its in-memory copy, under the query time limit; every query of the
    answer under the row limit (one row more than a page of the largest size
    is allowed, to tell that more follow).
    """
    runner = store_runner(store, max_rows + 1, check)
    try:
        table = answer(
            question,
            dict(given),
            runner,
            lang,
            limit,
            offset,
            store_labeller(store, check),
        )
    except QuestionError as exc:
        return pickle.dumps((exc.status, exc.to_json()))
    return pickle.dumps(table)


def _json(payload: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(payload, ensure_ascii=False, indent=1) + "\n",
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _wants_csv() -> bool:
    fmt = request.args.get("format")
    if fmt is not None:
        if fmt not in ("json", "csv"):
            raise ParameterError(
                f"format={fmt!r} is not offered; use format=json or format=csv",
                parameter="format",
                valid_values=["json", "csv"],
            )
        return fmt == "csv"
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv"


@bp.errorhandler(QuestionError)
def _question_error(exc: QuestionError) -> Response:
    return _json(exc.to_json(), exc.status)


@bp.errorhandler(CatalogueError)
def _catalogue_error(exc: CatalogueError) -> Response:
    """A malformed file in queries/: the server's fault, said with file and line."""
    current_app.logger.error("malformed question file: %s", exc)
    return _json({"error": f"a question file is malformed: {exc}", "status": 500}, 500)


@bp.get("/api/questions")
def list_questions() -> Response:
    """Every question with its parameters and columns."""
    base = request.host_url.rstrip("/")
    return _json(catalogue_json(_catalogue(), request_lang(), base))


@bp.get("/api/questions/<name>")
def ask(name: str) -> Response:
    """The answer to one question, as JSON or CSV."""
    state = current_app.extensions["sira"]
    settings = state.settings
    question = get_question(_catalogue(), name)
    lang = request_lang()
    csv_wanted = _wants_csv()
    limit, offset = request_page(settings, whole=csv_wanted)
    given = tuple(
        (k, tuple(request.args.getlist(k))) for k in request.args if k not in RESERVED_NAMES
    )
    job = StoreJob(
        answer_in_store,
        (question, given, lang, limit, offset, settings.max_result_rows),
        settings.query_timeout,
    )
    try:
        outcome = pickle.loads(state.evaluator.run(job).body)
    except QueryFailed as exc:
        return _json({"error": exc.message, "status": exc.status}, exc.status)
    if isinstance(outcome, tuple):  # a QuestionError: (status, JSON body)
        return _json(outcome[1], outcome[0])
    table: Table = outcome
    next_url = _next_url(table)
    if csv_wanted:
        response = Response(table.to_csv(), content_type="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = f'inline; filename="{question.name}.csv"'
    else:
        response = _json(table.to_json(request.host_url.rstrip("/"), next_url))
    if next_url:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


def _next_url(table: Table) -> str | None:
    """The URL of the next page: this request's, with ``limit`` and ``offset`` set."""
    if not table.more or table.limit is None or table.next_offset is None:
        return None
    return page_url(table.limit, table.next_offset)
