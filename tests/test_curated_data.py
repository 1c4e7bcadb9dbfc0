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
    # who leads the project, predominantly rural, pilots vs regions, the final conference
    # and the Look & Learn duration are recorded too
    assert len(list(data.subjects(RDF.type, SIRA.Disagreement))) >= 9
