"""Partner contributions over HTTP: validate, contribute, list, replace, withdraw.

Routes (DESIGN.md):

* ``POST /api/validate`` – the SHACL report for a body, as JSON or (``Accept:
  text/turtle``) as a ``sh:ValidationReport``; never writes. No token needed;
  with one, the JSON also gives the ownership check and whether a
  contribution of that body would be accepted.
* ``POST /api/contributions`` – Bearer token; a body in Turtle, N-Triples,
  JSON-LD or RDF/XML (by ``Content-Type``), one CSV template (``text/csv``), or
  CSV templates and RDF files as a ``multipart/form-data`` upload. 201 with the
  id and graph IRI; 422 with the report (nothing written) when it violates the
  shapes or makes statements about IRIs the partner does not own.
* ``GET /api/contributions`` – the catalogue: a partner's own with its token,
  everyone's public metadata without; ``GET /api/contributions/<id>`` one
  record (or its data, with ``Accept: text/turtle``).
* ``PUT /api/contributions/<id>`` – replace atomically; ``DELETE`` withdraws.

Why it is built this way: every write goes through the same gate as ``sira-kg
load`` (:func:`sira_kg.core.ingest.ingest`: SHACL with the store's context,
then ONE transaction writing the graph and its DCAT/PROV-O record), so the
catalogue is simply the metadata graph, visible through ``/sparql`` too.
Ownership (:func:`sira_kg.core.partners.ownership_problems`) is checked
before the gate. Ids are random UUIDs, so concurrent posts never compete for
one. The partner registry is read on every request, so ``sira-kg partner
add/revoke`` take effect at once.

Status codes: 400 unreadable body (parser message with line and column), 401
missing or wrong token (``WWW-Authenticate: Bearer``), 403 another partner's
contribution, 404 no such contribution, 413 body over ``max_request_bytes``
*or* more triples than ``max_contribution_triples`` (both mean "too large:
split it", so both are 413), 415 unsupported ``Content-Type``, 422 shapes
violated / statements about others' IRIs / no triples, 429 over
``rate_limit_per_minute`` for the token (with ``Retry-After``), 503 store or
registry unavailable. Tokens are never logged, echoed or accepted in URLs.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import rdflib
from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from sira_kg.core.namespaces import METADATA_GRAPH
from sira_kg.core.partners import (
    CONTRIBUTION_GRAPHS,
    Partner,
    PartnerError,
    PartnerRegistry,
    contribution_graph,
    hash_token,
    open_registry,
    ownership_problems,
)
from sira_kg.core.settings import Settings
from sira_kg.endpoint.questions.errors import ParameterError
from sira_kg.endpoint.questions.paging import page_url, request_page

bp = Blueprint("contributions", __name__)
log = logging.getLogger("sira_kg.contributions")

#: Content-Type → the media type recorded in the metadata (and parsed by core.rdfio).
RDF_MEDIA_TYPES = {
    "text/turtle": "text/turtle",
    "application/x-turtle": "text/turtle",
    "application/n-triples": "application/n-triples",
    "application/ld+json": "application/ld+json",
    "application/json": "application/ld+json",
    "application/rdf+xml": "application/rdf+xml",
}
CSV_MEDIA_TYPE = "text/csv"
MULTIPART = "multipart/form-data"
ACCEPTED = (*sorted(set(RDF_MEDIA_TYPES)), CSV_MEDIA_TYPE, MULTIPART)
_UPLOAD_TYPES = {
    ".csv": CSV_MEDIA_TYPE,
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".jsonld": "application/ld+json",
    ".json": "application/ld+json",
    ".rdf": "application/rdf+xml",
    ".xml": "application/rdf+xml",
}
_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_REALM = 'Bearer realm="sira-kg"'


# -- errors ------------------------------------------------------------------------------
class ApiError(Exception):
    """An HTTP error with a message a partner can act on, and details as JSON."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.details = details


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    body = {"error": exc.message, "status": exc.status, **exc.details}
    response = jsonify(body)
    response.status_code = exc.status
    response.headers.update(exc.headers)
    return response


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> Response:
    return _api_error(_body_too_large(_state().settings))


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return _api_error(ApiError(exc.code or 400, exc.description or exc.name))


