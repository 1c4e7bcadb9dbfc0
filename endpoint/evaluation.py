"""Evaluate one SPARQL query under the endpoint's limits and serialise the answer.

:func:`evaluate` is the whole work of a query: Oxigraph evaluates it, the
solutions are counted against the row limit and the deadline while they are
read, and pyoxigraph writes the chosen format. It is a plain function of a
store and a :class:`QueryJob`, so that it runs the same in a thread of the
server or in a query worker process (see :mod:`sira_kg.endpoint.workers`).
A :class:`StoreJob` (a function of the store, such as a named question's whole
answer) goes the same way, under the same deadline.
"""

from __future__ import annotations

import pickle
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from sira_kg.core.store import GraphStore
from sira_kg.endpoint.negotiation import GRAPH_FORMATS, RESULT_FORMATS, Format

_FORMATS = {f.key: f for f in RESULT_FORMATS} | {f.key: f for f in GRAPH_FORMATS}
_CHECK_EVERY = 1024  # rows between two looks at the clock


@dataclass(frozen=True)
class QueryJob:
    """A query and everything needed to answer it (picklable, for worker processes)."""

    query: str
    format_key: str  # a key of negotiation.RESULT_FORMATS or GRAPH_FORMATS
    default_graphs: tuple[str, ...] | None = None  # protocol default-graph-uri
    named_graphs: tuple[str, ...] | None = None  # protocol named-graph-uri
    max_rows: int = 100_000
    timeout: float = 30.0

    def cache_key(self) -> tuple:
        return (self.query, self.format_key, self.default_graphs, self.named_graphs, self.max_rows)


@dataclass(frozen=True)
class StoreJob:
    """A function of the store, run where queries run and under the same deadline.

    ``function(store, check, *args)`` returns the answer's bytes; it is a
    module-level function (pickled by name for the worker processes) that
    calls ``check()`` now and then, which raises the timeout error once the
    deadline has passed. The named questions use it to be answered whole
    (parameters, query, labels) in one round trip to a worker, whose
    in-memory copy looks labels up three times faster than the disk store.
    """

    function: Callable[..., bytes]
    args: tuple
    timeout: float = 30.0

    def cache_key(self) -> tuple:
        return (self.function.__module__, self.function.__qualname__, pickle.dumps(self.args))


Job = QueryJob | StoreJob


@dataclass(frozen=True)
class Answer:
    body: bytes
    content_type: str


