"""GET /api/openapi.json: a valid OpenAPI 3 document, generated from queries/, covering the API."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate
from server_fixtures import LiveServer

from sira_kg.endpoint import openapi
from sira_kg.endpoint.questions.catalogue import load_catalogue

REPO = Path(__file__).resolve().parent.parent
CATALOGUE = load_catalogue(REPO / "queries")


@pytest.fixture(scope="module")
def document() -> dict:
    return openapi.document(CATALOGUE, "http://127.0.0.1:8000")


def test_the_document_is_valid_openapi(document) -> None:
    validate(document)  # raises on any error
    assert document["openapi"].startswith("3.")


def test_it_covers_the_whole_http_api(document) -> None:
    paths = document["paths"]
    for path, method in [
        ("/sparql", "get"),
        ("/sparql", "post"),
        ("/healthz", "get"),
        ("/api/questions", "get"),
        ("/api/openapi.json", "get"),
        ("/api/validate", "post"),
        ("/api/contributions", "get"),
        ("/api/contributions", "post"),
        ("/api/contributions/{id}", "put"),
        ("/api/contributions/{id}", "delete"),
    ]:
        assert method in paths[path], (path, method)
    operation_ids = [
        op["operationId"]
        for item in paths.values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert len(operation_ids) == len(set(operation_ids))


def test_each_question_is_a_path_with_its_parameters(document) -> None:
    for name, question in CATALOGUE.items():
        operation = document["paths"][f"/api/questions/{name}"]["get"]
        assert operation["summary"] == question.title["en"]
        declared = {p["name"]: p for p in operation["parameters"] if "name" in p}
        assert set(declared) == {p.name for p in question.params}
        for param in question.params:
            described = declared[param.name]
            assert described["in"] == "query"
            assert described["required"] == param.required
            assert described.get("example") == param.example
            if param.type == "date":
                assert described["schema"]["format"] == "date"
        refs = {p["$ref"] for p in operation["parameters"] if "$ref" in p}
        assert refs == {
            f"#/components/parameters/{n}" for n in ("lang", "format", "limit", "offset")
        }
        content = operation["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/csv"}
        assert "400" in operation["responses"]


def test_answers_match_their_documented_row_schema(document, live_server: LiveServer) -> None:
    """Every answer over HTTP validates against the row schema of its path."""
    params = {
        "actions": {"region": "FRC13"},
        "stakeholders": {"region": "FRC13"},
        "resources": {"language": "fr"},
        "funders": {},
        "region-comparison": {"theme": "health"},
    }
    checked = 0
    for name in CATALOGUE:
        operation = document["paths"][f"/api/questions/{name}"]["get"]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        row_schema = schema["allOf"][1]["properties"]["rows"]["items"]
        response = requests.get(
            f"{live_server.url}/api/questions/{name}", params=params.get(name, {}), timeout=60
        )
        assert response.status_code == 200, response.text
        rows = response.json()["rows"]
        validator = OAS30Validator(row_schema)
        for row in rows:
            validator.validate(row)
            checked += 1
        if name in params:
            assert rows, name
    assert checked > 20


def test_served_over_http_with_this_server(live_server: LiveServer) -> None:
    response = requests.get(live_server.url + "/api/openapi.json", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    served = response.json()
    validate(served)
    assert served["servers"] == [{"url": live_server.url}]
    assert set(served["paths"]) >= {f"/api/questions/{n}" for n in CATALOGUE}