def _body_too_large(settings: Settings) -> ApiError:
    return ApiError(
        413,
        f"the request body is larger than the limit of {settings.max_request_bytes} bytes; "
        "split the contribution into several",
        limit_bytes=settings.max_request_bytes,
    )


# -- per-app state: store, settings, registry, rate limiter ----------------------------------
class RateLimiter:
    """At most ``per_minute`` requests per key in any 60-second window (sliding log).

    Kept in the server's memory: a restart forgets it, which is fine for a
    limit meant to stop a runaway script, not to bill anyone.
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Count one request; None if allowed, else the seconds to wait."""
        if self.per_minute <= 0:
            return None
        now = self.clock()
        with self._lock:
            window = self._hits.setdefault(key, deque())
            while window and window[0] <= now - 60:
                window.popleft()
            if len(window) >= self.per_minute:
                return max(1, math.ceil(window[0] + 60 - now))
            window.append(now)
            if len(self._hits) > 10_000:  # forget idle keys now and then
                for k in [k for k, w in self._hits.items() if not w or w[-1] <= now - 60]:
                    del self._hits[k]
        return None


@dataclass
class _State:
    store: Any
    settings: Settings
    registry: PartnerRegistry
    limiter: RateLimiter
    locks: list[threading.Lock] = field(
        default_factory=lambda: [threading.Lock() for _ in range(64)]
    )

    def lock_for(self, graph_iri: str) -> threading.Lock:
        """Serialises PUT/DELETE of one contribution (never two different ones)."""
        return self.locks[hash(graph_iri) % len(self.locks)]


_STATE_KEY = "sira_contributions"
_state_lock = threading.Lock()


def _sira(app: Any) -> tuple[Any, Settings]:
    state = app.extensions["sira"]
    if isinstance(state, dict):
        return state["store"], state["settings"]
    return state.store, state.settings


def _state() -> _State:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(_STATE_KEY)
    if found is None:
        with _state_lock:
            found = app.extensions.get(_STATE_KEY)
            if found is None:
                store, settings = _sira(app)
                try:
                    registry = open_registry(settings)
                except PartnerError as exc:
                    raise ApiError(503, str(exc)) from None
                found = _State(
                    store, settings, registry, RateLimiter(settings.rate_limit_per_minute)
                )
                app.extensions[_STATE_KEY] = found
    return found


def registry_for(app: Any) -> PartnerRegistry:
    """The partner registry an app uses (for tests and tools that add partners in-process)."""
    with app.app_context():
        return _state().registry


# -- authentication and limits ----------------------------------------------------------
def _token() -> str | None:
    if "access_token" in request.args:
        raise ApiError(
            400,
            "tokens are accepted only in the Authorization header (Authorization: Bearer "
            "<token>), never in the URL, where they would end up in logs; revoke this token "
            "and ask for a new one",
        )
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _partner(state: _State, *, required: bool = True) -> Partner | None:
    """The partner named by the Bearer token (401 if required and absent or wrong)."""
    token = _token()
    if token is None:
        if not required:
            return None
        raise ApiError(
            401,
            "this needs a partner token: send 'Authorization: Bearer <token>' "
            "(tokens come from `sira-kg partner add NAME`)",
            headers={"WWW-Authenticate": _REALM},
        )
    try:
        partner = state.registry.authenticate(token)
    except PartnerError as exc:
        raise ApiError(503, f"the partner registry is unavailable: {exc}") from None
    if partner is None:
        raise ApiError(
            401,
            "the token is not valid (unknown or revoked); ask the platform for a new one",
            headers={"WWW-Authenticate": f'{_REALM}, error="invalid_token"'},
        )
    _limit(state, "token:" + hash_token(token))
    return partner


