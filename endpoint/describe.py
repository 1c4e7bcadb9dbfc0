"""A resource's page data: everything the store says about an IRI, labelled, grouped.

Why apart: the queries and the shaping of a resource page (outgoing and
incoming statements by property, blank nodes nested, labels in the page's
language), and the near matches offered by a 404; :mod:`.pages` negotiates
the format and renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from sira_kg.core.store import GraphStore
from sira_kg.endpoint.naming import LABEL_PATH, Link, compact, link_to, pick_label

MAX_INCOMING = 500  # incoming statements listed on one page

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass
class Value:
    """One object (or subject, for incoming links) of a statement, ready to show."""

    kind: str  # "iri", "literal" or "bnode"
    text: str
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None
    graph: str | None = None
    nested: list[tuple[str, list[Value]]] = field(default_factory=list)  # a blank node's own


@dataclass
class Group:
    """The values of one property, under the property's label."""

    iri: str
    label: str
    values: list[Value] = field(default_factory=list)


@dataclass
class Description:
    iri: str
    label: str
    labels: list[tuple[str, str]]  # (text, language)
    types: list[Value]
    outgoing: list[Group]
    incoming: list[Group]
    incoming_truncated: bool
    graphs: list[str]
    predicate_uses: int = 0  # statements using it as their property, when it has no other


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LABEL_IRIS = {
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
}

DESCRIBE_LABELS = f"""
SELECT DISTINCT ?s ?x ?l WHERE {{
  {{ ?s ?p0 ?x }} UNION {{ ?x ?p0 ?s }} UNION {{ ?s ?x ?o0 }} UNION {{ ?o0 ?x ?s }}
  UNION {{ ?s ?p0 ?b FILTER(isBlank(?b)) ?b ?x ?o0 }}
  UNION {{ ?s ?p0 ?b FILTER(isBlank(?b)) ?b ?p1 ?x }}
  ?x {LABEL_PATH} ?l FILTER(isLiteral(?l))
}}"""


def describe(store: GraphStore, iri: str, lang: str) -> Description | None:
    """Everything the store says about ``iri`` (None when it says nothing), with labels."""
    s = {"s": ox.NamedNode(iri)}
    out = list(store.query("SELECT ?s ?g ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", substitutions=s))
    inc = list(
        store.query(
            f"SELECT ?s ?g ?x ?p WHERE {{ GRAPH ?g {{ ?x ?p ?s }} }} LIMIT {MAX_INCOMING + 1}",
            substitutions=s,
        )
    )
    uses = 0
    if not out and not inc:
        # a property from another vocabulary (rdf:type, …) is only ever a predicate here
        rows = store.query(
            "SELECT ?s (COUNT(*) AS ?n) WHERE { ?a ?s ?b } GROUP BY ?s", substitutions=s
        )
        uses = sum(int(r["n"].value) for r in rows)
        if not uses:
            return None
    found: dict[str, list[ox.Literal]] = {}
    for r in store.query(DESCRIBE_LABELS, substitutions=s):
        found.setdefault(r["x"].value, []).append(r["l"])
    labels = {k: pick_label(v, lang) or compact(k) for k, v in found.items()}
    nested: dict[str, list[tuple[ox.NamedNode, Any]]] = {}
    for r in store.query(
        "SELECT DISTINCT ?s ?b ?bp ?bo WHERE { ?s ?p ?b FILTER(isBlank(?b)) ?b ?bp ?bo }",
        substitutions=s,
    ):
        nested.setdefault(r["b"].value, []).append((r["bp"], r["bo"]))

    def value(term: Any, graph: str | None = None) -> Value:
        if isinstance(term, ox.NamedNode):
            return Value(
                "iri", labels.get(term.value, compact(term.value)), term.value, graph=graph
            )
        if isinstance(term, ox.BlankNode):
            inner: dict[str, list[Value]] = {}
            for bp, bo in sorted(nested.get(term.value, []), key=lambda t: (t[0].value, str(t[1]))):
                inner.setdefault(bp.value, []).append(value(bo))
            return Value(
                "bnode",
                "_:" + term.value,
                graph=graph,
                nested=[(labels.get(p, compact(p)), vs) for p, vs in inner.items()],
            )
        datatype = term.datatype.value if term.language is None else None
        return Value(
            "literal",
            term.value,
            lang=term.language,
            datatype=compact(datatype) if datatype and datatype != _XSD_STRING else None,
            graph=graph,
        )

    def grouped(rows: list, subject_key: str) -> list[Group]:
        groups: dict[str, Group] = {}
        for r in rows:
            p = r["p"].value
            group = groups.get(p)
            if group is None:
                group = groups[p] = Group(p, labels.get(p, compact(p)))
            group.values.append(value(r[subject_key], r["g"].value))
        for group in groups.values():
            group.values.sort(key=lambda v: (v.kind != "iri", v.text.lower(), v.graph or ""))
        return sorted(groups.values(), key=lambda g: (g.iri != RDF_TYPE, g.label.lower()))

    outgoing = grouped(out, "o")
    types: list[Value] = []
    if outgoing and outgoing[0].iri == RDF_TYPE:
        seen = set()
        for v in outgoing[0].values:
            if v.iri not in seen:
                seen.add(v.iri)
                types.append(v)
    own_labels = sorted(
        {(r["o"].value, r["o"].language or "") for r in out if r["p"].value in _LABEL_IRIS}
    )
    return Description(
        iri=iri,
        label=labels.get(iri)
        or pick_label((r["o"] for r in out if r["p"].value in _LABEL_IRIS), lang)
        or compact(iri),
        labels=own_labels,
        types=types,
        outgoing=outgoing,
        incoming=grouped(inc[:MAX_INCOMING], "x"),
        incoming_truncated=len(inc) > MAX_INCOMING,
        graphs=sorted({r["g"].value for r in out} | {r["g"].value for r in inc}),
        predicate_uses=uses,
    )


DESCRIBE_GRAPH = """
CONSTRUCT { ?s ?p ?o . ?o ?bp ?bo . ?x ?ip ?s }
WHERE {
  { ?s ?p ?o OPTIONAL { FILTER(isBlank(?o)) ?o ?bp ?bo } }
  UNION { ?x ?ip ?s }
}"""


def similar(store: GraphStore, iri: str, lang: str, limit: int = 10) -> list[Link]:
    """IRIs in the store whose text contains the last segment of ``iri`` (for a 404)."""
    tail = iri.rstrip("/#").replace("#", "/").rsplit("/", 1)[-1].lower()
    found: list[Link] = []
    # the last segment, then its first two thirds (a typo near the end still finds it)
    for needle in dict.fromkeys((tail, tail[: max(4, len(tail) * 2 // 3)])):
        if len(needle) >= 3 and not found:
            found = _iris_containing(store, needle, lang, limit)
    return found


def _iris_containing(store: GraphStore, needle: str, lang: str, limit: int) -> list[Link]:
    rows = store.query(
        "SELECT DISTINCT ?t ?x WHERE { ?x ?p ?o "
        f"FILTER(isIRI(?x) && CONTAINS(LCASE(STR(?x)), ?t)) }} ORDER BY ?x LIMIT {limit}",
        substitutions={"t": ox.Literal(needle)},
    )
    return [link_to(store, r["x"], lang) for r in rows]
