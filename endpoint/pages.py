"""The web pages: home, query editor, named questions, ontology docs and resource pages.

Pages are rendered on the server with Jinja (``templates/``) and use only the
hand-written ``static/`` assets, so they work with no network at all. The query
editor and the questions page run their queries in the browser against the
same HTTP API everyone else uses (``/sparql``, ``/api/questions``).

Every resource in the store has a page: ``/id/<path>`` for the instance IRIs
``https://w3id.org/sira/id/<path>``, ``/ns`` for the vocabulary and
``/resource?iri=…`` for any other IRI. A page answers in HTML, Turtle or
JSON-LD (``Accept``, or ``?format=``, as at ``/sparql``). Whatever a request
names is bound into the queries as an RDF term (``substitutions``), never
pasted into query text.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from sira_kg.core.namespaces import GRAPH, ID, METADATA_GRAPH, ONTOLOGY_GRAPH, PREFIXES, SIRA
from sira_kg.core.store import GraphStore
from sira_kg.endpoint.negotiation import Format, NotAcceptable, choose

bp = Blueprint("pages", __name__, template_folder="templates")

LANGUAGES = ("en", "fr")
VOCABULARY = str(SIRA).rstrip("#")  # https://w3id.org/sira/ns, the owl:Ontology
MAX_INCOMING = 500  # incoming statements listed on one page

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL_PATH = (
    "<http://www.w3.org/2004/02/skos/core#prefLabel>|<http://www.w3.org/2000/01/rdf-schema#label>"
    "|<http://purl.org/dc/terms/title>|<http://schema.org/name>|<http://xmlns.com/foaf/0.1/name>"
)

# A few words of the page chrome in each language; the data brings its own labels.
UI = {
    "en": {
        "home": "Home",
        "query": "Query editor",
        "questions": "Questions",
        "ontology": "Ontology",
        "sparql": "SPARQL endpoint",
        "api": "API (OpenAPI)",
        "other_language": "Français",
        "skip": "Skip to content",
        "main_nav": "Main",
        "footer": "sira-kg: a knowledge graph of migrant and refugee integration in European "
        "regions. Data: Share SIRA, Saône-et-Loire (FRC13), each fact with its source.",
    },
    "fr": {
        "home": "Accueil",
        "query": "Éditeur de requêtes",
        "questions": "Questions",
        "ontology": "Ontologie",
        "sparql": "Point d'accès SPARQL",
        "api": "API (OpenAPI)",
        "other_language": "English",
        "skip": "Aller au contenu",
        "main_nav": "Navigation principale",
        "footer": "sira-kg : un graphe de connaissances de l'intégration des migrants et des "
        "réfugiés dans les régions européennes. Données : Share SIRA, Saône-et-Loire (FRC13), "
        "chaque fait avec sa source.",
    },
}


# -- language and links ------------------------------------------------------


def page_lang() -> str:
    """The language of the page: ``?lang=`` if given, else ``Accept-Language``, else EN."""
    asked = (request.args.get("lang") or "").strip().lower()
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES, default="en")


def resource_href(iri: str) -> str:
    """The page of an IRI on this server: ``/id/…`` for our instances, else ``/resource``."""
    args = {"lang": request.args["lang"]} if request.args.get("lang") in LANGUAGES else {}
    if iri.startswith(str(ID)) and len(iri) > len(str(ID)) and "#" not in iri:
        return url_for("pages.by_id", path=iri[len(str(ID)) :], **args)
    if iri == VOCABULARY:
        return url_for("pages.vocabulary", **args)
    return url_for("pages.resource", iri=iri, **args)


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


@bp.app_context_processor
def page_helpers() -> dict[str, Any]:
    lang = page_lang() if request else "en"
    return {
        "lang": lang,
        "ui": UI[lang],
        "other_lang": "fr" if lang == "en" else "en",
        "resource_href": resource_href,
        "compact": compact,
        "graph_name": graph_name,
    }


# -- labels --------------------------------------------------------------------


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


# -- home ----------------------------------------------------------------------


@dataclass
class Link:
    iri: str
    label: str


@dataclass
class Platform:
    iri: str
    label: str
    description: str | None
    regions: list[Link] = field(default_factory=list)
    members: list[tuple[Link, Link | None]] = field(default_factory=list)  # (member, role)


def _link(store: GraphStore, term: Any, lang: str) -> Link:
    iri = term.value
    return Link(iri, label_of(store, iri, lang) or compact(iri))


def home_data(store: GraphStore, lang: str) -> dict[str, Any]:
    """What the home page shows: counts, regions, platforms, graphs and recent loads."""
    data_counts, other_counts = class_counts(store)
    data_classes = [
        (_link(store, ox.NamedNode(c), lang), n, class_query(c)) for c, n in data_counts
    ]
    other_classes = [
        (_link(store, ox.NamedNode(c), lang), n, class_query(c)) for c, n in other_counts
    ]
    regions = []
    for row in store.query(
        "PREFIX sira: <https://w3id.org/sira/ns#> "
        "SELECT ?r ?code WHERE { ?r a sira:Region OPTIONAL { ?r sira:nutsCode ?code } } "
        "ORDER BY ?code ?r"
    ):
        code = row["code"].value if row["code"] is not None else ""
        regions.append((_link(store, row["r"], lang), code))
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
            platform.regions.append(_link(store, r["r"], lang))
        members = store.query(
            "PREFIX org: <http://www.w3.org/ns/org#> "
            "SELECT DISTINCT ?p ?m ?role WHERE { ?ms org:organization ?p ; org:member ?m "
            "OPTIONAL { ?ms org:role ?role } }",
            substitutions={"p": p},
        )
        for m in members:
            role = _link(store, m["role"], lang) if m["role"] is not None else None
            platform.members.append((_link(store, m["m"], lang), role))
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


@bp.get("/")
def home() -> str:
    store = current_app.extensions["sira"].store
    return render_template("home.html", **home_data(store, page_lang()))


# -- query editor and questions ------------------------------------------------

EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "Members of the cooperation platforms, with their category",
        """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?platform ?member ?name ?category WHERE {
  ?membership org:organization ?platform ; org:member ?member .
  ?member rdfs:label ?name .
  FILTER(LANG(?name) = "en")
  OPTIONAL { ?member org:classification/skos:prefLabel ?category FILTER(LANG(?category) = "en") }
}
ORDER BY ?platform ?name""",
    ),
    (
        "Actions, who implements them and where",
        """PREFIX sira: <https://w3id.org/sira/ns#>