def _limit(state: _State, key: str) -> None:
    wait = state.limiter.hit(key)
    if wait is not None:
        raise ApiError(
            429,
            f"more than {state.limiter.per_minute} requests in a minute; retry in {wait} s",
            headers={"Retry-After": str(wait)},
            retry_after=wait,
        )


# -- reading and parsing the body ----------------------------------------------------------
@dataclass
class Body:
    """A parsed body: its triples, the media type of each part (one for a plain body)."""

    graph: rdflib.Graph
    media_types: list[str]
    names: list[str]

    @property
    def media_type(self) -> str:
        """What the catalogue shows: the one media type, or multipart for a mixed upload."""
        return self.media_types[0] if len(set(self.media_types)) == 1 else MULTIPART


def _media_type() -> str:
    return (request.mimetype or "").lower()


def _read_raw(settings: Settings) -> bytes:
    limit = settings.max_request_bytes
    if request.content_length is not None and request.content_length > limit:
        raise _body_too_large(settings)
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise _body_too_large(settings)
    return data


def _unsupported(media_type: str) -> ApiError:
    shown = media_type or "none"
    return ApiError(
        415,
        f"unsupported Content-Type {shown!r}; send one of {', '.join(ACCEPTED)}",
        accepted=list(ACCEPTED),
    )


def _parse_one(data: bytes, media_type: str, name: str, base_iri: str | None) -> rdflib.Graph:
    """One document → a plain graph; ParseError/TabularError become 400."""
    from sira_kg.core.rdfio import ParseError, as_graph, parse_bytes

    if media_type == CSV_MEDIA_TYPE:
        from sira_kg.loaders.tabular import TabularError, convert_text

        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(
                400,
                f"{name}: not UTF-8 text; save the spreadsheet as 'CSV UTF-8 (comma delimited)'",
                parse_error={"source": name, "message": "not UTF-8"},
            ) from None
        try:
            return convert_text(text, filename=name)
        except TabularError as exc:
            raise ApiError(
                400,
                str(exc),
                parse_error={
                    "source": exc.source or name,
                    "row": exc.row,
                    "column": exc.column,
                    "value": exc.value,
                    "message": exc.message,
                },
            ) from None
    try:
        dataset = parse_bytes(data, media_type, name, base_iri=base_iri)
    except ParseError as exc:
        raise ApiError(400, str(exc), parse_error=exc.to_dict()) from None
    except RecursionError:
        raise ApiError(
            400,
            f"{name}: the document is nested too deeply to be read",
            parse_error={"source": name, "message": "nested too deeply"},
        ) from None
    except Exception as exc:  # noqa: BLE001 - the parser is the boundary with untrusted input
        # A body the parsers cannot turn into triples (e.g. RDF 1.2 triple terms) is
        # the sender's to fix, not a server error; logged so that the gap gets closed.
        log.warning("parser failure on %s: %s: %s", media_type, type(exc).__name__, exc)
        raise ApiError(
            400,
            f"{name}: cannot read this {media_type} body ({type(exc).__name__}); "
            "plain RDF 1.1 triples are expected (no RDF-star / triple terms)",
            parse_error={"source": name, "message": str(exc)},
        ) from None
    named = [
        str(g.identifier)
        for g in dataset.graphs()
        if g.identifier != rdflib.graph.DATASET_DEFAULT_GRAPH_ID and len(g)
    ]
    if named:
        raise ApiError(
            422,
            f"{name}: a contribution is one graph, but the document has named graphs "
            f"({', '.join(named[:5])}); remove the graph names (JSON-LD: a top-level @graph "
            "without @id)",
        )
    return as_graph(dataset)


