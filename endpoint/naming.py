"""How the pages name things: short IRIs, graph names and labels in a language.

Why apart: the home page's data, the resource descriptions and the page
templates all show IRIs the same way; none of this needs a request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from sira_kg.core.namespaces import GRAPH, PREFIXES
from sira_kg.core.store import GraphStore

LABEL_PATH = (
    "<http://www.w3.org/2004/02/skos/core#prefLabel>|<http://www.w3.org/2000/01/rdf-schema#label>"
    "|<http://purl.org/dc/terms/title>|<http://schema.org/name>|<http://xmlns.com/foaf/0.1/name>"
)


def compact(iri: str) -> str:
    """``sira:Action`` for an IRI in a known namespace, else the IRI itself."""
    best = ""
    for prefix, namespace in PREFIXES.items():
        ns = str(namespace)
        if iri.startswith(ns) and len(ns) > len(best) and "/" not in iri[len(ns) :]:
            best, name = ns, f"{prefix}:{iri[len(ns) :]}"
    return name if best else iri


def graph_name(iri: str) -> str:
    """A named graph's short name: ``data/saone-et-loire`` for ``…/sira/graph/data/…``."""
    return iri[len(str(GRAPH)) :] if iri.startswith(str(GRAPH)) else iri


def pick_label(literals: Iterable[ox.Literal], lang: str) -> str | None:
    """The best label for ``lang``: that language, then English, untagged, any."""
    ranked: list[tuple[int, str]] = []
    for lit in literals:
        tag = (lit.language or "").lower().split("-")[0]
        rank = 0 if tag == lang else 1 if tag == "en" else 2 if not tag else 3
        ranked.append((rank, lit.value))
    return min(ranked)[1] if ranked else None


def label_of(store: GraphStore, iri: str, lang: str) -> str | None:
    rows = store.query(
        f"SELECT ?x ?l WHERE {{ ?x {LABEL_PATH} ?l FILTER(isLiteral(?l)) }}",
        substitutions={"x": ox.NamedNode(iri)},
    )
    return pick_label((r["l"] for r in rows), lang)


@dataclass
class Link:
    iri: str
    label: str


def link_to(store: GraphStore, term: Any, lang: str) -> Link:
    """A link to ``term`` with its label in ``lang`` (or its short IRI)."""
    iri = term.value
    return Link(iri, label_of(store, iri, lang) or compact(iri))
