"""The questions over HTTP (/api/questions), from the CLI (sira-kg query) and as raw SPARQL.

One dataset for all three: the store `sira-kg serve` starts from (ontology,
schemes, Saône-et-Loire) plus every synthetic fixture of tests/fixtures/questions.
The server holds it in memory; the CLI reads an on-disk copy. The answers of
the three must be the same: the JSON of GET /api/questions/<name>, the JSON
of `sira-kg query --question`, and SPARQLWrapper sending the .rq file itself
(its parameter slots filled with the same RDF terms) to /sparql.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from server_fixtures import LiveServer
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from sira_kg.core.bootstrap import ensure_bootstrapped
from sira_kg.core.settings import Settings
from sira_kg.core.store import GraphStore, open_store
from sira_kg.endpoint.questions.catalogue import Question, load_catalogue
from sira_kg.endpoint.questions.parameters import resolve
from sira_kg.endpoint.questions.running import store_runner

REPO = Path(__file__).resolve().parent.parent
FIXTURES = sorted((Path(__file__).resolve().parent / "fixtures" / "questions").glob("*.ttl"))
CATALOGUE = load_catalogue(REPO / "queries")
HOSTILE = '"> } ; DROP ALL #'

# One parameter set per question, naming things in the fixtures or in Saône-et-Loire.
CASES: list[tuple[str, dict[str, str]]] = [
    ("actions", {"region": "QA11", "theme": "health"}),
    ("actions", {"from": "2022-01-01", "status": "planned"}),
    ("funding", {"region": "QB11"}),
    ("gaps", {"region": "QC11"}),
    ("capacities", {"region": "QE11"}),
    ("strategy-coverage", {"region": "QF12"}),
    ("region-comparison", {"theme": "health", "urban_rural": "predominantly-rural"}),
    ("stakeholders", {"region": "FRC13"}),
    ("target-groups", {"urban_rural": "predominantly-rural"}),
    ("resources", {"language": "fr"}),
    ("funders", {"region": "QK12"}),
]


def fill(store: GraphStore, settings: Settings) -> GraphStore:
    ensure_bootstrapped(store, settings, validate_data=False)
    for path in FIXTURES:
        store.ox.load(
            path=str(path),
            format=ox.RdfFormat.TURTLE,
            to_graph=ox.NamedNode(f"http://example.org/graph/{path.stem}"),
        )
    store.flush()
    return store


@pytest.fixture(scope="module")
def disk_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store with the data, closed again so that the CLI can open it."""
    path = tmp_path_factory.mktemp("questions") / "store"
    settings = Settings(store_path=path)
    store = fill(open_store(settings), settings)
    del store
    gc.collect()  # pyoxigraph releases the store's lock when the object goes
    return path


@pytest.fixture
def server(live_server_factory: Callable[..., LiveServer]) -> LiveServer:
    settings = Settings(store_path=None, query_workers=1)
    return live_server_factory(settings=settings, store=fill(open_store(settings), settings))