def _read_body(state: _State, base_iri: str | None) -> Body:
    """Parse the request body, whatever its accepted form, within the limits."""
    settings = state.settings
    media_type = _media_type()
    if media_type == MULTIPART:
        request.max_content_length = settings.max_request_bytes
        files = [f for _, f in request.files.items(multi=True) if f.filename]
        if not files:
            raise ApiError(
                400,
                "the multipart upload has no files; send CSV templates (or RDF files) as file "
                "fields, e.g. curl -F file=@actions.csv",
            )
        graph = rdflib.Graph()
        kinds: list[str] = []
        names: list[str] = []
        for upload in files:
            name = upload.filename or "upload"
            suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
            kind = _UPLOAD_TYPES.get(suffix) or RDF_MEDIA_TYPES.get((upload.mimetype or "").lower())
            if kind is None and (upload.mimetype or "").lower() == CSV_MEDIA_TYPE:
                kind = CSV_MEDIA_TYPE
            if kind is None:
                raise _unsupported(f"{upload.mimetype} ({name})")
            part = _parse_one(upload.read(), kind, name, base_iri)
            for triple in part:
                graph.add(triple)
            kinds.append(kind)
            names.append(name)
        return Body(graph, kinds, names)
    if media_type == CSV_MEDIA_TYPE or media_type in RDF_MEDIA_TYPES:
        data = _read_raw(settings)
        recorded = RDF_MEDIA_TYPES.get(media_type, media_type)
        return Body(_parse_one(data, recorded, "request body", base_iri), [recorded], [])
    raise _unsupported(media_type)


def _check_size(state: _State, body: Body) -> None:
    n = len(body.graph)
    if n == 0:
        raise ApiError(422, "the contribution has no triples")
    limit = state.settings.max_contribution_triples
    if n > limit:
        raise ApiError(
            413,
            f"the contribution has {n} triples, more than the limit of {limit}; split it into "
            "several contributions",
            triples=n,
            limit_triples=limit,
        )


def _lang() -> str:
    asked = request.args.get("lang")
    if asked in {"en", "fr"}:
        return asked
    return request.accept_languages.best_match(["en", "fr"]) or "en"


def _report_json(report: Any) -> Any:
    if hasattr(report, "to_dict"):
        return report.to_dict(_lang())
    out = report.to_json(_lang())
    if isinstance(out, str):
        try:
            return json.loads(out)
        except ValueError:
            return out
    return out


# -- POST /api/validate -------------------------------------------------------------------------
@bp.post("/api/validate")
def validate_body() -> Response:
    """The SHACL report for a body (with what the store knows of the IRIs it references).

    With a partner's token (optional) it also runs the ownership check of a
    contribution, so that ``accepted`` says what a POST of the same body with
    that token would meet: the shapes alone cannot tell.
    """
    from sira_kg.core.ingest import check

    state = _state()
    partner = _partner(state, required=False)
    if partner is None:
        _limit(state, "addr:" + (request.remote_addr or "?"))
    body = _read_body(state, partner.base if partner else None)
    _check_size(state, body)
    report, summary = check(state.store, body.graph, settings=state.settings)
    best = request.accept_mimetypes.best_match(
        ["application/json", "text/turtle", "application/n-triples", "application/ld+json"],
        default="application/json",
    )
    if best in {"text/turtle", "application/n-triples", "application/ld+json"}:
        fmt = {"text/turtle": "turtle", "application/n-triples": "nt"}.get(best, "json-ld")
        text = report.to_graph().serialize(format=fmt)
        return Response(text, mimetype=best)
    payload = {
        "conforms": summary.violations == 0,
        "violations": summary.violations,
        "warnings": summary.warnings,
        "triples": len(body.graph),
        "shapes_version": summary.shapes_version,
        "report": _report_json(report),
    }
    if partner is not None:
        problems, total = ownership_problems(
            body.graph, partner, state.registry.list(), state.store
        )
        payload |= {
            "partner": partner.name,
            "own_space": partner.base,
            "ownership": [p.to_dict() for p in problems],
            "ownership_count": total,
            "accepted": summary.violations == 0 and total == 0 and len(body.graph) > 0,
        }
    return jsonify(payload)


