"""The SPARQL 1.1 Protocol at /sparql, over HTTP against a real waitress server.

The store holds tests/fixtures/endpoint-sample.trig (synthetic, example.org):
graph-a (alice, bob) and graph-b (carol, an office labelled "SERVICE desk").
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.compare import isomorphic
from server_fixtures import LiveServer, running, sample_store

from sira_kg.core.settings import Settings
from sira_kg.core.store import GraphStore
from sira_kg.endpoint.app import create_app

EX = "http://example.org/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
GRAPH_C = ox.NamedNode(EX + "graph-c")
SR = "{http://www.w3.org/2005/sparql-results#}"
PERSONS = f"SELECT ?p ?label WHERE {{ ?p a <{EX}Person> ; <http://www.w3.org/2000/01/rdf-schema#label> ?label }} ORDER BY ?p ?label"  # noqa: E501
COUNT_PERSONS = f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a <{EX}Person> }}"
CONSTRUCT = f"CONSTRUCT {{ ?p <{EX}age> ?age }} WHERE {{ ?p <{EX}age> ?age }}"
ASK = f"ASK {{ <{EX}alice> <{EX}knows> <{EX}bob> }}"
BOB_LABEL = 'Bob, "the builder"\nsecond line'


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    settings = Settings(store_path=None)
    with running(create_app(settings, sample_store())) as live:
        yield live


def get(server: LiveServer, query: str | None = None, accept: str | None = None, **params):
    if query is not None:
        params["query"] = query
    headers = {"Accept": accept} if accept else {}
    return requests.get(server.sparql, params=params, headers=headers, timeout=30)


def count_persons(server: LiveServer, **params) -> int:
    r = get(server, COUNT_PERSONS, "application/sparql-results+json", **params)
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


# -- the three ways of sending a query -----------------------------------------


def test_get_post_form_and_post_body_give_the_same_json(server: LiveServer) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    by_get = requests.get(server.sparql, params={"query": PERSONS}, headers=accept, timeout=30)
    by_form = requests.post(server.sparql, data={"query": PERSONS}, headers=accept, timeout=30)
    by_body = requests.post(
        server.sparql,
        data=PERSONS.encode(),
        headers={**accept, "Content-Type": "application/sparql-query"},
        timeout=30,
    )
    for r in (by_get, by_form, by_body):
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("application/sparql-results+json")
    results = by_get.json()
    assert results["head"]["vars"] == ["p", "label"]
    labels = [(b["p"]["value"], b["label"]["value"]) for b in results["results"]["bindings"]]
    assert (EX + "bob", BOB_LABEL) in labels
    assert len(labels) == 4  # alice (en, fr), bob, carol
    assert by_form.json() == results == by_body.json()


def test_sparql_query_body_with_dataset_in_the_url(server: LiveServer) -> None:
    r = requests.post(
        server.sparql,
        params={"default-graph-uri": EX + "graph-b"},
        data=COUNT_PERSONS.encode(),
        headers={"Content-Type": "application/sparql-query; charset=utf-8"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"][0]["n"]["value"] == "1"


# -- result formats --------------------------------------------------------------


def test_select_as_xml(server: LiveServer) -> None:
    r = get(server, PERSONS, "application/sparql-results+xml")
    assert r.headers["Content-Type"].startswith("application/sparql-results+xml")
    root = ET.fromstring(r.content)
    assert [v.get("name") for v in root.iter(SR + "variable")] == ["p", "label"]
    results = list(root.iter(SR + "result"))
    assert len(results) == 4
    literals = [lit for lit in root.iter(SR + "literal")]
    bob = [lit for lit in literals if lit.text == BOB_LABEL]
    assert bob and bob[0].get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


def test_select_as_csv(server: LiveServer) -> None:
    r = get(server, PERSONS, "text/csv")
    assert r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8"), newline="")))
    assert rows[0] == ["p", "label"]
    assert [EX + "bob", BOB_LABEL] in rows  # comma, quotes and newline survive
    assert len(rows) == 5


def test_select_as_tsv(server: LiveServer) -> None:
    r = get(server, PERSONS, "text/tab-separated-values")
    assert r.headers["Content-Type"].startswith("text/tab-separated-values")
    lines = r.content.decode("utf-8").rstrip("\n").split("\n")
    assert lines[0] == "?p\t?label"
    assert len(lines) == 5
    parsed = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.TSV)
    values = {(s["p"].value, s["label"].value) for s in parsed}
    assert (EX + "bob", BOB_LABEL) in values


@pytest.mark.parametrize(
    ("accept", "check"),
    [
        ("application/sparql-results+json", lambda body: json.loads(body)["boolean"] is True),
        (
            "application/sparql-results+xml",
            lambda body: ET.fromstring(body).find(SR + "boolean").text == "true",
        ),
        ("text/csv", lambda body: body.strip() == b"true"),
        ("text/tab-separated-values", lambda body: body.strip() == b"true"),
    ],
)
def test_ask_in_every_results_format(server: LiveServer, accept: str, check) -> None:
    r = get(server, ASK, accept)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith(accept)
    assert check(r.content)


def _expected_ages() -> rdflib.Graph:
    g = rdflib.Graph()
    for name, age in (("alice", 34), ("bob", 41), ("carol", 29)):
        g.add((rdflib.URIRef(EX + name), rdflib.URIRef(EX + "age"), rdflib.Literal(age)))
    return g


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/n-quads", "nquads"),
        ("application/trig", "trig"),
        ("text/n3", "n3"),
    ],
)
def test_construct_in_every_rdf_format(server: LiveServer, accept: str, rdflib_format: str) -> None:
    r = get(server, CONSTRUCT, accept)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith(accept)
    if rdflib_format in ("nquads", "trig"):
        ds = rdflib.Dataset()
        ds.parse(data=r.content, format=rdflib_format)
        graph = rdflib.Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            graph.add((s, p, o))
    else:
        graph = rdflib.Graph().parse(data=r.content, format=rdflib_format)
    assert isomorphic(graph, _expected_ages())


def test_describe_gives_a_graph_about_the_resource(server: LiveServer) -> None:
    r = get(server, f"DESCRIBE <{EX}carol>", "text/turtle")
    assert r.status_code == 200
    graph = rdflib.Graph().parse(data=r.content, format="turtle")
    assert (rdflib.URIRef(EX + "carol"), rdflib.URIRef(EX + "age"), rdflib.Literal(29)) in graph


# -- content negotiation -------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("application/sparql-results+json;q=0, */*;q=0.1", "application/sparql-results+xml"),
        (
            "text/tab-separated-values;q=0.9, application/sparql-results+json;q=0.2",
            "text/tab-separated-values",
        ),
        ("text/*", "text/csv"),
        ("application/sparql-results+json; charset=utf-8", "application/sparql-results+json"),
        ("text/html, application/xml;q=0.9, */*;q=0.8", "application/sparql-results+xml"),
    ],
)
def test_accept_with_q_values(server: LiveServer, accept: str | None, expected: str) -> None:
    r = get(server, COUNT_PERSONS, accept)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == expected
    assert "Accept" in r.headers["Vary"]


def test_format_parameter_overrides_accept(server: LiveServer) -> None:
    r = get(server, COUNT_PERSONS, "application/sparql-results+xml", format="csv")
    assert r.headers["Content-Type"].startswith("text/csv")
    assert r.text.splitlines() == ["n", "3"]
    r = get(server, CONSTRUCT, "text/turtle", format="json")  # a graph: JSON means JSON-LD
    assert r.headers["Content-Type"].startswith("application/ld+json")
    assert len(rdflib.Graph().parse(data=r.content, format="json-ld")) == 3


def test_406_only_when_nothing_is_acceptable(server: LiveServer) -> None:
    r = get(server, COUNT_PERSONS, "image/png")
    assert r.status_code == 406
    assert "application/sparql-results+json" in r.text  # says what is available
    r = get(server, CONSTRUCT, "application/sparql-results+json")
    assert r.status_code == 406
    r = get(server, COUNT_PERSONS, format="turtle")
    assert r.status_code == 406 and "format='turtle'" in r.text
    r = get(server, COUNT_PERSONS, "image/png, text/csv;q=0.01")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")


# -- the dataset ------------------------------------------------------------------------


def test_default_graph_is_the_union_of_the_named_graphs(server: LiveServer) -> None:
    assert count_persons(server) == 3


def test_default_graph_uri_replaces_the_union(server: LiveServer) -> None:
    assert count_persons(server, **{"default-graph-uri": EX + "graph-a"}) == 2
    both = {"default-graph-uri": [EX + "graph-a", EX + "graph-b"]}
    assert count_persons(server, **both) == 3
    assert count_persons(server, **{"default-graph-uri": EX + "no-such-graph"}) == 0


def test_named_graph_uri_limits_graph_patterns(server: LiveServer) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    r = get(server, query, "application/sparql-results+json")
    assert {b["g"]["value"] for b in r.json()["results"]["bindings"]} == {
        EX + "graph-a",
        EX + "graph-b",
    }
    r = get(server, query, "application/sparql-results+json", **{"named-graph-uri": EX + "graph-b"})
    assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == [EX + "graph-b"]
    # named graphs only: the default graph is then empty (SPARQL 1.1 Query, 13.2)
    assert count_persons(server, **{"named-graph-uri": EX + "graph-b"}) == 0


def test_dataset_parameters_in_a_form_post(server: LiveServer) -> None:
    r = requests.post(
        server.sparql,
        data={"query": COUNT_PERSONS, "default-graph-uri": EX + "graph-b"},
        headers={"Accept": "text/csv"},
        timeout=30,
    )
    assert r.text.splitlines() == ["n", "1"]


# -- the service description ------------------------------------------------------------

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


@pytest.mark.parametrize(
    ("accept", "fmt"), [(None, "turtle"), ("application/ld+json", "json-ld"), ("text/n3", "n3")]
)
def test_service_description(server: LiveServer, accept: str | None, fmt: str) -> None:
    r = requests.get(server.sparql, headers={"Accept": accept} if accept else {}, timeout=30)
    assert r.status_code == 200
    g = rdflib.Graph().parse(data=r.content, format=fmt)
    service = g.value(predicate=rdflib.RDF.type, object=SD.Service)
    assert service is not None
    assert g.value(service, SD.endpoint) == rdflib.URIRef(server.sparql)
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    formats = set(g.objects(service, SD.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert rdflib.URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    dataset = g.value(service, SD.defaultDataset)
    names = {g.value(n, SD.name) for n in g.objects(dataset, SD.namedGraph)}
    assert names == {rdflib.URIRef(EX + "graph-a"), rdflib.URIRef(EX + "graph-b")}


# -- read-only --------------------------------------------------------------------------

INSERT = f"INSERT DATA {{ GRAPH <{EX}graph-a> {{ <{EX}mallory> a <{EX}Person> }} }}"


@pytest.mark.parametrize(
    "send",
    [
        lambda url: requests.get(url, params={"update": INSERT}, timeout=30),
        lambda url: requests.post(url, data={"update": INSERT}, timeout=30),
        lambda url: requests.post(
            url,
            data=INSERT.encode(),
            headers={"Content-Type": "application/sparql-update"},
            timeout=30,
        ),
        lambda url: requests.post(url, data={"query": INSERT}, timeout=30),
        lambda url: requests.post(
            url,
            data=f"DROP ALL ; {INSERT}".encode(),
            headers={"Content-Type": "application/sparql-query"},
            timeout=30,
        ),
    ],
    ids=["get-update", "form-update", "update-body", "update-as-query", "drop-as-query-body"],
)
def test_updates_are_refused_and_change_nothing(server: LiveServer, send) -> None:
    before = io.BytesIO()
    server.store.export(before)
    r = send(server.sparql)
    assert r.status_code == 403
    assert "read-only" in r.text and "/api/contributions" in r.text and "sira-kg load" in r.text
    after = io.BytesIO()
    server.store.export(after)
    assert after.getvalue() == before.getvalue()
    assert count_persons(server) == 3


# -- SERVICE --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * where { { ?x ?y ?z OPTIONAL { { service <http://127.0.0.1:9/sparql> "
        "{ ?s ?p ?o } } } } }",
        "PREFIX r: <http://127.0.0.1:9/> SELECT * { ?a ?b ?c . MINUS { SeRvIcE SILENT r:sparql "
        "{ ?s ?p ?o } } }",
        "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3)SERVICE<http://127.0.0.1:9/sparql>{?s ?p ?o} }",
        "SELECT * WHERE { VALUES ?e { <http://127.0.0.1:9/sparql> } SERVICE ?e { ?s ?p ?o } }",
        "ASK { FILTER EXISTS { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } } }",
    ],
    ids=[
        "plain",
        "nested-lowercase",
        "prefixed-silent-in-minus",
        "no-spaces",
        "variable",
        "exists",
    ],
)
def test_service_is_refused(server: LiveServer, query: str) -> None:
    r = get(server, query)
    assert r.status_code == 403, r.text
    assert "SERVICE refused" in r.text and "allowed: none" in r.text


@pytest.mark.parametrize(
    "query",
    [
        'SELECT ?o WHERE { ?o <http://www.w3.org/2000/01/rdf-schema#label> "SERVICE desk"@en }',
        "SELECT ?o WHERE { ?o ?p 'a SERVICE <http://127.0.0.1:9/> { }' }",
        'SELECT ?o WHERE { ?o ?p """\nSERVICE <http://127.0.0.1:9/> {} """ }',
        "SELECT ?service WHERE { ?service ?p <http://example.org/SERVICE> } # SERVICE <x> {}",
        "PREFIX service: <http://example.org/> SELECT ?o WHERE { ?o a service:Office }",
    ],
    ids=["string", "single-quoted", "long-string", "variable-iri-comment", "prefix-named-service"],
)
def test_the_word_service_elsewhere_is_not_refused(server: LiveServer, query: str) -> None:
    r = get(server, query, "application/sparql-results+json")
    assert r.status_code == 200, r.text


