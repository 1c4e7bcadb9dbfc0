"""How the question steps evaluate a SELECT: a :data:`Runner`.

Why apart: resolving parameters, paging and labelling all run queries, on the
server's store, in a query worker's copy, or (in tests) anywhere; they take a
runner instead of a store so that one answer can be computed wherever the
store is.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from sira_kg.core.store import GraphStore
from sira_kg.endpoint.evaluation import rows_error

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Rows = tuple[list[str], list[tuple[Term | None, ...]]]
Runner = Callable[[str], Rows]
"""Evaluates a SELECT query; returns its variable names and rows of terms (None: unbound)."""


def store_runner(
    store: GraphStore, max_rows: int | None = None, check: Callable[[], None] | None = None
) -> Runner:
    """Evaluate with :meth:`GraphStore.query` (the union of all graphs as default graph).

    With ``max_rows``, an answer with more rows is refused with the endpoint's
    row-limit error; ``check`` is called every thousand rows (and raises to
    stop the work, at a deadline).
    """

    def run(sparql: str) -> Rows:
        result = store.query(sparql)
        if not isinstance(result, ox.QuerySolutions):
            raise TypeError("questions are SELECT queries")
        rows = []
        for solution in result:
            rows.append(tuple(solution))
            if len(rows) % 1000 == 0 and check is not None:
                check()
            if max_rows is not None and len(rows) > max_rows:
                raise rows_error(max_rows)
        return [v.value for v in result.variables], rows

    return run