class QueryFailed(Exception):
    """A query that cannot be answered; ``status`` is the HTTP status to give."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def timeout_error(limit: float) -> QueryFailed:
    return QueryFailed(
        503,
        f"query timeout: the query ran longer than the endpoint's limit of {limit:g} s "
        "and was stopped (setting query_timeout, env SIRA_KG_QUERY_TIMEOUT); "
        "narrow it, add LIMIT, or use the named questions",
    )


def rows_error(limit: int) -> QueryFailed:
    return QueryFailed(
        400,
        f"too many results: the answer has more than {limit} rows, the endpoint's limit "
        "(setting max_result_rows, env SIRA_KG_MAX_RESULT_ROWS); add LIMIT and OFFSET "
        "to page through it, or use `sira-kg export` for the whole dataset",
    )


def evaluate(
    store: GraphStore,
    job: Job,
    deadline: float,
    stopped: Callable[[], bool] = lambda: False,
) -> Answer:
    """Answer ``job`` from ``store``; raise :class:`QueryFailed` with the status to give.

    ``deadline`` is a :func:`time.monotonic` instant; ``stopped`` lets the caller
    end the work early. Both are looked at while solutions stream out; a blocking
    operator (ORDER BY, GROUP BY, a join with no output yet) is only stopped by
    killing its process (see workers).
    """
    if isinstance(job, StoreJob):

        def check_time() -> None:
            if time.monotonic() > deadline or stopped():
                raise timeout_error(job.timeout)

        return Answer(job.function(store, check_time, *job.args), "application/x-python-pickle")
    fmt = _FORMATS[job.format_key]
    kwargs: dict = {"union_default_graph": True}
    if job.default_graphs is not None or job.named_graphs is not None:
        # The protocol's dataset replaces the union default graph; given only
        # named graphs, the default graph is empty (SPARQL 1.1 Query §13.2).
        kwargs = {
            "union_default_graph": False,
            "default_graph": list(job.default_graphs or ()),
            "named_graphs": list(job.named_graphs) if job.named_graphs is not None else None,
        }
    try:
        result = store.query(job.query, **kwargs)
    except SyntaxError as exc:
        raise QueryFailed(400, f"SPARQL syntax error: {exc}") from None
    except OSError as exc:
        raise QueryFailed(502, f"the query could not be evaluated: {exc}") from None

    def check(count: int) -> None:
        if count > job.max_rows:
            raise rows_error(job.max_rows)
        if time.monotonic() > deadline or stopped():
            raise timeout_error(job.timeout)

    try:
        if isinstance(result, ox.QueryBoolean):
            check(0)
            body = result.serialize(format=fmt.ox_format)
        elif isinstance(result, ox.QuerySolutions):
            body = _solutions(result, fmt, job.max_rows, check)
        else:
            body = ox.serialize(_triples(result, fmt, job.max_rows, check), format=fmt.ox_format)
    except OSError as exc:
        raise QueryFailed(502, f"the query failed while it was evaluated: {exc}") from None
    except (ValueError, TypeError) as exc:
        raise QueryFailed(400, f"the answer cannot be written as {fmt.media_type}: {exc}") from None
    return Answer(body, fmt.content_type)


def _solutions(
    solutions: ox.QuerySolutions, fmt: Format, limit: int, check: Callable[[int], None]
) -> bytes:
    """Read the solutions under the limits, then let pyoxigraph write ``fmt``.

    The rows are counted in Python (pyoxigraph cannot stop its writer after n
    rows), written as SPARQL TSV, whose cells are N-Triples terms, and parsed
    back by pyoxigraph, which writes the requested format: the bytes are then
    exactly pyoxigraph's.
    """
    variables = solutions.variables
    lines = ["\t".join(str(v) for v in variables)]
    count = 0
    for solution in solutions:
        count += 1
        if count > limit or count % _CHECK_EVERY == 0:
            check(count)
        lines.append("\t".join("" if term is None else str(term) for term in solution))
    check(count)
    if fmt.ox_format == ox.QueryResultsFormat.TSV:
        return ("\n".join(lines) + "\n").encode()
    data = ("\n".join(lines) + "\n").encode()
    parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.TSV)
    return parsed.serialize(format=fmt.ox_format)


def _triples(
    triples: ox.QueryTriples, fmt: Format, limit: int, check: Callable[[int], None]
) -> Iterator:
    """The triples under the limits; as quads of the default graph for dataset formats."""
    as_quads = fmt.ox_format.supports_datasets
    count = 0
    check(0)
    for triple in triples:
        count += 1
        if count > limit or count % _CHECK_EVERY == 0:
            check(count)
        yield ox.Quad(triple.subject, triple.predicate, triple.object) if as_quads else triple
    check(count)


class ThreadEvaluator:
    """Evaluates queries in threads of the server process, at most ``slots`` at once.

    pyoxigraph releases the GIL while it evaluates, so other requests are
    served meanwhile. At the deadline the client gets its 503 at once; the
    thread itself stops at the next row it reads, but a blocking operator runs
    on until Oxigraph returns (it has no cancellation). It keeps its slot while
    it does, so that such runaways cannot take more than ``slots`` cores.
    """

    def __init__(self, store: GraphStore, slots: int = 4) -> None:
        self.store = store
        self._slots = threading.BoundedSemaphore(slots)

    def run(self, job: Job) -> Answer:
        deadline = time.monotonic() + job.timeout
        if not self._slots.acquire(timeout=job.timeout):
            raise timeout_error(job.timeout)
        done = threading.Event()
        cancel = threading.Event()
        outcome: list[Answer | BaseException] = []

        def work() -> None:
            try:
                outcome.append(evaluate(self.store, job, deadline, cancel.is_set))
            except BaseException as exc:  # handed to the request thread
                # pyoxigraph's result iterators must be dropped by the thread that
                # made them: free the frames (and their locals) here, not there.
                traceback.clear_frames(exc.__traceback__)
                outcome.append(exc.with_traceback(None))
            finally:
                self._slots.release()
                done.set()

        threading.Thread(target=work, name="sparql-query", daemon=True).start()
        if not done.wait(max(0.0, deadline - time.monotonic())):
            cancel.set()
            raise timeout_error(job.timeout)
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def close(self) -> None:
        """Nothing to release: threads end with their query."""
