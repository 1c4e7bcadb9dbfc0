"""Answers as tables: typed cells, a label beside each IRI, and their JSON/CSV/text forms.

Why apart: this is what a user reads (API, CSV for pandas, the terminal);
the steps before it only decide which rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import pyoxigraph as ox

from sira_kg.core.labels import sparql_labels, store_labels
from sira_kg.core.store import GraphStore
from sira_kg.endpoint.questions.catalogue import Question, pick
from sira_kg.endpoint.questions.paging import page_rows
from sira_kg.endpoint.questions.parameters import LANGUAGE_NAMES, Resolved, resolve
from sira_kg.endpoint.questions.running import Runner, Term

_LABEL_WORD = {"en": "label", "fr": "libellé"}


Labeller = Callable[[Iterable[str], str], dict[str, str]]
"""Gives a label for each IRI that has one, in a language (see :mod:`sira_kg.core.labels`)."""


def store_labeller(store: GraphStore, check: Callable[[], None] = lambda: None) -> Labeller:
    """Labels read from ``store`` (see :func:`store_labels`; ``check`` as there)."""
    return lambda iris, lang: store_labels(store, iris, lang, check)


def labels(iris: Iterable[str], lang: str, labeller: Labeller) -> dict[str, str]:
    """The labeller's labels, and the EU languages' names for those the graph does not name."""
    wanted = set(iris)
    out = labeller(wanted, lang) if wanted else {}
    for iri in wanted:
        if iri not in out and iri in LANGUAGE_NAMES:
            out[iri] = pick(LANGUAGE_NAMES[iri], lang)
    return out


def format_result(
    result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, fmt: str = "table"
) -> str:
    """Any query's answer for the terminal: ``table``, ``csv`` or ``json``.

    SELECT gives SPARQL 1.1 CSV or JSON results, or a text table of the terms'
    values; ASK gives true or false (JSON results for json); CONSTRUCT and
    DESCRIBE give N-Triples (JSON-LD for json).
    """
    if isinstance(result, ox.QueryBoolean):
        if fmt == "json":
            return result.serialize(format=ox.QueryResultsFormat.JSON).decode() + "\n"
        return ("true" if bool(result) else "false") + "\n"
    if isinstance(result, ox.QueryTriples):
        rdf = ox.RdfFormat.JSON_LD if fmt == "json" else ox.RdfFormat.N_TRIPLES
        return ox.serialize(result, format=rdf).decode() + ("\n" if fmt == "json" else "")
    if fmt == "csv":
        return result.serialize(format=ox.QueryResultsFormat.CSV).decode()
    if fmt == "json":
        return result.serialize(format=ox.QueryResultsFormat.JSON).decode() + "\n"
    header = [v.value for v in result.variables]
    rows = [["" if t is None else t.value for t in solution] for solution in result]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(line.rstrip() for line in lines) + "\n"


@dataclass
class Table:
    """The answer to a question: typed rows, with label columns, ready to serialise."""

    question: Question
    lang: str
    parameters: dict[str, Resolved]
    parameter_labels: dict[str, list[str | None]]
    columns: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    limit: int | None = None  # the page size asked; None: every row from offset on
    offset: int = 0
    more: bool = False  # rows follow this page (one more row was there)

    @property
    def next_offset(self) -> int | None:
        return self.offset + len(self.rows) if self.more else None

    def to_json(self, base_url: str = "", next_url: str | None = None) -> dict[str, Any]:
        q = self.question
        return {
            "question": {
                "name": q.name,
                "title": pick(q.title, self.lang),
                "description": pick(q.description, self.lang),
                "url": f"{base_url}/api/questions/{q.name}",
            },
            "lang": self.lang,
            "parameters": {
                name: {
                    "value": r.value,
                    "terms": [t.value for t in r.terms],
                    "labels": self.parameter_labels.get(name, []),
                }
                for name, r in self.parameters.items()
            },
            "columns": self.columns,
            "rows": self.rows,
            "row_count": len(self.rows),
            "limit": self.limit,
            "offset": self.offset,
            "next_offset": self.next_offset,
            "next": next_url if self.more else None,
        }

    def to_csv(self) -> str:
        """RFC 4180 CSV: one header line of column names, then the rows; lists joined by |."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        names = [c["name"] for c in self.columns]
        writer.writerow(names)
        for row in self.rows:
            writer.writerow([_csv_cell(row[n]) for n in names])
        return out.getvalue()

    def to_table(self, width: int = 48) -> str:
        """A plain text table for a terminal: labels in place of IRIs, long cells cut."""
        shown = [c for c in self.columns if "label_of" not in c]
        label_of = {c["label_of"]: c["name"] for c in self.columns if "label_of" in c}
        header = [c["name"] for c in shown]
        lines = []
        for row in self.rows:
            cells = []
            for c in shown:
                value = row[c["name"]]
                label = row.get(label_of.get(c["name"], ""), None)
                if isinstance(value, list):
                    shown_values = [
                        (lbl or v)
                        for v, lbl in zip(value, label or [None] * len(value), strict=True)
                    ]
                    cell = ", ".join(shown_values)
                else:
                    cell = _csv_cell(label if label else value)
                cells.append(cell if len(cell) <= width else cell[: width - 1] + "…")
            lines.append(cells)
        widths = [max([len(h)] + [len(line[i]) for line in lines]) for i, h in enumerate(header)]
        rule = "  ".join("-" * w for w in widths)
        text = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), rule]
        text += ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
        more = f"; more with --offset {self.next_offset}" if self.more else ""
        text.append(f"({len(self.rows)} row{'s' if len(self.rows) != 1 else ''}{more})")
        return "\n".join(line.rstrip() for line in text) + "\n"


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " | ".join("" if v is None else str(v) for v in value)
    return str(value)


