"""The curated Share SIRA graph (data/): ten regions, every fact sourced, the questions alive.

What is pinned here is what the public pages support (docs/data.md): each test says
which source-backed fact it relies on. The counts change only when a curator adds a
sourced fact; then the test is updated in the same commit, with the page cited in data/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDFS

from sira_kg.core import knowledge
from sira_kg.core.bootstrap import ensure_bootstrapped
from sira_kg.core.namespaces import ID, SIRA
from sira_kg.core.settings import Settings
from sira_kg.core.store import GraphStore, open_store
from sira_kg.endpoint.questions.answers import answer
from sira_kg.endpoint.questions.catalogue import load_catalogue
from sira_kg.endpoint.questions.running import store_runner

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
NUTS_2021 = URIRef("http://data.europa.eu/nuts/scheme/2021")

#: The ten regions of Share SIRA, by their NUTS 2021 code (Lower Silesia: PL51, its
#: regional page says PL22; Mazovia: the voivodeship is the NUTS 1 unit PL9).
REGIONS = {
    "FRC13": "Saône-et-Loire",
    "FRL06": "Vaucluse",
    "FRK24": "Isère",
    "FRI21": "Corrèze",
    "ES242": "Teruel",
    "ES417": "Soria",
    "ES424": "Guadalajara",
    "PL9": "Mazovia",
    "PL51": "Lower Silesia",
    "EL611": "Karditsa",
}


@pytest.fixture(scope="module")
def data() -> Graph:
    g = Graph()
    for path in sorted(DATA.glob("*.ttl")):
        g.parse(path)
    return g


@pytest.fixture(scope="module")
def store() -> GraphStore:
    """The store `make serve` starts from (no synthetic data)."""
    settings = Settings(store_path=None)
    st = open_store(settings)
    result = ensure_bootstrapped(st, settings)
    assert result.problems == [], result.problems
    return st


@pytest.fixture(scope="module")
def catalogue() -> dict:
    return load_catalogue(REPO / "queries")


def ask(catalogue: dict, store: GraphStore, name: str, **params: str) -> list[dict]:
    table = answer(catalogue[name], params, store_runner(store), "en")
    return table.rows


# -- every fact sourced -----------------------------------------------------------------


def test_every_subject_cites_a_described_web_page(data: Graph) -> None:
    documents = set(data.subjects(RDF.type, FOAF.Document))
    assert documents, "data/sources.ttl describes the pages"
    for doc in documents:
        assert str(doc).startswith(("http://", "https://")), doc
        assert data.value(doc, DCTERMS.title) is not None, doc
        assert data.value(doc, SIRA.accessed) is not None, doc
    for subject in set(data.subjects()):
        if isinstance(subject, BNode) or subject in documents:
            continue
        cited = set(data.objects(subject, DCTERMS.source))
        assert cited, f"{subject} cites no source"
        assert cited <= documents, (subject, cited - documents)


def test_every_sourced_blank_node_cites_described_pages(data: Graph) -> None:
    documents = set(data.subjects(RDF.type, FOAF.Document))
    for s, o in data.subject_objects(DCTERMS.source):
        assert o in documents, (s, o)


# -- regions ----------------------------------------------------------------------------


def test_ten_regions_each_with_its_nuts_2021_iri(data: Graph) -> None:
    regions = set(data.subjects(RDF.type, SIRA.Region))
    assert {str(data.value(r, SIRA.nutsCode)) for r in regions} == set(REGIONS)
    for region in regions:
        code = str(data.value(region, SIRA.nutsCode))
        assert region == ID[f"region/{code}"]
        assert data.value(region, SIRA.nutsRegion) == URIRef(
            f"http://data.europa.eu/nuts/code/{code}"
        )
        assert NUTS_2021 in set(data.objects(region, SIRA.nutsVersion)), code
        labels = {lbl.language for lbl in data.objects(region, RDFS.label)}
        assert "en" in labels and len(labels) >= 2, (code, labels)


# -- disagreements ------------------------------------------------------------------------

#: The contradictions of the fact sheet: each is a sira:Disagreement about this resource.
DISAGREEMENTS = {
    "project end date": ID["project/share-sira"],
    "French partner's name": ID["org/entraide-pierre-valdo"],
    "Greek partner's name": ID["org/anka"],
    "Lower Silesia's NUTS code": ID["region/PL51"],
}


def test_each_disagreement_is_two_sourced_statements(data: Graph) -> None:
    found = {}
    for d in data.subjects(RDF.type, SIRA.Disagreement):
        claims = list(data.objects(d, SIRA.claim))
        assert len(claims) >= 2, d
        sources = set()
        for claim in claims:
            assert data.value(claim, RDF.type) == RDF.Statement
            for prop in (RDF.subject, RDF.predicate, RDF.object):
                assert data.value(claim, prop) is not None, (d, prop)
            cited = set(data.objects(claim, DCTERMS.source))
            assert cited, (d, claim)
            sources |= cited
        assert len(sources) >= 2 or len(claims) >= 2, d
        found.setdefault(data.value(d, SIRA.concerns), []).append(d)
    for what, resource in DISAGREEMENTS.items():
        assert resource in found, what
    # the contradictions of the fact sheet, one Disagreement each (its third item, the role
    # of Viltaïs, is no contradiction: no source calls Viltaïs a partner), and one more
    # found in the strategies' pages
    assert {str(d).rsplit("/", 1)[1] for d in data.subjects(RDF.type, SIRA.Disagreement)} == {
        "share-sira-end-date",
        "french-partner-name",
        "greek-partner-name",
        "share-sira-lead",
        "share-sira-regions-predominantly-rural",
        "share-sira-pilots-per-region",
        "final-conference-title-and-organisers",
        "lower-silesia-nuts-code",
        "siguenza-look-and-learn-duration",
        "fr-refugee-strategy-presentation-date",
    }


# -- the questions on the curated data alone (no synthetic data) -----------------------------

ALL = set(REGIONS)


def codes(rows: list[dict], column: str = "region") -> set[str]:
    out = set()
    for row in rows:
        values = row[column] if isinstance(row[column], list) else [row[column]]
        out |= {str(v).rsplit("/", 1)[1] for v in values if v}
    return out


def test_bootstrap_loads_and_validates_every_curated_graph(store: GraphStore) -> None:
    graphs = {g.iri for g in store.graphs()}
    for path in DATA.glob("*.ttl"):
        assert f"https://w3id.org/sira/graph/data/{path.stem}" in graphs


def test_region_comparison_covers_every_region(catalogue, store) -> None:
    rows = ask(catalogue, store, "region-comparison")
    assert {r["nuts_code"] for r in rows} == ALL
    totals = {code: [0, 0, 0] for code in ALL}
    for r in rows:
        t = totals[r["nuts_code"]]
        t[0] += r["actions"]
        t[1] += r["capacities"]
        t[2] += r["declared_gaps"]
    # each count column is non-zero for several regions; the counts the sources support:
    assert totals == {
        "FRC13": [2, 0, 0],
        "FRL06": [7, 6, 11],
        "FRK24": [5, 5, 3],
        "FRI21": [4, 2, 4],
        "ES242": [6, 4, 6],
        "ES417": [0, 0, 0],  # Soria: one roundtable found, nothing else
        "ES424": [4, 2, 10],
        "PL9": [13, 2, 1],
        "PL51": [0, 5, 4],
        "EL611": [0, 1, 0],  # the Karditsa pilot's theme is not known
    }


def test_gaps_capacities_actions_funding_and_coverage_answer_for_many_regions(
    catalogue, store
) -> None:
    gaps = ask(catalogue, store, "gaps")
    declared = [r for r in gaps if r["declared_gaps"]]
    assert codes(declared) == {"FRL06", "FRK24", "FRI21", "ES242", "ES424", "PL9", "PL51"}
    # 28 gaps are recorded; the three of Lower Silesia's second roundtable have no theme
    # (the page names none we could map), and the question lists gaps by theme
    assert len({g for r in declared for g in r["declared_gaps"]}) == 25
    # no source says that an action or a capacity answers a roundtable's gap (yet)
    assert all(r["answered_by"] == [] for r in gaps)
    capacities = [r for r in ask(catalogue, store, "capacities") if r["capacities"]]
    assert codes(capacities) == {"FRL06", "FRK24", "FRI21", "ES242", "ES424", "EL611"}
    actions = ask(catalogue, store, "actions")
    assert codes(actions, "regions") == ALL - {"ES417"}  # 10 pilots in 9 regions, Soria none
    assert len(actions) == 12
    funded = {code for code in ALL if ask(catalogue, store, "funding", region=code)}
    assert funded == {"FRC13", "FRL06", "FRK24", "FRI21", "ES242"}
    covered = {code for code in ALL if ask(catalogue, store, "strategy-coverage", region=code)}
    assert covered == ALL  # the EU's action plan and rural vision apply everywhere
    strategies = {
        str(r["strategy"]).rsplit("/", 1)[1]: (r["themes"], r["covered_themes"])
        for r in ask(catalogue, store, "strategy-coverage")
    }
    assert strategies == {
        "eu-action-plan-integration-2021-2027": (11, 7),
        "eu-long-term-rural-vision-2040": (1, 1),
        "fr-national-refugee-integration-2018": (2, 1),
        "es-strategic-framework-citizenship-inclusion-2023-2027": (1, 0),
    }


# -- what the sources leave open ---------------------------------------------------------------


def test_knowledge_report_lists_what_the_fact_sheet_did_not_find(store) -> None:
    report = {r.nuts_code: r for r in knowledge.regions(store)}
    assert set(report) == ALL
    expect = {
        "ES417": ["no platform member named", "roundtable 1 not found", "no pilot action found"],
        "ES242": ["roundtable 3 not found", "1 pilot action(s) without implementer"],
        "FRK24": ["roundtable 1 not found", "roundtable 3 not found", "roundtable 4 not found"],
        "FRI21": ["roundtable 1 not found"],
        "PL9": ["roundtable 1 not found", "roundtable 2 not found"],
        "PL51": [
            "1 pilot action(s) without implementer",
            "no funding amount for 1 pilot action(s)",
        ],
        "EL611": [
            "roundtable 2 not found",
            "roundtable 4 not found",
            "no platform member named",
            "1 pilot action(s) whose content (theme) is not known",
        ],
        "ES424": ["roundtable 3 not found", "no funding amount for 1 pilot action(s)"],
        "FRL06": ["no platform member named"],
        "FRC13": ["roundtable 2 not found", "roundtable 4 not found"],
    }
    for code, items in expect.items():
        for item in items:
            assert item in report[code].open, (code, item)
    assert "sources disagree (2 disagreement(s) recorded)" in report["PL51"].open
    project = knowledge.project_open(store)
    assert "project budget and AMIF grant amount not found" in project
    assert "no dated policy brief found (titles and dates of the briefs)" in project
    text = knowledge.to_text(store)
    assert "Soria (ES417)" in text and "open: no pilot action found" in text


def test_every_question_says_what_the_curated_data_covers(catalogue) -> None:
    for question in catalogue.values():
        assert "ten Share SIRA regions" in question.description["en"], question.name
        assert "dix régions de Share SIRA" in question.description["fr"], question.name
        assert "sira-kg report" in question.description["en"], question.name
    readme = (REPO / "README.md").read_text("utf-8")
    assert "## Curated data" in readme and "sira-kg report" in readme
