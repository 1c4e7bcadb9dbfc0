"""The contribution routes (``/api/validate``, ``/api/contributions``): HTTP in and out.

Why apart: reading a request (its media type, size limit, multipart files)
and writing a response (status, headers, content negotiation) are HTTP; what
happens to a contribution is :mod:`.service`, who may ask is :mod:`.access`.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import rdflib
from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from sira_kg.core.partners import CONTRIBUTION_GRAPHS, Partner, contribution_graph
from sira_kg.core.settings import Settings
from sira_kg.endpoint.contributions.access import State, current_state, partner_of, rate_limit
from sira_kg.endpoint.contributions.service import (
    CSV_MEDIA_TYPE,
    MULTIPART,
    RDF_MEDIA_TYPES,
    XLSX_MEDIA_TYPE,
    Body,
    ContributionError,
    catalogue,
    check_id,
    check_size,
    owned_graph,
    parse_document,
    report_json,
    store_contribution,
    validation,
    withdraw,
)
from sira_kg.endpoint.questions.errors import ParameterError
from sira_kg.endpoint.questions.paging import page_url, request_page

bp = Blueprint("contributions", __name__)

ACCEPTED = (*sorted(set(RDF_MEDIA_TYPES)), CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, MULTIPART)
_UPLOAD_TYPES = {
    ".csv": CSV_MEDIA_TYPE,
    ".xlsx": XLSX_MEDIA_TYPE,
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".jsonld": "application/ld+json",
    ".json": "application/ld+json",
    ".rdf": "application/rdf+xml",
    ".xml": "application/rdf+xml",
}


@bp.errorhandler(ContributionError)
def _api_error(exc: ContributionError) -> Response:
    body = {"error": exc.message, "status": exc.status, **exc.details}
    response = jsonify(body)
    response.status_code = exc.status
    response.headers.update(exc.headers)
    return response


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> Response:
    return _api_error(_body_too_large(current_state().settings))


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return _api_error(ContributionError(exc.code or 400, exc.description or exc.name))


def _body_too_large(settings: Settings) -> ContributionError:
    return ContributionError(
        413,
        f"the request body is larger than the limit of {settings.max_request_bytes} bytes; "
        "split the contribution into several",
        limit_bytes=settings.max_request_bytes,
    )


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


def _unsupported(media_type: str) -> ContributionError:
    shown = media_type or "none"
    return ContributionError(
        415,
        f"unsupported Content-Type {shown!r}; send one of {', '.join(ACCEPTED)}",
        accepted=list(ACCEPTED),
    )


def _base_parameter() -> str | None:
    """``?base=IRI``: what relative IRIs of the body resolve against (without it and
    without a token, a relative JSON-LD IRI is an error, never a dropped triple)."""
    base = request.args.get("base")
    if base is not None and not re.match(r"^(https?|urn):[^\s<>\"{}|\\^`]+$", base):
        raise ContributionError(
            400, f"base={base!r} is not an absolute IRI; give e.g. ?base=https://example.org/my/"
        )
    return base


def _read_body(state: State, base_iri: str | None) -> Body:
    """Parse the request body, whatever its accepted form, within the limits."""
    settings = state.settings
    media_type = _media_type()
    if media_type == MULTIPART:
        request.max_content_length = settings.max_request_bytes
        files = [f for _, f in request.files.items(multi=True) if f.filename]
        if not files:
            raise ContributionError(
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
            part = parse_document(upload.read(), kind, name, base_iri)
            for triple in part:
                graph.add(triple)
            kinds.append(kind)
            names.append(name)
        return Body(graph, kinds, names)
    if media_type in (CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE) or media_type in RDF_MEDIA_TYPES:
        data = _read_raw(settings)
        recorded = RDF_MEDIA_TYPES.get(media_type, media_type)
        return Body(parse_document(data, recorded, "request body", base_iri), [recorded], [])
    raise _unsupported(media_type)


def _lang() -> str:
    asked = request.args.get("lang")
    if asked in {"en", "fr"}:
        return asked
    return request.accept_languages.best_match(["en", "fr"]) or "en"


# -- POST /api/validate -------------------------------------------------------------------------
@bp.post("/api/validate")
def validate_body() -> Response:
    """The SHACL report for a body (with what the store knows of the IRIs it references).

    With a partner's token (optional) it also runs the ownership check of a
    contribution, so that ``accepted`` says what a POST of the same body with
    that token would meet: the shapes alone cannot tell.
    """
    state = current_state()
    partner = partner_of(state, required=False)
    if partner is None:
        rate_limit(state, "addr:" + (request.remote_addr or "?"))
    body = _read_body(state, partner.base if partner else _base_parameter())
    check_size(body, state.settings)
    report, payload = validation(
        state.store, state.registry, state.settings, body, partner, _lang()
    )
    best = request.accept_mimetypes.best_match(
        ["application/json", "text/turtle", "application/n-triples", "application/ld+json"],
        default="application/json",
    )
    if best in {"text/turtle", "application/n-triples", "application/ld+json"}:
        fmt = {"text/turtle": "turtle", "application/n-triples": "nt"}.get(best, "json-ld")
        text = report.to_graph().serialize(format=fmt)
        return Response(text, mimetype=best)
    return jsonify(payload)


@bp.get("/api/contributions")
def list_contributions() -> Response:
    """A partner's own contributions with a token; everyone's public metadata without."""
    state = current_state()
    partner = partner_of(state, required=False)
    if partner is not None:
        prefix = partner.graph_prefix
    elif request.args.get("partner"):
        prefix = f"{CONTRIBUTION_GRAPHS}{request.args['partner']}/"
    else:
        prefix = CONTRIBUTION_GRAPHS
    limit, offset = _page(state.settings)
    items = catalogue(state.store, prefix)
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
        raise ContributionError(400, exc.message, parameter=exc.details.get("parameter")) from None
    assert limit is not None  # a page size by default
    return limit, offset


@bp.get("/api/contributions/<cid>")
def get_contribution(cid: str) -> Response:
    """One contribution's public record, or its data with Accept: text/turtle."""
    state = current_state()
    check_id(cid)
    found = [i for i in catalogue(state.store, CONTRIBUTION_GRAPHS) if i["id"] == cid]
    if not found:
        raise ContributionError(404, f"no contribution {cid} (see GET /api/contributions)")
    item = found[0]
    best = request.accept_mimetypes.best_match(
        ["application/json", "text/turtle", "application/n-triples"], default="application/json"
    )
    if best != "application/json":
        graph = state.store.graph(item["graph"])
        fmt = "turtle" if best == "text/turtle" else "nt"
        return Response(graph.serialize(format=fmt), mimetype=best)
    return jsonify(item)


