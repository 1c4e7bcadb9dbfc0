"""Fill an empty store with what every sira-kg store holds: vocabulary, schemes, shapes, data.

Why: `sira-kg serve` and `sira-kg load` must work on a fresh directory, and
queries need the ontology and the concept labels next to the data. Each
file set goes into its own named graph (IRIs in docs/model.md), all of them
with their provenance records, in ONE transaction; graphs already present
are left alone, so running it again changes nothing.

| graph | from |
|---|---|
| ``…/graph/ontology`` | ``ontology/sira.ttl`` |
| ``…/graph/scheme/<name>`` | ``ontology/schemes/<name>.ttl`` |
| ``…/graph/shapes`` | ``shapes/*.ttl`` (one graph) |
| ``…/graph/data/<name>`` | ``data/<name>.ttl`` (validated against the shapes) |
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.namespace import OWL

from sira_kg.core import provenance
from sira_kg.core.ingest import check, recover_interrupted
from sira_kg.core.namespaces import METADATA_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH
from sira_kg.core.settings import Settings
from sira_kg.core.store import GraphStore, graph_quads

_LOCK = threading.Lock()


class BootstrapError(Exception):
    """A shipped file (ontology, scheme, shapes, data) cannot be read."""


@dataclass(frozen=True)
class Part:
    """One named graph of the bootstrap and the files it is made of."""

    graph_iri: str
    files: tuple[Path, ...]
    title: str
    validate: bool = False


@dataclass
class BootstrapResult:
    added: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)  # half bulk loads dropped
    problems: list[str] = field(default_factory=list)  # data that did not conform


def plan(settings: Settings) -> list[Part]:
    """The graphs a bootstrapped store holds, from the folders' contents."""
    parts: list[Part] = []
    ontology = settings.ontology_dir / "sira.ttl"
    if ontology.is_file():
        parts.append(Part(str(ONTOLOGY_GRAPH), (ontology,), "The SIRA ontology"))
    for f in sorted((settings.ontology_dir / "schemes").glob("*.ttl")):
        parts.append(Part(provenance.scheme_graph(f.stem), (f,), f"Concept scheme {f.stem}"))
    shapes = tuple(sorted(settings.shapes_dir.glob("*.ttl")))
    if shapes:
        parts.append(Part(str(SHAPES_GRAPH), shapes, "The SIRA SHACL shapes"))
    for f in sorted(settings.data_dir.glob("*.ttl")):
        parts.append(Part(provenance.data_graph(f.stem), (f,), f"Data: {f.stem}", validate=True))
    return parts


def _parse(files: tuple[Path, ...]) -> rdflib.Graph:
    from sira_kg.core.rdfio import ParseError, as_graph, parse_file

    out = rdflib.Graph()
    for f in files:
        try:
            out += as_graph(parse_file(f))
        except ParseError as exc:
            raise BootstrapError(f"a shipped file is broken: {exc}") from None
    return out


def _validation_available() -> bool:
    try:
        import sira_kg.core.validation  # noqa: F401
    except ModuleNotFoundError:
        return False
    return True


def ensure_bootstrapped(
    store: GraphStore, settings: Settings | None = None, *, validate_data: bool = True
) -> BootstrapResult:
    """Make ``store`` ready: drop half bulk loads, add whatever bootstrap graph is missing.

    Idempotent; one transaction for all added graphs. Data graphs are
    validated when ``validate_data`` (the result's ``problems`` lists any
    that did not conform; they are loaded anyway, recorded without
    ``dct:conformsTo``, because the shipped data is ours and a test guards it).
    """
    settings = settings or Settings()
    result = BootstrapResult()
    with _LOCK:
        result.recovered = recover_interrupted(store)
        missing = [p for p in plan(settings) if not store.has_graph(p.graph_iri)]
        if not missing:
            return result
        agent = str(provenance.SOFTWARE_AGENT)
        graphs: dict[str, rdflib.Graph] = {}
        meta = rdflib.Graph()
        parsed = {part.graph_iri: _parse(part.files) for part in missing}
        # The curated data graphs cite each other (a region's roundtable is organised
        # by a consortium partner described in the project graph; every graph cites
        # pages described in the sources graph): they are validated together, as one
        # graph, with what the store already holds as context.
        summary = None
        to_check = [p for p in missing if p.validate]
        if to_check and validate_data and _validation_available():
            together = rdflib.Graph()
            for part in to_check:
                together += parsed[part.graph_iri]
            _report, summary = check(store, together, settings=settings)
            if summary.violations:
                result.problems.append(
                    f"{', '.join(p.graph_iri for p in to_check)}: "
                    f"{summary.violations} violation(s) of the shapes"
                )
        for part in missing:
            started = provenance.now()
            g = parsed[part.graph_iri]
            meta += provenance.record(
                part.graph_iri,
                triples=len(g),
                source=[provenance.file_source(f) for f in part.files],
                agent=agent,
                media_type="text/turtle",
                started=started,
                validation=summary if part.validate else None,
                title=part.title,
            )
            if part.graph_iri == str(SHAPES_GRAPH):
                version = provenance.shapes_version(settings.shapes_dir)
                meta.add((rdflib.URIRef(part.graph_iri), OWL.versionInfo, rdflib.Literal(version)))
            graphs[part.graph_iri] = g
        bnodes: dict = {}
        quads = [q for iri, g in graphs.items() for q in graph_quads(g, iri, bnodes)]
        quads.extend(graph_quads(meta, str(METADATA_GRAPH), bnodes))
        store.write(quads)
        store.flush()
        result.added = list(graphs)
    return result