# -- the catalogue ---------------------------------------------------------------------------
_CATALOGUE = f"""
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX sh: <http://www.w3.org/ns/shacl#>
SELECT ?g ?generated ?agent ?triples ?format ?conformsTo ?version ?conforms WHERE {{
  GRAPH <{METADATA_GRAPH}> {{
    ?g a dcat:Dataset ; prov:generatedAtTime ?generated ; prov:wasAttributedTo ?agent ;
       void:triples ?triples .
    OPTIONAL {{ ?g prov:wasDerivedFrom ?source . ?source dct:format ?format }}
    OPTIONAL {{ ?g dct:conformsTo ?conformsTo }}
    OPTIONAL {{ ?g prov:wasGeneratedBy/prov:wasInformedBy ?check .
               ?check prov:used ?shapes . ?shapes owl:versionInfo ?version }}
    OPTIONAL {{ ?g prov:wasGeneratedBy/prov:wasInformedBy/prov:generated ?report .
               ?report sh:conforms ?conforms }}
  }}
  FILTER(STRSTARTS(STR(?g), PREFIX_LITERAL))
}} ORDER BY ?generated ?g
"""


def _catalogue(state: _State, prefix: str) -> list[dict[str, Any]]:
    from sira_kg.core.store import sparql_term

    # The prefix is escaped by Oxigraph's own term writer (Oxigraph's substitutions
    # only bind projected variables).
    rows = state.store.query(
        _CATALOGUE.replace("PREFIX_LITERAL", sparql_term(rdflib.Literal(prefix)))
    )
    items: dict[str, dict[str, Any]] = {}
    formats: dict[str, set[str]] = {}
    for row in rows:
        g = row["g"].value
        partner, _, cid = g[len(CONTRIBUTION_GRAPHS) :].partition("/")
        if row["format"] is not None:
            formats.setdefault(g, set()).add(row["format"].value.rsplit("media-types/", 1)[-1])
        conforms = row["conforms"].value == "true" if row["conforms"] is not None else None
        items.setdefault(
            g,
            {
                "id": cid,
                "graph": g,
                "partner": partner,
                "agent": row["agent"].value,
                "created": row["generated"].value,
                "triples": int(row["triples"].value),
                "media_type": None,
                "conforms_to": row["conformsTo"].value if row["conformsTo"] is not None else None,
                "conforms": conforms,
                "shapes_version": row["version"].value if row["version"] is not None else None,
                "url": f"/api/contributions/{cid}",
            },
        )
    for g, item in items.items():
        found = sorted(formats.get(g, ()))
        item["media_type"] = found[0] if len(found) == 1 else (MULTIPART if found else None)
    return list(items.values())


@bp.get("/api/contributions")
def list_contributions() -> Response:
    """A partner's own contributions with a token; everyone's public metadata without."""
    state = _state()
    partner = _partner(state, required=False)
    if partner is not None:
        prefix = partner.graph_prefix
    elif request.args.get("partner"):
        prefix = f"{CONTRIBUTION_GRAPHS}{request.args['partner']}/"
    else:
        prefix = CONTRIBUTION_GRAPHS
    limit, offset = _page(state.settings)
    items = _catalogue(state, prefix)
    page = items[offset : offset + limit]
    more = offset + len(page) < len(items)
    next_url = page_url(limit, offset + len(page)) if more else None
    response = jsonify(
        {
            "partner": partner.name if partner else None,
            "count": len(items),
            "limit": limit,
            "offset": offset,
            "next": next_url,
            "contributions": page,
        }
    )
    if next_url:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


def _page(settings: Settings) -> tuple[int, int]:
    """``?limit=`` (default ``question_page_size``) and ``?offset=`` of a list, checked."""
    try:
        limit, offset = request_page(settings)
    except ParameterError as exc:
        raise ApiError(400, exc.message, parameter=exc.details.get("parameter")) from None
    assert limit is not None  # a page size by default
    return limit, offset


