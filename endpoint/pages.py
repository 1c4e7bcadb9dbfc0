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

The routes and what is particular to HTML pages (language, links, the chrome's
words, format negotiation) are here; the data of the home page is
:mod:`.dashboard`, a resource's description :mod:`.describe`, the naming of
IRIs :mod:`.naming`.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from sira_kg.core.namespaces import ID, ONTOLOGY_GRAPH, PREFIXES, SIRA
from sira_kg.endpoint.dashboard import home_data
from sira_kg.endpoint.describe import DESCRIBE_GRAPH, describe, similar
from sira_kg.endpoint.naming import compact, graph_name
from sira_kg.endpoint.negotiation import Format, NotAcceptable, choose

bp = Blueprint("pages", __name__, template_folder="templates")

LANGUAGES = ("en", "fr")
VOCABULARY = str(SIRA).rstrip("#")  # https://w3id.org/sira/ns, the owl:Ontology

# A few words of the page chrome in each language; the data brings its own labels.
UI = {
    "en": {
        "home": "Home",
        "query": "Query editor",
        "questions": "Questions",
        "report": "What we know",
        "ontology": "Ontology",
        "sparql": "SPARQL endpoint",
        "api": "API (OpenAPI)",
        "other_language": "Français",
        "skip": "Skip to content",
        "main_nav": "Main",
        "footer": "sira-kg: a knowledge graph of migrant and refugee integration in European "
        "regions. Data: the ten Share SIRA regions, each fact with its source.",
    },
    "fr": {
        "home": "Accueil",
        "query": "Éditeur de requêtes",
        "questions": "Questions",
        "report": "Ce que l'on sait",
        "ontology": "Ontologie",
        "sparql": "Point d'accès SPARQL",
        "api": "API (OpenAPI)",
        "other_language": "English",
        "skip": "Aller au contenu",
        "main_nav": "Navigation principale",
        "footer": "sira-kg : un graphe de connaissances de l'intégration des migrants et des "
        "réfugiés dans les régions européennes. Données : les dix régions de Share SIRA, "
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


# -- home, query editor and questions ------------------------------------------


@bp.get("/")
def home() -> str:
    store = current_app.extensions["sira"].store
    return render_template("home.html", **home_data(store, page_lang()))


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


@bp.get("/report")
def report() -> str:
    """The knowledge report: per region what the graph holds and what is still open."""
    from sira_kg.core import knowledge

    store = current_app.extensions["sira"].store
    return render_template(
        "report.html", regions=knowledge.regions(store), project=knowledge.project_open(store)
    )


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
