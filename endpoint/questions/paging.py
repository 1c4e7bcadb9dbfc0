"""One page of an answer, and the ``?limit=``/``?offset=`` of every paged API list.

Why apart: a page is more than ``LIMIT``/``OFFSET`` for the questions that
declare ``#+ page_prefix`` (a page found among the first values of a sort
key, at a fraction of the cost), and the same checked ``limit``/``offset``
and next-page links serve the contributions' list too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import request

from sira_kg.core.settings import Settings
from sira_kg.endpoint.evaluation import QueryFailed
from sira_kg.endpoint.questions.catalogue import MAX_OFFSET, Question
from sira_kg.endpoint.questions.errors import ParameterError
from sira_kg.endpoint.questions.running import Rows, Runner

_PREFIX_SIZES = (16, 64)  # values of the prefix variable tried before the whole query


def page_rows(
    question: Question,
    terms: Mapping[str, Sequence[ox.NamedNode | ox.Literal]],
    runner: Runner,
    limit: int | None,
    offset: int,
) -> Rows:
    """The rows of one page (``limit + 1`` asked, see :func:`answer`), or of the whole answer.

    With ``#+ page_prefix: ?var predicate`` and ``?var`` not given, the page is
    first looked for among the first values of ``?var`` (16, then 64), bound
    through its parameter slot. ``?var`` is the leading sort key and takes
    every one of its values from the objects of ``predicate``, so the answer
    for the first k values is the start of the whole answer: when it reaches
    past the page, the page is the same, at a fraction of the cost (every
    region's `capacities` sorts 75k groups for its first page otherwise).
    Otherwise the whole query answers.
    """
    asked = None if limit is None else limit + 1
    prefix = question.page_prefix
    if asked is not None and prefix is not None and prefix[0] not in terms:
        var, predicate = prefix
        # Blank nodes and literals sort apart from IRIs: with any, no prefix of IRIs is
        # the start of the answer. The values are sorted by Oxigraph, as the page is.
        try:
            _, others = runner(
                f"SELECT ?v WHERE {{ ?s <{predicate}> ?v FILTER(!isIRI(?v)) }} LIMIT 1"
            )
            _, rows = runner(  # DISTINCT in a subquery: Oxigraph would sort every triple first
                f"SELECT ?v WHERE {{ {{ SELECT DISTINCT ?v WHERE {{ ?s <{predicate}> ?v }} }} "
                f"FILTER(isIRI(?v)) }} ORDER BY ?v LIMIT {_PREFIX_SIZES[-1] + 1}"
            )
        except QueryFailed as exc:  # a row limit under 65: no prefix, the whole query
            if exc.status != 400:
                raise
            others, rows = [()], []
        values = [row[0] for row in rows]
        for size in () if others else _PREFIX_SIZES:
            if size >= len(values):
                break
            bound = question.bind({**terms, var: values[:size]})
            variables, page = runner(question.page(bound, asked, offset))
            if len(page) == asked:
                return variables, page
    return runner(question.page(question.bind(terms), asked, offset))


def check_page(
    limit: str | int | None, offset: str | int | None, max_rows: int
) -> tuple[int | None, int]:
    """``(limit, offset)`` as integers; :class:`ParameterError` naming what is wrong.

    ``limit`` is at least 1 and at most ``max_rows`` (larger values are capped);
    ``offset`` from 0 to :data:`MAX_OFFSET`. None: no limit, offset 0.
    """
    out: list[int | None] = []
    for name, raw, low in (("limit", limit, 1), ("offset", offset, 0)):
        if raw is None:
            out.append(None)
            continue
        text = str(raw).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 10 or int(text) < low:
            raise ParameterError(
                f"{name}={raw!r} is not an integer from {low} to "
                f"{max_rows if name == 'limit' else MAX_OFFSET}",
                parameter=name,
            )
        value = int(text)
        if name == "offset" and value > MAX_OFFSET:
            raise ParameterError(f"offset={raw!r} is larger than {MAX_OFFSET}", parameter="offset")
        out.append(min(value, max_rows) if name == "limit" else value)
    return out[0], out[1] or 0


def request_page(settings: Settings, whole: bool = False) -> tuple[int | None, int]:
    """This request's ``?limit=`` and ``?offset=``, checked; every paged list of the API.

    Without ``limit``, a page of ``question_page_size`` rows, or with ``whole``
    every row from the offset on (None): CSV, read whole by pandas, is the whole
    answer unless ``limit`` or ``offset`` is given.
    """
    for name in ("limit", "offset"):
        if len(request.args.getlist(name)) > 1:
            raise ParameterError(f"{name} was given more than once; give it once", parameter=name)
    limit, offset = check_page(
        request.args.get("limit"), request.args.get("offset"), settings.max_result_rows
    )
    if limit is None and not whole:
        limit = min(settings.question_page_size, settings.max_result_rows)
    return limit, offset


def page_url(limit: int, offset: int) -> str:
    """This request's URL with ``limit`` and ``offset`` set: the link to another page."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("limit", "offset")]
    args += [("limit", str(limit)), ("offset", str(offset))]
    return request.base_url + "?" + urlencode(args)
