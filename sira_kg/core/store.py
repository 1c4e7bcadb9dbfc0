"""The only code that talks to the quad store.

Everything else (loaders, endpoint, questions, contributions) goes through
:class:`GraphStore`, so that the backend (on-disk or in-memory Oxigraph) and
the guarantees (one transaction per write, the default graph as the union of
all graphs) are decided in one place.

SPARQL is always evaluated by Oxigraph's engine; rdflib is used only to build
and parse graphs. Other modules may use the term helpers here (:func:`to_ox`,
:func:`to_rdflib`, :func:`graph_quads`) but never import pyoxigraph to write.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox
import rdflib

from sira_kg.core.settings import Settings

#: Called now and then during a bulk load with (bytes read, total bytes, quads so far or None).
Progress = Callable[[int, int, int | None], None]


class StoreError(Exception):
    """A store problem a user can act on (locked, unreadable, bad write)."""


@dataclass(frozen=True)
class GraphInfo:
    iri: str
    triples: int


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_ox(term: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert one rdflib term to its pyoxigraph twin (blank node ids are kept)."""
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot store {term!r}")


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
    """Convert one pyoxigraph term to its rdflib twin."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise TypeError(f"cannot convert {term!r}")


def graph_quads(
    graph: rdflib.Graph | Iterable[tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]],
    graph_iri: str,
    bnodes: dict[rdflib.BNode, ox.BlankNode] | None = None,
) -> Iterator[ox.Quad]:
    """The triples of an rdflib graph (or any iterable of triples) as quads in ``graph_iri``.

    Blank nodes get fresh store-wide ids (Oxigraph blank nodes are shared by
    all graphs of the dataset, so two loads that both say ``_:b0`` must not
    meet). Pass the same ``bnodes`` dict to keep ids consistent across calls.
    """
    g = ox.NamedNode(graph_iri)
    bnodes = {} if bnodes is None else bnodes
    cache: dict[rdflib.term.Node, ox.NamedNode | ox.Literal] = {}

    def conv(term: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(term, rdflib.BNode):
            found = bnodes.get(term)
            if found is None:
                found = bnodes[term] = ox.BlankNode()
            return found
        found = cache.get(term)
        if found is None:
            found = cache[term] = to_ox(term)  # type: ignore[assignment]
        return found

    for s, p, o in graph:
        yield ox.Quad(conv(s), conv(p), conv(o), g)


def quad(s: str, p: str, o: rdflib.term.Node | str, graph_iri: str) -> ox.Quad:
    """One quad from IRIs (and an rdflib object term or IRI string); for metadata records."""
    obj = to_ox(o) if isinstance(o, rdflib.term.Node) else ox.NamedNode(o)
    return ox.Quad(ox.NamedNode(s), ox.NamedNode(p), obj, ox.NamedNode(graph_iri))


def sparql_term(term: rdflib.term.Node | ox.NamedNode | ox.Literal | ox.BlankNode) -> str:
    """An RDF term in SPARQL/N-Triples syntax, escaped by Oxigraph (safe to embed)."""
    if isinstance(term, rdflib.term.Node):
        term = to_ox(term)
    return str(term)


class GraphStore:
    """A dataset of named graphs in Oxigraph.

    Open it with :func:`open_store`. Reads may run concurrently from many
    threads; each write method is a single Oxigraph transaction, except
    :meth:`bulk_load`, which is documented as not transactional.
    """

    def __init__(self, oxstore: ox.Store, path: Path | None) -> None:
        self.ox = oxstore
        self.path = path
        # Bumped by every write method (before and after it), so that readers
        # holding a copy or a cached answer (the endpoint) know it is stale.
        self.generation = 0
        # The labels of every IRI, for a store that is never written (the query
        # workers' copy): see sira_kg.core.labels.build_index.
        self.label_index: dict[str, list[tuple[int, str, str]]] | None = None

    def __repr__(self) -> str:
        return f"<GraphStore {self.path or 'in memory'}>"

    # -- reads -------------------------------------------------------------
    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool = True,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
        substitutions: dict[str, ox.NamedNode | ox.Literal | ox.BlankNode] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Evaluate a SPARQL query with Oxigraph.

        By default the default graph is the union of all named graphs.
        ``substitutions`` binds variables (by name, without ``?``) to RDF terms,
        so that user values are never pasted into query text.
        Raises ``SyntaxError`` for a bad query.
        """
        kwargs: dict = {}
        if default_graph is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
        elif union_default_graph:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if substitutions:
            kwargs["substitutions"] = {
                ox.Variable(k): (to_ox(v) if isinstance(v, rdflib.term.Node) else v)
                for k, v in substitutions.items()
            }
        return self.ox.query(sparql, **kwargs)

    def objects(
        self, subject: str, predicate: ox.NamedNode
    ) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        """The objects of ``subject predicate ?o`` in every graph: an index lookup, no query."""
        return [q.object for q in self.ox.quads_for_pattern(ox.NamedNode(subject), predicate, None)]

    def subjects_objects(
        self, predicate: ox.NamedNode
    ) -> Iterator[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode | ox.BlankNode | ox.Literal]]:
        """Every ``?s predicate ?o`` in every graph: an index scan, no query."""
        for quad in self.ox.quads_for_pattern(None, predicate, None):
            yield quad.subject, quad.object

    def graphs(self) -> list[GraphInfo]:
        """Every named graph with its triple count, sorted by IRI."""
        rows = self.ox.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        found = {r["g"].value: int(r["n"].value) for r in rows if isinstance(r["g"], ox.NamedNode)}
        for g in self.ox.named_graphs():
            if isinstance(g, ox.NamedNode):
                found.setdefault(g.value, 0)
        return [GraphInfo(iri, n) for iri, n in sorted(found.items())]

    def class_counts(self) -> list[tuple[str, int]]:
        """Instances per class (``rdf:type`` objects) over all graphs, most frequent first."""
        rows = self.ox.query(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c",
        )
        counts = [(r["c"].value, int(r["n"].value)) for r in rows if hasattr(r["c"], "value")]
        return sorted(counts, key=lambda x: (-x[1], x[0]))

    def has_graph(self, graph_iri: str) -> bool:
        return self.ox.contains_named_graph(ox.NamedNode(graph_iri))

    def is_empty(self) -> bool:
        return next(iter(self.ox.quads_for_pattern(None, None, None, None)), None) is None

    def __len__(self) -> int:
        return len(self.ox)

    def triple_count(self, graph_iri: str) -> int:
        g = sparql_term(ox.NamedNode(graph_iri))
        rows = self.ox.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}")
        return int(next(iter(rows))["n"].value)

    def graph(self, graph_iri: str) -> rdflib.Graph:
        """A copy of one named graph as an rdflib graph, with the project's prefixes bound
        (so that Turtle written from it says sira:, skos:, org:…, never ns1:)."""
        from sira_kg.core.namespaces import bind_prefixes

        out = rdflib.Graph()
        bind_prefixes(out)
        for q in self.ox.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri)):
            out.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        return out

    # -- writes (each one transaction) -------------------------------------
    def add_graphs(self, graphs: dict[str, rdflib.Graph], extra: Iterable[ox.Quad] = ()) -> None:
        """Add several named graphs (and extra quads, e.g. metadata) atomically."""
        self.write(_graphs_quads(graphs, extra))

    def write(
        self,
        quads: Iterable[ox.Quad] = (),
        *,
        drop_graphs: Sequence[str] = (),
        delete_update: str = "",
    ) -> None:
        """One transaction: drop ``drop_graphs``, run ``delete_update``, add ``quads``.

        Without deletions this is :meth:`pyoxigraph.Store.extend`; with them it
        is one SPARQL Update request (``DROP``…; ``INSERT DATA``), which
        Oxigraph applies as a single transaction. Either way a failure leaves
        the store exactly as it was.
        """
        self.generation += 1
        if not drop_graphs and not delete_update.strip():
            try:
                self.ox.extend(quads)
            finally:
                self.generation += 1
            return
        parts = [f"DROP SILENT GRAPH {sparql_term(ox.NamedNode(g))}" for g in drop_graphs]
        if delete_update.strip():
            parts.append(delete_update.strip().rstrip(";"))
        body = _insert_data(quads)
        if body:
            parts.append(body)
        try:
            self.ox.update(" ;\n".join(parts))
        finally:
            self.generation += 1

    def update(self, sparql_update: str) -> None:
        """Run a SPARQL Update as one transaction (used for atomic replace/delete)."""
        self.generation += 1
        try:
            self.ox.update(sparql_update)
        finally:
            self.generation += 1

    def bulk_load(
        self,
        path: Path,
        media_type: str,
        graph_iri: str,
        *,
        progress: Progress | None = None,
    ) -> None:
        """Stream a big N-Triples/N-Quads file into ``graph_iri`` with Oxigraph's bulk loader.

        NOT transactional: the bulk loader writes in chunks, so a crash midway
        leaves part of the file in the graph (see ``sira_kg.core.ingest`` for
        how such a half load is marked and rolled back on the next start).
        Quads that name a graph in the file are put into ``graph_iri`` too:
        one load, one graph. Raises ``SyntaxError`` on bad input.
        """
        fmt = BULK_FORMATS.get(media_type)
        if fmt is None:
            raise ValueError(f"the bulk loader takes N-Triples or N-Quads, not {media_type}")
        total = path.stat().st_size
        g = ox.NamedNode(graph_iri)
        self.generation += 1
        with open(path, "rb") as raw:
            reader = _CountingReader(raw, total, progress)
            if fmt == ox.RdfFormat.N_TRIPLES:
                self.ox.bulk_load(reader, fmt, to_graph=g)
            else:
                self.ox.bulk_extend(
                    ox.Quad(q.subject, q.predicate, q.object, g)
                    for q in ox.parse(reader, fmt, rename_blank_nodes=True)
                )
            reader.report(final=True)
        self.generation += 1
        self.flush()

    # -- backup ------------------------------------------------------------
    def export(self, output: IO[bytes]) -> None:
        """Write every quad as N-Quads, sorted, so that equal stores give equal bytes."""
        data = self.ox.dump(format=ox.RdfFormat.N_QUADS, from_graph=None)
        lines = data.split(b"\n")
        del data
        lines.sort()
        for line in lines:
            if line:
                output.write(line + b"\n")

    def import_nquads(self, source: Path | IO[bytes]) -> int:
        """Restore an :meth:`export` into this store, which must be empty; one transaction.

        Blank node ids are kept, so exporting again gives the same bytes.
        Returns the number of quads. Raises ``SyntaxError`` on bad input and
        :class:`StoreError` when the store is not empty.
        """
        if not self.is_empty():
            raise StoreError(
                f"the store {self.path or '(in memory)'} is not empty; import restores a "
                "backup into an empty store: give a new --store directory, or remove this one"
            )
        if isinstance(source, Path):
            quads = list(ox.parse(path=str(source), format=ox.RdfFormat.N_QUADS))
        else:
            quads = list(ox.parse(source, ox.RdfFormat.N_QUADS))
        self.generation += 1
        self.ox.extend(quads)
        self.generation += 1
        self.flush()
        return len(quads)

    def flush(self) -> None:
        if self.path is not None:
            self.ox.flush()

    def disk_size(self) -> int:
        """Bytes the on-disk store takes (0 in memory)."""
        if self.path is None:
            return 0
        return sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())


