"""The one gate every write of data goes through (``sira-kg load`` and the contributions API).

Why one gate: the guarantees of the store (validated against the shapes with
what the store already knows, the whole load or nothing, a provenance record
for every graph) must not depend on which door the data came in by.

:func:`ingest` validates an rdflib graph, then writes it as one named graph
plus its DCAT/PROV-O record in ONE store transaction. :func:`bulk_ingest` is
the trusted, unvalidated path for big N-Triples/N-Quads files; Oxigraph's
bulk loader is not transactional, so that path marks the load as pending
first and :func:`recover_interrupted` drops a half load on the next start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rdflib

from sira_kg.core import provenance
from sira_kg.core.namespaces import METADATA_GRAPH
from sira_kg.core.settings import Settings
from sira_kg.core.store import GraphStore, Progress, bulk_media_type, graph_quads

#: Serialises the check-then-write of ingests in one process (the store itself
#: allows one process only).
_WRITE_LOCK = threading.Lock()


class IngestError(Exception):
    """A load that was refused; nothing was written. The message says why."""


class ValidationFailed(IngestError):
    """The data violates the shapes; ``report`` says where and why."""

    def __init__(self, report: Any, graph_iri: str) -> None:
        self.report = report
        self.graph_iri = graph_iri
        n = count_results(report)[0]
        super().__init__(f"{n} violation(s) of the shapes; nothing was loaded into <{graph_iri}>")


@dataclass(frozen=True)
class IngestResult:
    graph_iri: str
    triples: int
    report: Any = None  # sira_kg.core.validation.Report, None when not validated
    replaced: bool = False

    @property
    def warnings(self) -> int:
        return count_results(self.report)[1] if self.report is not None else 0


def count_results(report: Any) -> tuple[int, int]:
    """(violations, other results: warnings and infos) of a validation report."""
    violations = others = 0
    for r in getattr(report, "results", ()) or ():
        severity = str(getattr(r, "severity", "Violation"))
        if severity.rsplit("#", 1)[-1].rsplit("/", 1)[-1].lower() == "violation":
            violations += 1
        else:
            others += 1
    if violations == 0 and not getattr(report, "conforms", True) and others == 0:
        violations = 1  # a non-conforming report without readable results
    return violations, others


def _distinct_triples(data: rdflib.Graph) -> list[tuple]:
    """The triples of a Graph, or of all graphs of a Dataset once each (a load is one graph).

    Iterating is cheap; building another rdflib Graph is not (about 25 µs a triple).
    """
    if isinstance(data, rdflib.ConjunctiveGraph):
        return list(dict.fromkeys((s, p, o) for s, p, o, _ in data.quads((None, None, None, None))))
    return list(data)


def check(
    store: GraphStore,
    graph: rdflib.Graph,
    *,
    settings: Settings | None = None,
    replacing: str | None = None,
) -> tuple[Any, provenance.Validation]:
    """Validate ``graph`` against the shapes, the ontology and what the store says
    about the IRIs it references (without the graph it is ``replacing``, if any: the
    store as it will be after the write). Returns (report, summary); never writes."""
    from sira_kg.core import validation  # the SHACL gate (imports pySHACL: load lazily)

    settings = settings or Settings()
    context = validation.store_context(store, graph, without=replacing)
    report = validation.validate(graph, context=context, settings=settings)
    violations, others = count_results(report)
    summary = provenance.Validation(
        conforms=bool(report.conforms),
        shapes_version=provenance.shapes_version(settings.shapes_dir),
        violations=violations,
        warnings=others,
    )
    return report, summary


def ingest(
    store: GraphStore,
    graph: rdflib.Graph,
    *,
    graph_iri: str | None = None,
    source: str | Sequence[str],
    agent: str,
    media_type: str | Sequence[str],
    validate: bool = True,
    replace: bool = False,
    settings: Settings | None = None,
    title: str | None = None,
    notify: Callable[[str], None] | None = None,
) -> IngestResult:
    """Validate ``graph`` and write it as the named graph ``graph_iri`` with its record.

    ``graph`` may be a Dataset: all its graphs go into the one named graph.
    ``graph_iri`` None mints ``…/graph/load/<uuid>``. ``source`` is the IRI of
    the file or request, ``agent`` the IRI of who loads (see
    :mod:`sira_kg.core.provenance`), ``media_type`` the syntax it came in.
    ``replace`` replaces an existing graph (and its record) atomically;
    without it an existing graph is an error.

    Raises :class:`ValidationFailed` on violations and :class:`IngestError`
    for other refusals; in both cases nothing is written. Warnings are in
    the result's report and the load goes in. ``notify`` receives a line at
    each stage (validating, writing), for progress messages on big loads.
    """
    settings = settings or Settings()
    triples = _distinct_triples(graph)
    graph_iri = graph_iri or provenance.load_graph()
    _check_target(graph_iri)
    if not triples:
        raise IngestError(f"nothing to load into <{graph_iri}>: the data has no triples")
    started = provenance.now()
    report = summary = None
    if validate:
        if notify:
            notify(f"validating {len(triples)} triples")
        replacing = graph_iri if replace and store.has_graph(graph_iri) else None
        report, summary = check(store, graph, settings=settings, replacing=replacing)
        if summary.violations:
            raise ValidationFailed(report, graph_iri)
    meta = provenance.record(
        graph_iri,
        triples=len(triples),
        source=source,
        agent=agent,
        media_type=media_type,
        started=started,
        validation=summary,
        title=title,
    )
    with _WRITE_LOCK:
        exists = store.has_graph(graph_iri)
        if exists and not replace:
            raise IngestError(
                f"the graph <{graph_iri}> already exists; replace it explicitly, or load into "
                "another graph"
            )
        quads = _quads(triples, graph_iri, meta)
        if notify:
            notify(f"writing {len(triples)} triples into <{graph_iri}>")
        if exists:
            forget = provenance.forget_update(graph_iri)
            store.write(quads, drop_graphs=[graph_iri], delete_update=forget)
        else:
            store.write(quads)
    return IngestResult(graph_iri, len(triples), report, replaced=exists)


def _quads(triples: list[tuple], graph_iri: str, meta: rdflib.Graph):
    bnodes: dict = {}
    yield from graph_quads(triples, graph_iri, bnodes)
    yield from graph_quads(meta, str(METADATA_GRAPH), bnodes)


def _check_target(graph_iri: str) -> None:
    if graph_iri == str(METADATA_GRAPH):
        raise IngestError(f"<{graph_iri}> is the metadata graph; it is written only by sira-kg")
    if not graph_iri.startswith(("http://", "https://", "urn:")):
        raise IngestError(f"the graph name {graph_iri!r} is not an absolute IRI")


def remove(store: GraphStore, graph_iri: str) -> bool:
    """Delete a named graph and its record in one transaction. False if it did not exist."""
    _check_target(graph_iri)
    with _WRITE_LOCK:
        if not store.has_graph(graph_iri):
            return False
        store.write(drop_graphs=[graph_iri], delete_update=provenance.forget_update(graph_iri))
    return True


def bulk_ingest(
    store: GraphStore,
    paths: Sequence[Path],
    *,
    fmt: str | None = None,
    graph_iri: str | None = None,
    agent: str,
    progress: Callable[[Path], Progress | None] | None = None,
) -> IngestResult:
    """Stream big N-Triples/N-Quads files into one new named graph, unvalidated (trusted data).

    Not one transaction (Oxigraph's bulk loader writes in chunks): a pending
    record is written first, the data streamed, then the full record written.
    If the process dies midway, :func:`recover_interrupted` (run by
    ``ensure_bootstrapped`` when the store is next opened) drops the half load.
    A syntax error stops the load and removes what was written, then is raised
    (``SyntaxError`` with ``filename``, ``lineno`` and ``offset`` when known).
    ``progress(path)`` gives the progress callback for one file.
    """
    paths = [Path(p) for p in paths]
    media_types = []
    for path in paths:
        media_type = bulk_media_type(fmt or path.suffix)
        if media_type is None:
            raise IngestError(
                f"{path}: bulk loads take N-Triples (.nt) or N-Quads (.nq) files only"
            )
        media_types.append(media_type)
    graph_iri = graph_iri or provenance.load_graph()
    _check_target(graph_iri)
    sources = [provenance.file_source(p) for p in paths]
    started = provenance.now()
    with _WRITE_LOCK:
        if store.has_graph(graph_iri):
            raise IngestError(
                f"the graph <{graph_iri}> already exists; bulk loads go into a new graph"
            )
        pending = provenance.pending_record(
            graph_iri, source=sources[0], agent=agent, started=started
        )
        store.write(graph_quads(pending, str(METADATA_GRAPH)))
        try:
            for path, media_type in zip(paths, media_types, strict=True):
                try:
                    store.bulk_load(
                        path, media_type, graph_iri, progress=progress(path) if progress else None
                    )
                except SyntaxError as exc:
                    exc.filename = str(path)
                    raise
        except (SyntaxError, ValueError, OSError):
            forget = provenance.forget_update(graph_iri)
            store.write(drop_graphs=[graph_iri], delete_update=forget)
            raise
        triples = store.triple_count(graph_iri)
        meta = provenance.record(
            graph_iri,
            triples=triples,
            source=sources,
            agent=agent,
            media_type=media_types,
            started=started,
            title="Bulk load of " + ", ".join(p.name for p in paths) + " (not validated)",
        )
        store.write(graph_quads(meta, str(METADATA_GRAPH)))
        store.flush()
    return IngestResult(graph_iri, triples, None)


def recover_interrupted(store: GraphStore) -> list[str]:
    """Drop the graphs of bulk loads that never finished (a crash midway); return their IRIs."""
    dropped = []
    for row in store.query(provenance.interrupted_query()):
        iri = row["g"].value
        store.write(drop_graphs=[iri], delete_update=provenance.forget_update(iri))
        dropped.append(iri)
    return dropped
