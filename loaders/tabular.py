"""Partner spreadsheets (CSV templates) → RDF, through a small declarative mapping.

Each template (``organisations``, ``actions``, ...) has one mapping file in
``loaders/mapping/<template>.toml`` saying, per column, which property
it fills and how a cell becomes an RDF term (an IRI, a language-tagged text, a
date, a concept looked up by its label in the concept schemes, a region given
by its NUTS code, ...). This module only interprets those files; adding a
column is an edit to a mapping file, not to code. Why not RML/CSVW: see
docs/templates.md (in short: label → concept lookup with errors that name the
row and column, no heavy dependencies, offline).

Cells:

* one header row, English column names, UTF-8 (an Excel BOM is fine), comma-separated;
* multi-valued cells separate values with ``;``;
* concepts by English or French label (case-insensitive, accents respected),
  by notation or by full IRI;
* regions by NUTS code (→ ``https://w3id.org/sira/id/region/{CODE}``) or IRI.

Every problem is a :class:`TabularError` naming the file, the row (the
spreadsheet's row number: the header is row 1), the column and the value.

Size (about 660 lines, over the house's ~500 on purpose): this is one
interpreter of one small mapping language; reading the mapping files, looking
concepts up, turning cells into terms and rows into a graph are the steps of
that one pipeline and share its error positions (file, row, column), each a
section below.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import SKOS, XSD

from sira_kg.core.namespaces import COUNTRY, ID, NUTS, PREFIXES, SCHEMA, SIRA, bind_prefixes
from sira_kg.core.settings import resource_dir

MAPPING_DIR = Path(__file__).resolve().parent / "mapping"
REGION_BASE = ID["region/"]
SCHEME_BASE = ID["scheme/"]
MULTI_SEPARATOR = ";"

_NUTS_CODE = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")
_COUNTRY_CODE = re.compile(r"^[A-Z]{3}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR_MONTH = re.compile(r"^\d{4}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")
_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")

KINDS = {
    "id": "IRI (http:// or https://) of the thing the row describes",
    "iri": "IRI (http:// or https://)",
    "text": "text",
    "string": "text",
    "concept": "concept: EN or FR label, notation or IRI",
    "region": "NUTS code (e.g. FRC13) or region IRI",
    "country": "ISO 3166 alpha-3 code (e.g. FRA) or country IRI",
    "date": "date: YYYY-MM-DD, YYYY-MM or YYYY",
    "decimal": "decimal number (dot as separator)",
    "integer": "integer",
    "url": "web address (http:// or https://)",
    "nuts-code": "NUTS code",
}


class TabularError(ValueError):
    """A CSV file that cannot be converted; says where and what to do."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.row = row
        self.column = column
        self.value = value
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    @property
    def problems(self) -> list[TabularError]:
        """Each problem this error reports (one here; all of a file in TabularErrors)."""
        return [self]

    def to_dict(self, source: str | None = None) -> dict[str, object]:
        return {
            "source": self.source or source,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


class TabularErrors(TabularError):
    """Every problem of a file at once (a partner fixes them all in one pass), each a
    :class:`TabularError` with its row, column and value; the first one's are the
    attributes of this one too."""

    def __init__(self, errors: Sequence[TabularError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(
            first.message,
            source=first.source,
            row=first.row,
            column=first.column,
            value=first.value,
        )

    @property
    def problems(self) -> list[TabularError]:
        return self.errors

    def __str__(self) -> str:
        head = f"{len(self.errors)} problem(s); fix them all, then send the file again:"
        return "\n".join([head, *(f"  {e}" for e in self.errors)])


# --- the mapping files -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a template and how its cells become triples."""

    name: str
    kind: str
    property: str | None = None
    required: bool = False
    multi: bool = False
    language: str | None = None
    scheme: str | None = None
    group: str | None = None
    default: str | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    pattern: str | None = None
    requires: tuple[str, ...] = ()  # filled in → at least one of these is too
    description: str = ""
    example: str = ""


@dataclass(frozen=True)
class Group:
    """Columns that together describe one extra node (a period, an amount, a source).

    The node is a blank node unless ``subject_column`` names the column whose
    IRI identifies it (a source is named by its URL).
    """

    name: str
    property: str
    classes: tuple[str, ...] = ()
    subject_column: str | None = None


@dataclass(frozen=True)
class TemplateMapping:
    """The mapping of one template: what a row is and what each column says."""

    name: str
    title: str
    classes: tuple[str, ...]
    columns: tuple[Column, ...]
    groups: Mapping[str, Group] = field(default_factory=dict)
    one_of: tuple[tuple[str, ...], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def expand_curie(curie: str) -> URIRef:
    """Used by the mapping files: ``sira:region`` → full IRI, using the project's prefixes."""
    prefix, sep, local = curie.partition(":")
    if sep and prefix in PREFIXES:
        return URIRef(str(PREFIXES[prefix]) + local)
    raise ValueError(f"unknown prefix in mapping: {curie!r}")


def _read_mapping(path: Path) -> TemplateMapping:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    columns = []
    for c in data["columns"]:
        kind = c["kind"]
        if kind not in KINDS:
            raise ValueError(f"{path.name}: column {c['name']!r} has unknown kind {kind!r}")
        columns.append(
            Column(
                name=c["name"],
                kind=kind,
                property=c.get("property"),
                required=bool(c.get("required", False)),
                multi=bool(c.get("multi", False)),
                language=c.get("language"),
                scheme=c.get("scheme"),
                group=c.get("group"),
                default=c.get("default"),
                minimum=Decimal(str(c["min"])) if "min" in c else None,
                maximum=Decimal(str(c["max"])) if "max" in c else None,
                pattern=c.get("pattern"),
                requires=tuple(c.get("requires", ())),
                description=c.get("description", ""),
                example=c.get("example", ""),
            )
        )
    groups = {
        name: Group(
            name=name,
            property=g["property"],
            classes=tuple(g.get("classes", ())),
            subject_column=g.get("subject_column"),
        )
        for name, g in data.get("groups", {}).items()
    }
    return TemplateMapping(
        name=data["template"],
        title=data.get("title", data["template"]),
        classes=tuple(data["classes"]),
        columns=tuple(columns),
        groups=groups,
        one_of=tuple(tuple(x) for x in data.get("one_of", ())),
    )


@lru_cache(maxsize=1)
def load_mappings() -> dict[str, TemplateMapping]:
    """Every template mapping shipped with the package, by template name."""
    mappings = {}
    for path in sorted(MAPPING_DIR.glob("*.toml")):
        m = _read_mapping(path)
        mappings[m.name] = m
    return mappings


def template_dir() -> Path:
    """Where the blank CSV templates (with their example rows) are shipped."""
    return resource_dir("templates")


def detect_template(header: Sequence[str], filename: str = "") -> TemplateMapping:
    """The template a file follows: from its header, else from its file name.

    The header decides when exactly one template has all the header's
    columns and all its own required columns are present; the file name
    (``actions.csv``, ``actions-2025.csv``, ...) breaks ties or names the
    template when the header fits none, so the error can list what is wrong.
    """
    mappings = load_mappings()
    names = {h for h in header if h}
    fits = [
        m
        for m in mappings.values()
        if names <= set(m.column_names) and all(c.name in names for c in m.columns if c.required)
    ]
    stem = Path(filename).stem.lower() if filename else ""
    by_name = [m for m in mappings.values() if stem == m.name or stem.startswith(m.name + "-")]
    by_name += [m for m in mappings.values() if stem.startswith(m.name) and m not in by_name]
    if len(fits) == 1:
        return fits[0]
    for m in by_name:
        if not fits or m in fits:
            if m in fits:
                return m
            _check_header(m, header, filename)
            return m
    if fits:
        # Several templates fit (only possible with a very short header).
        raise TabularError(
            "the header fits several templates ("
            + ", ".join(m.name for m in fits)
            + "); name the file after its template, e.g. actions.csv",
            source=filename or None,
            row=1,
        )
    raise TabularError(
        "the header does not match any template; templates are: "
        + "; ".join(f"{m.name} ({', '.join(m.column_names)})" for m in mappings.values()),
        source=filename or None,
        row=1,
    )


def _check_header(mapping: TemplateMapping, header: Sequence[str], filename: str) -> None:
    known = set(mapping.column_names)
    for h in header:
        if h not in known:
            raise TabularError(
                f"unknown column for the {mapping.name} template; "
                f"its columns are: {', '.join(mapping.column_names)}",
                source=filename or None,
                row=1,
                column=h,
            )
    for c in mapping.columns:
        if c.required and c.name not in header:
            raise TabularError(
                f"required column missing from the {mapping.name} template header",
                source=filename or None,
                row=1,
                column=c.name,
            )


# --- concepts ----------------------------------------------------------------------------


def _key(text: str) -> str:
    """Case-insensitive, accent-respecting comparison key."""
    return unicodedata.normalize("NFC", text).strip().casefold()


@dataclass
class ConceptIndex:
    """Concepts of each scheme, findable by label (EN/FR), notation or IRI."""

    by_scheme: dict[str, dict[str, URIRef]] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_graph(cls, graph: Graph) -> ConceptIndex:
        index = cls()
        rows: dict[str, list[tuple[str, str]]] = {}
        for concept, scheme in sorted(graph.subject_objects(SKOS.inScheme)):
            if not str(scheme).startswith(str(SCHEME_BASE)):
                continue
            name = str(scheme)[len(str(SCHEME_BASE)) :]
            keys = index.by_scheme.setdefault(name, {})
            keys[_key(str(concept))] = concept
            notation = graph.value(concept, SKOS.notation)
            if notation is not None:
                keys[_key(str(notation))] = concept
            labels = {}
            for label in graph.objects(concept, SKOS.prefLabel):
                if isinstance(label, Literal):
                    labels[label.language or ""] = str(label)
                    keys.setdefault(_key(str(label)), concept)
            for label in graph.objects(concept, SKOS.altLabel):
                keys.setdefault(_key(str(label)), concept)
            shown = str(notation) if notation is not None else str(concept)
            names = " / ".join(labels[lang] for lang in ("en", "fr") if lang in labels)
            rows.setdefault(name, []).append((shown, f"{shown} ({names})" if names else shown))
        index.choices = {name: [text for _, text in sorted(r)] for name, r in rows.items()}
        return index

    def lookup(self, scheme: str, value: str) -> URIRef | None:
        return self.by_scheme.get(scheme, {}).get(_key(value))


def load_concepts(schemes_dir: Path | None = None) -> ConceptIndex:
    """The concept index of ``ontology/schemes/*.ttl`` (cached per folder)."""
    folder = schemes_dir or resource_dir("ontology") / "schemes"
    return _load_concepts(str(folder.resolve()))


@lru_cache(maxsize=4)
def _load_concepts(folder: str) -> ConceptIndex:
    graph = Graph()
    for path in sorted(Path(folder).glob("*.ttl")):
        graph.parse(path, format="turtle")
    return ConceptIndex.from_graph(graph)


# --- cells → terms -----------------------------------------------------------------------


class _CellError(Exception):
    """A bad cell; the caller adds the row, column and file."""


def _iri(value: str) -> URIRef:
    if not _IRI.match(value):
        raise _CellError(
            f"{value!r} is not a full IRI; write it with http:// or https://, without spaces"
        )
    return URIRef(value)


def _term(column: Column, value: str, concepts: ConceptIndex) -> list[tuple[URIRef, object]]:
    """The (property, object) pairs one cell value gives."""
    prop = expand_curie(column.property) if column.property else None
    kind = column.kind
    if kind in ("id", "iri"):
        return [(prop, _iri(value))]
    if kind == "text":
        return [(prop, Literal(value, lang=column.language))]
    if kind == "string":
        if column.pattern and not re.fullmatch(column.pattern, value):
            raise _CellError(f"{value!r} does not have the expected form ({column.description})")
        return [(prop, Literal(value))]
    if kind == "url":
        _iri(value)
        return [(prop, Literal(value, datatype=XSD.anyURI))]
    if kind == "concept":
        if not concepts.by_scheme.get(column.scheme):
            raise _CellError(
                f"concept scheme {column.scheme!r} not found in ontology/schemes; "
                "the installation is incomplete"
            )
        found = concepts.lookup(column.scheme, value)
        if found is None:
            keys = concepts.by_scheme.get(column.scheme, {})
            close = difflib.get_close_matches(_key(value), list(keys), n=3, cutoff=0.6)
            guess = sorted({str(keys[k]).rsplit("/", 1)[-1] for k in close})
            hint = f"did you mean {' or '.join(repr(g) for g in guess)}? " if guess else ""
            raise _CellError(
                f"unknown {column.scheme} concept {value!r}; {hint}valid choices (notation, "
                f"label in EN, FR, ES, PL or EL, or IRI): "
                f"{'; '.join(concepts.choices.get(column.scheme, []))}"
            )
        return [(prop, found)]
    if kind == "region":
        if _NUTS_CODE.match(value):
            return [(prop, URIRef(f"{REGION_BASE}{value}"))]
        if value.startswith(("http://", "https://")):
            return [(prop, _iri(value))]
        raise _CellError(f"{value!r} is neither a NUTS code (e.g. FRC13) nor an IRI")
    if kind == "country":
        if _COUNTRY_CODE.match(value):
            return [(prop, COUNTRY[value])]
        if value.startswith(("http://", "https://")):
            return [(prop, _iri(value))]
        raise _CellError(f"{value!r} is neither an ISO 3166 alpha-3 code (e.g. FRA) nor an IRI")
    if kind == "nuts-code":
        if not _NUTS_CODE.match(value):
            raise _CellError(f"{value!r} is not a NUTS code (2 capital letters + up to 3)")
        return [(prop, Literal(value)), (SIRA.nutsRegion, NUTS[value])]
    if kind == "date":
        if _DATE.match(value):
            datatype = XSD.date
        elif _YEAR_MONTH.match(value):
            datatype = XSD.gYearMonth
        elif _YEAR.match(value):
            datatype = XSD.gYear
        else:
            raise _CellError(f"{value!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)")
        if datatype == XSD.date:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise _CellError(f"{value!r} is not a valid calendar date") from None
        elif datatype == XSD.gYearMonth and not 1 <= int(value[5:]) <= 12:
            raise _CellError(f"{value!r} is not a valid month")
        return [(prop, Literal(value, datatype=datatype))]
    if kind in ("decimal", "integer"):
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise _CellError(f"{value!r} is not a number (use a dot: 1234.50)") from None
        if kind == "integer" and number != number.to_integral_value():
            raise _CellError(f"{value!r} is not an integer")
        if column.minimum is not None and number < column.minimum:
            raise _CellError(f"{value} is below the minimum {column.minimum}")
        if column.maximum is not None and number > column.maximum:
            raise _CellError(f"{value} is above the maximum {column.maximum}")
        if kind == "integer":
            return [(prop, Literal(int(number), datatype=XSD.integer))]
        return [(prop, Literal(str(number), datatype=XSD.decimal))]
    raise _CellError(f"unsupported column kind {kind!r}")  # pragma: no cover - mapping bug


# --- rows → graph ------------------------------------------------------------------------


def convert_rows(
    rows: Iterable[Mapping[str, str]],
    mapping: TemplateMapping,
    *,
    source: str = "",
    concepts: ConceptIndex | None = None,
    graph: Graph | None = None,
    first_row: int = 2,
) -> Graph:
    """Add the triples of ``rows`` (dicts column → cell) to a graph and return it."""
    concepts = concepts or load_concepts()
    graph = graph if graph is not None else Graph()
    bind_prefixes(graph)
    graph.bind("schema", SCHEMA, override=True, replace=True)  # rdflib binds https://schema.org/
    src = source or None
    errors: list[TabularError] = []
    for number, row in enumerate(rows, start=first_row):
        cells = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(cells.values()):
            continue  # blank line in the spreadsheet
        errors += _convert_row(graph, mapping, cells, number, src, concepts)
    if errors:
        raise TabularErrors(errors)
    return graph


def _convert_row(
    graph: Graph,
    mapping: TemplateMapping,
    cells: Mapping[str, str],
    number: int,
    src: str | None,
    concepts: ConceptIndex,
) -> list[TabularError]:
    """Add one row's triples; return its problems (all of them, not the first only)."""
    errors: list[TabularError] = []

    def fail(message: str, column: str | None = None, value: str | None = None) -> None:
        errors.append(TabularError(message, source=src, row=number, column=column, value=value))

    for c in mapping.columns:
        if c.required and not cells.get(c.name):
            fail(f"required value missing ({KINDS[c.kind]})", c.name)
        if cells.get(c.name) and c.requires and not any(cells.get(o) for o in c.requires):
            fail(f"a value is required when {c.name!r} is filled in", c.requires[0])
    for names in mapping.one_of:
        if not any(cells.get(n) for n in names):
            fail("at least one of these columns needs a value: " + ", ".join(names))

    id_column = next(c for c in mapping.columns if c.kind == "id")
    try:
        subject = _iri(cells[id_column.name])
    except _CellError as exc:
        fail(str(exc), id_column.name, cells[id_column.name])
        return errors  # no subject: the row's other cells cannot be placed
    for cls in mapping.classes:
        graph.add((subject, RDF.type, expand_curie(cls)))

    group_nodes: dict[str, object] = {}

    def node_for(group_name: str):
        if group_name not in group_nodes:
            group = mapping.groups[group_name]
            if group.subject_column:
                node = _iri(cells[group.subject_column])
            else:
                node = BNode()
            graph.add((subject, expand_curie(group.property), node))
            for cls in group.classes:
                graph.add((node, RDF.type, expand_curie(cls)))
            group_nodes[group_name] = node
        return group_nodes[group_name]

    used_groups = {c.group for c in mapping.columns if c.group and cells.get(c.name)}
    for c in mapping.columns:
        if c.kind == "id":
            continue
        raw = cells.get(c.name, "")
        if not raw and c.group in used_groups and c.default:
            raw = c.default
        if not raw:
            continue
        values = [v.strip() for v in raw.split(MULTI_SEPARATOR)] if c.multi else [raw]
        if c.multi and any(not v for v in values):
            fail(f"empty value in a list; separate values with {MULTI_SEPARATOR!r}", c.name)
            continue
        for value in values:
            try:
                pairs = _term(c, value, concepts)
                target = node_for(c.group) if c.group else subject
            except _CellError as exc:
                fail(str(exc), c.name, value)
                continue
            for prop, obj in pairs:
                graph.add((target, prop, obj))
    return errors


def read_csv(text: str, source: str = "") -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of CSV text; refuses semicolon-separated files with a hint."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise TabularError(
            "the file is empty; a template has one header row", source=source or None
        ) from None
    except csv.Error as exc:
        raise TabularError(f"not readable as CSV: {exc}", source=source or None, row=1) from None
    header = [h.strip() for h in header]
    if len(header) == 1 and ";" in header[0]:
        raise TabularError(
            "the header is separated by ';'; save the spreadsheet as comma-separated CSV (UTF-8)",
            source=source or None,
            row=1,
        )
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise TabularError(
            "column appears twice in the header", source=source or None, row=1, column=dup
        )
    rows = []
    try:
        for line in reader:
            if len(line) > len(header) and any(x.strip() for x in line[len(header) :]):
                raise TabularError(
                    f"{len(line)} cells but the header has {len(header)} columns "
                    "(a value with a comma must be quoted)",
                    source=source or None,
                    row=reader.line_num,
                )
            rows.append(dict(zip(header, line, strict=False)))
    except csv.Error as exc:
        raise TabularError(
            f"not readable as CSV: {exc}", source=source or None, row=reader.line_num
        ) from None
    return header, rows


def convert_text(text: str, *, filename: str = "", concepts: ConceptIndex | None = None) -> Graph:
    """RDF of CSV text following one of the templates."""
    header, rows = read_csv(text, filename)
    mapping = detect_template(header, filename)
    _check_header(mapping, header, filename)
    return convert_rows(rows, mapping, source=filename, concepts=concepts)


def convert_file(path: str | Path, *, concepts: ConceptIndex | None = None) -> Graph:
    """RDF of a CSV file following one of the templates (detected from header or name),
    or of an .xlsx workbook whose sheets are templates (:func:`convert_xlsx`).

    Raises :class:`TabularError` (with file, row and column) on any problem.
    """
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        try:
            return convert_xlsx(path.read_bytes(), filename=str(path), concepts=concepts)
        except OSError as exc:
            raise TabularError(f"cannot read the file: {exc.strerror}", source=str(path)) from None
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise TabularError(f"cannot read the file: {exc.strerror}", source=str(path)) from None
    except UnicodeDecodeError:
        raise TabularError(
            "not UTF-8 text; save the spreadsheet as 'CSV UTF-8 (comma delimited)'",
            source=str(path),
        ) from None
    return convert_text(text, filename=str(path), concepts=concepts)


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def convert_xlsx(
    data: bytes, *, filename: str = "workbook.xlsx", concepts: ConceptIndex | None = None
) -> Graph:
    """RDF of a workbook: each sheet is a template, chosen by the sheet's name (its
    header row must be that template's). Every problem of every sheet comes in one
    :class:`TabularErrors`, each named ``file.xlsx[sheet]``."""
    import io as _io
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(_io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise TabularError(f"not a readable .xlsx workbook ({exc})", source=filename) from None
    concepts = concepts or load_concepts()
    graph = Graph()
    errors: list[TabularError] = []
    try:
        for sheet in book.worksheets:
            rows = [
                ["" if v is None else str(v).strip() for v in row]
                for row in sheet.iter_rows(values_only=True)
            ]
            rows = [r for r in rows if any(r)]
            if not rows:
                continue
            source = f"{filename}[{sheet.title}]"
            header, body = rows[0], rows[1:]
            try:
                mapping = detect_template(header, f"{sheet.title}.csv")
                _check_header(mapping, header, source)
                cells = [dict(zip(header, r, strict=False)) for r in body]
                convert_rows(cells, mapping, source=source, concepts=concepts, graph=graph)
            except TabularError as exc:
                errors += exc.problems
    finally:
        book.close()
    if errors:
        raise TabularErrors(errors)
    return graph


TEMPLATE_ORDER = (
    "organisations",
    "actions",
    "funding",
    "funding-streams",
    "strategies",
    "gaps",
    "capacities",
    "regions",
)


def columns_markdown() -> str:
    """The column tables of docs/templates.md, generated from the mapping files.

    docs/templates.md embeds this text verbatim (a test checks it), so the
    documentation cannot drift from what the converter does.
    """
    mappings = load_mappings()
    names = [n for n in TEMPLATE_ORDER if n in mappings]
    names += sorted(set(mappings) - set(names))
    out = []
    for name in names:
        m = mappings[name]
        out.append(f"### `{name}.csv`: one row = one {m.title}\n")
        line = "Every row is typed " + ", ".join(f"`{c}`" for c in m.classes) + "."
        if m.one_of:
            line += " At least one of " + " / ".join(f"`{c}`" for c in m.one_of[0])
            line += " is needed."
        out.append(line + "\n")
        out.append("| column — meaning | required | type | property | example |")
        out.append("|---|---|---|---|---|")
        for c in m.columns:
            kind = KINDS[c.kind]
            if c.kind == "concept":
                kind = f"concept in `scheme/{c.scheme}`: EN or FR label, notation or IRI"
            elif c.kind == "text" and c.language:
                kind = f"text (`@{c.language}`)"
            if c.multi:
                kind += "; several, separated by `;`"
            if c.default:
                kind += f"; default `{c.default}`"
            if c.minimum is not None or c.maximum is not None:
                low = "" if c.minimum is None else c.minimum
                high = "" if c.maximum is None else c.maximum
                kind += f" ({low}–{high})"
            prop = f"`{c.property}`" if c.property else "(the row's IRI)"
            if c.group:
                prop += f" (on the {c.group})"
            example = f"`{c.example}`" if c.example else ""
            required = "yes" if c.required else ""
            out.append(
                f"| `{c.name}` — {c.description} | {required} | {kind} | {prop} | {example} |"
            )
        out.append("")
    return "\n".join(out)