def _graphs_quads(graphs: dict[str, rdflib.Graph], extra: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    yield from extra
    bnodes: dict[rdflib.BNode, ox.BlankNode] = {}
    for iri, g in graphs.items():
        yield from graph_quads(g, iri, bnodes)


def _insert_data(quads: Iterable[ox.Quad]) -> str:
    by_graph: dict[str, list[str]] = {}
    for q in quads:
        g = q.graph_name
        key = "" if isinstance(g, ox.DefaultGraph) else str(g)
        by_graph.setdefault(key, []).append(f"{q.subject} {q.predicate} {q.object} .")
    if not by_graph:
        return ""
    blocks = []
    for g, lines in by_graph.items():
        body = "\n".join(lines)
        blocks.append(f"GRAPH {g} {{\n{body}\n}}" if g else body)
    return "INSERT DATA {\n" + "\n".join(blocks) + "\n}"


class _CountingReader:
    """A binary reader that reports how far a bulk load has read (for the progress line)."""

    def __init__(self, raw: IO[bytes], total: int, progress: Progress | None) -> None:
        self.raw = raw
        self.total = total
        self.done = 0
        self.progress = progress
        self.last = 0.0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.done += len(data)
        self.report()
        return data

    def readinto(self, buffer: bytearray) -> int:
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.done += n or 0
        self.report()
        return n

    def readable(self) -> bool:
        return True

    def report(self, final: bool = False) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if final or now - self.last >= 0.5:
            self.last = now
            self.progress(self.done, self.total, None)


def stderr_progress(label: str) -> Progress:
    """A one-line progress bar on stderr (only when stderr is a terminal, or forced)."""
    start = time.monotonic()
    tty = sys.stderr.isatty() or os.environ.get("SIRA_KG_PROGRESS") == "1"

    def show(done: int, total: int, _quads: int | None) -> None:
        if not tty:
            return
        frac = done / total if total else 1.0
        width = 30
        bar = "#" * int(frac * width)
        rate = done / max(time.monotonic() - start, 1e-6) / 1e6
        end = "\n" if done >= total else ""
        print(
            f"\r{label} [{bar:<{width}}] {frac:6.1%} {rate:6.1f} MB/s",
            end=end,
            file=sys.stderr,
            flush=True,
        )

    return show


#: N-Triples and N-Quads, the syntaxes the bulk loader streams: name -> pyoxigraph format
#: (core/rdfio.py adds the other syntaxes to these names).
BULK_FORMATS = {
    "nt": ox.RdfFormat.N_TRIPLES,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "nquads": ox.RdfFormat.N_QUADS,
    "n-quads": ox.RdfFormat.N_QUADS,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}


def bulk_media_type(name: str) -> str | None:
    """The media type of a bulk-loadable syntax (extension or name), or None.

    Only N-Triples and N-Quads stream through the bulk loader.
    """
    fmt = BULK_FORMATS.get(name.strip().lower().lstrip("."))
    return fmt.media_type if fmt is not None else None


def open_store(settings: Settings) -> GraphStore:
    """Open the store named by ``settings`` (in memory when ``store_path`` is None).

    A store held by another process gives a :class:`StoreError` that says so,
    not a RocksDB traceback.
    """
    path = settings.store_path
    if path is None:
        return GraphStore(ox.Store(), None)
    try:
        path.mkdir(parents=True, exist_ok=True)
        return GraphStore(ox.Store(str(path)), path)
    except OSError as exc:
        message = str(exc)
        if "lock" in message.lower():
            raise StoreError(
                f"the store {path} is in use by another process (a running `sira-kg serve`?); "
                "stop it, or use the HTTP API, or give another --store"
            ) from None
        raise StoreError(f"cannot open the store {path}: {message}") from None
