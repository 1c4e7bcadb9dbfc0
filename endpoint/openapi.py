"""``GET /api/openapi.json``: an OpenAPI 3.0 description of the whole HTTP API.

Generated, not written by hand, so that it cannot drift from what is served:
each named question in ``queries/`` becomes its own path
(``/api/questions/<name>``) with its parameters, their types and examples, and
a row schema built from its declared columns; the contributions blueprint
describes its own routes (:func:`sira_kg.endpoint.contributions.openapi.openapi`);
the SPARQL protocol, the question catalogue, liveness and this document are
described here. OpenAPI 3.0.3 rather than 3.1, because the contributions
description uses 3.0's ``nullable``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app, json, request

from sira_kg import __version__
from sira_kg.endpoint.questions.catalogue import Column, Param, Question, load_catalogue

bp = Blueprint("openapi", __name__)

OPENAPI_VERSION = "3.0.3"
_ERROR = {"$ref": "#/components/schemas/QuestionError"}

_PARAM_SCHEMAS: dict[str, dict[str, Any]] = {
    "region": {"type": "string", "description": "a NUTS code (FRC13) or a region IRI"},
    "concept": {"type": "string", "description": "a notation, a label (any language) or an IRI"},
    "resource": {"type": "string", "description": "an IRI or an exact name"},
    "language": {"type": "string", "description": "fr, FRA or the EU language authority IRI"},
    "date": {"type": "string", "format": "date"},
}
_COLUMN_SCHEMAS: dict[str, dict[str, Any]] = {
    "iri": {"type": "string", "format": "uri", "nullable": True},
    "iri-list": {"type": "array", "items": {"type": "string", "format": "uri"}},
    "string": {"type": "string", "nullable": True},
    "integer": {"type": "integer", "nullable": True},
    "decimal": {"type": "number", "nullable": True},
    "boolean": {"type": "boolean", "nullable": True},
    "date": {
        "type": "string",
        "nullable": True,
        "description": "xsd:date, xsd:gYearMonth or xsd:gYear, as written in the data",
    },
}


def _parameter(param: Param) -> dict[str, Any]:
    schema = dict(_PARAM_SCHEMAS[param.type])
    description = param.description.get("en", "")
    if param.type == "concept":
        description += f" (a concept of the scheme {param.scheme})"
    out: dict[str, Any] = {
        "name": param.name,
        "in": "query",
        "required": param.required,
        "description": description,
        "schema": schema,
    }
    if param.default is not None:
        schema["default"] = param.default
    if param.example is not None:
        out["example"] = param.example
    return out


def _row_schema(columns: tuple[Column, ...]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for column in columns:
        properties[column.name] = {
            **copy.deepcopy(_COLUMN_SCHEMAS[column.type]),
            "title": column.title.get("en", column.name),
        }
        if column.type == "iri":
            properties[column.name + "_label"] = {"type": "string", "nullable": True}
        elif column.type == "iri-list":
            properties[column.name + "_label"] = {
                "type": "array",
                "items": {"type": "string", "nullable": True},
            }
    return {"type": "object", "properties": properties, "required": list(properties)}


def _question_path(question: Question) -> dict[str, Any]:
    answer_schema = {
        "allOf": [
            {"$ref": "#/components/schemas/QuestionAnswer"},
            {
                "type": "object",
                "properties": {"rows": {"type": "array", "items": _row_schema(question.columns)}},
            },
        ]
    }
    return {
        "get": {
            "tags": ["questions"],
            "operationId": "question_" + question.name.replace("-", "_"),
            "summary": question.title.get("en", question.name),
            "description": question.description.get("en", "")
            + "\n\nFrançais : "
            + question.title.get("fr", "")
            + ". "
            + question.description.get("fr", ""),
            "parameters": [
                *(_parameter(p) for p in question.params),
                {"$ref": "#/components/parameters/lang"},
                {"$ref": "#/components/parameters/format"},
                {"$ref": "#/components/parameters/limit"},
                {"$ref": "#/components/parameters/offset"},
            ],
            "responses": {
                "200": {
                    "description": "the answer: typed columns, a label beside each IRI",
                    "content": {
                        "application/json": {"schema": answer_schema},
                        "text/csv": {
                            "schema": {"type": "string"},
                            "example": ",".join(c.name for c in question.columns),
                        },
                    },
                },
                "400": {
                    "description": "unknown parameter, missing required one, or a value "
                    "that names nothing; the body lists the valid values",
                    "content": {"application/json": {"schema": _ERROR}},
                },
                "503": {
                    "description": "the query ran over the endpoint's time limit",
                    "content": {"application/json": {"schema": _ERROR}},
                },
            },
        }
    }


def _sparql_paths() -> dict[str, Any]:
    results = {
        media: {"schema": {"type": "string"}}
        for media in (
            "application/sparql-results+json",
            "application/sparql-results+xml",
            "text/csv",
            "text/tab-separated-values",
            "text/turtle",
            "application/n-triples",
            "application/ld+json",
            "application/rdf+xml",
        )
    }
    text = {"text/plain": {"schema": {"type": "string"}}}
    responses = {
        "200": {
            "description": "SELECT/ASK results or a graph (CONSTRUCT/DESCRIBE), by Accept or "
            "`format`; the service description when no query is given",
            "content": results,
        },
        "400": {"description": "SPARQL syntax error, or too many results", "content": text},
        "403": {"description": "an update, or a SERVICE call not allowed", "content": text},
        "406": {"description": "no acceptable response format", "content": text},
        "413": {"description": "the request is too large", "content": text},
        "415": {"description": "unsupported Content-Type of a POST", "content": text},
        "503": {"description": "the query ran over the time limit", "content": text},
    }
    protocol = [
        {
            "name": "default-graph-uri",
            "in": "query",
            "schema": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "description": "dataset: the default graph (else the union of all graphs)",
        },
        {
            "name": "named-graph-uri",
            "in": "query",
            "schema": {"type": "array", "items": {"type": "string", "format": "uri"}},
        },
        {
            "name": "format",
            "in": "query",
            "schema": {"type": "string"},
            "description": "response format overriding Accept: json, xml, csv, tsv, turtle…",
        },
    ]
    return {
        "/sparql": {
            "get": {
                "tags": ["sparql"],
                "operationId": "sparql_get",
                "summary": "SPARQL 1.1 Protocol query operation (read-only)",
                "parameters": [
                    {
                        "name": "query",
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": "the SPARQL query; none: the service description",
                    },
                    *protocol,
                ],
                "responses": responses,
            },
            "post": {
                "tags": ["sparql"],
                "operationId": "sparql_post",
                "summary": "SPARQL 1.1 Protocol query by POST (form or sparql-query body)",
                "parameters": protocol,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {"query": {"type": "string"}},
                                "required": ["query"],
                            }
                        },
                        "application/sparql-query": {"schema": {"type": "string"}},
                    },
                },
                "responses": responses,
            },
        },
        "/healthz": {
            "get": {
                "tags": ["service"],
                "operationId": "healthz",
                "summary": "liveness",
                "responses": {
                    "200": {
                        "description": "the server answers",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "status": {"type": "string"},
                                        "version": {"type": "string"},
                                        "query_workers": {"type": "string"},
                                    },
                                }
                            }
                        },
                    }
                },
            }
        },
    }


def _components() -> dict[str, Any]:
    string_or_list = {
        "oneOf": [
            {"type": "string"},
            {"type": "array", "items": {"type": "string", "nullable": True}},
        ],
        "nullable": True,
    }
    return {
        "parameters": {
            "lang": {
                "name": "lang",
                "in": "query",
                "required": False,
                "description": "language of labels and titles (else Accept-Language, else en)",
                "schema": {"type": "string", "example": "fr"},
            },
            "format": {
                "name": "format",
                "in": "query",
                "required": False,
                "description": "json or csv (else by Accept: text/csv or application/json)",
                "schema": {"type": "string", "enum": ["json", "csv"]},
            },
            "limit": {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": "rows in the page (JSON default: the server's question_page_size, "
                "1000 unless configured; capped at its max_result_rows). CSV is the whole answer "
                "unless limit or offset is given. When more rows follow, the JSON answer's "
                '`next` and the `Link: <…>; rel="next"` header give the next page\'s URL.',
                "schema": {"type": "integer", "minimum": 1},
            },
            "offset": {
                "name": "offset",
                "in": "query",
                "required": False,
                "description": "rows skipped before the page (default 0)",
                "schema": {"type": "integer", "minimum": 0, "default": 0},
            },
        },
        "schemas": {
            "QuestionError": {
                "type": "object",
                "properties": {
                    "error": {"type": "string"},
                    "status": {"type": "integer"},
                    "parameter": {"type": "string"},
                    "valid_values": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["error", "status"],
            },
            "QuestionParameter": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "type": {"type": "string", "enum": sorted(_PARAM_SCHEMAS)},
                    "required": {"type": "boolean"},
                    "default": {"type": "string", "nullable": True},
                    "example": {"type": "string", "nullable": True},
                    "description": {"type": "string"},
                    "scheme": {"type": "string", "format": "uri"},
                    "narrower": {"type": "boolean"},
                    "class": {"type": "string", "format": "uri"},
                },
            },
            "QuestionColumn": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "label_of": {"type": "string"},
                },
            },
            "Question": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "title": {"type": "string"},
                    "description": {"type": "string"},
                    "url": {"type": "string"},
                    "parameters": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/QuestionParameter"},
                    },
                    "columns": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/QuestionColumn"},
                    },
                },
            },
            "QuestionAnswer": {
                "type": "object",
                "properties": {
                    "question": {"type": "object"},
                    "lang": {"type": "string"},
                    "parameters": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "properties": {
                                "value": {"type": "string"},
                                "terms": {"type": "array", "items": {"type": "string"}},
                                "labels": {
                                    "type": "array",
                                    "items": {"type": "string", "nullable": True},
                                },
                            },
                        },
                    },
                    "columns": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/QuestionColumn"},
                    },
                    "rows": {
                        "type": "array",
                        "items": {"type": "object", "additionalProperties": string_or_list},
                    },
                    "row_count": {"type": "integer"},
                    "limit": {"type": "integer", "nullable": True},
                    "offset": {"type": "integer"},
                    "next_offset": {"type": "integer", "nullable": True},
                    "next": {"type": "string", "format": "uri", "nullable": True},
                },
                "required": ["question", "parameters", "columns", "rows"],
            },
        },
    }


def _merge(doc: dict[str, Any], part: Mapping[str, Any], origin: str) -> None:
    """Add another module's ``paths`` and ``components``; a clash is a programming error."""
    for path, item in part.get("paths", {}).items():
        if path in doc["paths"]:
            raise ValueError(f"{origin} describes {path}, which is described already")
        doc["paths"][path] = item
    for section, entries in part.get("components", {}).items():
        target = doc["components"].setdefault(section, {})
        for name, value in entries.items():
            if name in target and target[name] != value:
                raise ValueError(f"{origin} redefines components/{section}/{name}")
            target[name] = value


