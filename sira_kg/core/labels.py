"""The label of each IRI of an answer, in the language asked.

A label is a literal of one of :data:`LABEL_PREDICATES`, names first
(``skos:prefLabel``, ``rdfs:label``, ``dct:title``, ``schema:name``) and
descriptions only for what has no name; among the literals of the first
predicate an IRI has, the asked language wins, then English, then untagged,
then any other.

:func:`store_labels` reads the store's index directly, predicate by predicate,
and asks the next predicate only for the IRIs still without a label: point
lookups, bounded by the number of IRIs (nothing can run away). For the 31k
IRIs of the largest answer at 1M triples (in memory) that takes 0.2 s, where
:func:`sparql_labels`, the same passes as SPARQL VALUES queries for callers
that have only a SPARQL evaluator, takes 0.4 s, and one query per 500 IRIs
with a UNION branch per predicate took 0.6 s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pyoxigraph as ox

from sira_kg.core.store import GraphStore, sparql_term

LABEL_PREDICATES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    "http://schema.org/name",
    "http://purl.org/dc/terms/description",  # gaps and capacities have no label
)
_CHUNK = 250  # IRIs per VALUES block: larger blocks are slower in Oxigraph 0.5

Select = Callable[[str], tuple[list[str], Sequence[Sequence[Any]]]]
"""Evaluates a SELECT query: its variable names and rows of terms (None: unbound)."""


def _language_ranks(lang: str) -> dict[str, int]:
    return {"": 2, "en": 1, lang.lower(): 0}


def _rank(label: Any, ranks: dict[str, int]) -> int | None:
    """The rank of a label's language (lower is better); None for what is no literal."""
    if type(label) is not ox.Literal:
        return None
    tag = label.language
    if not tag:
        return 2
    rank = ranks.get(tag)
    return rank if rank is not None else ranks.get(tag.lower().split("-")[0], 3)


def store_labels(
    store: GraphStore, iris: Iterable[str], lang: str, check: Callable[[], None] = lambda: None
) -> dict[str, str]:
    """A label for each IRI that has one, read from ``store``'s index (all graphs).

    ``check`` is called every thousand lookups, so that a caller with a
    deadline can stop the work by raising.
    """
    ranks = _language_ranks(lang)
    todo = sorted(set(iris))
    out: dict[str, str] = {}
    n = 0
    for predicate in map(ox.NamedNode, LABEL_PREDICATES):
        unlabelled = []
        for iri in todo:
            n += 1
            if n % 1000 == 0:
                check()
            best: tuple[int, str] | None = None
            for label in store.objects(iri, predicate):
                rank = _rank(label, ranks)
                if rank is not None and (best is None or rank < best[0]):
                    best = (rank, label.value)
            if best is None:
                unlabelled.append(iri)
            else:
                out[iri] = best[1]
        todo = unlabelled
        if not todo:
            break
    return out


def sparql_labels(select: Select, iris: Iterable[str], lang: str) -> dict[str, str]:
    """The same labels as :func:`store_labels`, asked through a SPARQL evaluator."""
    ranks = _language_ranks(lang)
    todo = sorted(set(iris))
    out: dict[str, str] = {}
    for predicate in LABEL_PREDICATES:
        best: dict[str, tuple[int, str]] = {}
        for start in range(0, len(todo), _CHUNK):
            values = " ".join(sparql_term(ox.NamedNode(i)) for i in todo[start : start + _CHUNK])
            _, rows = select(
                f"SELECT ?s ?label WHERE {{ VALUES ?s {{ {values} }} ?s <{predicate}> ?label }}"
            )
            for s, label in rows:
                rank = _rank(label, ranks)
                if s is not None and rank is not None:
                    old = best.get(s.value)
                    if old is None or rank < old[0]:
                        best[s.value] = (rank, label.value)
        out.update((iri, text) for iri, (_rank, text) in best.items())
        todo = [iri for iri in todo if iri not in best]
        if not todo:
            break
    return out
