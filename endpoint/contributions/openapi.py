"""The OpenAPI description of the contribution routes (merged into ``/api/openapi.json``).

Why apart: about 200 lines of schema that change with the routes' contract,
not with their code.
"""

from __future__ import annotations

from typing import Any

from sira_kg.endpoint.contributions.service import CSV_MEDIA_TYPE, MULTIPART, RDF_MEDIA_TYPES


def openapi() -> dict[str, Any]:
    """The OpenAPI 3 ``paths`` and ``components`` of the contribution routes."""
    error = {"$ref": "#/components/schemas/Error"}
    body = {
        "required": True,
        "content": {
            **{t: {"schema": {"type": "string"}} for t in sorted(set(RDF_MEDIA_TYPES))},
            CSV_MEDIA_TYPE: {"schema": {"type": "string"}},
            MULTIPART: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                        }
                    },
                }
            },
        },
    }

    def answer(text: str, schema: dict | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"description": text}
        out["content"] = {"application/json": {"schema": schema or error}}
        return out

    errors = {
        "400": answer("unreadable body: the parser's message with line and column"),
        "401": answer("missing, wrong or revoked token"),
        "413": answer("body over max_request_bytes, or more than max_contribution_triples"),
        "415": answer("unsupported Content-Type"),
        "422": answer("refused: shapes violated, statements about IRIs of others, no triples"),
        "429": answer("rate limit per token exceeded; see Retry-After"),
    }
    contribution = {"$ref": "#/components/schemas/Contribution"}
    record = {"$ref": "#/components/schemas/ContributionRecord"}
    cid = {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }
    bearer = [{"partnerToken": []}]
    return {
        "paths": {
            "/api/validate": {
                "post": {
                    "summary": "SHACL report for a body (JSON, or Turtle with Accept: text/turtle)",
                    "description": "No token needed. With a partner token, the JSON answer also "
                    "has the ownership check of a contribution (ownership, ownership_count, "
                    "own_space) and accepted: whether POST /api/contributions would take it.",
                    "requestBody": body,
                    "security": [{}, *bearer],
                    "responses": {
                        "200": {
                            "description": "the report; conforms false when it has violations",
                            "content": {
                                "application/json": {"schema": {"type": "object"}},
                                "text/turtle": {"schema": {"type": "string"}},
                            },
                        },
                        **errors,
                    },
                }
            },
            "/api/contributions": {
                "get": {
                    "summary": "the catalogue: a partner's own with a token, all without",
                    "description": "Oldest first, in pages: `limit` records (question_page_size, "
                    "1000, by default) from `offset`; `next` (and a Link header) gives the next "
                    "page's URL, null on the last.",
                    "parameters": [
                        {"name": "partner", "in": "query", "schema": {"type": "string"}},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1},
                        },
                        {
                            "name": "offset",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 0},
                        },
                    ],
                    "security": [{}, *bearer],
                    "responses": {
                        "200": answer(
                            "contributions",
                            {
                                "type": "object",
                                "properties": {
                                    "partner": {"type": "string", "nullable": True},
                                    "count": {"type": "integer"},
                                    "limit": {"type": "integer"},
                                    "offset": {"type": "integer"},
                                    "next": {"type": "string", "nullable": True},
                                    "contributions": {"type": "array", "items": record},
                                },
                            },
                        ),
                        "401": errors["401"],
                    },
                },
                "post": {
                    "summary": "contribute a graph (validated; stored with its provenance)",
                    "security": bearer,
                    "requestBody": body,
                    "responses": {"201": answer("accepted", contribution), **errors},
                },
            },
            "/api/contributions/{id}": {
                "parameters": [cid],
                "get": {
                    "summary": "one record, or its data with Accept: text/turtle",
                    "responses": {"200": answer("the record", record), "404": answer("no such")},
                },
                "put": {
                    "summary": "replace a contribution atomically",
                    "security": bearer,
                    "requestBody": body,
                    "responses": {
                        "200": answer("replaced", contribution),
                        "403": answer("another partner's contribution"),
                        "404": answer("no such contribution"),
                        **errors,
                    },
                },
                "delete": {
                    "summary": "withdraw a contribution (its graph and record)",
                    "security": bearer,
                    "responses": {
                        "204": {"description": "withdrawn"},
                        "401": errors["401"],
                        "403": answer("another partner's contribution"),
                        "404": answer("no such contribution"),
                        "429": errors["429"],
                    },
                },
            },
        },
        "components": {
            "securitySchemes": {
                "partnerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a token from `sira-kg partner add NAME`",
                }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
                    "required": ["error", "status"],
                },
                "Contribution": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "graph": {"type": "string", "format": "uri"},
                        "partner": {"type": "string"},
                        "triples": {"type": "integer"},
                        "media_type": {"type": "string"},
                        "files": {"type": "array", "items": {"type": "string"}},
                        "replaced": {"type": "boolean"},
                        "warnings": {"type": "integer"},
                        "report": {"type": "object", "nullable": True},
                        "url": {"type": "string"},
                    },
                },
                "ContributionRecord": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "graph": {"type": "string", "format": "uri"},
                        "partner": {"type": "string"},
                        "agent": {"type": "string", "format": "uri"},
                        "created": {"type": "string", "format": "date-time"},
                        "triples": {"type": "integer"},
                        "media_type": {"type": "string", "nullable": True},
                        "conforms_to": {"type": "string", "nullable": True},
                        "conforms": {"type": "boolean", "nullable": True},
                        "shapes_version": {"type": "string", "nullable": True},
                        "url": {"type": "string"},
                    },
                },
            },
        },
    }