SELECT ?action ?implementer ?region ?place WHERE {
  ?action a ?class ; sira:region ?region .
  VALUES ?class { sira:Action sira:PilotAction }
  OPTIONAL { ?action sira:implementer ?implementer }
  OPTIONAL { ?action sira:place ?place }
}
ORDER BY ?action""",
    ),
    (
        "Funding: which stream funds what",
        """PREFIX sira: <https://w3id.org/sira/ns#>
PREFIX schema: <http://schema.org/>
SELECT ?funding ?stream ?item ?funder WHERE {
  ?funding a sira:Funding ; sira:fundingStream ?stream ; schema:fundedItem ?item .
  OPTIONAL { ?funding schema:funder|sira:fundingStream/schema:funder ?funder }
}""",
    ),
    (
        "Themes with their English and French labels",
        """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?theme ?en ?fr ?broader WHERE {
  ?theme skos:inScheme <https://w3id.org/sira/id/scheme/theme> ;
         skos:prefLabel ?en, ?fr .
  FILTER(LANG(?en) = "en" && LANG(?fr) = "fr")
  OPTIONAL { ?theme skos:broader ?broader }
}
ORDER BY ?theme""",
    ),
    (
        "Statements per named graph",
        """SELECT ?graph (COUNT(*) AS ?triples) WHERE {
  GRAPH ?graph { ?s ?p ?o }
}
GROUP BY ?graph
ORDER BY DESC(?triples)""",
    ),
    (
        "Where every statement about Humanity comes from",
        """PREFIX orgs: <https://w3id.org/sira/id/org/>
SELECT ?graph ?property ?value WHERE {
  GRAPH ?graph { orgs:humanity ?property ?value }
}
ORDER BY ?property""",
    ),
)


@bp.get("/query")
def query_editor() -> str:
    return render_template(
        "query.html",
        examples=EXAMPLES,
        query=request.args.get("query") or EXAMPLES[0][1],
        autorun=bool(request.args.get("query")),
    )


@bp.get("/questions")
def questions() -> str:
    return render_template("questions.html")


# -- ontology ------------------------------------------------------------------

_ontology_cache: dict[tuple[str, str, float], str] = {}
_ontology_lock = threading.Lock()


def ontology_html(path: Path, lang: str) -> str:
    """pyLODE's page of the ontology file, rendered once per language and file version."""
    from sira_kg.docs import load_ontology, render_html

    key = (str(path), lang, path.stat().st_mtime)
    with _ontology_lock:
        if key not in _ontology_cache:
            html = render_html(load_ontology(path), lang)
            # docs.py links the two languages as files (fr/index.html); here they are URLs
            html = html.replace('href="fr/index.html"', 'href="/ontology?lang=fr"')
            html = html.replace('href="../index.html"', 'href="/ontology?lang=en"')
            nav = render_template("ontology_nav.html", lang=lang, ui=UI[lang])
            _ontology_cache[key] = html.replace("<body>", "<body>\n" + nav, 1)
        return _ontology_cache[key]