def _accepted(result: Any, partner: Partner, body: Body, status: int) -> Response:
    cid = result.graph_iri.rsplit("/", 1)[-1]
    report = report_json(result.report, _lang()) if result.report is not None else None
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


def _store(state: State, body: Body, partner: Partner, graph_iri: str, *, replace: bool) -> Any:
    """:func:`store_contribution` with this app's store, registry and settings."""
    return store_contribution(
        state.store,
        state.registry,
        state.settings,
        body,
        partner,
        graph_iri,
        replace=replace,
        lang=_lang(),
    )


@bp.post("/api/contributions")
def create_contribution() -> Response:
    state = current_state()
    partner = partner_of(state)
    assert partner is not None
    body = _read_body(state, partner.base)
    check_size(body, state.settings)
    graph_iri = contribution_graph(partner.name, str(uuid.uuid4()))
    result = _store(state, body, partner, graph_iri, replace=False)
    return _accepted(result, partner, body, 201)


def _owned(cid: str) -> tuple[State, Partner, str]:
    """This request's state, its partner (401 without) and the graph of its contribution ``cid``."""
    state = current_state()
    partner = partner_of(state)
    assert partner is not None
    return state, partner, owned_graph(state.store, state.registry, cid, partner)


@bp.put("/api/contributions/<cid>")
def replace_contribution(cid: str) -> Response:
    state, partner, graph_iri = _owned(cid)
    body = _read_body(state, partner.base)
    check_size(body, state.settings)
    with state.lock_for(graph_iri):
        if not state.store.has_graph(graph_iri):  # withdrawn meanwhile
            raise ContributionError(404, f"no contribution {cid} (withdrawn meanwhile)")
        result = _store(state, body, partner, graph_iri, replace=True)
    return _accepted(result, partner, body, 200)


@bp.delete("/api/contributions/<cid>")
def delete_contribution(cid: str) -> Response:
    state, _partner, graph_iri = _owned(cid)
    with state.lock_for(graph_iri):
        if not state.store.has_graph(graph_iri):  # withdrawn meanwhile
            raise ContributionError(404, f"no contribution {cid} (withdrawn meanwhile)")
        withdraw(state.store, graph_iri)
    return Response(status=204)