def _check_id(cid: str) -> str:
    if not _ID.match(cid):
        raise ApiError(404, f"no contribution {cid!r}: ids are UUIDs as returned by POST")
    return cid


def _existing(state: _State, cid: str, partner: Partner) -> str:
    """The graph of contribution ``cid`` if ``partner`` owns it; 403 / 404 otherwise."""
    _check_id(cid)
    own = contribution_graph(partner.name, cid)
    if state.store.has_graph(own):
        return own
    for other in state.registry.list():
        if other.name != partner.name and state.store.has_graph(
            contribution_graph(other.name, cid)
        ):
            raise ApiError(
                403,
                f"contribution {cid} belongs to partner {other.name!r}; a partner may change "
                "only its own contributions",
            )
    raise ApiError(404, f"no contribution {cid} (see GET /api/contributions)")


@bp.get("/api/contributions/<cid>")
def get_contribution(cid: str) -> Response:
    """One contribution's public record, or its data with Accept: text/turtle."""
    state = _state()
    _check_id(cid)
    found = [i for i in _catalogue(state, CONTRIBUTION_GRAPHS) if i["id"] == cid]
    if not found:
        raise ApiError(404, f"no contribution {cid} (see GET /api/contributions)")
    item = found[0]
    best = request.accept_mimetypes.best_match(
        ["application/json", "text/turtle", "application/n-triples"], default="application/json"
    )
    if best != "application/json":
        graph = state.store.graph(item["graph"])
        fmt = "turtle" if best == "text/turtle" else "nt"
        return Response(graph.serialize(format=fmt), mimetype=best)
    return jsonify(item)


# -- writes ------------------------------------------------------------------------------
def _source_iris(graph_iri: str, parts: int) -> list[str]:
    """Fresh IRIs for what one version of the contribution came in: the request, or each
    file of a multipart upload (each with its own media type in the record)."""
    request_id = uuid.uuid4()
    if parts == 1:
        return [f"{graph_iri}#request-{request_id}"]
    return [f"{graph_iri}#request-{request_id}-{i}" for i in range(1, parts + 1)]


def _forget_sources(graph_iri: str) -> str:
    """SPARQL Update removing the request records of ``graph_iri`` no record uses any more."""
    return f"""
DELETE {{ GRAPH <{METADATA_GRAPH}> {{ ?src ?p ?o }} }}
WHERE {{
  GRAPH <{METADATA_GRAPH}> {{ ?src ?p ?o }}
  FILTER(STRSTARTS(STR(?src), "{graph_iri}#request-"))
  FILTER NOT EXISTS {{ GRAPH <{METADATA_GRAPH}> {{ ?user ?q ?src }} }}
}}"""


def _store(state: _State, body: Body, partner: Partner, graph_iri: str, replace: bool) -> Any:
    from sira_kg.core.ingest import IngestError, ValidationFailed, ingest

    problems, total = ownership_problems(body.graph, partner, state.registry.list(), state.store)
    if total:
        raise ApiError(
            422,
            f"{total} statement(s) about IRIs that belong to the core data or to another "
            f"partner; a contribution may link to any IRI but may only make statements about "
            f"blank nodes, IRIs in its own space ({partner.base}) or IRIs nobody owns",
            ownership=[p.to_dict() for p in problems],
            ownership_count=total,
            own_space=partner.base,
        )
    cid = graph_iri.rsplit("/", 1)[-1]
    title = f"Contribution {cid} of partner {partner.name}"
    try:
        result = ingest(
            state.store,
            body.graph,
            graph_iri=graph_iri,
            source=_source_iris(graph_iri, len(body.media_types)),
            agent=partner.iri,
            media_type=body.media_types,
            validate=True,
            replace=replace,
            settings=state.settings,
            title=title,
        )
    except ValidationFailed as exc:
        raise ApiError(
            422,
            f"the contribution violates the shapes; nothing was written ({exc})",
            conforms=False,
            report=_report_json(exc.report),
        ) from None
    except IngestError as exc:
        raise ApiError(422, str(exc)) from None
    except OSError as exc:
        raise ApiError(503, f"the store could not write; nothing was changed ({exc})") from None
    if replace:
        state.store.update(_forget_sources(graph_iri))
    return result


