"""Partner contributions without HTTP: parse, check, list, store and withdraw.

Why apart from the routes: this is the logic of a contribution (one graph
per contribution, the ownership check before the SHACL gate, one transaction
for the data and its record, the catalogue read from the metadata graph); the
routes only turn requests into calls of these functions and their results or
:class:`ContributionError` into responses. Nothing here imports Flask, so the
CLI or a script can do what the API does.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

import rdflib

from sira_kg.core.namespaces import METADATA_GRAPH
from sira_kg.core.partners import (
    CONTRIBUTION_GRAPHS,
    Partner,
    PartnerRegistry,
    contribution_graph,
    ownership_problems,
)
from sira_kg.core.settings import Settings
from sira_kg.core.store import GraphStore

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
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MULTIPART = "multipart/form-data"
_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class ContributionError(Exception):
    """A refused request or contribution: a message a partner can act on, details as JSON.

    ``status`` is the HTTP status the API answers with (the CLI can map it to an
    exit code); ``headers`` are HTTP headers to send with it (401, 429).
    """

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


def parse_document(data: bytes, media_type: str, name: str, base_iri: str | None) -> rdflib.Graph:
    """One document (RDF, a CSV template or an .xlsx workbook of templates) → a plain
    graph; unreadable: a 400 error listing every problem."""
    from sira_kg.core.rdfio import ParseError, as_graph, parse_bytes

    if media_type in (CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE):
        from sira_kg.loaders.tabular import TabularError, convert_text, convert_xlsx

        try:
            if media_type == XLSX_MEDIA_TYPE:
                return convert_xlsx(data, filename=name)
            return convert_text(data.decode("utf-8"), filename=name)
        except UnicodeDecodeError:
            raise ContributionError(
                400,
                f"{name}: not UTF-8 text; save the spreadsheet as 'CSV UTF-8 (comma delimited)'",
                parse_error={"source": name, "message": "not UTF-8"},
            ) from None
        except TabularError as exc:
            problems = [e.to_dict(name) for e in exc.problems]
            raise ContributionError(
                400, str(exc), parse_error=problems[0], errors=problems
            ) from None
    try:
        dataset = parse_bytes(data, media_type, name, base_iri=base_iri)
    except ParseError as exc:
        raise ContributionError(400, str(exc), parse_error=exc.to_dict()) from None
    except RecursionError:
        raise ContributionError(
            400,
            f"{name}: the document is nested too deeply to be read",
            parse_error={"source": name, "message": "nested too deeply"},
        ) from None
    except Exception as exc:  # noqa: BLE001 - the parser is the boundary with untrusted input
        # A body the parsers cannot turn into triples (e.g. RDF 1.2 triple terms) is
        # the sender's to fix, not a server error; logged so that the gap gets closed.
        log.warning("parser failure on %s: %s: %s", media_type, type(exc).__name__, exc)
        raise ContributionError(
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
        raise ContributionError(
            422,
            f"{name}: a contribution is one graph, but the document has named graphs "
            f"({', '.join(named[:5])}); remove the graph names (JSON-LD: a top-level @graph "
            "without @id)",
        )
    return as_graph(dataset)


def check_size(body: Body, settings: Settings) -> None:
    """A contribution has at least one triple and at most ``max_contribution_triples``."""
    n = len(body.graph)
    if n == 0:
        raise ContributionError(422, "the contribution has no triples")
    limit = settings.max_contribution_triples
    if n > limit:
        raise ContributionError(
            413,
            f"the contribution has {n} triples, more than the limit of {limit}; split it into "
            "several contributions",
            triples=n,
            limit_triples=limit,
        )


def report_json(report: Any, lang: str) -> Any:
    """A SHACL report as JSON, its messages in ``lang``."""
    if hasattr(report, "to_dict"):
        return report.to_dict(lang)
    out = report.to_json(lang)
    if isinstance(out, str):
        try:
            return json.loads(out)
        except ValueError:
            return out
    return out


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


def catalogue(store: GraphStore, prefix: str) -> list[dict[str, Any]]:
    """The records of the contributions whose graph IRI starts with ``prefix``, oldest first."""
    from sira_kg.core.store import sparql_term

    # The prefix is escaped by Oxigraph's own term writer (Oxigraph's substitutions
    # only bind projected variables).
    rows = store.query(_CATALOGUE.replace("PREFIX_LITERAL", sparql_term(rdflib.Literal(prefix))))
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


def check_id(cid: str) -> str:
    """``cid`` if it has the form of a contribution id (a UUID); 404 otherwise."""
    if not _ID.match(cid):
        raise ContributionError(404, f"no contribution {cid!r}: ids are UUIDs as returned by POST")
    return cid


def owned_graph(store: GraphStore, registry: PartnerRegistry, cid: str, partner: Partner) -> str:
    """The graph of contribution ``cid`` if ``partner`` owns it; 403 / 404 otherwise."""
    check_id(cid)
    own = contribution_graph(partner.name, cid)
    if store.has_graph(own):
        return own
    for other in registry.list():
        if other.name != partner.name and store.has_graph(contribution_graph(other.name, cid)):
            raise ContributionError(
                403,
                f"contribution {cid} belongs to partner {other.name!r}; a partner may change "
                "only its own contributions",
            )
    raise ContributionError(404, f"no contribution {cid} (see GET /api/contributions)")


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


def store_contribution(
    store: GraphStore,
    registry: PartnerRegistry,
    settings: Settings,
    body: Body,
    partner: Partner,
    graph_iri: str,
    *,
    replace: bool,
    lang: str = "en",
) -> Any:
    """Check ownership, then validate and write ``body`` as ``graph_iri`` in one transaction.

    Returns the :func:`sira_kg.core.ingest.ingest` result; 422 (ownership,
    shapes) or 503 (the store could not write) otherwise, nothing written.
    """
    from sira_kg.core.ingest import IngestError, ValidationFailed, ingest

    problems, total = ownership_problems(body.graph, partner, registry.list(), store)
    if total:
        raise ContributionError(
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
            store,
            body.graph,
            graph_iri=graph_iri,
            source=_source_iris(graph_iri, len(body.media_types)),
            agent=partner.iri,
            media_type=body.media_types,
            validate=True,
            replace=replace,
            settings=settings,
            title=title,
        )
    except ValidationFailed as exc:
        raise ContributionError(
            422,
            f"the contribution violates the shapes; nothing was written ({exc})",
            conforms=False,
            report=report_json(exc.report, lang),
        ) from None
    except IngestError as exc:
        raise ContributionError(422, str(exc)) from None
    except OSError as exc:
        raise ContributionError(
            503, f"the store could not write; nothing was changed ({exc})"
        ) from None
    if replace:
        store.update(_forget_sources(graph_iri))
    return result


def validation(
    store: GraphStore,
    registry: PartnerRegistry,
    settings: Settings,
    body: Body,
    partner: Partner | None,
    lang: str = "en",
) -> tuple[Any, dict[str, Any]]:
    """The SHACL report of ``body`` and the JSON answer of ``/api/validate``; writes nothing.

    With a ``partner``, the ownership check of a contribution is run too, so
    that ``accepted`` says what storing the same body for that partner would meet.
    """
    from sira_kg.core.ingest import check

    report, summary = check(store, body.graph, settings=settings)
    payload: dict[str, Any] = {
        "conforms": summary.violations == 0,
        "violations": summary.violations,
        "warnings": summary.warnings,
        "triples": len(body.graph),
        "shapes_version": summary.shapes_version,
        "report": report_json(report, lang),
    }
    if partner is not None:
        problems, total = ownership_problems(body.graph, partner, registry.list(), store)
        payload |= {
            "partner": partner.name,
            "own_space": partner.base,
            "ownership": [p.to_dict() for p in problems],
            "ownership_count": total,
            "accepted": summary.violations == 0 and total == 0 and len(body.graph) > 0,
        }
    return report, payload


def withdraw(store: GraphStore, graph_iri: str) -> None:
    """Drop a contribution's graph with its record, in one transaction; 503 if it fails."""
    from sira_kg.core.provenance import forget_update

    try:
        store.write(
            drop_graphs=[graph_iri],
            delete_update=forget_update(graph_iri) + " ;\n" + _forget_sources(graph_iri),
        )
    except OSError as exc:
        raise ContributionError(
            503, f"the store could not write; nothing was changed ({exc})"
        ) from None
