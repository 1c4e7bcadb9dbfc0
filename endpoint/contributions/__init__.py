"""Partner contributions over HTTP: validate, contribute, list, replace, withdraw.

Routes (DESIGN.md):

* ``POST /api/validate`` – the SHACL report for a body, as JSON or (``Accept:
  text/turtle``) as a ``sh:ValidationReport``; never writes. No token needed;
  with one, the JSON also gives the ownership check and whether a
  contribution of that body would be accepted.
* ``POST /api/contributions`` – Bearer token; a body in Turtle, N-Triples,
  JSON-LD or RDF/XML (by ``Content-Type``), one CSV template (``text/csv``), or
  CSV templates and RDF files as a ``multipart/form-data`` upload. 201 with the
  id and graph IRI; 422 with the report (nothing written) when it violates the
  shapes or makes statements about IRIs the partner does not own.
* ``GET /api/contributions`` – the catalogue: a partner's own with its token,
  everyone's public metadata without; ``GET /api/contributions/<id>`` one
  record (or its data, with ``Accept: text/turtle``).
* ``PUT /api/contributions/<id>`` – replace atomically; ``DELETE`` withdraws.

The modules: :mod:`.routes` (the Blueprint: reading requests, answering
them), :mod:`.access` (per-app state, Bearer tokens, rate limits),
:mod:`.service` (what a contribution is and how it is checked, listed,
stored and withdrawn, with no Flask in it: what the CLI could call too) and
:mod:`.openapi` (the OpenAPI description of these routes).

Why it is built this way: every write goes through the same gate as ``sira-kg
load`` (:func:`sira_kg.core.ingest.ingest`: SHACL with the store's context,
then ONE transaction writing the graph and its DCAT/PROV-O record), so the
catalogue is simply the metadata graph, visible through ``/sparql`` too.
Ownership (:func:`sira_kg.core.partners.ownership_problems`) is checked
before the gate. Ids are random UUIDs, so concurrent posts never compete for
one. The partner registry is read on every request, so ``sira-kg partner
add/revoke`` take effect at once.

Status codes: 400 unreadable body (parser message with line and column), 401
missing or wrong token (``WWW-Authenticate: Bearer``), 403 another partner's
contribution, 404 no such contribution, 413 body over ``max_request_bytes``
*or* more triples than ``max_contribution_triples`` (both mean "too large:
split it", so both are 413), 415 unsupported ``Content-Type``, 422 shapes
violated / statements about others' IRIs / no triples, 429 over
``rate_limit_per_minute`` for the token (with ``Retry-After``), 503 store or
registry unavailable. Tokens are never logged, echoed or accepted in URLs.
"""
