"""``/sparql``: the SPARQL 1.1 Protocol, query operation, read-only.

The three ways of sending a query (GET, URL-encoded POST, POST of
``application/sparql-query``) are read into one :class:`QueryJob`; checks that
need no evaluation come first (updates, SERVICE, size, response format), then
the app's evaluator answers it under the time and row limits. With no query at
all, GET answers with the SPARQL 1.1 Service Description.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request
from werkzeug.datastructures import MultiDict

from sira_kg.endpoint.evaluation import QueryFailed, QueryJob
from sira_kg.endpoint.negotiation import GRAPH_FORMATS, RESULT_FORMATS, NotAcceptable, choose
from sira_kg.endpoint.query_text import inspect, refused_services

bp = Blueprint("sparql", __name__)

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"

WRITES_GO_ELSEWHERE = (
    "this endpoint is read-only: SPARQL Update is not accepted at /sparql. "
    "Partners write through the contributions API (POST /api/contributions with their "
    "token); the operator loads files with `sira-kg load`"
)


def error(status: int, message: str) -> Response:
    """A plain-text error that SPARQL clients show to their user as it is."""
    response = Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _one(params: MultiDict, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise BadRequest(
            400, f"{len(values)} `{name}` parameters were given; the protocol allows exactly one"
        )
    return values[0] if values else None


def read_request() -> tuple[str | None, MultiDict]:
    """The query text (None if none was sent) and the other protocol parameters.

    Raises :class:`BadRequest` for updates, two queries, unreadable bodies and
    media types the protocol does not define.
    """
    settings = current_app.extensions["sira"].settings
    if request.content_length is not None and request.content_length > settings.max_request_bytes:
        raise BadRequest(413, _too_large(settings.max_request_bytes))
    if request.method == "GET":
        params = request.args
        if "update" in params:
            raise BadRequest(403, WRITES_GO_ELSEWHERE)
        return _one(params, "query"), params
    media_type = (request.mimetype or "").lower()
    if media_type == FORM_TYPE:
        params = MultiDict(request.args)
        for key, values in request.form.lists():
            params.setlist(key, params.getlist(key) + values)
        if "update" in params:
            raise BadRequest(403, WRITES_GO_ELSEWHERE)
        query = _one(params, "query")
        if query is None:
            raise BadRequest(
                400, "missing query: a URL-encoded POST must carry a `query` parameter"
            )
        return query, params
    if media_type == QUERY_TYPE:
        params = request.args
        if "query" in params:
            raise BadRequest(
                400,
                "two queries: the body is the query of an application/sparql-query POST, "
                "so `query` may not also be given in the URL",
            )
        if "update" in params:
            raise BadRequest(403, WRITES_GO_ELSEWHERE)
        try:
            charset = request.mimetype_params.get("charset", "utf-8")
            text = request.get_data(cache=False).decode(charset)
        except (UnicodeDecodeError, LookupError):
            raise BadRequest(400, "the query body is not valid UTF-8 text") from None
        if not text.strip():
            raise BadRequest(400, "missing query: the application/sparql-query body is empty")
        return text, params
    if media_type == UPDATE_TYPE:
        raise BadRequest(403, WRITES_GO_ELSEWHERE)
    shown = media_type or "none"
    raise BadRequest(
        415,
        f"unsupported media type {shown}: POST a query as {QUERY_TYPE} (the query as body) "
        f"or as {FORM_TYPE} (a `query` parameter)",
    )


def _too_large(limit: int) -> str:
    return (
        f"request too large: the endpoint accepts at most {limit} bytes "
        "(setting max_request_bytes, env SIRA_KG_MAX_REQUEST_BYTES)"
    )


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    state = current_app.extensions["sira"]
    settings = state.settings
    try:
        query, params = read_request()
        format_param = params.get("format")
        if query is None:
            fmt = choose("CONSTRUCT", request.headers.get("Accept"), format_param)
            body = service_description(request.base_url, fmt.ox_format)
            return _answer(body, fmt.content_type)
        if len(query.encode()) > settings.max_request_bytes:
            raise BadRequest(413, _too_large(settings.max_request_bytes))
        info = inspect(query)
        if info.update_keyword is not None:
            raise BadRequest(403, f"{info.update_keyword} is an update; " + WRITES_GO_ELSEWHERE)
        refused = refused_services(info, settings.service_allow_list)
        if refused:
            allowed = ", ".join(settings.service_allow_list) or "none"
            raise BadRequest(
                403,
                "SERVICE refused: this endpoint does not call other endpoints unless they are "
                f"allowed; the query calls {', '.join(refused)}; allowed: {allowed} "
                "(setting service_allow_list, env SIRA_KG_SERVICE_ALLOW_LIST)",
            )
        fmt = choose(info.form or "SELECT", request.headers.get("Accept"), format_param)
        job = QueryJob(
            query=query,
            format_key=fmt.key,
            default_graphs=_graphs(params, "default-graph-uri"),
            named_graphs=_graphs(params, "named-graph-uri"),
            max_rows=settings.max_result_rows,
            timeout=settings.query_timeout,
        )
        answer = state.evaluator.run(job)
    except BadRequest as exc:
        return error(exc.status, exc.message)
    except NotAcceptable as exc:
        return error(406, f"not acceptable: {exc}")
    except QueryFailed as exc:
        response = error(exc.status, exc.message)
        if exc.status == 503:
            response.headers["Retry-After"] = "1"
        return response
    return _answer(answer.body, answer.content_type)


def _graphs(params: MultiDict, name: str) -> tuple[str, ...] | None:
    values = params.getlist(name)
    return tuple(values) if values else None


def _answer(body: bytes, content_type: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def service_description(endpoint: str, rdf_format: ox.RdfFormat) -> bytes:
    """The SPARQL 1.1 Service Description of this endpoint, with the store's named graphs."""
    store = current_app.extensions["sira"].store

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    service = ox.BlankNode("service")
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("defaultGraph")
    triples = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(
            service,
            sd("defaultEntailmentRegime"),
            ox.NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, sd("Graph")),
    ]
    if current_app.extensions["sira"].settings.service_allow_list:
        triples.append(ox.Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    for f in (*RESULT_FORMATS, *GRAPH_FORMATS):
        triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(f.iri)))
    rows = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g")
    for i, row in enumerate(rows):
        named = ox.BlankNode(f"namedGraph{i}")
        triples += [
            ox.Triple(dataset, sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(named, sd("name"), row["g"]),
        ]
    prefixes = {"sd": SD} if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    return ox.serialize(triples, format=rdf_format, prefixes=prefixes)