def _accepted(result: Any, partner: Partner, body: Body, status: int) -> Response:
    cid = result.graph_iri.rsplit("/", 1)[-1]
    report = _report_json(result.report) if result.report is not None else None
    payload = {
        "id": cid,
        "graph": result.graph_iri,
        "partner": partner.name,
        "triples": result.triples,
        "media_type": body.media_type,
        "files": body.names,
        "replaced": bool(result.replaced),
        "warnings": result.warnings,
        "report": report,
        "url": f"/api/contributions/{cid}",
    }
    response = jsonify(payload)
    response.status_code = status
    response.headers["Location"] = payload["url"]
    return response


@bp.post("/api/contributions")
def create_contribution() -> Response:
    state = _state()
    partner = _partner(state)
    assert partner is not None
    body = _read_body(state, partner.base)
    _check_size(state, body)
    graph_iri = contribution_graph(partner.name, str(uuid.uuid4()))
    result = _store(state, body, partner, graph_iri, replace=False)
    return _accepted(result, partner, body, 201)


@bp.put("/api/contributions/<cid>")
def replace_contribution(cid: str) -> Response:
    state = _state()
    partner = _partner(state)
    assert partner is not None
    graph_iri = _existing(state, cid, partner)
    body = _read_body(state, partner.base)
    _check_size(state, body)
    with state.lock_for(graph_iri):
        if not state.store.has_graph(graph_iri):  # withdrawn meanwhile
            raise ApiError(404, f"no contribution {cid} (withdrawn meanwhile)")
        result = _store(state, body, partner, graph_iri, replace=True)
    return _accepted(result, partner, body, 200)


@bp.delete("/api/contributions/<cid>")
def delete_contribution(cid: str) -> Response:
    from sira_kg.core.provenance import forget_update

    state = _state()
    partner = _partner(state)
    assert partner is not None
    graph_iri = _existing(state, cid, partner)
    with state.lock_for(graph_iri):
        if not state.store.has_graph(graph_iri):
            raise ApiError(404, f"no contribution {cid} (withdrawn meanwhile)")
        try:
            state.store.write(
                drop_graphs=[graph_iri],
                delete_update=forget_update(graph_iri) + " ;\n" + _forget_sources(graph_iri),
            )
        except OSError as exc:
            raise ApiError(503, f"the store could not write; nothing was changed ({exc})") from None
    return Response(status=204)