def _typed(term: Term | None, kind: str) -> Any:
    """The JSON value of one cell of a column of type ``kind``."""
    if term is None:
        return [] if kind == "iri-list" else None
    text = term.value
    if kind == "iri-list":
        return sorted(set(text.split()))
    if isinstance(term, ox.BlankNode):
        return "_:" + text
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    if kind == "decimal":
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "boolean":
        return text in ("true", "1")
    return text


def answer(
    question: Question,
    given: Mapping[str, str | Sequence[str]],
    runner: Runner,
    lang: str = "en",
    limit: int | None = None,
    offset: int = 0,
    labeller: Labeller | None = None,
) -> Table:
    """Resolve the parameters, run the bound query, type the cells and add the labels.

    With ``limit`` (and ``offset``), one page of the answer: ``limit + 1`` rows
    are asked for (see :meth:`Question.page`), the extra one only telling that
    more follow; labels are looked up for the rows of the page only, by
    ``labeller`` (by default, with SPARQL through ``runner``).
    """
    lang = (lang or "en").lower()
    resolved = resolve(question, given, runner)
    terms = {name: r.terms for name, r in resolved.items()}
    variables, raw_rows = page_rows(question, terms, runner, limit, offset)
    more = limit is not None and len(raw_rows) > limit
    if more:
        raw_rows = raw_rows[:limit]
    index = {v: i for i, v in enumerate(variables)}
    rows: list[dict[str, Any]] = []
    iris: set[str] = set()
    for raw in raw_rows:
        row: dict[str, Any] = {}
        for column in question.columns:
            value = _typed(raw[index[column.name]], column.type)
            row[column.name] = value
            if column.type == "iri" and value and not value.startswith("_:"):
                iris.add(value)
            elif column.type == "iri-list":
                iris.update(value)
        rows.append(row)
    for r in resolved.values():
        iris.update(t.value for t in r.terms if isinstance(t, ox.NamedNode))
    if labeller is None:
        labeller = partial(sparql_labels, runner)
    names = labels(iris, lang, labeller)
    columns: list[dict[str, Any]] = []
    for column in question.columns:
        columns.append(
            {"name": column.name, "type": column.type, "title": pick(column.title, lang)}
        )
        if column.labelled:
            columns.append(
                {
                    "name": column.name + "_label",
                    "type": "string-list" if column.type == "iri-list" else "string",
                    "title": f"{pick(column.title, lang)} ({_LABEL_WORD.get(lang, 'label')})",
                    "label_of": column.name,
                }
            )
    for row in rows:
        for column in question.columns:
            if column.type == "iri":
                row[column.name + "_label"] = names.get(row[column.name] or "")
            elif column.type == "iri-list":
                row[column.name + "_label"] = [names.get(i) for i in row[column.name]]
        ordered = {c["name"]: row[c["name"]] for c in columns}
        row.clear()
        row.update(ordered)
    parameter_labels = {
        name: [names.get(t.value) if isinstance(t, ox.NamedNode) else t.value for t in r.terms]
        for name, r in resolved.items()
    }
    return Table(question, lang, resolved, parameter_labels, columns, rows, limit, offset, more)
