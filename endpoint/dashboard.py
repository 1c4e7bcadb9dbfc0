"""What the home page shows: counts per class, regions, platforms, graphs, recent loads.

Why apart: these are the store queries behind the dashboard, with no request
or template in them; :mod:`.pages` renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from sira_kg.core.namespaces import METADATA_GRAPH
from sira_kg.core.store import GraphStore
from sira_kg.endpoint.naming import Link, compact, graph_name, label_of, link_to, pick_label


@dataclass
class Platform:
    iri: str
    label: str
    description: str | None
    regions: list[Link] = field(default_factory=list)
    members: list[tuple[Link, Link | None]] = field(default_factory=list)  # (member, role)


def home_data(store: GraphStore, lang: str) -> dict[str, Any]:
    """What the home page shows: counts, regions, platforms, graphs and recent loads."""
    data_counts, other_counts = class_counts(store)
    data_classes = [
        (link_to(store, ox.NamedNode(c), lang), n, class_query(c)) for c, n in data_counts
    ]
    other_classes = [
        (link_to(store, ox.NamedNode(c), lang), n, class_query(c)) for c, n in other_counts
    ]
    regions = []
    for row in store.query(
        "PREFIX sira: <https://w3id.org/sira/ns#> "
        "SELECT ?r ?code WHERE { ?r a sira:Region OPTIONAL { ?r sira:nutsCode ?code } } "
        "ORDER BY ?code ?r"
    ):
        code = row["code"].value if row["code"] is not None else ""
        regions.append((link_to(store, row["r"], lang), code))
    platforms = []
    for row in store.query(
        "PREFIX sira: <https://w3id.org/sira/ns#> "
        "SELECT DISTINCT ?p WHERE { ?p a sira:CooperationPlatform } ORDER BY ?p"
    ):
        p = row["p"]
        if not isinstance(p, ox.NamedNode):
            continue
        desc = store.query(
            "SELECT ?p ?d WHERE { ?p <http://purl.org/dc/terms/description> ?d }",
            substitutions={"p": p},
        )
        platform = Platform(
            p.value,
            label_of(store, p.value, lang) or compact(p.value),
            pick_label((r["d"] for r in desc), lang),
        )
        for r in store.query(
            "SELECT DISTINCT ?p ?r WHERE { ?p <https://w3id.org/sira/ns#region> ?r }",
            substitutions={"p": p},
        ):
            platform.regions.append(link_to(store, r["r"], lang))
        members = store.query(
            "PREFIX org: <http://www.w3.org/ns/org#> "
            "SELECT DISTINCT ?p ?m ?role WHERE { ?ms org:organization ?p ; org:member ?m "
            "OPTIONAL { ?ms org:role ?role } }",
            substitutions={"p": p},
        )
        for m in members:
            role = link_to(store, m["role"], lang) if m["role"] is not None else None
            platform.members.append((link_to(store, m["m"], lang), role))
        platform.members.sort(key=lambda pair: pair[0].label.lower())
        platforms.append(platform)
    return {
        "data_classes": data_classes,
        "other_classes": other_classes,
        "regions": regions,
        "platforms": platforms,
        "loads": recent_loads(store),
        "triples": len(store),
        "graphs": store.graphs(),
    }


DATA_GRAPH_KINDS = ("data/", "load/", "contribution/")


def class_counts(store: GraphStore) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Instances per class in the data (data, loads, contributions), then in the rest.

    The rest is the vocabulary, the concept schemes, the shapes and the
    metadata graph: worth a count, but not what a visitor comes for.
    """
    rows = store.query(
        "SELECT ?g ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?g ?c"
    )
    data: dict[str, int] = {}
    other: dict[str, int] = {}
    for r in rows:
        if not isinstance(r["c"], ox.NamedNode):
            continue
        target = data if graph_name(r["g"].value).startswith(DATA_GRAPH_KINDS) else other
        target[r["c"].value] = target.get(r["c"].value, 0) + int(r["n"].value)
    # an instance typed in two graphs counts in each: fine for an overview
    return (
        sorted(data.items(), key=lambda x: (-x[1], x[0])),
        sorted(other.items(), key=lambda x: (-x[1], x[0])),
    )


def class_query(class_iri: str) -> str:
    """The query the home page's class counts link to (listing the instances)."""
    return (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?instance (SAMPLE(?l) AS ?label) WHERE {\n"
        f"  ?instance a <{class_iri}> .\n"
        "  OPTIONAL { ?instance rdfs:label ?l }\n"
        "}\nGROUP BY ?instance\nORDER BY ?instance\nLIMIT 500"
    )


@dataclass
class Load:
    graph: str
    title: str | None
    generated: str
    agent: str
    agent_label: str
    triples: int
    validated: bool

    @property
    def kind(self) -> str:
        name = graph_name(self.graph)
        return name.split("/", 1)[0] if name != self.graph else "graph"


def recent_loads(store: GraphStore, limit: int = 12) -> list[Load]:
    """The latest graphs written (loads, contributions, bootstrap), from the metadata graph."""
    from sira_kg.core.provenance import records_query

    titles = {
        r["g"].value: r["t"]
        for r in store.query(
            "SELECT ?m ?g ?t WHERE { GRAPH ?m { ?g <http://purl.org/dc/terms/title> ?t } }",
            substitutions={"m": ox.NamedNode(str(METADATA_GRAPH))},
        )
        if isinstance(r["g"], ox.NamedNode)
    }
    loads = []
    agent_labels: dict[str, str] = {}
    for r in store.query(records_query()):
        iri = r["g"].value
        title = titles.get(iri)
        loads.append(
            Load(
                graph=iri,
                title=title.value if title is not None else None,
                generated=r["generated"].value,
                agent=r["agent"].value,
                agent_label=agent_labels.setdefault(
                    r["agent"].value,
                    label_of(store, r["agent"].value, "en") or compact(r["agent"].value),
                ),
                triples=int(r["triples"].value),
                validated=r["conformsTo"] is not None,
            )
        )
    loads.sort(key=lambda load: load.generated, reverse=True)
    return loads[:limit]
