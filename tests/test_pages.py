"""The web pages, over a real server, read by real clients: requests and headless Chromium.

Chromium (tests/browser.py) loads each page, runs its JavaScript (the query
editor and the questions page fetch their answers from the API) and prints the
DOM; the assertions read that DOM as a person would read the page.
"""

from __future__ import annotations

import re
import struct
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import pytest
import rdflib
import requests
from browser import BrowserMissing, chromium, dump_dom, screenshot
from rdflib.namespace import RDF, RDFS

from sira_kg.core.namespaces import ID, ORG, SIRA
from sira_kg.endpoint.pages import EXAMPLES

PLATFORM_EN = (
    "Regional cooperation platform for migrant &amp; refugee integration in Saône-et-Loire"
)
PLATFORM_FR = "Plateforme régionale de coopération pour l&#39;intégration des migrants"
HUMANITY = ID["org/humanity"]
FRC13 = ID["region/FRC13"]
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="session")
def browser() -> str:
    """The headless Chromium; missing, the test fails and says how to install it."""
    try:
        return chromium()
    except BrowserMissing as exc:
        pytest.fail(str(exc))


class Page(HTMLParser):
    """What the assertions need from a page: links, headings, labels, form fields, text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.assets: list[str] = []
        self.headings: dict[str, list[str]] = {}
        self.label_for: set[str] = set()
        self.fields: list[dict[str, str | None]] = []
        self.html_lang: str | None = None
        self._heading: str | None = None
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])  # type: ignore[arg-type]
        if tag in ("script", "img") and a.get("src"):
            self.assets.append(a["src"])  # type: ignore[arg-type]
        if tag == "link" and a.get("href") and a.get("rel") != "alternate":
            self.assets.append(a["href"])  # type: ignore[arg-type]
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])  # type: ignore[arg-type]
        if tag in ("input", "textarea", "select") and a.get("type") != "hidden":
            self.fields.append(a)
        if tag in ("h1", "h2", "h3"):
            self._heading, self._text = tag, []

    def handle_data(self, data: str) -> None:
        if self._heading:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            text = " ".join("".join(self._text).split())
            self.headings.setdefault(tag, []).append(text)
            self._heading = None


def links_to(page: Page, iri: str) -> bool:
    """Whether the page links to the resource page of ``iri`` (``/resource?iri=…``)."""
    return any(
        urlsplit(link).path == "/resource" and parse_qs(urlsplit(link).query).get("iri") == [iri]
        for link in page.links
    )


def result_rows(dom: str) -> list[str]:
    """The body rows of the first results table in a DOM."""
    match = re.search(r'<table class="results">.*?<tbody>(.*?)</tbody>', dom, re.S)
    assert match, "no results table in the page"
    return re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)


# -- home -----------------------------------------------------------------------


def test_home_shows_the_platform_its_members_and_the_tools(live_server, browser) -> None:
    dom = dump_dom(live_server.url + "/")
    page = Page(dom)
    assert page.html_lang == "en"
    assert page.headings["h1"] == ["The SIRA knowledge graph"]
    assert PLATFORM_EN in dom
    # the seed page lists eight platform members (Humanity is not one of them)
    assert "8 members" in page.headings["h3"]
    # every platform is listed; Saône-et-Loire's with its eight members
    lists = re.findall(r'<ul class="members">(.*?)</ul>', dom, re.S)
    assert len(lists) >= 2
    members = next(m for m in lists if "villages-solidaires" in m)
    assert members.count("<li>") == 8
    assert 'href="/id/org/villages-solidaires"' in members
    assert "humanity" not in members
    for target in ("/query", "/questions", "/ontology", "/sparql", "/api/openapi.json"):
        assert any(link.split("?")[0] == target for link in page.links), target
    assert 'href="/id/region/FRC13"' in dom  # the region list
    assert re.search(r">\s*Region\s*</a>\s*</td>", dom) or "sira:Region" in dom
    # recent loads, from the metadata graph: the bootstrap wrote the Saône-et-Loire data
    loads = re.search(r'<table class="loads">(.*?)</table>', dom, re.S).group(1)
    assert "data/saone-et-loire" in loads or "saone-et-loire" in loads
    assert 'href="/id/agent/sira-kg"' in loads


def test_home_in_french_by_parameter_or_accept_language(live_server) -> None:
    by_param = requests.get(live_server.url + "/?lang=fr", timeout=30)
    by_header = requests.get(live_server.url + "/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    for response in (by_param, by_header):
        assert response.status_code == 200
        assert '<html lang="fr">' in response.text
        assert PLATFORM_FR in response.text
        assert "8 membres" in response.text
    english = requests.get(live_server.url + "/", headers={"Accept-Language": "de, en;q=0.5"})
    assert '<html lang="en">' in english.text
    # the page chrome is French too: no English sentence of ours left in it
    for chrome in ("Skip to content", "SPARQL with examples", "each fact with its source"):
        assert chrome in english.text and chrome not in by_param.text
    assert "Aller au contenu" in by_param.text and "chaque fait avec sa source" in by_param.text


def test_not_found_page_in_french(live_server) -> None:
    url = live_server.url + "/id/region/NOWHERE"
    french = requests.get(url, params={"lang": "fr"}, timeout=30)
    assert french.status_code == 404
    assert "Introuvable" in french.text and "Que faire" in french.text
    assert "Not found" not in french.text and "What to try" not in french.text
    english = requests.get(url, timeout=30)
    assert english.status_code == 404 and "What to try" in english.text


def test_home_screenshot(live_server, browser, tmp_path: Path) -> None:
    png = screenshot(live_server.url + "/", tmp_path / "home.png", width=1280, height=1600)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == (1280, 1600)
    assert len(data) > 20_000  # a blank page compresses to a few hundred bytes


# -- query editor ---------------------------------------------------------------

MEMBERS_QUERY = """PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?member WHERE { ?m org:organization <https://w3id.org/sira/id/platform/saone-et-loire> ;
  org:member ?member } ORDER BY ?member"""


def test_query_from_the_url_runs_and_renders_rows(live_server, browser) -> None:
    dom = dump_dom(f"{live_server.url}/query?query={quote(MEMBERS_QUERY)}")
    rows = result_rows(dom)
    assert len(rows) == 8
    assert 'href="/id/org/villages-solidaires"' in dom  # results link to resource pages
    assert "8 rows" in dom
    assert "/sparql?query=" in dom and "format=csv" in dom  # the CSV download link
    page = Page(dom)
    assert "Query editor" in page.headings["h1"]
    for field in page.fields:  # every form field has a label
        assert field.get("id") in page.label_for, field


def test_query_error_is_shown_readably(live_server, browser) -> None:
    dom = dump_dom(f"{live_server.url}/query?query={quote('SELECT ?s WHERE { ?s ?p }')}")
    error = re.search(r'<div id="error"[^>]*role="alert"[^>]*>(.*?)</div>', dom, re.S)
    assert error, "no error box"
    assert "hidden" not in error.group(0).split(">")[0]
    assert "Error 400" in error.group(1)
    assert '<table class="results">' not in dom


def test_every_example_query_answers(live_server) -> None:
    for title, query in EXAMPLES:
        response = requests.post(
            live_server.sparql,
            data={"query": query},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        assert response.status_code == 200, (title, response.text)
        assert response.json()["results"]["bindings"], f"example {title!r} finds nothing"


def test_query_page_prefills_without_running(live_server) -> None:
    plain = requests.get(live_server.url + "/query", timeout=30).text
    assert 'data-autorun="false"' in plain
    assert "PREFIX org:" in plain  # the first example is in the editor
    asked = requests.get(live_server.url + "/query", params={"query": "ASK {}"}, timeout=30).text
    assert 'data-autorun="true"' in asked and "ASK {}" in asked


# -- questions --------------------------------------------------------------------


def test_questions_page_lists_every_question_with_its_parameters(live_server, browser) -> None:
    listing = requests.get(live_server.url + "/api/questions", timeout=30)
    assert listing.status_code == 200, "the questions API is not there"
    data = listing.json()
    questions = data if isinstance(data, list) else data["questions"]
    names = [q["name"] for q in questions] if isinstance(questions, list) else list(questions)
    assert names
    dom = dump_dom(live_server.url + "/questions")
    for name in names:
        assert f'id="q-{name}"' in dom, name
        assert f'data-question="{name}"' in dom, name
    assert 'id="p-actions-region"' in dom  # the actions question's region parameter
    page = Page(dom)
    for field in page.fields:
        assert field.get("id") in page.label_for, field


def test_questions_page_answers_a_question_from_the_url(live_server, browser) -> None:
    dom = dump_dom(live_server.url + "/questions?question=actions&region=FRC13", budget_ms=8000)
    section = dom.split('id="q-actions"', 1)[1]
    rows = result_rows(section)
    assert len(rows) >= 1
    assert 'href="/id/action/make-a-wish"' in section
    assert "format=csv" in section  # the CSV download link of that answer


def test_questions_page_says_when_more_rows_follow_and_offers_them(live_server, browser) -> None:
    url = live_server.url + "/questions?question=stakeholders&region=FRC13&limit=2"
    section = dump_dom(url, budget_ms=8000).split('id="q-stakeholders"', 1)[1]
    section = section.split('<section class="question"', 1)[0]
    assert len(result_rows(section)) == 2
    assert "2 rows; more follow" in section
    button = re.search(r'<button[^>]*class="more"[^>]*>', section)
    assert button and "hidden" not in button.group(0)
    assert "offset=2" in button.group(0) and "limit=2" in button.group(0)
    assert "format=csv" in section and "limit=2&amp;format" not in section  # CSV: the whole
    whole = dump_dom(live_server.url + "/questions?question=stakeholders&region=FRC13&lang=fr")
    whole = whole.split('id="q-stakeholders"', 1)[1].split('<section class="question"', 1)[0]
    assert "la suite existe" not in whole and " lignes" in whole


# -- resource pages -----------------------------------------------------------------


def test_region_page_shows_label_types_links_and_graphs(live_server, browser) -> None:
    dom = dump_dom(live_server.url + "/id/region/FRC13")
    page = Page(dom)
    assert page.headings["h1"] == ["Saône-et-Loire"]
    assert str(FRC13) in dom
    assert links_to(page, str(SIRA.Region))
    assert "/id/platform/saone-et-loire" in page.links  # incoming: the platform's region
    assert "/id/action/make-a-wish" in page.links
    assert "/id/urban-rural/predominantly-rural" in page.links
    assert "data/saone-et-loire" in dom  # the named graph of each statement
    assert "FRC13" in dom and "@fr" in dom


def test_humanity_page_groups_outgoing_and_incoming_links(live_server, browser) -> None:
    dom = dump_dom(live_server.url + "/id/org/humanity")
    assert Page(dom).headings["h1"] == ["Humanity"]
    outgoing, incoming = dom.split('id="incoming"', 1)
    assert "Civil society organisation" in outgoing  # label of the linked concept
    assert 'href="/id/stakeholder-category/civil-society-organisation"' in outgoing
    assert 'href="/id/action/make-a-wish"' in incoming
    assert "Make a wish" in incoming


def test_blank_nodes_are_shown_inside_their_resource(live_server) -> None:
    html = requests.get(live_server.url + "/id/project/share-sira", timeout=30).text
    assert '<dl class="nested">' in html  # the two periods
    assert "2023-02" in html and "xsd:gYearMonth" in html


def test_french_resource_page(live_server) -> None:
    html = requests.get(live_server.url + "/id/org/town-hall-genelard?lang=fr", timeout=30).text
    assert '<html lang="fr">' in html
    assert "<h1>Mairie de Génelard</h1>" in html
    assert "Propriétés" in html


def test_turtle_and_json_ld_by_accept_and_format(live_server) -> None:
    url = live_server.url + "/id/org/humanity"
    expected = set(live_server.store.graph("https://w3id.org/sira/graph/data/saone-et-loire"))
    own = {t for t in expected if t[0] == HUMANITY}
    assert own
    for kwargs in ({"headers": {"Accept": "text/turtle"}}, {"params": {"format": "turtle"}}):
        response = requests.get(url, timeout=30, **kwargs)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/turtle")
        graph = rdflib.Graph().parse(data=response.text, format="turtle")
        assert own <= set(graph)  # every statement about Humanity
        assert (ID["action/make-a-wish"], SIRA.implementer, HUMANITY) in graph  # incoming
    response = requests.get(url, headers={"Accept": "application/ld+json"}, timeout=30)
    assert response.headers["Content-Type"].startswith("application/ld+json")
    graph = rdflib.Graph().parse(data=response.text, format="json-ld")
    assert (HUMANITY, RDFS.label, rdflib.Literal("Humanity", lang="en")) in graph
    assert (HUMANITY, RDF.type, ORG.Organization) in graph
    assert response.headers["Vary"] == "Accept"


def test_browsers_get_html_and_odd_accepts_are_refused(live_server) -> None:
    url = live_server.url + "/id/region/FRC13"
    for accept in (BROWSER_ACCEPT, "*/*", "text/html"):
        response = requests.get(url, headers={"Accept": accept}, timeout=30)
        assert response.headers["Content-Type"].startswith("text/html"), accept
    preferred = requests.get(url, headers={"Accept": "text/html;q=0.5, text/turtle"}, timeout=30)
    assert preferred.headers["Content-Type"].startswith("text/turtle")
    refused = requests.get(url, headers={"Accept": "image/png"}, timeout=30)
    assert refused.status_code == 406
    assert "text/turtle" in refused.text
    bad = requests.get(url, params={"format": "yaml"}, timeout=30)
    assert bad.status_code == 406 and "turtle" in bad.text


def test_vocabulary_and_any_iri(live_server) -> None:
    ns = requests.get(live_server.url + "/ns", headers={"Accept": "text/turtle"}, timeout=30)
    graph = rdflib.Graph().parse(data=ns.text, format="turtle")
    assert (SIRA.Action, RDF.type, rdflib.OWL.Class) in graph
    html = requests.get(live_server.url + "/ns", timeout=30, allow_redirects=False)
    assert html.status_code == 303 and html.headers["Location"].startswith("/ontology")
    term = requests.get(live_server.url + "/resource", params={"iri": str(SIRA.Action)})
    assert term.status_code == 200 and "owl:Class" in term.text
    graph_page = requests.get(
        live_server.url + "/resource",
        params={"iri": "https://w3id.org/sira/graph/data/saone-et-loire"},
        timeout=30,
    )
    assert graph_page.status_code == 200 and "prov:Entity" in graph_page.text  # its record


def test_ontology_page(live_server) -> None:
    en = requests.get(live_server.url + "/ontology", timeout=60)
    assert en.status_code == 200
    assert '<html lang="en">' in en.text and 'class="sira-nav"' in en.text
    assert 'href="/ontology?lang=fr"' in en.text
    fr = requests.get(live_server.url + "/ontology?lang=fr", timeout=60)
    assert '<html lang="fr">' in fr.text and 'href="/ontology?lang=en"' in fr.text


def test_unknown_and_bad_iris(live_server, browser) -> None:
    before = len(live_server.store)
    dom = dump_dom(live_server.url + "/id/org/humanityy")
    assert "<h1>Not found</h1>" in dom
    assert 'href="/id/org/humanity"' in dom  # a similar IRI is suggested
    missing = requests.get(live_server.url + "/id/org/nobody-at-all", timeout=30)
    assert missing.status_code == 404 and "text/html" in missing.headers["Content-Type"]
    as_turtle = requests.get(
        live_server.url + "/id/org/nobody-at-all", headers={"Accept": "text/turtle"}, timeout=30
    )
    assert as_turtle.status_code == 404 and "says nothing" in as_turtle.text
    assert requests.get(live_server.url + "/resource", timeout=30).status_code == 400
    hostile = str(HUMANITY) + "> ?p ?o } ; DROP ALL #"
    for iri in ("not an iri", hostile, "urn:x:nothing"):
        response = requests.get(live_server.url + "/resource", params={"iri": iri}, timeout=30)
        assert response.status_code in (400, 404), iri
        assert "<h1>Humanity</h1>" not in response.text
    assert len(live_server.store) == before


# -- the whole site ---------------------------------------------------------------


def test_no_page_fails_and_no_asset_comes_from_elsewhere(live_server) -> None:
    """Crawl the links of the home page and of a resource page: no 500, every page 200."""
    base = live_server.url
    seen: dict[str, int] = {}
    start = ["/", "/id/region/FRC13", "/query", "/questions"]
    queue = [base + path for path in start]
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        response = requests.get(url, headers={"Accept": BROWSER_ACCEPT}, timeout=60)
        seen[url] = response.status_code
        assert response.status_code < 500, url
        page_paths = ("/", "/query", "/questions", "/ontology", "/id/", "/resource")
        path = urlsplit(url).path
        if path == "/" or path.startswith(page_paths[1:]):
            assert response.status_code == 200, url
        if url in (base + "/", base + "/id/region/FRC13"):
            page = Page(response.text)
            assert page.html_lang in ("en", "fr"), url
            assert len(page.headings.get("h1", [])) == 1, url
            for asset in page.assets:
                assert not urlsplit(asset).netloc, f"{url} loads {asset} from elsewhere"
            for link in page.links:
                target = urljoin(url, link)
                if urlsplit(target).netloc == urlsplit(base).netloc:
                    queue.append(target.split("#")[0])
    assert len(seen) > 40
    for asset in ("/static/site.css", "/static/sira.js", "/static/query.js"):
        assert requests.get(base + asset, timeout=30).status_code == 200


def test_report_page_lists_what_each_region_leaves_open(live_server) -> None:
    response = requests.get(live_server.url + "/report", timeout=30)
    assert response.status_code == 200
    html = response.text
    assert "What we know" in html and "Soria" in html
    assert html.count("<tr>") == 11  # the header row and the ten regions
    assert "no pilot action found" in html  # Soria
    assert "project budget and AMIF grant amount not found" in html
    assert 'href="/id/region/ES417"' in html
    french = requests.get(live_server.url + "/report?lang=fr", timeout=30).text
    assert "Ce que l'on sait" in french or "Ce que l&#39;on sait" in french
