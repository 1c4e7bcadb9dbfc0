"""Labels of answers: the choice of label, the same by index lookups and by SPARQL.

The data here is synthetic, made up for the tests.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from sira_kg.core.bootstrap import ensure_bootstrapped
from sira_kg.core.labels import LABEL_PREDICATES, build_index, sparql_labels, store_labels
from sira_kg.core.settings import Settings
from sira_kg.core.store import GraphStore, open_store
from sira_kg.endpoint.cache import CachingEvaluator
from sira_kg.endpoint.evaluation import QueryFailed, StoreJob, ThreadEvaluator
from sira_kg.endpoint.questions.running import store_runner

EX = "http://example.org/label-test/"
DATA = f"""
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix schema: <http://schema.org/> .
@prefix ex: <{EX}> .

ex:both skos:prefLabel "Preferred"@en, "Préféré"@fr ; rdfs:label "Plain label"@fr .
ex:englishOnly rdfs:label "Only English"@en, "Nur Deutsch"@de .
ex:untagged rdfs:label "No tag", "Etichetta"@it .
ex:regional rdfs:label "Régional"@fr-BE .
ex:otherOnly dct:title "Nur Deutsch"@de .
ex:named schema:name "A name" ; dct:description "A description" .
ex:described dct:description "Only a description"@en .
ex:notLiteral rdfs:label ex:both .
ex:nothing ex:p ex:o .
ex:tie rdfs:label "Zeta"@en, "Alpha"@en, "Beta"@de, "Aleph"@it .
"""
IRIS = [
    EX + name
    for name in (
        "both englishOnly untagged regional otherOnly named described notLiteral nothing unknown "
        "tie"
    ).split()
]


@pytest.fixture(scope="module")
def store() -> GraphStore:
    store = open_store(Settings(store_path=None))
    store.ox.load(DATA.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(EX + "g"))
    return store


def test_names_first_then_the_asked_language_then_english_then_untagged(store) -> None:
    assert store_labels(store, IRIS, "fr") == {
        EX + "both": "Préféré",  # prefLabel before rdfs:label, even in the asked language
        EX + "englishOnly": "Only English",
        EX + "untagged": "No tag",
        EX + "regional": "Régional",  # fr-BE is French
        EX + "otherOnly": "Nur Deutsch",  # any language rather than nothing
        EX + "named": "A name",  # a name before a description
        EX + "described": "Only a description",
        EX + "tie": "Alpha",  # two in English: the first in code-point order
    }
    english = store_labels(store, IRIS, "en")
    assert english[EX + "both"] == "Preferred"
    assert english[EX + "tie"] == "Alpha"  # equals: the first in code-point order
    assert store_labels(store, IRIS, "fr")[EX + "tie"] == "Alpha"  # English before others
    assert store_labels(store, IRIS, "es")[EX + "tie"] == "Alpha"
    assert english[EX + "regional"] == "Régional"
    assert store_labels(store, IRIS, "de")[EX + "englishOnly"] == "Nur Deutsch"


@pytest.mark.parametrize("lang", ["en", "fr", "de", "it"])
def test_index_lookups_sparql_and_a_label_index_agree(store, lang) -> None:
    direct = store_labels(store, IRIS, lang)
    assert direct == sparql_labels(store_runner(store), IRIS, lang)
    indexed = GraphStore(store.ox, None)
    indexed.label_index = build_index(indexed)
    assert store_labels(indexed, IRIS, lang) == direct


def test_a_label_index_is_refused_beyond_its_limit(store) -> None:
    assert build_index(store, limit=3) is None
    index = build_index(store)
    assert index is not None and [e[0] for e in index[EX + "both"]] == [0, 0, 1]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_agree_on_every_iri_of_the_saone_et_loire_graph(lang) -> None:
    settings = Settings(store_path=None)
    sel = open_store(settings)
    ensure_bootstrapped(sel, settings, validate_data=False)
    iris = [
        r["s"].value for r in sel.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }")
    ]
    direct = store_labels(sel, iris, lang)
    assert len(direct) > 200  # concepts, classes, organisations, places…
    assert direct == sparql_labels(store_runner(sel), iris, lang)
    sel.label_index = build_index(sel)
    assert store_labels(sel, iris, lang) == direct


def test_label_predicates_are_the_documented_ones() -> None:
    assert LABEL_PREDICATES[:2] == (
        "http://www.w3.org/2004/02/skos/core#prefLabel",
        "http://www.w3.org/2000/01/rdf-schema#label",
    )


def labels_json(store: GraphStore, check, iris: tuple[str, ...], lang: str) -> bytes:
    """A store job's function: module-level, as the worker processes need."""
    return json.dumps(store_labels(store, iris, lang, check)).encode()


def test_a_store_job_is_evaluated_and_cached_like_a_query(store) -> None:
    evaluator = CachingEvaluator(ThreadEvaluator(store, slots=1), store, 1 << 20)
    first = evaluator.run(StoreJob(labels_json, (tuple(IRIS), "fr")))
    assert json.loads(first.body) == store_labels(store, IRIS, "fr")
    assert evaluator.run(StoreJob(labels_json, (tuple(IRIS), "fr"))) is first
    assert (evaluator.hits, evaluator.misses) == (1, 1)
    assert evaluator.run(StoreJob(labels_json, (tuple(IRIS), "en"))) is not first


def test_a_store_job_stops_at_its_deadline(store) -> None:
    job = StoreJob(labels_json, (tuple(f"{EX}n{i}" for i in range(5000)), "en"), timeout=0.0)
    with pytest.raises(QueryFailed) as failed:
        ThreadEvaluator(store, slots=1).run(job)
    assert failed.value.status == 503
