"""The only code that talks to the quad store.

Everything else (loaders, endpoint, questions, contributions) goes through
:class:`GraphStore`, so that the backend (on-disk or in-memory Oxigraph) and
the guarantees (one transaction per write, the default graph as the union of
all graphs) are decided in one place.

SPARQL is always evaluated by Oxigraph's engine; rdflib is used only to build
and parse graphs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox
import rdflib

from sira_kg.core.settings import Settings


class StoreError(Exception):
    """A store problem a user can act on (locked, unreadable, bad write)."""


@dataclass(frozen=True)
class GraphInfo:
    iri: str
    triples: int


def to_ox(term: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert one rdflib term to its pyoxigraph twin."""
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
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise TypeError(f"cannot convert {term!r}")


def graph_quads(graph: rdflib.Graph, graph_iri: str) -> Iterator[ox.Quad]:
    """The triples of an rdflib graph as quads in the named graph ``graph_iri``."""
    g = ox.NamedNode(graph_iri)
    for s, p, o in graph:
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), g)


class GraphStore:
    """A dataset of named graphs in Oxigraph.

    Open it with :func:`open_store`. Reads may run concurrently from many
    threads; each write method is a single Oxigraph transaction.
    """

    def __init__(self, oxstore: ox.Store, path: Path | None) -> None:
        self.ox = oxstore
        self.path = path

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
            kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
        return self.ox.query(sparql, **kwargs)

    def graphs(self) -> list[GraphInfo]:
        """Every named graph with its triple count, sorted by IRI."""
        rows = self.ox.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        found = {r["g"].value: int(r["n"].value) for r in rows}
        for g in self.ox.named_graphs():
            if isinstance(g, ox.NamedNode):
                found.setdefault(g.value, 0)
        return [GraphInfo(iri, n) for iri, n in sorted(found.items())]

    def has_graph(self, graph_iri: str) -> bool:
        return self.ox.contains_named_graph(ox.NamedNode(graph_iri))

    def is_empty(self) -> bool:
        return next(iter(self.ox.quads_for_pattern(None, None, None, None)), None) is None

    def graph(self, graph_iri: str) -> rdflib.Graph:
        """A copy of one named graph as an rdflib graph."""
        out = rdflib.Graph()
        for q in self.ox.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri)):
            out.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        return out

    # -- writes (each one transaction) -------------------------------------
    def add_graphs(self, graphs: dict[str, rdflib.Graph], extra: Iterable[ox.Quad] = ()) -> None:
        """Add several named graphs (and extra quads, e.g. metadata) atomically."""
        quads: list[ox.Quad] = list(extra)
        for iri, g in graphs.items():
            quads.extend(graph_quads(g, iri))
        self.ox.extend(quads)

    def update(self, sparql_update: str) -> None:
        """Run a SPARQL Update as one transaction (used for atomic replace/delete)."""
        self.ox.update(sparql_update)

    # -- backup ------------------------------------------------------------
    def export(self, output: IO[bytes]) -> None:
        """Write every quad as N-Quads, sorted, so that equal stores give equal bytes."""
        data = self.ox.dump(format=ox.RdfFormat.N_QUADS, from_graph=None)
        lines = sorted(line for line in data.split(b"\n") if line)
        for line in lines:
            output.write(line + b"\n")

    def flush(self) -> None:
        if self.path is not None:
            self.ox.flush()


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
