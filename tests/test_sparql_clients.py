"""Standard SPARQL clients against the live endpoint: SPARQLWrapper and rdflib's SPARQLStore.

The store is the bootstrapped one (ontology, schemes, Saône-et-Loire data),
what a researcher's notebook sees.
"""

from __future__ import annotations

import csv
import io
import xml.dom.minidom

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from server_fixtures import LiveServer
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

SKOS = "http://www.w3.org/2004/02/skos/core#"
THEME_SCHEME = "https://w3id.org/sira/id/scheme/theme"
THEMES = f"""
PREFIX skos: <{SKOS}>
SELECT ?concept ?label WHERE {{
  ?concept skos:inScheme <{THEME_SCHEME}> ; skos:prefLabel ?label .
  FILTER(LANG(?label) = "fr")
}} ORDER BY ?concept
"""


@pytest.fixture
def wrapper(live_server: LiveServer) -> SPARQLWrapper:
    return SPARQLWrapper(live_server.sparql)


def _theme_count(live_server: LiveServer) -> int:
    rows = live_server.store.query(
        f"SELECT (COUNT(?c) AS ?n) WHERE {{ ?c <{SKOS}inScheme> <{THEME_SCHEME}> }}"
    )
    return int(next(iter(rows))["n"].value)


def test_sparqlwrapper_json(wrapper: SPARQLWrapper, live_server: LiveServer) -> None:
    wrapper.setQuery(THEMES)
    wrapper.setReturnFormat(JSON)
    results = wrapper.queryAndConvert()
    bindings = results["results"]["bindings"]
    assert len(bindings) == _theme_count(live_server) > 5
    assert all(b["label"]["xml:lang"] == "fr" for b in bindings)


def test_sparqlwrapper_json_by_post(wrapper: SPARQLWrapper, live_server: LiveServer) -> None:
    wrapper.setQuery(THEMES)
    wrapper.setMethod(POST)
    wrapper.setReturnFormat(JSON)
    assert len(wrapper.queryAndConvert()["results"]["bindings"]) == _theme_count(live_server)


def test_sparqlwrapper_xml(wrapper: SPARQLWrapper, live_server: LiveServer) -> None:
    wrapper.setQuery(THEMES)
    wrapper.setReturnFormat(XML)
    document = wrapper.queryAndConvert()
    assert isinstance(document, xml.dom.minidom.Document)
    assert len(document.getElementsByTagName("result")) == _theme_count(live_server)


def test_sparqlwrapper_csv(wrapper: SPARQLWrapper, live_server: LiveServer) -> None:
    wrapper.setQuery(THEMES)
    wrapper.setReturnFormat(CSV)
    text = wrapper.queryAndConvert().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["concept", "label"]
    assert len(rows) - 1 == _theme_count(live_server)


def test_sparqlwrapper_ask(wrapper: SPARQLWrapper) -> None:
    wrapper.setQuery(f"ASK {{ <{THEME_SCHEME}> a <{SKOS}ConceptScheme> }}")
    wrapper.setReturnFormat(JSON)
    assert wrapper.queryAndConvert()["boolean"] is True


@pytest.mark.parametrize("fmt", [TURTLE, XML])
def test_sparqlwrapper_construct_into_rdflib(wrapper: SPARQLWrapper, fmt: str) -> None:
    wrapper.setQuery(
        f"PREFIX skos: <{SKOS}> CONSTRUCT {{ ?c skos:prefLabel ?l }} "
        f"WHERE {{ ?c skos:inScheme <{THEME_SCHEME}> ; skos:prefLabel ?l }}"
    )
    wrapper.setReturnFormat(fmt)
    result = wrapper.queryAndConvert()
    graph = result if isinstance(result, rdflib.Graph) else rdflib.Graph().parse(data=result)
    labels = {str(o) for o in graph.objects(None, rdflib.URIRef(SKOS + "prefLabel"))}
    assert len(graph) > 10
    assert {"Social orientation", "Orientation sociale"} <= labels


def test_sparqlwrapper_sees_errors_as_errors(wrapper: SPARQLWrapper) -> None:
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    wrapper.setQuery("SELECT * WHERE { ?s ?p }")
    wrapper.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed):
        wrapper.queryAndConvert()


def test_rdflib_sparqlstore(live_server: LiveServer) -> None:
    store = SPARQLStore(live_server.sparql, returnFormat="xml")
    graph = rdflib.Graph(store=store)
    rows = list(graph.query(THEMES))
    assert len(rows) == _theme_count(live_server)
    assert all(row.label.language == "fr" for row in rows)
    assert graph.query(f"ASK {{ <{THEME_SCHEME}> ?p ?o }}").askAnswer is True
    constructed = graph.query(
        f"CONSTRUCT {{ <{THEME_SCHEME}> ?p ?o }} WHERE {{ <{THEME_SCHEME}> ?p ?o }}"
    ).graph
    assert (
        rdflib.URIRef(THEME_SCHEME),
        rdflib.RDF.type,
        rdflib.URIRef(SKOS + "ConceptScheme"),
    ) in (constructed)
    # triples() goes through the endpoint as well
    assert len(list(graph.triples((rdflib.URIRef(THEME_SCHEME), None, None)))) > 2


def test_rdflib_sparqlstore_json_and_post(live_server: LiveServer) -> None:
    store = SPARQLStore(live_server.sparql, returnFormat="json", method="POST")
    rows = list(rdflib.Graph(store=store).query(THEMES))
    assert len(rows) == _theme_count(live_server)