def test_service_on_the_allow_list_is_called() -> None:
    """An allowed endpoint (here the server itself) is queried by SERVICE."""
    with running(create_app(Settings(store_path=None), sample_store())) as remote:
        settings = Settings(store_path=None, service_allow_list=(remote.sparql,))
        with running(create_app(settings, sample_store())) as local:
            query = (
                f"SELECT ?n WHERE {{ SERVICE <{remote.sparql}> "
                f"{{ SELECT (COUNT(*) AS ?n) WHERE {{ ?p a <{EX}Person> }} }} }}"
            )
            r = requests.get(local.sparql, params={"query": query, "format": "csv"}, timeout=30)
            assert r.status_code == 200, r.text
            assert r.text.splitlines() == ["n", "3"]
            other = query.replace(remote.sparql, "http://127.0.0.1:9/sparql")
            r = requests.get(local.sparql, params={"query": other}, timeout=30)
            assert r.status_code == 403 and remote.sparql in r.text


# -- bad input --------------------------------------------------------------------------


def test_syntax_error_is_400_with_position(server: LiveServer) -> None:
    r = get(server, "SELECT * WHERE { ?s ?p }")
    assert r.status_code == 400
    assert "syntax error" in r.text and "1:" in r.text
    assert "Traceback" not in r.text


