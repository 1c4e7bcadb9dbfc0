"""Partner contributions end to end: a real server on 127.0.0.1, real HTTP, two partners.

The data posted is the invented "Example Valley" of docs/examples (clearly
marked there as invented), with its IRIs moved into each partner's own space.
"""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import rdflib
import requests

from sira_kg.core.partners import PartnerRegistry
from sira_kg.core.provenance import shapes_version
from sira_kg.core.settings import Settings

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "docs" / "examples"
EX = "http://example.org/example-valley/"
NORTH_BASE = "https://w3id.org/sira/id/north/"
SOUTH_BASE = "http://example.org/south/"
TURTLE = "text/turtle"
PREFIXES = """PREFIX sira: <https://w3id.org/sira/ns#>
PREFIX adms: <http://www.w3.org/ns/adms#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <http://schema.org/>
"""


# -- fixtures and helpers ------------------------------------------------------------------
@dataclass
class Partners:
    north: str
    south: str
    registry: PartnerRegistry


@dataclass
class Site:
    """A live server and two partners' tokens."""

    url: str
    store: object
    tokens: Partners

    def auth(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def post(self, token: str | None, data: bytes | str, content_type: str = TURTLE, **kw):
        headers = {"Content-Type": content_type, **kw.pop("headers", {})}
        if token:
            headers.update(self.auth(token))
        return requests.post(self.url + "/api/contributions", data=data, headers=headers, **kw)

    def put(self, token: str, cid: str, data: str, content_type: str = TURTLE):
        headers = {"Content-Type": content_type, **self.auth(token)}
        return requests.put(f"{self.url}/api/contributions/{cid}", data=data, headers=headers)

    def delete(self, token: str, cid: str):
        return requests.delete(f"{self.url}/api/contributions/{cid}", headers=self.auth(token))

    def listing(self, token: str | None = None) -> dict:
        headers = self.auth(token) if token else {}
        response = requests.get(self.url + "/api/contributions", headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    def select(self, query: str) -> list[dict[str, str]]:
        response = requests.post(
            self.url + "/sparql",
            data={"query": PREFIXES + query},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert response.status_code == 200, response.text
        return [
            {k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]
        ]

    def ask(self, query: str) -> bool:
        response = requests.post(
            self.url + "/sparql",
            data={"query": PREFIXES + query},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert response.status_code == 200, response.text
        return response.json()["boolean"]

    def export(self) -> bytes:
        out = io.BytesIO()
        self.store.export(out)  # type: ignore[attr-defined]
        return out.getvalue()


def make_site(factory: Callable, tmp_path: Path, **limits: object) -> Site:
    settings = Settings(store_path=None, partners_path=tmp_path / "partners.sqlite", **limits)
    registry = PartnerRegistry(settings.partners_path)
    _, north = registry.add("north")
    _, south = registry.add("south", SOUTH_BASE)
    live = factory(settings=settings)
    return Site(live.url, live.store, Partners(north, south, registry))


@pytest.fixture
def site(live_server_factory: Callable, tmp_path: Path) -> Site:
    return make_site(live_server_factory, tmp_path)


def example(base: str, fmt: str = "ttl") -> str:
    """The invented Example Valley, its IRIs moved into ``base``."""
    return (EXAMPLES / f"example-valley.{fmt}").read_text(encoding="utf-8").replace(EX, base)


def small(base: str, n: int) -> str:
    """A tiny valid contribution of its own (region, organisation, action), number ``n``."""
    return f"""
@prefix sira: <https://w3id.org/sira/ns#> .
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dct: <http://purl.org/dc/terms/> .
<{base}source> a sira:Source ; dct:title "Synthetic test data"@en .
<{base}region/{n}> a sira:Region ; rdfs:label "Synthetic region {n}"@en ;
    sira:nutsCode "ZZ{n:03d}" ; sira:nutsLevel 3 ;
    sira:nutsRegion <http://data.europa.eu/nuts/code/ZZ{n:03d}> ;
    sira:country <http://publications.europa.eu/resource/authority/country/ZZZ> ;
    dct:source <{base}source> .
<{base}org/{n}> a org:Organization ; rdfs:label "Synthetic organisation {n}"@en ;
    org:classification <https://w3id.org/sira/id/stakeholder-category/civil-society-organisation> .
<{base}action/{n}> a sira:Action ; rdfs:label "Synthetic action {n}"@en ;
    sira:implementer <{base}org/{n}> ; sira:region <{base}region/{n}> ;
    sira:theme <https://w3id.org/sira/id/theme/housing> ;
    adms:status <https://w3id.org/sira/id/action-status/ongoing> .
"""


def created(response: requests.Response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


# -- the life of a contribution ----------------------------------------------------------------
def test_each_partner_contributes_lists_replaces_and_deletes_its_own(site: Site) -> None:
    north = created(site.post(site.tokens.north, example(NORTH_BASE)))
    assert north["graph"] == f"https://w3id.org/sira/graph/contribution/north/{north['id']}"
    assert north["partner"] == "north" and north["triples"] == 39
    assert north["media_type"] == TURTLE
    south = created(
        site.post(site.tokens.south, example(SOUTH_BASE, "jsonld"), "application/ld+json")
    )
    assert south["graph"].startswith("https://w3id.org/sira/graph/contribution/south/")
    assert south["triples"] == 39

    # Listing: one's own with a token, everyone's public metadata without.
    own = site.listing(site.tokens.north)
    assert own["partner"] == "north"
    assert [c["id"] for c in own["contributions"]] == [north["id"]]
    assert [c["id"] for c in site.listing(site.tokens.south)["contributions"]] == [south["id"]]
    public = {c["id"]: c for c in site.listing()["contributions"]}
    assert set(public) == {north["id"], south["id"]}
    record = public[north["id"]]
    assert record["partner"] == "north" and record["triples"] == 39
    assert record["media_type"] == TURTLE and record["conforms_to"]
    assert record["shapes_version"] == shapes_version(Settings().shapes_dir)
    assert public[south["id"]]["media_type"] == "application/ld+json"
    by_partner = requests.get(site.url + "/api/contributions", params={"partner": "south"})
    assert [c["id"] for c in by_partner.json()["contributions"]] == [south["id"]]
    one = requests.get(f"{site.url}/api/contributions/{north['id']}")
    assert one.status_code == 200 and one.json() == record
    data = requests.get(
        f"{site.url}/api/contributions/{north['id']}", headers={"Accept": "text/turtle"}
    )
    assert data.headers["Content-Type"].startswith("text/turtle")
    assert len(rdflib.Graph().parse(data=data.text, format="turtle")) == 39

    # The data is in /sparql, in the contribution's own graph.
    assert site.ask(f"ASK {{ GRAPH <{north['graph']}> {{ <{NORTH_BASE}region> a sira:Region }} }}")
    assert site.ask(f"ASK {{ GRAPH <{south['graph']}> {{ <{SOUTH_BASE}region> a sira:Region }} }}")

    # Replace: same id, new content, atomically; one record, no stale request records.
    changed = example(NORTH_BASE).replace("Example Valley (invented region)", "Renamed Valley")
    replaced = site.put(site.tokens.north, north["id"], changed)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["replaced"] is True and replaced.json()["id"] == north["id"]
    labels = site.select(f"SELECT ?l WHERE {{ <{NORTH_BASE}region> rdfs:label ?l }}")
    assert {r["l"] for r in labels} == {"Renamed Valley", "Vallée Exemple (région inventée)"}
    assert len([c for c in site.listing()["contributions"] if c["id"] == north["id"]]) == 1
    sources = site.select(
        f"SELECT ?src WHERE {{ GRAPH ?m {{ ?src a prov:Entity }} "
        f'FILTER(STRSTARTS(STR(?src), "{north["graph"]}#request-")) }}'
    )
    assert len(sources) == 1

    # Delete: the graph and its record go, the other partner's stay.
    assert site.delete(site.tokens.north, north["id"]).status_code == 204
    assert not site.ask(f"ASK {{ GRAPH <{north['graph']}> {{ ?s ?p ?o }} }}")
    leftovers = site.select(
        f'SELECT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?s), "'
        f'{north["graph"]}") || STRSTARTS(STR(?o), "{north["graph"]}")) }}'
    )
    assert leftovers == []
    assert site.listing(site.tokens.north)["contributions"] == []
    assert [c["id"] for c in site.listing()["contributions"]] == [south["id"]]
    assert site.delete(site.tokens.north, north["id"]).status_code == 404


def test_one_partner_cannot_touch_the_others_contributions(site: Site) -> None:
    north = created(site.post(site.tokens.north, example(NORTH_BASE)))
    before = site.export()
    for response in (
        site.put(site.tokens.south, north["id"], example(SOUTH_BASE)),
        site.delete(site.tokens.south, north["id"]),
    ):
        assert response.status_code == 403, response.text
        assert "partner 'north'" in response.json()["error"]
    assert site.export() == before
    assert site.delete(site.tokens.south, str(uuid.uuid4())).status_code == 404
    assert site.delete(site.tokens.south, "../../metadata").status_code == 404


@pytest.mark.parametrize(
    ("subject", "owner"),
    [
        ("https://w3id.org/sira/id/region/FRC13", "core data"),
        ("https://w3id.org/sira/ns#Action", "sira vocabulary"),
        ("https://w3id.org/sira/synthetic/region/1", "core data"),
        ("https://w3id.org/sira/graph/metadata", "core data"),
        (SOUTH_BASE + "region", "partner 'south'"),
    ],
)
def test_statements_about_iris_of_others_are_refused_naming_the_triples(
    site: Site, subject: str, owner: str
) -> None:
    before = site.export()
    body = example(NORTH_BASE) + f'\n<{subject}> rdfs:label "Hijacked"@en .\n'
    response = site.post(site.tokens.north, body)
    assert response.status_code == 422, response.text
    problems = response.json()["ownership"]
    assert problems == [
        {
            "subject": subject,
            "predicate": "http://www.w3.org/2000/01/rdf-schema#label",
            "object": '"Hijacked"@en',
            "owner": problems[0]["owner"],
            "message": problems[0]["message"],
        }
    ]
    assert owner in problems[0]["owner"]
    assert site.export() == before


def test_statements_about_iris_the_core_graphs_describe_are_refused(site: Site) -> None:
    """Outside https://w3id.org/sira/ too: e.g. the file a core graph was loaded from."""
    (row,) = site.select(
        "SELECT ?src WHERE { GRAPH <https://w3id.org/sira/graph/metadata> { "
        "?g prov:wasDerivedFrom ?src } "
        'FILTER(!STRSTARTS(STR(?src), "https://w3id.org/sira/")) } ORDER BY ?src LIMIT 1'
    )
    before = site.export()
    body = example(NORTH_BASE) + f'\n<{row["src"]}> rdfs:label "Mine now"@en .\n'
    response = site.post(site.tokens.north, body)
    assert response.status_code == 422, response.text
    (problem,) = response.json()["ownership"]
    assert problem["subject"] == row["src"]
    assert "https://w3id.org/sira/graph/metadata" in problem["owner"]
    assert site.export() == before


def test_linking_to_core_iris_and_nuts_is_fine(site: Site) -> None:
    rows = site.select(
        "SELECT ?org WHERE { GRAPH ?g { ?org a org:Organization } "
        'FILTER(STRSTARTS(STR(?g), "https://w3id.org/sira/graph/data/")) } ORDER BY ?org LIMIT 1'
    )
    assert rows, "the bootstrap should have loaded the Saône-et-Loire organisations"
    core_org = rows[0]["org"]
    body = example(NORTH_BASE) + f"\n<{NORTH_BASE}language-cafe> sira:partner <{core_org}> .\n"
    posted = created(site.post(site.tokens.north, body))
    assert site.ask(
        f"ASK {{ GRAPH <{posted['graph']}> {{ <{NORTH_BASE}language-cafe> sira:partner "
        f"<{core_org}> }} }}"
    )


def test_a_contribution_that_violates_the_shapes_is_422_and_writes_nothing(site: Site) -> None:
    before = site.export()
    body = f"""@prefix sira: <https://w3id.org/sira/ns#> .
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{NORTH_BASE}action/x> a sira:Action ; rdfs:label "An action with no implementer or region"@en .
"""
    response = site.post(site.tokens.north, body)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["conforms"] is False
    assert f"{NORTH_BASE}action/x" in json.dumps(answer["report"])
    assert site.export() == before
    assert site.listing()["contributions"] == []

    # A refused replacement leaves the old version exactly as it was.
    kept = created(site.post(site.tokens.north, example(NORTH_BASE)))
    before = site.export()
    for refused in (
        site.put(site.tokens.north, kept["id"], body),
        site.put(site.tokens.north, kept["id"], "<a> <b> ."),
        site.put(site.tokens.north, kept["id"], example(SOUTH_BASE)),  # south's IRIs
    ):
        assert refused.status_code in {400, 422}, refused.text
    assert site.export() == before


def test_validate_gives_the_report_as_json_or_turtle_and_never_writes(site: Site) -> None:
    before = site.export()
    bad = f"""@prefix sira: <https://w3id.org/sira/ns#> .
@prefix adms: <http://www.w3.org/ns/adms#> .
<{EX}action/x> a sira:Action .
"""
    url = site.url + "/api/validate"
    as_json = requests.post(url, data=bad, headers={"Content-Type": TURTLE})
    assert as_json.status_code == 200, as_json.text
    assert as_json.json()["conforms"] is False and as_json.json()["violations"] >= 1
    assert f"{EX}action/x" in json.dumps(as_json.json()["report"])

    as_turtle = requests.post(
        url, data=bad, headers={"Content-Type": TURTLE, "Accept": "text/turtle"}
    )
    assert as_turtle.status_code == 200
    assert as_turtle.headers["Content-Type"].startswith("text/turtle")
    report = rdflib.Graph().parse(data=as_turtle.text, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    (node,) = report.subjects(rdflib.RDF.type, sh.ValidationReport)
    assert report.value(node, sh.conforms).toPython() is False

    good = requests.post(url, data=example(EX), headers={"Content-Type": TURTLE})
    assert good.status_code == 200 and good.json()["conforms"] is True
    assert good.json()["triples"] == 39
    junk = requests.post(url, data="<a> <b> .", headers={"Content-Type": TURTLE})
    assert junk.status_code == 400
    assert site.export() == before


def test_validate_with_a_token_says_whether_a_post_would_be_accepted(site: Site) -> None:
    before = site.export()
    url = site.url + "/api/validate"
    south_data = example(SOUTH_BASE)
    assert (
        "conforms" in requests.post(url, data=south_data, headers={"Content-Type": TURTLE}).json()
    )
    assert (
        "accepted"
        not in requests.post(url, data=south_data, headers={"Content-Type": TURTLE}).json()
    )  # no token: the shapes only

    # North describing things in South's space: conforms to the shapes, yet refused
    as_north = requests.post(
        url, data=south_data, headers={"Content-Type": TURTLE, **site.auth(site.tokens.north)}
    ).json()
    assert as_north["conforms"] is True and as_north["accepted"] is False
    assert as_north["partner"] == "north" and as_north["own_space"] == NORTH_BASE
    assert as_north["ownership_count"] > 0
    assert {p["subject"] for p in as_north["ownership"]} <= {
        str(s) for s in rdflib.Graph().parse(data=south_data, format="turtle").subjects()
    }
    refused = site.post(site.tokens.north, south_data)
    assert refused.status_code == 422
    assert refused.json()["ownership_count"] == as_north["ownership_count"]

    # South itself: accepted, and the POST is
    as_south = requests.post(
        url, data=south_data, headers={"Content-Type": TURTLE, **site.auth(site.tokens.south)}
    ).json()
    assert as_south["accepted"] is True and as_south["ownership"] == []
    assert site.export() == before  # validating never writes
    assert site.post(site.tokens.south, south_data).status_code == 201

    # relative IRIs resolve against the token's space, as in a contribution
    relative = """@prefix sira: <https://w3id.org/sira/ns#> .
@prefix adms: <http://www.w3.org/ns/adms#> .
<action/x> a sira:Action ."""
    report = requests.post(
        url, data=relative, headers={"Content-Type": TURTLE, **site.auth(site.tokens.south)}
    ).json()
    assert f"{SOUTH_BASE}action/x" in json.dumps(report["report"])
    assert report["accepted"] is False  # violations: an action needs more

    wrong = requests.post(
        url, data=south_data, headers={"Content-Type": TURTLE, "Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401


def test_every_accepted_syntax_and_the_csv_templates(site: Site) -> None:
    graph = rdflib.Graph().parse(data=example(NORTH_BASE), format="turtle")
    for content_type, fmt in [
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
    ]:
        posted = created(site.post(site.tokens.north, graph.serialize(format=fmt), content_type))
        assert posted["triples"] == len(graph) and posted["media_type"] == content_type

    csv_dir = EXAMPLES / "csv"
    files = [("file", (p.name, p.read_bytes(), "text/csv")) for p in sorted(csv_dir.glob("*.csv"))]
    upload = requests.post(
        site.url + "/api/contributions", files=files, headers=site.auth(site.tokens.south)
    )
    posted = created(upload)
    assert posted["media_type"] == "text/csv"
    assert sorted(posted["files"]) == [
        "actions.csv",
        "gaps.csv",
        "organisations.csv",
        "regions.csv",
    ]
    assert site.ask(f"ASK {{ GRAPH <{posted['graph']}> {{ <{EX}language-cafe> a sira:Action }} }}")
    formats = site.select(
        f"SELECT ?src ?format WHERE {{ <{posted['graph']}> prov:wasDerivedFrom ?src . "
        "?src dct:format ?format }"
    )
    assert len(formats) == 4  # one source per uploaded file, each with its media type
    assert {r["format"] for r in formats} == {
        "http://www.iana.org/assignments/media-types/text/csv"
    }

    mixed = requests.post(
        site.url + "/api/contributions",
        files=[
            ("file", ("regions.csv", (csv_dir / "regions.csv").read_bytes(), "text/csv")),
            ("rdf", ("more.ttl", small(SOUTH_BASE, 7).encode(), "text/turtle")),
        ],
        headers=site.auth(site.tokens.south),
    )
    assert created(mixed)["media_type"] == "multipart/form-data"
    listed = {c["id"]: c for c in site.listing(site.tokens.south)["contributions"]}
    assert listed[mixed.json()["id"]]["media_type"] == "multipart/form-data"
    assert listed[posted["id"]]["media_type"] == "text/csv"

    one = site.post(site.tokens.south, (csv_dir / "regions.csv").read_bytes(), "text/csv")
    assert created(one)["triples"] > 5

    bad_csv = (csv_dir / "actions.csv").read_text().replace("ongoing", "sleeping")
    refused = site.post(site.tokens.south, bad_csv, "text/csv")
    assert refused.status_code == 400
    assert refused.json()["parse_error"]["row"] == 2
    assert refused.json()["parse_error"]["column"] == "status"


def test_relative_iris_land_in_the_partners_own_space(site: Site) -> None:
    for token, base, fmt, content_type in (
        (site.tokens.north, NORTH_BASE, "ttl", TURTLE),
        (site.tokens.south, SOUTH_BASE, "jsonld", "application/ld+json"),
    ):
        if fmt == "ttl":  # @prefix ex: <> .
            relative = example("", fmt)
        else:  # "@id": "region"
            doc = json.loads(example("", fmt))
            doc["@context"] = doc["@context"][0]
            relative = json.dumps(doc).replace('"ex:', '"')
        assert "example.org" not in relative
        posted = created(site.post(token, relative, content_type))
        assert site.ask(
            f"ASK {{ GRAPH <{posted['graph']}> {{ <{base}region> a sira:Region ; "
            f"sira:nutsCode ?c }} }}"
        )


def _region_comparison(site: Site, **params: str) -> dict[tuple[str, str], dict]:
    """The answer of the region-comparison question, by (region, theme)."""
    response = requests.get(site.url + "/api/questions/region-comparison", params=params)
    assert response.status_code == 200, response.text
    return {(r["region"], r["theme"]): r for r in response.json()["rows"]}


def test_a_partner_region_shows_up_in_the_region_comparison(site: Site) -> None:
    theme = "https://w3id.org/sira/id/theme/"
    region = NORTH_BASE + "region"
    assert not [k for k in _region_comparison(site) if k[0] == region]
    posted = created(site.post(site.tokens.north, example(NORTH_BASE)))
    matrix = _region_comparison(site)
    cell = {t[len(theme) :]: r for (g, t), r in matrix.items() if g == region}
    assert cell["language-acquisition"]["actions"] == 1
    assert cell["intercultural-exchange"]["actions"] == 1
    assert cell["mental-health"]["declared_gaps"] == 1
    assert cell["health"]["declared_gaps"] == 1  # the broader theme counts it too
    assert cell["housing"]["actions"] == 0
    assert cell["housing"]["nuts_code"] == "ZZ999"
    assert cell["housing"]["region_label"] == "Example Valley (invented region)"
    # The core region is still there, next to the partner's; filters apply to both.
    assert any(g == "https://w3id.org/sira/id/region/FRC13" for g, _ in matrix)
    rural = _region_comparison(site, urban_rural="predominantly-rural", theme="health")
    assert (region, theme + "mental-health") in rural
    assert site.delete(site.tokens.north, posted["id"]).status_code == 204
    assert not [k for k in _region_comparison(site) if k[0] == region]


def test_provenance_of_a_contribution_is_queryable(site: Site) -> None:
    posted = created(site.post(site.tokens.north, example(NORTH_BASE)))
    rows = site.select(
        f"""SELECT ?agent ?label ?time ?triples ?format ?shapes ?version WHERE {{
          GRAPH <https://w3id.org/sira/graph/metadata> {{
            <{posted["graph"]}> a dcat:Dataset ; prov:wasAttributedTo ?agent ;
                prov:generatedAtTime ?time ; void:triples ?triples ;
                prov:wasDerivedFrom ?src ; dct:conformsTo ?shapes ;
                prov:wasGeneratedBy/prov:wasInformedBy/prov:used ?v .
            ?agent rdfs:label ?label .
            ?src dct:format ?format .
            ?v owl:versionInfo ?version .
          }} }}"""
    )
    assert len(rows) == 1, rows
    row = rows[0]
    assert row["agent"] == "https://w3id.org/sira/id/agent/partner/north"
    assert row["label"] == "north"
    assert row["triples"] == "39"
    assert row["format"] == "http://www.iana.org/assignments/media-types/text/turtle"
    assert row["shapes"] == "https://w3id.org/sira/graph/shapes"
    assert row["version"] == shapes_version(Settings().shapes_dir)
    assert re.match(r"\d{4}-\d\d-\d\dT", row["time"])


def test_two_partners_posting_at_the_same_time_lose_nothing(site: Site) -> None:
    results: list[tuple[str, requests.Response]] = []
    lock = threading.Lock()

    def post(name: str, token: str, base: str, n: int) -> None:
        response = site.post(token, small(base, n))
        with lock:
            results.append((name, response))

    threads = [
        threading.Thread(target=post, args=(name, token, base, n))
        for n in range(6)
        for name, token, base in (
            ("north", site.tokens.north, NORTH_BASE),
            ("south", site.tokens.south, SOUTH_BASE),
        )
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for _, r in results] == [201] * 12, [r.text for _, r in results]
    ids = {r.json()["id"] for _, r in results}
    assert len(ids) == 12
    for name, token in (("north", site.tokens.north), ("south", site.tokens.south)):
        listed = site.listing(token)["contributions"]
        assert {c["id"] for c in listed} == {r.json()["id"] for n, r in results if n == name}
    counts = site.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        'FILTER(STRSTARTS(STR(?g), "https://w3id.org/sira/graph/contribution/")) } GROUP BY ?g'
    )
    assert len(counts) == 12
    expected = len(rdflib.Graph().parse(data=small(NORTH_BASE, 0), format="turtle"))
    assert {int(c["n"]) for c in counts} == {expected}


# -- limits and bad requests --------------------------------------------------------------------
def test_limits_and_bad_requests_get_clear_4xx(live_server_factory: Callable, tmp_path) -> None:
    site = make_site(
        live_server_factory,
        tmp_path,
        max_request_bytes=20_000,
        max_contribution_triples=30,
        rate_limit_per_minute=1000,
    )
    token = site.tokens.north

    no_token = site.post(None, example(NORTH_BASE))
    assert no_token.status_code == 401
    assert no_token.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = site.post(token[:-2] + "xx", example(NORTH_BASE))
    assert wrong.status_code == 401 and 'error="invalid_token"' in wrong.headers["WWW-Authenticate"]
    in_url = requests.get(site.url + "/api/contributions", params={"access_token": token})
    assert in_url.status_code == 400 and token not in in_url.text

    oversized = site.post(token, "# padding\n" * 3000 + example(NORTH_BASE))
    assert oversized.status_code == 413
    too_many = site.post(token, example(NORTH_BASE))  # 39 triples > 30
    assert too_many.status_code == 413
    assert too_many.json()["triples"] == 39 and too_many.json()["limit_triples"] == 30

    junk = site.post(token, "@prefix ex: <http://example.org/> .\nex:a ex:b\n ex:c ex:d .")
    assert junk.status_code == 400
    error = junk.json()["parse_error"]
    assert error["line"] == 3 and error["column"] >= 1
    assert f":3:{error['column']}:" in junk.json()["error"]

    remote = site.post(
        token, '{"@context": "http://example.org/ctx.jsonld", "@id": "x"}', "application/ld+json"
    )
    assert remote.status_code == 400 and "remote JSON-LD context" in remote.json()["error"]
    unsupported = site.post(token, "<a> <b> <c> <d> .", "application/n-quads")
    assert unsupported.status_code == 415 and "text/turtle" in unsupported.json()["error"]
    empty = site.post(token, "# nothing\n")
    assert empty.status_code == 422
    assert site.listing()["contributions"] == []


JUNK = [
    ("text/turtle", b"<http://a/x> <http://a/p> ."),
    ("text/turtle", b"\xff\xfe\x00 not UTF-8"),
    ("text/turtle", b"<< <http://a/a> <http://a/b> <http://a/c> >> <http://a/p> <http://a/o> ."),
    ("application/n-triples", b"<http://a/x> <http://a/p> <relative> ."),
    ("application/ld+json", b"[" * 100_000 + b"]" * 100_000),
    ("application/ld+json", b'{"@id": "http://a/x", '),
    ("application/rdf+xml", b"<rdf:RDF xmlns:rdf='x'><a></b></rdf:RDF>"),
    (
        "application/rdf+xml",
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    ),
    ("text/csv", b"id,unknown_column\nhttp://a/x,1\n"),
    ("text/csv", b"\x00\x01,\x02\n"),
]


def test_junk_bodies_are_400_with_a_message_never_500(site: Site) -> None:
    before = site.export()
    for content_type, body in JUNK:
        for response in (
            site.post(site.tokens.north, body, content_type),
            requests.post(
                site.url + "/api/validate", data=body, headers={"Content-Type": content_type}
            ),
        ):
            assert response.status_code == 400, (content_type, body[:60], response.text)
            assert response.json()["error"]
            assert "Traceback" not in response.text
    assert site.export() == before


def test_the_rate_limit_is_per_token(live_server_factory: Callable, tmp_path: Path) -> None:
    site = make_site(live_server_factory, tmp_path, rate_limit_per_minute=3)
    for _ in range(3):
        assert (
            requests.get(
                site.url + "/api/contributions", headers=site.auth(site.tokens.north)
            ).status_code
            == 200
        )
    limited = site.post(site.tokens.north, small(NORTH_BASE, 1))
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert site.listing()["contributions"] == []  # nothing was written
    # The other partner is not held back by the first one's requests.
    assert site.post(site.tokens.south, small(SOUTH_BASE, 1)).status_code == 201
    # /api/validate needs no token: it is limited per client address instead.
    answers = [
        requests.post(
            site.url + "/api/validate", data=small(EX, 1), headers={"Content-Type": TURTLE}
        ).status_code
        for _ in range(4)
    ]
    assert answers == [200, 200, 200, 429]


def test_tokens_never_reach_the_log(site: Site, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = site.tokens.north
    created(site.post(token, example(NORTH_BASE)))
    site.post(token, "junk junk")
    site.post(token + "x", example(NORTH_BASE))
    requests.get(site.url + "/api/contributions", params={"access_token": token})
    site.tokens.registry.revoke("north")
    assert site.post(token, example(NORTH_BASE)).status_code == 401
    # Everything the server side logged (urllib3 is the client here: it logs its own URLs).
    server_log = "\n".join(
        caplog.handler.format(r) for r in caplog.records if not r.name.startswith("urllib3")
    )
    assert "POST /api/contributions 201" in server_log  # the access log did record them
    assert "GET /api/contributions 400" in server_log
    assert token not in server_log
    assert token[5:25] not in server_log


# -- the CLI next to a running server ------------------------------------------------------
def _serve(store: Path) -> tuple[subprocess.Popen, str, list[str]]:
    """`sira-kg serve` on a free port; returns the process, its URL and its stderr lines."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sira_kg", "serve", "--store", str(store), "--port", "0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    found: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stderr:  # type: ignore[union-attr]
            lines.append(line)
            m = re.search(r"on (http://127\.0\.0\.1:\d+)/", line)
            if m and not found:
                found.append(m.group(1))
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    ready.wait(timeout=120)
    if not found:
        process.kill()
        raise AssertionError("the server did not start:\n" + "".join(lines))
    return process, found[0], lines


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sira_kg", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_partner_commands_work_while_the_server_holds_the_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    process, url, log_lines = _serve(store)
    try:
        added = _cli("partner", "add", "north", "--store", str(store))
        assert added.returncode == 0, added.stderr
        token = added.stdout.strip()
        headers = {"Authorization": f"Bearer {token}"}
        listed = requests.get(url + "/api/contributions", headers=headers)
        assert listed.status_code == 200 and listed.json()["partner"] == "north"
        posted = requests.post(
            url + "/api/contributions",
            data=example(NORTH_BASE),
            headers={**headers, "Content-Type": TURTLE},
        )
        assert posted.status_code == 201, posted.text

        shown = _cli("partner", "list", "--store", str(store))
        assert shown.returncode == 0 and "north" in shown.stdout and token not in shown.stdout
        assert _cli("partner", "revoke", "north", "--store", str(store)).returncode == 0
        refused = requests.get(url + "/api/contributions", headers=headers)
        assert refused.status_code == 401
        # The contribution stays published after the revocation.
        assert len(requests.get(url + "/api/contributions").json()["contributions"]) == 1
    finally:
        process.terminate()
        process.wait(timeout=30)
    time.sleep(0.2)  # let the reader thread drain the pipe
    log = "".join(log_lines)
    assert "POST /api/contributions 201" in log
    assert token not in log


# -- the partner guide's examples run as written ----------------------------------------------
def _blocks(language: str) -> list[str]:
    text = (REPO / "docs" / "partners.md").read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_the_python_and_curl_examples_of_the_partner_guide_run(site: Site) -> None:
    env = {
        "SIRA_KG_URL": site.url,
        "SIRA_KG_TOKEN": site.tokens.north,
        "PATH": "/usr/bin:/bin",
    }
    script = "\n".join(_blocks("python"))
    assert "requests.post" in script and "requests.delete" in script
    ran = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert "conforms: True" in ran.stdout

    target = created(site.post(site.tokens.north, example(NORTH_BASE)))
    commands = [b for b in _blocks("sh") if "curl" in b]
    assert len(commands) >= 5
    for block in commands:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            cwd=REPO,
            env={**env, "ID": target["id"]},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, (block, done.stderr)
        assert '"error"' not in done.stdout, (block, done.stdout)
    # The last block withdrew the contribution.
    assert site.delete(site.tokens.north, target["id"]).status_code == 404


def test_the_openapi_fragment_of_the_contribution_routes_is_valid() -> None:
    from openapi_spec_validator import validate

    from sira_kg.endpoint.contributions.openapi import openapi

    fragment = openapi()
    assert set(fragment["paths"]) == {
        "/api/validate",
        "/api/contributions",
        "/api/contributions/{id}",
    }
    validate(
        {
            "openapi": "3.0.3",
            "info": {"title": "sira-kg contributions", "version": "test"},
            **fragment,
        }
    )


def test_the_catalogue_comes_in_pages_with_a_next_link(site: Site) -> None:
    ids = [created(site.post(site.tokens.north, small(NORTH_BASE, n)))["id"] for n in range(5)]
    url = site.url + "/api/contributions"
    whole = requests.get(url, headers=site.auth(site.tokens.north)).json()
    assert whole["count"] == 5 and whole["next"] is None and whole["offset"] == 0
    assert sorted(c["id"] for c in whole["contributions"]) == sorted(ids)

    seen, page_url = [], url + "?limit=2"
    while page_url:
        page = requests.get(page_url, headers=site.auth(site.tokens.north))
        assert page.status_code == 200
        body = page.json()
        assert body["count"] == 5 and len(body["contributions"]) <= 2
        seen += [c["id"] for c in body["contributions"]]
        if body["next"]:
            assert page.headers["Link"] == f'<{body["next"]}>; rel="next"'
        page_url = body["next"]
    assert seen == [c["id"] for c in whole["contributions"]]  # the same order, nothing twice

    for query, needle in [
        ("limit=0", "limit='0'"),
        ("offset=x", "offset='x'"),
        ("limit=1&limit=2", "more than once"),
    ]:
        bad = requests.get(f"{url}?{query}")
        assert bad.status_code == 400 and needle in bad.json()["error"]


def test_a_replace_is_judged_on_the_store_as_it_would_be_after_it(site: Site) -> None:
    """Issue 14: PUT refused valid data, because validation saw the old version of the same
    graph beside the new one (an amount, a single-valued field: 'at most one')."""
    funded = (
        small(NORTH_BASE, 7)
        + f"""
<{NORTH_BASE}funding/7> a sira:Funding ;
    sira:fundingStream <https://w3id.org/sira/id/funding-stream/amif> ;
    <http://schema.org/fundedItem> <{NORTH_BASE}action/7> ;
    <http://schema.org/amount> [ a <http://schema.org/MonetaryAmount> ;
        <http://schema.org/value> 25000.00 ; <http://schema.org/currency> "EUR" ] .
"""
    )
    first = created(site.post(site.tokens.north, funded))
    # a new amount (a blank node: the old one must not count as a second amount) ...
    new_amount = funded.replace("25000.00", "30000.00")
    replaced = site.put(site.tokens.north, first["id"], new_amount)
    assert replaced.status_code == 200, replaced.text
    # ... and a changed single-valued field (sira:nutsCode, sira:nutsLevel: at most one)
    new_code = new_amount.replace('"ZZ007"', '"ZZ008"').replace("code/ZZ007", "code/ZZ008")
    replaced = site.put(site.tokens.north, first["id"], new_code)
    assert replaced.status_code == 200, replaced.text
    values = site.select(
        f"SELECT ?v WHERE {{ <{NORTH_BASE}funding/7> schema:amount/schema:value ?v }}"
    )
    assert [float(r["v"]) for r in values] == [30000.0]
    codes = site.select(f"SELECT ?c WHERE {{ <{NORTH_BASE}region/7> sira:nutsCode ?c }}")
    assert [r["c"] for r in codes] == ["ZZ008"]


RELATIVE_JSONLD = json.dumps(
    {
        "@context": "https://w3id.org/sira/context.jsonld",
        "@graph": [
            {
                "@id": "region/x",
                "@type": "Region",
                "label": {"en": "Synthetic region X"},
                "nutsCode": "ZZ123",
                "nutsLevel": 3,
                "country": "countries:ZZZ",
                "nutsRegion": "nuts:ZZ123",
            },
            {"@id": "source", "@type": "Source", "title": {"en": "Synthetic test data"}},
        ],
    }
)


def test_json_ld_with_relative_ids_is_never_said_to_conform_with_fewer_triples(
    site: Site,
) -> None:
    """Issue 14: relative @ids (and keys the context does not define) were dropped and the
    rest reported as conforming. Now: refused by name, or resolved against a stated base."""
    url = site.url + "/api/validate"
    headers = {"Content-Type": "application/ld+json"}
    refused = requests.post(url, data=RELATIVE_JSONLD, headers=headers, timeout=30)
    assert refused.status_code == 400
    assert "region/x" in refused.json()["error"] and "base" in refused.json()["error"]
    unknown = json.loads(RELATIVE_JSONLD)
    unknown["@graph"][0]["colour"] = "blue"
    refused = requests.post(
        url, data=json.dumps(unknown), headers=headers, params={"base": EX}, timeout=30
    )
    assert refused.status_code == 400 and "colour" in refused.json()["error"]
    resolved = requests.post(
        url, data=RELATIVE_JSONLD, headers=headers, params={"base": EX}, timeout=30
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["triples"] == 8  # every triple sent, none dropped
    bad_base = requests.post(
        url, data=RELATIVE_JSONLD, headers=headers, params={"base": "no iri"}, timeout=30
    )
    assert bad_base.status_code == 400 and "absolute IRI" in bad_base.json()["error"]


@pytest.mark.parametrize("megabytes", [15, 50])
def test_one_size_limit_one_json_error_whatever_the_size(site: Site, megabytes: int) -> None:
    """Issue 14: a 50 MB body got waitress's plain-text 413 and a 15 MB one our JSON 413."""
    body = b"# " + b"x" * (megabytes * 1024 * 1024)
    for path in ("/api/validate", "/api/contributions", "/sparql"):
        r = requests.post(
            site.url + path,
            data=body,
            headers={"Content-Type": "text/turtle", **site.auth(site.tokens.north)},
            timeout=120,
        )
        assert r.status_code == 413, (path, r.status_code)
        assert r.headers["Content-Type"].startswith("application/json"), (path, r.text[:200])
        assert str(10 * 1024 * 1024) in r.json()["error"], path  # names the limit


def test_a_body_in_another_syntax_than_declared_gets_the_likely_one_named(site: Site) -> None:
    """Issue 14: JSON-LD sent as text/turtle (or the reverse) is told what it looks like."""
    url = site.url + "/api/validate"
    as_turtle = requests.post(url, data=RELATIVE_JSONLD, headers={"Content-Type": TURTLE})
    assert as_turtle.status_code == 400
    assert "looks like JSON-LD" in as_turtle.json()["error"]
    assert "application/ld+json" in as_turtle.json()["error"]
    as_jsonld = requests.post(
        url, data=example(NORTH_BASE), headers={"Content-Type": "application/ld+json"}
    )
    assert as_jsonld.status_code == 400
    assert "looks like Turtle" in as_jsonld.json()["error"]


def test_exported_turtle_uses_the_project_prefixes(site: Site) -> None:
    """Issue 14: a contribution read back as Turtle says sira:, org:…, never ns1:."""
    one = created(site.post(site.tokens.north, example(NORTH_BASE)))
    data = requests.get(
        f"{site.url}/api/contributions/{one['id']}", headers={"Accept": "text/turtle"}, timeout=30
    ).text
    assert "@prefix sira: <https://w3id.org/sira/ns#>" in data
    assert "@prefix org: <http://www.w3.org/ns/org#>" in data
    assert "ns1:" not in data and "sira:Region" in data


def test_a_workbook_is_contributed_and_its_mistakes_come_back_all_at_once(site: Site) -> None:
    """Issue 14: .xlsx bodies are accepted (sheet name = template), errors all listed."""
    import io

    from openpyxl import Workbook

    def book(label: str) -> bytes:
        wb = Workbook()
        sheet = wb.active
        sheet.title = "organisations"
        sheet.append(["id", "label_en", "categories"])
        sheet.append([f"{NORTH_BASE}org/xl", label, "cooperative"])
        sheet.append([f"{NORTH_BASE}org/xl2", "Second", "coopérative typo"])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    refused = site.post(site.tokens.north, book("Workbook organisation"), xlsx)
    assert refused.status_code == 400
    assert [e["row"] for e in refused.json()["errors"]] == [3]
    assert "organisations" in refused.json()["errors"][0]["source"]
    good = Workbook()
    sheet = good.active
    sheet.title = "organisations"
    sheet.append(["id", "label_en", "categories"])
    sheet.append([f"{NORTH_BASE}org/xl", "Workbook organisation", "cooperative"])
    out = io.BytesIO()
    good.save(out)
    accepted = created(site.post(site.tokens.north, out.getvalue(), xlsx))
    assert accepted["triples"] >= 3