def cli(store: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sira_kg", "query", "--store", str(store), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def plain(rows: list[dict], question: Question) -> list[dict]:
    """The value columns of answer rows (labels dropped)."""
    return [{c.name: row[c.name] for c in question.columns} for row in rows]


def from_sparql_json(bindings: list[dict], question: Question) -> list[dict]:
    """SPARQL JSON results typed as the question's columns say, by hand."""
    out = []
    for binding in bindings:
        row = {}
        for column in question.columns:
            cell = binding.get(column.name)
            value = None if cell is None else cell["value"]
            if column.type == "iri-list":
                value = sorted(set(value.split())) if value else []
            elif value is not None and column.type == "integer":
                value = int(value)
            elif value is not None and column.type == "decimal":
                number = float(value)
                value = int(number) if number.is_integer() else number
            elif value is not None and column.type == "boolean":
                value = value == "true"
            row[column.name] = value
        out.append(row)
    return out


def http_rows(server: LiveServer, name: str, params: dict[str, str]) -> list[dict]:
    response = requests.get(f"{server.url}/api/questions/{name}", params=params, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["question"]["name"] == name
    assert set(data["parameters"]) == set(params)
    rows = data["rows"]
    while data.get("next"):  # answers longer than a page (question_page_size) come in pages
        data = requests.get(data["next"], timeout=60).json()
        rows += data["rows"]
    return plain(rows, CATALOGUE[name])


def sparqlwrapper_rows(server: LiveServer, question: Question, text: str) -> list[dict]:
    wrapper = SPARQLWrapper(server.sparql)
    wrapper.setMethod(POST)
    wrapper.setQuery(text)
    wrapper.setReturnFormat(JSON)
    return from_sparql_json(wrapper.queryAndConvert()["results"]["bindings"], question)


def test_http_cli_and_raw_sparql_agree(server: LiveServer, disk_store: Path) -> None:
    compared = 0
    runner = store_runner(server.store)
    for name, params in [*((n, {}) for n in sorted(CATALOGUE)), *CASES]:
        question = CATALOGUE[name]
        over_http = http_rows(server, name, params)
        # the .rq file as it is (no parameter), or with its slots filled by the same terms
        terms = {k: r.terms for k, r in resolve(question, params, runner).items()}
        text = question.bind(terms) if terms else question.path.read_text(encoding="utf-8")
        over_sparql = sparqlwrapper_rows(server, question, text)
        args = ["--question", name, "--format", "json"]
        for key, value in params.items():
            args += ["--param", f"{key}={value}"]
        done = cli(disk_store, *args)
        assert done.returncode == 0, done.stderr
        from_cli = plain(json.loads(done.stdout)["rows"], question)
        assert over_http == over_sparql == from_cli, (name, params)
        compared += 1
        if params:
            assert over_http, (name, params)  # every case names something that is there
    assert compared == len(CATALOGUE) + len(CASES)


def test_catalogue_over_http(server: LiveServer) -> None:
    response = requests.get(server.url + "/api/questions", timeout=30)
    assert response.status_code == 200
    listed = {entry["name"]: entry for entry in response.json()["questions"]}
    assert set(listed) == set(CATALOGUE)
    actions = listed["actions"]
    assert actions["url"] == server.url + "/api/questions/actions"
    region = next(p for p in actions["parameters"] if p["name"] == "region")
    assert region["type"] == "region" and region["example"] == "FRC13"
    assert region["required"] is False
    theme = next(p for p in actions["parameters"] if p["name"] == "theme")
    assert theme["scheme"] == "https://w3id.org/sira/id/scheme/theme" and theme["narrower"]
    assert [c["name"] for c in actions["columns"]][:2] == ["action", "status"]
    french = requests.get(server.url + "/api/questions?lang=fr", timeout=30).json()
    titles = {e["name"]: e["title"] for e in french["questions"]}
    assert titles["gaps"] == "Lacunes de l'offre"


def test_labels_follow_lang_then_accept_language(server: LiveServer) -> None:
    url = server.url + "/api/questions/stakeholders"

    def member_labels(**kwargs) -> set[str]:
        response = requests.get(url, timeout=30, **kwargs)
        assert response.status_code == 200
        return {r["organisation_label"] for r in response.json()["rows"]}

    assert "Town hall of Génelard" in member_labels(params={"region": "FRC13"})
    french = member_labels(params={"region": "FRC13"}, headers={"Accept-Language": "fr-FR"})
    assert "Mairie de Génelard" in french
    assert "Town hall of Génelard" in member_labels(
        params={"region": "FRC13", "lang": "en"}, headers={"Accept-Language": "fr"}
    )
    assert "Mairie de Génelard" in member_labels(params={"region": "FRC13", "lang": "fr"})


def test_csv_by_accept_or_format(server: LiveServer) -> None:
    url = server.url + "/api/questions/resources"
    by_format = requests.get(url, params={"language": "fr", "format": "csv"}, timeout=30)
    by_accept = requests.get(
        url, params={"language": "fr"}, headers={"Accept": "text/csv"}, timeout=30
    )
    for response in (by_format, by_accept):
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/csv")
    assert by_format.text == by_accept.text
    as_json = requests.get(url, params={"language": "fr"}, timeout=30).json()
    rows = list(csv.DictReader(io.StringIO(by_format.text)))
    assert list(rows[0]) == [c["name"] for c in as_json["columns"]]
    assert len(rows) == len(as_json["rows"]) >= 7
    fra = "http://publications.europa.eu/resource/authority/language/FRA"
    eng = "http://publications.europa.eu/resource/authority/language/ENG"
    assert {r["languages"] for r in rows} == {fra, f"{eng} | {fra}"}  # lists joined by " | "
    assert {r["languages_label"] for r in rows} == {"French", "English | French"}


def _store_size(server: LiveServer) -> int:
    wrapper = SPARQLWrapper(server.sparql)
    wrapper.setQuery("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    wrapper.setReturnFormat(JSON)
    return int(wrapper.queryAndConvert()["results"]["bindings"][0]["n"]["value"])


def test_hostile_and_bad_parameters_give_400_and_change_nothing(server: LiveServer) -> None:
    before = _store_size(server)
    quads = len(server.store)
    refused = 0
    for name, question in CATALOGUE.items():
        url = f"{server.url}/api/questions/{name}"
        for param in question.params:
            response = requests.get(url, params={param.name: HOSTILE}, timeout=30)
            assert response.status_code == 400, (name, param.name, response.text)
            body = response.json()
            assert body["parameter"] == param.name
            assert body["valid_values"], (name, param.name)
            assert HOSTILE not in body["valid_values"]
            refused += 1
        response = requests.get(url, params={"nonsense": "1"}, timeout=30)
        assert response.status_code == 400
        assert response.json()["valid_values"] == [p.name for p in question.params]
    assert refused == sum(len(question.params) for question in CATALOGUE.values())
    assert _store_size(server) == before and len(server.store) == quads
    regions = requests.get(
        server.url + "/api/questions/gaps", params={"region": "XX99"}, timeout=30
    ).json()
    assert "FRC13" in regions["valid_values"] and "QC11" in regions["valid_values"]


@pytest.mark.parametrize(
    ("path", "status", "needle"),
    [
        ("/api/questions/actions?region=QA11&region=QA12", 400, "given 2 times"),
        ("/api/questions/actions?region=", 400, "empty"),
        ("/api/questions/actions?from=yesterday", 400, "YYYY-MM-DD"),
        ("/api/questions/actions?format=xml", 400, "format=json or format=csv"),
        ("/api/questions/actions?lang=not%20a%20tag", 400, "language tag"),
        ("/api/questions/no-such-question", 404, "no question named"),
    ],
)
def test_bad_requests_say_what_is_wrong(server: LiveServer, path, status, needle) -> None:
    response = requests.get(server.url + path, timeout=30)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    assert needle in response.json()["error"]


def test_a_missing_required_parameter_gives_400_with_the_valid_values(
    live_server_factory: Callable[..., LiveServer], tmp_path: Path
) -> None:
    queries = tmp_path / "queries"
    queries.mkdir()
    text = (REPO / "queries" / "stakeholders.rq").read_text(encoding="utf-8")
    (queries / "members.rq").write_text(
        text.replace(
            "#+ param region: type=region required=false",
            "#+ param region: type=region required=true",
        ),
        encoding="utf-8",
    )
    server = live_server_factory(
        settings=Settings(store_path=None, query_workers=0, queries_dir=queries)
    )
    response = requests.get(server.url + "/api/questions/members", timeout=30)
    assert response.status_code == 400
    body = response.json()
    assert "needs the parameter 'region'" in body["error"]
    assert body["valid_values"] == sorted(
        ["FRC13", "FRL06", "FRK24", "FRI21", "ES242", "ES417", "ES424", "PL9", "PL51", "EL611"]
    )
    ok = requests.get(server.url + "/api/questions/members?region=FRC13", timeout=30)
    assert ok.status_code == 200 and len(ok.json()["rows"]) == 8


def test_cli_refuses_bad_values_and_writes_nothing(disk_store: Path) -> None:
    done = cli(disk_store, "--question", "actions", "--param", f"region={HOSTILE}")
    assert done.returncode == 2
    assert "names no region" in done.stderr and "FRC13" in done.stderr
    assert "Traceback" not in done.stderr
    for args, needle in [
        (["--question", "nope"], "no question named"),
        (["--question", "actions", "--param", "region"], "expected NAME=VALUE"),
        (["--question", "actions", "--param", "colour=red"], "unknown parameter"),
        (["--param", "region=FRC13"], "exactly one of"),
        (["DROP ALL"], "SPARQL syntax error"),
        (["--file", str(disk_store / "missing.rq")], "cannot read"),
    ]:
        done = cli(disk_store, *args)
        assert done.returncode == 2, args
        assert needle in done.stderr, (args, done.stderr)
    settings = Settings(store_path=disk_store)
    store = open_store(settings)
    try:
        assert store.has_graph("http://example.org/graph/actions")
        count = len(store)
    finally:
        del store
        gc.collect()
    done = cli(
        disk_store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "--format", "csv"
    )
    assert done.returncode == 0
    assert done.stdout.splitlines() == ["n", str(count)]


def test_cli_table_and_csv(disk_store: Path) -> None:
    done = cli(disk_store, "--question", "stakeholders", "--param", "region=FRC13", "--lang", "fr")
    assert done.returncode == 0, done.stderr
    assert "Mairie de Génelard" in done.stdout and done.stdout.rstrip().endswith("(8 rows)")
    done = cli(disk_store, "--question", "funders", "--param", "region=QK12", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["funder_label"], r["total_eur"]) for r in rows] == [
        ("National agency", ""),
        ("EU body", "50"),
    ]
    done = cli(disk_store, "--file", str(REPO / "queries" / "gaps.rq"), "--format", "json")
    assert done.returncode == 0
    assert json.loads(done.stdout)["head"]["vars"] == [c.name for c in CATALOGUE["gaps"].columns]


def test_a_malformed_question_file_is_a_500_naming_it(
    live_server_factory: Callable[..., LiveServer], tmp_path: Path
) -> None:
    queries = tmp_path / "queries"
    queries.mkdir()
    text = (REPO / "queries" / "stakeholders.rq").read_text(encoding="utf-8")
    (queries / "broken.rq").write_text(text.replace("#+ title_fr:", "#+ titre:"), encoding="utf-8")
    server = live_server_factory(
        settings=Settings(store_path=None, query_workers=0, queries_dir=queries)
    )
    response = requests.get(server.url + "/api/questions", timeout=30)
    assert response.status_code == 500
    assert "broken.rq:2: unknown header entry 'titre'" in response.json()["error"]


def test_json_pages_with_a_next_link_and_csv_is_whole(server: LiveServer) -> None:
    url = server.url + "/api/questions/actions"
    whole = requests.get(url, timeout=30).json()  # fewer rows than a page: all of them
    assert whole["limit"] == 1000 and whole["offset"] == 0 and whole["next"] is None
    assert len(whole["rows"]) >= 3
    rows, next_url, links = [], url + "?limit=2", 0
    while next_url:
        response = requests.get(next_url, timeout=30)
        assert response.status_code == 200
        page = response.json()
        assert page["limit"] == 2 and len(page["rows"]) <= 2
        rows += page["rows"]
        next_url = page["next"]
        if next_url:
            links += 1
            assert response.headers["Link"] == f'<{next_url}>; rel="next"'
            assert "offset=" + str(page["offset"] + 2) in next_url
        else:
            assert "Link" not in response.headers
    assert rows == whole["rows"] and links == -(-len(rows) // 2) - 1
    as_csv = requests.get(url, params={"format": "csv"}, timeout=30)
    assert len(list(csv.DictReader(io.StringIO(as_csv.text)))) == len(rows)
    assert "Link" not in as_csv.headers
    one = requests.get(url, params={"format": "csv", "limit": 1, "offset": 1}, timeout=30)
    assert [r["action"] for r in csv.DictReader(io.StringIO(one.text))] == [rows[1]["action"]]
    assert one.headers["Link"].endswith('limit=1&offset=2>; rel="next"')


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("limit=0", "limit='0' is not an integer from 1"),
        ("limit=ten", "limit='ten'"),
        ("limit=1%20}%20DROP%20ALL", "limit="),
        ("offset=-2", "offset='-2'"),
        ("limit=1&limit=2", "limit was given more than once"),
    ],
)
def test_bad_limit_or_offset_is_a_400_naming_it(server: LiveServer, query, needle) -> None:
    response = requests.get(f"{server.url}/api/questions/actions?{query}", timeout=30)
    assert response.status_code == 400
    assert needle in response.json()["error"]
    assert response.json()["parameter"] in ("limit", "offset")


def test_cli_limit_and_offset(disk_store: Path) -> None:
    whole = json.loads(cli(disk_store, "--question", "actions", "--format", "json").stdout)
    assert whole["limit"] is None and whole["next_offset"] is None
    done = cli(
        disk_store, "--question", "actions", "--format", "json", "--limit", "1", "--offset", "1"
    )
    page = json.loads(done.stdout)
    assert page["rows"] == whole["rows"][1:2] and page["next_offset"] == 2
    bad = cli(disk_store, "--question", "actions", "--limit", "x")
    assert bad.returncode == 2 and "limit='x'" in bad.stderr


def test_an_answer_is_computed_in_a_query_worker_under_the_endpoints_limits(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    # fewer rows than the members of all platforms, more than the ten regions listed
    # as valid values when a region is wrong
    settings = Settings(store_path=None, max_result_rows=12, query_timeout=30)
    server = live_server_factory(settings=settings)
    assert server.app.extensions["sira"].evaluator.wait_ready(60)
    url = f"{server.url}/api/questions/stakeholders"
    whole = requests.get(url, params={"format": "csv"}, timeout=30)
    assert whole.status_code == 400
    assert "too many results" in whole.json()["error"]
    page = requests.get(url, params={"limit": 2}, timeout=30)
    assert page.status_code == 200 and page.json()["row_count"] == 2
    # a parameter error raised in the worker comes back as the same 400 with its details
    bad = requests.get(url, params={"region": "ZZ999"}, timeout=30)
    assert bad.status_code == 400
    assert bad.json()["parameter"] == "region" and "FRC13" in bad.json()["valid_values"]


def test_an_answer_over_its_time_limit_is_a_503_naming_the_limit(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    server = live_server_factory(settings=Settings(store_path=None, query_timeout=0.000001))
    response = requests.get(f"{server.url}/api/questions/actions", timeout=30)
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("application/json")
    assert "1e-06 s" in response.json()["error"]  # busy or stopped: either way, the limit