# -- OpenAPI (merged into /api/openapi.json by the questions module) -----------------------------
def openapi() -> dict[str, Any]:
    """The OpenAPI 3 ``paths`` and ``components`` of the routes above."""
    error = {"$ref": "#/components/schemas/Error"}
    body = {
        "required": True,
        "content": {
            **{t: {"schema": {"type": "string"}} for t in sorted(set(RDF_MEDIA_TYPES))},
            CSV_MEDIA_TYPE: {"schema": {"type": "string"}},
            MULTIPART: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                        }
                    },
                }
            },
        },
    }

    def answer(text: str, schema: dict | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"description": text}
        out["content"] = {"application/json": {"schema": schema or error}}
        return out

    errors = {
        "400": answer("unreadable body: the parser's message with line and column"),
        "401": answer("missing, wrong or revoked token"),
        "413": answer("body over max_request_bytes, or more than max_contribution_triples"),
        "415": answer("unsupported Content-Type"),
        "422": answer("refused: shapes violated, statements about IRIs of others, no triples"),
        "429": answer("rate limit per token exceeded; see Retry-After"),
    }
    contribution = {"$ref": "#/components/schemas/Contribution"}
    record = {"$ref": "#/components/schemas/ContributionRecord"}
    cid = {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }
    bearer = [{"partnerToken": []}]
    return {
        "paths": {
            "/api/validate": {
                "post": {
                    "summary": "SHACL report for a body (JSON, or Turtle with Accept: text/turtle)",
                    "description": "No token needed. With a partner token, the JSON answer also "
                    "has the ownership check of a contribution (ownership, ownership_count, "
                    "own_space) and accepted: whether POST /api/contributions would take it.",
                    "requestBody": body,
                    "security": [{}, *bearer],
                    "responses": {
                        "200": {
                            "description": "the report; conforms false when it has violations",
                            "content": {
                                "application/json": {"schema": {"type": "object"}},
                                "text/turtle": {"schema": {"type": "string"}},
                            },
                        },
                        **errors,
                    },
                }
            },
            "/api/contributions": {
                "get": {
                    "summary": "the catalogue: a partner's own with a token, all without",
                    "description": "Oldest first, in pages: `limit` records (question_page_size, "
                    "1000, by default) from `offset`; `next` (and a Link header) gives the next "
                    "page's URL, null on the last.",
                    "parameters": [
                        {"name": "partner", "in": "query", "schema": {"type": "string"}},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1},
                        },
                        {
                            "name": "offset",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 0},
                        },
                    ],
                    "security": [{}, *bearer],
                    "responses": {
                        "200": answer(
                            "contributions",
                            {
                                "type": "object",
                                "properties": {
                                    "partner": {"type": "string", "nullable": True},
                                    "count": {"type": "integer"},
                                    "limit": {"type": "integer"},
                                    "offset": {"type": "integer"},
                                    "next": {"type": "string", "nullable": True},
                                    "contributions": {"type": "array", "items": record},
                                },
                            },
                        ),
                        "401": errors["401"],
                    },
                },
                "post": {
                    "summary": "contribute a graph (validated; stored with its provenance)",
                    "security": bearer,
                    "requestBody": body,
                    "responses": {"201": answer("accepted", contribution), **errors},
                },
            },
            "/api/contributions/{id}": {
                "parameters": [cid],
                "get": {
                    "summary": "one record, or its data with Accept: text/turtle",
                    "responses": {"200": answer("the record", record), "404": answer("no such")},
                },
                "put": {
                    "summary": "replace a contribution atomically",
                    "security": bearer,
                    "requestBody": body,
                    "responses": {
                        "200": answer("replaced", contribution),
                        "403": answer("another partner's contribution"),
                        "404": answer("no such contribution"),
                        **errors,
                    },
                },
                "delete": {
                    "summary": "withdraw a contribution (its graph and record)",
                    "security": bearer,
                    "responses": {
                        "204": {"description": "withdrawn"},
                        "401": errors["401"],
                        "403": answer("another partner's contribution"),
                        "404": answer("no such contribution"),
                        "429": errors["429"],
                    },
                },
            },
        },
        "components": {
            "securitySchemes": {
                "partnerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a token from `sira-kg partner add NAME`",
                }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
                    "required": ["error", "status"],
                },
                "Contribution": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "graph": {"type": "string", "format": "uri"},
                        "partner": {"type": "string"},
                        "triples": {"type": "integer"},
                        "media_type": {"type": "string"},
                        "files": {"type": "array", "items": {"type": "string"}},
                        "replaced": {"type": "boolean"},
                        "warnings": {"type": "integer"},
                        "report": {"type": "object", "nullable": True},
                        "url": {"type": "string"},
                    },
                },
                "ContributionRecord": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "graph": {"type": "string", "format": "uri"},
                        "partner": {"type": "string"},
                        "agent": {"type": "string", "format": "uri"},
                        "created": {"type": "string", "format": "date-time"},
                        "triples": {"type": "integer"},
                        "media_type": {"type": "string", "nullable": True},
                        "conforms_to": {"type": "string", "nullable": True},
                        "conforms": {"type": "boolean", "nullable": True},
                        "shapes_version": {"type": "string", "nullable": True},
                        "url": {"type": "string"},
                    },
                },
            },
        },
    }
