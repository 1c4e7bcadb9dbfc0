"""Graph IRIs and the DCAT/PROV-O record of every named graph.

Why: every graph in the store (the ontology, each scheme, the shapes, the
Saône-et-Loire data, each load and each contribution) must say when it was
loaded, from what, by whom, how big it is and whether it passed the shapes.
The record lives in the metadata graph (:data:`METADATA_GRAPH`) and is written
in the same transaction as the graph it describes. The model is documented in
docs/model.md, section "Provenance".
"""

from __future__ import annotations

import getpass
import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SH, XSD, Namespace

from sira_kg.core.namespaces import GRAPH, ID, METADATA_GRAPH, SHAPES_GRAPH

VOID = Namespace("http://rdfs.org/ns/void#")
IANA = "http://www.iana.org/assignments/media-types/"

#: The software itself, the agent of bootstrap loads.
SOFTWARE_AGENT = ID["agent/sira-kg"]


# -- graph IRIs -----------------------------------------------------------------
def _segment(name: str) -> str:
    """A safe IRI path segment from a name (letters, digits, ``-``, ``_``, ``.``)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name.strip()).strip("-")
    return slug or "unnamed"


def scheme_graph(name: str) -> str:
    return str(GRAPH[f"scheme/{_segment(name)}"])


def data_graph(name: str) -> str:
    return str(GRAPH[f"data/{_segment(name)}"])


def load_graph() -> str:
    """A fresh graph IRI for one ``sira-kg load``."""
    return str(GRAPH[f"load/{uuid.uuid4()}"])


def contribution_graph(partner: str, contribution_id: str) -> str:
    return str(GRAPH[f"contribution/{_segment(partner)}/{_segment(contribution_id)}"])


# -- agents, sources, media types --------------------------------------------------
def user_agent(name: str | None = None) -> str:
    """The agent IRI of a person running the CLI (default: the OS user name)."""
    if name is None:
        try:
            name = getpass.getuser()
        except (OSError, KeyError):
            name = "unknown"
    return str(ID[f"agent/user/{_segment(name)}"])


def partner_agent(name: str) -> str:
    """The agent IRI of a partner project contributing through the API."""
    return str(ID[f"agent/partner/{_segment(name)}"])


def file_source(path: str | Path) -> str:
    """The IRI of a file read from disk (``file:`` URI of its absolute path)."""
    return Path(path).resolve().as_uri()


def media_type_iri(media_type: str) -> str:
    """The IANA IRI of a media type (``text/turtle`` → ``http://www.iana.org/…/text/turtle``)."""
    if media_type.startswith(("http://", "https://")):
        return media_type
    return IANA + media_type.split(";")[0].strip().lower()


MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".trig": "application/trig",
    ".nt": "application/n-triples",
    ".nq": "application/n-quads",
    ".jsonld": "application/ld+json",
    ".json": "application/ld+json",
    ".rdf": "application/rdf+xml",
    ".xml": "application/rdf+xml",
    ".owl": "application/rdf+xml",
    ".csv": "text/csv",
}


def media_type_of(path: str | Path) -> str:
    return MEDIA_TYPES.get(Path(path).suffix.lower(), "application/octet-stream")


# -- shapes version --------------------------------------------------------------------
def shapes_version(shapes_dir: Path) -> str:
    """The exact shapes that validated a load: their declared version and a content hash.

    ``1.0.0+sha256-0123456789abcdef``: the ``owl:versionInfo`` the shapes declare
    (when they do) and a hash of shapes/*.ttl, so that an edited file without
    a new version number still gives a new version.
    """
    digest = hashlib.sha256()
    files = sorted(shapes_dir.glob("*.ttl"))
    for f in files:
        digest.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    exact = "sha256-" + digest.hexdigest()[:16]
    declared = None
    for f in files:
        m = _VERSION_INFO.search(f.read_text(encoding="utf-8", errors="replace"))
        if m:
            declared = m.group(1)
            break
    return f"{declared}+{exact}" if declared else exact


#: ``owl:versionInfo "1.0.0"`` in a shapes file (read without parsing the whole graph).
_VERSION_INFO = re.compile(r'owl:versionInfo\s+"([^"\\]+)"')


def shapes_version_iri(version: str) -> str:
    return f"{SHAPES_GRAPH}#{version}"


# -- the record ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Validation:
    """What the SHACL gate said about a graph before it was written."""

    conforms: bool  # the report's conforms: no violation (warnings do not count)
    shapes_version: str
    violations: int = 0
    warnings: int = 0


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _time(t: datetime) -> Literal:
    return Literal(t.isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)