def document(catalogue: Mapping[str, Question], server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI document for ``catalogue`` (and the rest of the API)."""
    doc: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "sira-kg",
            "version": __version__,
            "description": "Knowledge graph of the actors, actions and policies of migrant and "
            "refugee integration in European regions: a SPARQL 1.1 endpoint, named policy "
            "questions answering as JSON or CSV, and partner contributions.",
            "license": {"name": "MIT"},
        },
        "tags": [
            {"name": "questions", "description": "named policy questions (queries/*.rq)"},
            {"name": "sparql", "description": "the SPARQL 1.1 Protocol"},
            {"name": "contributions", "description": "partner data, validated"},
            {"name": "service", "description": "liveness and this description"},
        ],
        "paths": {},
        "components": _components(),
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    doc["paths"].update(_sparql_paths())
    doc["paths"]["/api/questions"] = {
        "get": {
            "tags": ["questions"],
            "operationId": "questions",
            "summary": "every named question with its parameters and columns",
            "parameters": [{"$ref": "#/components/parameters/lang"}],
            "responses": {
                "200": {
                    "description": "the catalogue",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "lang": {"type": "string"},
                                    "questions": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Question"},
                                    },
                                },
                            }
                        }
                    },
                }
            },
        }
    }
    for question in catalogue.values():
        doc["paths"][f"/api/questions/{question.name}"] = _question_path(question)
    doc["paths"]["/api/openapi.json"] = {
        "get": {
            "tags": ["service"],
            "operationId": "openapi",
            "summary": "this OpenAPI description",
            "responses": {
                "200": {
                    "description": "OpenAPI 3.0 document",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    }
    from sira_kg.endpoint.contributions.openapi import openapi as contributions_openapi

    part = copy.deepcopy(contributions_openapi())
    for item in part.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation.setdefault("tags", ["contributions"])
    _merge(doc, part, "sira_kg.endpoint.contributions")
    return doc


@bp.get("/api/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI document, with this server as its server."""
    catalogue = load_catalogue(current_app.extensions["sira"].settings.queries_dir)
    doc = document(catalogue, request.host_url.rstrip("/"))
    return Response(
        json.dumps(doc, ensure_ascii=False, indent=1) + "\n",
        content_type="application/json; charset=utf-8",
    )