def test_missing_query_in_a_post(server: LiveServer) -> None:
    r = requests.post(server.sparql, data={"default-graph-uri": EX + "graph-a"}, timeout=30)
    assert r.status_code == 400 and "missing query" in r.text
    r = requests.post(
        server.sparql, data=b"  ", headers={"Content-Type": "application/sparql-query"}, timeout=30
    )
    assert r.status_code == 400 and "missing query" in r.text


def test_two_queries(server: LiveServer) -> None:
    r = requests.get(server.sparql, params={"query": [ASK, ASK]}, timeout=30)
    assert r.status_code == 400 and "2 `query` parameters" in r.text
    r = requests.post(server.sparql, params={"query": ASK}, data={"query": ASK}, timeout=30)
    assert r.status_code == 400 and "2 `query` parameters" in r.text
    r = requests.post(
        server.sparql,
        params={"query": ASK},
        data=ASK.encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert r.status_code == 400 and "two queries" in r.text


def test_wrong_media_type(server: LiveServer) -> None:
    r = requests.post(
        server.sparql, data=ASK.encode(), headers={"Content-Type": "text/plain"}, timeout=30
    )
    assert r.status_code == 415
    assert "text/plain" in r.text and "application/sparql-query" in r.text
    r = requests.post(server.sparql, data=b"", timeout=30)
    assert r.status_code == 415


def test_body_that_is_not_utf8(server: LiveServer) -> None:
    r = requests.post(
        server.sparql,
        data=b"SELECT * WHERE { ?s ?p '\xff' }",
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert r.status_code == 400 and "UTF-8" in r.text


def test_unknown_path_is_a_plain_404(server: LiveServer) -> None:
    r = requests.get(server.url + "/no/such/page", timeout=30)
    assert r.status_code == 404 and "Traceback" not in r.text


def test_request_size_and_result_rows_limits() -> None:
    settings = Settings(store_path=None, max_request_bytes=2000, max_result_rows=3)
    with running(create_app(settings, sample_store())) as live:
        big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 3000
        r = requests.post(live.sparql, data={"query": big}, timeout=30)
        assert r.status_code == 413 and "2000 bytes" in r.text
        r = requests.post(
            live.sparql,
            data=big.encode(),
            headers={"Content-Type": "application/sparql-query"},
            timeout=30,
        )
        assert r.status_code == 413
        r = requests.get(live.sparql, params={"query": "SELECT * WHERE { ?s ?p ?o }"}, timeout=30)
        assert r.status_code == 400 and "more than 3 rows" in r.text and "LIMIT" in r.text
        knows = CONSTRUCT.replace("age", "knows")
        r = requests.get(live.sparql, params={"query": knows}, timeout=30)
        assert r.status_code == 200  # two triples: within the limit
        r = requests.get(live.sparql, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, timeout=30)
        assert r.status_code == 400 and "more than 3" in r.text
        r = requests.get(live.sparql, params={"query": PERSONS + " LIMIT 3"}, timeout=30)
        assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 3


# -- CORS and health ----------------------------------------------------------------------


def test_cors_for_reads(server: LiveServer) -> None:
    r = get(server, ASK)
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = requests.options(
        server.sparql,
        headers={
            "Origin": "https://notebook.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=30,
    )
    assert r.status_code in (200, 204)
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "content-type" in r.headers["Access-Control-Allow-Headers"].lower()
    r = requests.post(server.sparql, data={"query": ASK}, timeout=30)
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = get(server, "SELECT * WHERE {")  # errors too, so a browser can show them
    assert r.status_code == 400 and r.headers["Access-Control-Allow-Origin"] == "*"


def test_healthz(server: LiveServer) -> None:
    r = requests.get(server.url + "/healthz", timeout=30)
    assert r.status_code == 200 and r.json()["status"] == "ok"


# -- the time limit ----------------------------------------------------------------------


def slow_store(triples: int) -> GraphStore:
    """The sample plus ``triples`` synthetic triples, for cross products that run long."""
    store = sample_store()
    store.write(
        ox.Quad(ox.NamedNode(f"{EX}n{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(i), ox.NamedNode(EX))
        for i in range(triples)
    )
    return store


def cross_product(patterns: int) -> str:
    joins = " . ".join(f"?s{i} ?p{i} ?o{i}" for i in range(patterns))
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ {joins} }}"


def slow_and_fast(live: LiveServer, slow_query: str) -> tuple[requests.Response, float, float]:
    """Send ``slow_query``, and meanwhile an ASK: their responses' times."""
    slow: dict = {}

    def run_slow() -> None:
        started = time.monotonic()
        slow["response"] = requests.get(live.sparql, params={"query": slow_query}, timeout=60)
        slow["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    r = requests.get(live.sparql, params={"query": ASK}, timeout=30)
    fast_seconds = time.monotonic() - started
    assert r.status_code == 200 and r.json()["boolean"] is True
    thread.join(60)
    return slow["response"], slow["seconds"], fast_seconds


def test_a_runaway_query_is_killed_while_others_are_served() -> None:
    """The runaway (hours of work) is stopped by killing the worker process at the timeout.

    Queries that were running beside it in that process are sent again to its
    replacement: none of them fails.
    """
    settings = Settings(store_path=None, query_timeout=1.5, query_workers=4)
    with running(create_app(settings, slow_store(100))) as live:
        evaluator = live.app.extensions["sira"].evaluator
        zygote, worker = evaluator.worker_pids()
        neighbours: list[int] = []

        def neighbour_queries() -> None:  # 0.1 s each, distinct texts so none is cached
            stop = time.monotonic() + 2.5
            i = 0
            while time.monotonic() < stop:
                i += 1
                query = cross_product(3) + f" # {i}"
                r = requests.get(live.sparql, params={"query": query}, timeout=30)
                neighbours.append(r.status_code)

        thread = threading.Thread(target=neighbour_queries)
        thread.start()
        response, seconds, fast_seconds = slow_and_fast(live, cross_product(6))
        thread.join(30)
        assert fast_seconds < 1.0
        assert response.status_code == 503
        assert "timeout" in response.text and "1.5 s" in response.text
        assert seconds < 4
        assert neighbours and set(neighbours) == {200}
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and Path(f"/proc/{worker}").exists():
            time.sleep(0.05)
        assert not Path(f"/proc/{worker}").exists()  # killed: the runaway's work has stopped
        new_zygote, new_worker = evaluator.worker_pids()
        assert new_zygote == zygote and new_worker != worker
        r = requests.get(live.sparql, params={"query": COUNT_PERSONS, "format": "csv"}, timeout=30)
        assert r.text.splitlines() == ["n", "3"]


def test_a_runaway_query_is_cut_in_thread_mode() -> None:
    """With query_workers=0 the client is answered at the timeout too (the thread runs on)."""
    settings = Settings(store_path=None, query_timeout=0.5, query_workers=0)
    with running(create_app(settings, slow_store(50))) as live:
        response, seconds, fast_seconds = slow_and_fast(live, cross_product(4))
        assert fast_seconds < 1.0
        assert response.status_code == 503 and "0.5 s" in response.text
        assert seconds < 3


# -- writes made by the server itself are seen at once ----------------------------------


@pytest.mark.parametrize("workers", [2, 0])
def test_a_write_is_read_at_once_and_cached_answers_are_dropped(workers: int) -> None:
    settings = Settings(store_path=None, query_workers=workers)
    with running(create_app(settings, sample_store())) as live:
        assert count_persons(live) == 3
        assert count_persons(live) == 3  # now from the cache
        live.store.write(
            [ox.Quad(ox.NamedNode(EX + "dave"), RDF_TYPE, ox.NamedNode(EX + "Person"), GRAPH_C)]
        )
        assert count_persons(live) == 4  # at once, while the workers are rebuilt
        evaluator = live.app.extensions["sira"].evaluator
        if workers:
            assert evaluator.wait_ready(60)
        assert count_persons(live) == 4