def record(
    graph_iri: str,
    *,
    triples: int,
    source: str | Sequence[str],
    agent: str,
    media_type: str | Sequence[str],
    started: datetime,
    ended: datetime | None = None,
    validation: Validation | None = None,
    title: str | None = None,
) -> Graph:
    """The metadata triples describing one named graph (to go into :data:`METADATA_GRAPH`).

    ``validation`` None means the graph was not validated (a ``--no-validate``
    load, or the ontology, schemes and shapes themselves): then there is no
    ``dct:conformsTo`` and no validation activity.
    """
    ended = ended or now()
    g = Graph()
    G = URIRef(graph_iri)
    load = URIRef(f"{graph_iri}#load")
    sources = [URIRef(s) for s in ([source] if isinstance(source, str) else source)]
    types = [media_type] * len(sources) if isinstance(media_type, str) else list(media_type)
    who = URIRef(agent)
    g.add((G, RDF.type, DCAT.Dataset))
    g.add((G, RDF.type, PROV.Entity))
    if title:
        g.add((G, DCTERMS.title, Literal(title, lang="en")))
    g.add((G, PROV.generatedAtTime, _time(ended)))
    for src, mtype in zip(sources, types, strict=True):
        g.add((G, PROV.wasDerivedFrom, src))
        g.add((src, RDF.type, PROV.Entity))
        g.add((src, DCTERMS.format, URIRef(media_type_iri(mtype))))
        g.add((load, PROV.used, src))
    g.add((G, PROV.wasAttributedTo, who))
    g.add((G, PROV.wasGeneratedBy, load))
    g.add((G, VOID.triples, Literal(triples, datatype=XSD.integer)))
    g.add((who, RDF.type, PROV.SoftwareAgent if who == SOFTWARE_AGENT else PROV.Agent))
    g.add((who, RDFS.label, Literal(agent.rsplit("/", 1)[-1])))
    g.add((load, RDF.type, PROV.Activity))
    g.add((load, PROV.wasAssociatedWith, who))
    g.add((load, PROV.startedAtTime, _time(started)))
    g.add((load, PROV.endedAtTime, _time(ended)))
    if validation is not None:
        check = URIRef(f"{graph_iri}#validation")
        report = URIRef(f"{graph_iri}#report")
        shapes = URIRef(shapes_version_iri(validation.shapes_version))
        if validation.violations == 0:
            g.add((G, DCTERMS.conformsTo, URIRef(SHAPES_GRAPH)))
        g.add((load, PROV.wasInformedBy, check))
        g.add((check, RDF.type, PROV.Activity))
        for src in sources:
            g.add((check, PROV.used, src))
        g.add((check, PROV.used, shapes))
        g.add((check, PROV.generated, report))
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, RDF.type, PROV.Entity))
        g.add((report, SH.conforms, Literal(validation.conforms)))
        g.add((shapes, RDF.type, PROV.Entity))
        g.add((shapes, PROV.specializationOf, URIRef(SHAPES_GRAPH)))
        g.add((shapes, OWL.versionInfo, Literal(validation.shapes_version)))
    return g


def pending_record(graph_iri: str, *, source: str, agent: str, started: datetime) -> Graph:
    """The mark written before a non-transactional bulk load starts.

    A graph whose load activity has a start but the graph no
    ``prov:generatedAtTime`` was interrupted; :func:`interrupted_query` finds
    it so that it can be dropped on the next start.
    """
    g = Graph()
    G = URIRef(graph_iri)
    load = URIRef(f"{graph_iri}#load")
    g.add((G, RDF.type, PROV.Entity))
    g.add((G, PROV.wasGeneratedBy, load))
    g.add((load, RDF.type, PROV.Activity))
    g.add((load, PROV.used, URIRef(source)))
    g.add((load, PROV.wasAssociatedWith, URIRef(agent)))
    g.add((load, PROV.startedAtTime, _time(started)))
    return g


def interrupted_query() -> str:
    """SPARQL: graphs whose load started but never finished (``?g``)."""
    return f"""
        PREFIX prov: <{PROV}>
        SELECT DISTINCT ?g WHERE {{
          GRAPH <{METADATA_GRAPH}> {{
            ?g prov:wasGeneratedBy ?load . ?load prov:startedAtTime ?t .
            FILTER NOT EXISTS {{ ?g prov:generatedAtTime ?done }}
          }}
        }}"""


def forget_update(graph_iri: str) -> str:
    """SPARQL Update removing the record of ``graph_iri`` from the metadata graph.

    Agents, sources and shapes versions are shared by many records and stay.
    """
    subjects = [graph_iri] + [f"{graph_iri}#{part}" for part in ("load", "validation", "report")]
    return " ;\n".join(
        f"DELETE WHERE {{ GRAPH <{METADATA_GRAPH}> {{ <{s}> ?p ?o }} }}" for s in subjects
    )


def records_query() -> str:
    """SPARQL: one row per recorded graph (for ``stats``, the pages and the API)."""
    return f"""
        PREFIX prov: <{PROV}>
        PREFIX dct: <{DCTERMS}>
        PREFIX void: <{VOID}>
        SELECT ?g ?generated ?source ?agent ?triples ?conformsTo WHERE {{
          GRAPH <{METADATA_GRAPH}> {{
            ?g prov:generatedAtTime ?generated ; prov:wasDerivedFrom ?source ;
               prov:wasAttributedTo ?agent ; void:triples ?triples .
            OPTIONAL {{ ?g dct:conformsTo ?conformsTo }}
          }}
        }} ORDER BY ?g"""