@bp.get("/ontology")
def ontology() -> Response | str | tuple[str, int]:
    from sira_kg.docs import DocsError

    settings = current_app.extensions["sira"].settings
    lang = page_lang()
    try:
        return ontology_html(settings.ontology_dir / "sira.ttl", lang)
    except (DocsError, OSError) as exc:
        return (
            render_template(
                "message.html",
                title="Ontology documentation unavailable",
                message=f"The documentation could not be rendered: {exc}",
            ),
            503,
        )


# -- resource pages ------------------------------------------------------------


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


def wanted_format() -> Format | None:
    """The RDF format asked for, or None for HTML; raises :class:`NotAcceptable`.

    ``?format=html|turtle|jsonld|…`` wins; then ``Accept``: HTML unless an RDF
    syntax is preferred to it (so browsers and ``*/*`` get the page).
    """
    format_param = (request.args.get("format") or "").strip()
    if format_param:
        if format_param.lower() in ("html", "text/html"):
            return None
        return choose("CONSTRUCT", None, format_param)
    header = request.headers.get("Accept", "")
    if not header.strip():
        return None
    accept = request.accept_mimetypes
    html_q = max(accept.quality("text/html"), accept.quality("application/xhtml+xml"))
    try:
        fmt = choose("CONSTRUCT", header, None)
    except NotAcceptable:
        if html_q > 0:
            return None
        raise
    rdf_q = max(accept.quality(m) for m in (fmt.media_type, *fmt.aliases))
    return None if html_q >= rdf_q else fmt


def rdf_response(triples: list, fmt: Format) -> Response:
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    if fmt.ox_format not in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N3):
        prefixes = None  # type: ignore[assignment]
    body = ox.serialize(triples, format=fmt.ox_format, prefixes=prefixes)
    response = Response(body, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return response


def _not_acceptable(exc: NotAcceptable) -> Response:
    return Response(
        f"not acceptable: {exc}; or text/html for the page\n",
        status=406,
        content_type="text/plain; charset=utf-8",
    )


def resource_page(iri: str) -> Response | BaseResponse | tuple[str, int]:
    """The page of ``iri`` in the negotiated format, or a helpful 404."""
    store = current_app.extensions["sira"].store
    try:
        fmt = wanted_format()
    except NotAcceptable as exc:
        return _not_acceptable(exc)
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        return _bad_iri(iri)
    lang = page_lang()
    if fmt is not None:
        triples = list(store.query(DESCRIBE_GRAPH, substitutions={"s": node}))
        if not triples:
            return Response(
                f"not found: the store says nothing about <{iri}>\n",
                status=404,
                content_type="text/plain; charset=utf-8",
            )
        return rdf_response(triples, fmt)
    description = describe(store, iri, lang)
    if description is None:
        return render_template("not_found.html", iri=iri, similar=similar(store, iri, lang)), 404
    response = Response(render_template("resource.html", d=description))
    response.headers["Vary"] = "Accept"
    return response


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
    return [_link(store, r["x"], lang) for r in rows]


def _bad_iri(iri: str) -> tuple[str, int]:
    return (
        render_template(
            "message.html",
            title="Not a valid IRI",
            message=f"{iri!r} is not an absolute IRI. Give one such as "
            f"{ID}region/FRC13, e.g. /resource?iri={ID}region/FRC13",
        ),
        400,
    )


@bp.get("/id/<path:path>")
def by_id(path: str) -> Response | BaseResponse | tuple[str, int]:
    return resource_page(str(ID) + path)


@bp.get("/resource")
def resource() -> Response | BaseResponse | tuple[str, int]:
    iri = (request.args.get("iri") or "").strip()
    if not iri:
        return (
            render_template(
                "message.html",
                title="Which resource?",
                message="Give the IRI of a resource in the `iri` parameter, e.g. "
                f"/resource?iri={ID}region/FRC13",
            ),
            400,
        )
    return resource_page(iri)


@bp.get("/ns")
def vocabulary() -> Response | BaseResponse | tuple[str, int]:
    """The vocabulary: its documentation page in HTML, the ontology graph in RDF."""
    try:
        fmt = wanted_format()
    except NotAcceptable as exc:
        return _not_acceptable(exc)
    if fmt is None:
        return redirect(url_for("pages.ontology", lang=page_lang()), code=303)
    store = current_app.extensions["sira"].store
    triples = list(
        store.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
            substitutions={"g": ox.NamedNode(str(ONTOLOGY_GRAPH))},
        )
    )
    return rdf_response(triples, fmt)
