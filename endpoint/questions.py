"""The named questions: ``queries/*.rq`` with their metadata, typed parameters and answers.

A question is a SPARQL SELECT query in ``queries/<name>.rq`` whose leading
comment lines (``#+ key: value``) describe it: titles and descriptions in EN
and FR, its parameters (type, required, default, example, descriptions) and
its columns (type, titles). ``docs/questions.md`` documents the format.

Parameters are never pasted into query text. A value given by a user is first
*resolved* against the store (a NUTS code to its region IRI, a notation or
label to its concept IRI, a date to an ``xsd:date`` literal), so that what is
bound is an RDF term that exists; a value that names nothing is refused with
the list of valid values. The terms are then bound through the query's
parameter slots, ``VALUES ?name { UNDEF }``: the slot becomes
``VALUES ?name { <term> ... }``, each term written by Oxigraph in N-Triples
syntax. VALUES rather than pyoxigraph's ``substitutions``, because Oxigraph
applies substitutions only to projected variables and not inside FILTERs or
subqueries, where a question needs them; and because the bound text is plain
SPARQL that any endpoint answers. Unbound, a slot filters nothing, so the raw
``.rq`` file is itself a valid query: the question with no parameter.

Answers are tables: typed values (numbers, booleans, IRIs, lists of IRIs) and
a label column beside each IRI column, in the language asked (then English,
then any). They are written as JSON, CSV (pandas reads it as it is) or a text
table for the terminal. The HTTP routes at the end are a Flask Blueprint.
"""

from __future__ import annotations

import csv
import io
import json
import pickle
import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from sira_kg.core.labels import sparql_labels, store_labels
from sira_kg.core.namespaces import ID, LANGUAGE, PREFIXES
from sira_kg.core.settings import Settings
from sira_kg.core.store import GraphStore, sparql_term
from sira_kg.endpoint.evaluation import QueryFailed, StoreJob, rows_error

# -- errors -------------------------------------------------------------------------------


class QuestionError(Exception):
    """A request for a question that cannot be answered; ``status`` is the HTTP status.

    ``details`` goes into the JSON error body as it is: the parameter concerned,
    the valid values or the valid parameter names.
    """

    status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_json(self) -> dict[str, Any]:
        return {"error": self.message, "status": self.status, **self.details}


class UnknownQuestion(QuestionError):
    status = 404


class ParameterError(QuestionError):
    status = 400


class CatalogueError(Exception):
    """A malformed question file: a mistake in queries/, reported with file and line."""


# -- the metadata header --------------------------------------------------------------------

PARAM_TYPES = ("region", "concept", "resource", "language", "date")
COLUMN_TYPES = ("iri", "iri-list", "string", "integer", "decimal", "boolean", "date")
RESERVED_NAMES = frozenset({"lang", "format", "limit", "offset"})
# The page slot of a ``#+ page: inner ?var ...`` question: a comment line, so the raw
# file stays a valid query; paging replaces it with ``ORDER BY ?var ... LIMIT n OFFSET m``.
_PAGE_SLOT = re.compile(r"^([ \t]*)#[ \t]*\[page\].*$", re.M)
MAX_OFFSET = 10**9
LANGS = ("en", "fr")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_QUESTION_NAME = re.compile(r"[a-z][a-z0-9-]*\Z")
_SLOT = r"VALUES\s+\?{name}\s*\{{\s*UNDEF\s*\}}"
# SPARQLWrapper takes the first of these words anywhere in the text, comments
# included, for the query form (and sends an "ADD" as an update, refused).
_FORM_WORD = re.compile(
    r"CONSTRUCT|SELECT|ASK|DESCRIBE|INSERT|DELETE|CREATE|CLEAR|DROP|LOAD|COPY|MOVE|ADD", re.I
)
_ANY_SLOT = re.compile(r"VALUES\s+\?([A-Za-z_][A-Za-z0-9_]*)\s*\{\s*UNDEF\s*\}")


@dataclass(frozen=True)
class Param:
    """One parameter of a question, as its header declares it."""

    name: str
    type: str
    required: bool = False
    default: str | None = None
    example: str | None = None
    description: Mapping[str, str] = field(default_factory=dict)
    scheme: str | None = None  # concept: the scheme's name (theme, target-group, ...)
    narrower: bool = False  # concept: bind the concept and every narrower one
    cls: str | None = None  # resource: the class IRI its values belong to

    def describe(self, lang: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "default": self.default,
            "example": self.example,
            "description": _pick(self.description, lang),
        }
        if self.scheme:
            out["scheme"] = str(ID) + "scheme/" + self.scheme
            out["narrower"] = self.narrower
        if self.cls:
            out["class"] = self.cls
        return out


@dataclass(frozen=True)
class Column:
    """One column of a question's answer (a variable of its SELECT)."""

    name: str
    type: str
    title: Mapping[str, str] = field(default_factory=dict)

    @property
    def labelled(self) -> bool:
        return self.type in ("iri", "iri-list")


@dataclass(frozen=True)
class Question:
    """A named question: its query text and what its header says about it."""

    name: str
    title: Mapping[str, str]
    description: Mapping[str, str]
    params: tuple[Param, ...]
    columns: tuple[Column, ...]
    sparql: str
    path: Path
    # ``#+ page: inner ?var ...``: the variables the inner SELECT is paged by
    # (at its page slot); empty: a page is a LIMIT/OFFSET on the whole query.
    page_order: tuple[str, ...] = ()
    # ``#+ page_prefix: ?var predicate``: the first page variable, a parameter, takes
    # its values from the objects of ``predicate`` (see :func:`page_rows`).
    page_prefix: tuple[str, str] | None = None

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def describe(self, lang: str, base_url: str = "") -> dict[str, Any]:
        """The question's metadata, texts in ``lang`` (English if it has none)."""
        return {
            "name": self.name,
            "title": _pick(self.title, lang),
            "description": _pick(self.description, lang),
            "url": f"{base_url}/api/questions/{self.name}",
            "parameters": [p.describe(lang) for p in self.params],
            "columns": [
                {"name": c.name, "type": c.type, "title": _pick(c.title, lang)}
                for c in self.columns
            ],
        }

    def bind(self, terms: Mapping[str, Sequence[ox.NamedNode | ox.Literal]]) -> str:
        """The query text with each slot of a bound parameter filled with its terms.

        The terms are RDF terms, written by Oxigraph (:func:`sparql_term`): a
        value cannot close the VALUES block or add to the query.
        """
        lines = self.sparql.splitlines(keepends=True)
        for name, values in terms.items():
            if not values:
                continue
            written = " ".join(sparql_term(v) for v in values)
            pattern = re.compile(_SLOT.format(name=re.escape(name)))
            lines = [
                line
                if _is_comment(line)
                else pattern.sub(lambda _m, n=name, w=written: f"VALUES ?{n} {{ {w} }}", line)
                for line in lines
            ]
        return "".join(lines)

    def page(self, sparql: str, limit: int | None, offset: int = 0) -> str:
        """``sparql`` (this question's text, bound or not) limited to one page of rows.

        ``limit`` and ``offset`` are integers checked here, the only user values
        ever written into query text. With ``#+ page: inner``, the page is taken
        in the inner SELECT that picks the subjects (ordered by them), so that the
        facts are gathered for that page only; otherwise it ends the whole query.
        """
        if limit is not None and (type(limit) is not int or not 0 <= limit <= MAX_OFFSET):
            raise ValueError(f"limit must be an integer from 0 to {MAX_OFFSET}")
        if type(offset) is not int or not 0 <= offset <= MAX_OFFSET:
            raise ValueError(f"offset must be an integer from 0 to {MAX_OFFSET}")
        modifiers = (f" LIMIT {limit}" if limit is not None else "") + (
            f" OFFSET {offset}" if offset else ""
        )
        if not modifiers:
            return sparql
        if not self.page_order:
            return sparql.rstrip() + "\n" + modifiers.strip() + "\n"
        order = "ORDER BY " + " ".join(f"?{v}" for v in self.page_order)
        return _PAGE_SLOT.sub(lambda m: m.group(1) + order + modifiers, sparql, count=1)


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _slots(text: str) -> set[str]:
    """The parameter names of the slots (one per line, outside comment lines)."""
    return {
        n for line in text.splitlines() if not _is_comment(line) for n in _ANY_SLOT.findall(line)
    }


def _pick(texts: Mapping[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


def _flag(value: str, where: str) -> bool:
    if value.lower() in ("true", "yes", "1"):
        return True
    if value.lower() in ("false", "no", "0"):
        return False
    raise CatalogueError(f"{where}: expected true or false, not {value!r}")


def _header_entries(text: str, where: str) -> list[tuple[int, str, str]]:
    """``(line, key, value)`` of every ``#+`` entry of the leading comment block."""
    entries: list[tuple[int, str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        if not line.startswith("#+"):
            continue
        body = line[2:]
        if len(body) - len(body.lstrip()) >= 2:  # indented: continues the entry above
            if not entries:
                raise CatalogueError(f"{where}:{number}: a continuation line with no entry above")
            n, key, value = entries[-1]
            entries[-1] = (n, key, f"{value} {body.strip()}".strip())
            continue
        key, sep, value = body.strip().partition(":")
        if not sep:
            raise CatalogueError(f"{where}:{number}: expected `#+ key: value`, got {line!r}")
        entries.append((number, key.strip(), value.strip()))
    return entries


def _attributes(value: str, where: str) -> dict[str, str]:
    try:
        words = shlex.split(value)
    except ValueError as exc:
        raise CatalogueError(f"{where}: {exc}") from None
    out: dict[str, str] = {}
    for word in words:
        key, sep, val = word.partition("=")
        if not sep:
            raise CatalogueError(f"{where}: expected key=value, got {word!r}")
        if key in out:
            raise CatalogueError(f"{where}: {key} given twice")
        out[key] = val
    return out


def _texts(attrs: dict[str, str], prefix: str) -> dict[str, str]:
    return {k[len(prefix) :]: v for k, v in attrs.items() if k.startswith(prefix)}


def _expand(curie: str, where: str) -> str:
    if curie.startswith("<") and curie.endswith(">"):
        return curie[1:-1]
    prefix, sep, local = curie.partition(":")
    if sep and prefix in PREFIXES:
        return str(PREFIXES[prefix]) + local
    raise CatalogueError(f"{where}: class {curie!r} is neither <IRI> nor a known prefix")


_PARAM_KEYS = {"type", "required", "default", "example", "scheme", "narrower", "class"}


def _param(name: str, value: str, where: str) -> Param:
    if not _NAME.match(name) or name in RESERVED_NAMES:
        raise CatalogueError(f"{where}: parameter name {name!r} is not a SPARQL name or reserved")
    attrs = _attributes(value, where)
    unknown = {k for k in attrs if k not in _PARAM_KEYS and not k.startswith("description_")}
    if unknown:
        raise CatalogueError(f"{where}: unknown attribute(s) {', '.join(sorted(unknown))}")
    kind = attrs.get("type", "")
    if kind not in PARAM_TYPES:
        raise CatalogueError(f"{where}: type must be one of {', '.join(PARAM_TYPES)}")
    if kind == "concept" and not attrs.get("scheme"):
        raise CatalogueError(f"{where}: a concept parameter needs scheme=NAME")
    if kind == "resource" and not attrs.get("class"):
        raise CatalogueError(f"{where}: a resource parameter needs class=CURIE")
    return Param(
        name=name,
        type=kind,
        required=_flag(attrs.get("required", "false"), where),
        default=attrs.get("default"),
        example=attrs.get("example"),
        description=_texts(attrs, "description_"),
        scheme=attrs.get("scheme"),
        narrower=_flag(attrs.get("narrower", "false"), where),
        cls=_expand(attrs["class"], where) if "class" in attrs else None,
    )


def _column(name: str, value: str, where: str) -> Column:
    attrs = _attributes(value, where)
    unknown = {k for k in attrs if k != "type" and not k.startswith("title_")}
    if unknown:
        raise CatalogueError(f"{where}: unknown attribute(s) {', '.join(sorted(unknown))}")
    if attrs.get("type") not in COLUMN_TYPES:
        raise CatalogueError(f"{where}: column type must be one of {', '.join(COLUMN_TYPES)}")
    return Column(name, attrs["type"], _texts(attrs, "title_"))


def parse_question(text: str, name: str, path: Path | None = None) -> Question:
    """A question from the text of its ``.rq`` file; :class:`CatalogueError` if malformed.

    Besides the header, checks that every parameter has a slot, every slot a
    parameter, and that the declared columns are the query's variables.
    """
    where = str(path or name)
    if not _QUESTION_NAME.match(name):
        raise CatalogueError(f"{where}: question names are lower-case words joined by hyphens")
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    params: list[Param] = []
    columns: list[Column] = []
    page_order: tuple[str, ...] = ()
    page_prefix: tuple[str, str] | None = None
    for number, key, value in _header_entries(text, where):
        at = f"{where}:{number}"
        word, _, arg = key.partition(" ")
        if word.startswith("title_") and not arg:
            titles[word[len("title_") :]] = value
        elif word.startswith("description_") and not arg:
            descriptions[word[len("description_") :]] = value
        elif word == "param" and arg:
            params.append(_param(arg.strip(), value, at))
        elif word == "column" and arg:
            columns.append(_column(arg.strip(), value, at))
        elif word == "page" and not arg:
            page_order = _page_entry(value, text, at)
        elif word == "page_prefix" and not arg:
            words = value.split()
            if len(words) != 2 or not words[0].startswith("?"):
                raise CatalogueError(f"{at}: expected `#+ page_prefix: ?var predicate`")
            page_prefix = (words[0][1:], _expand(words[1], at))
        else:
            raise CatalogueError(f"{at}: unknown header entry {key!r}")
    for lang in LANGS:
        if not titles.get(lang) or not descriptions.get(lang):
            raise CatalogueError(f"{where}: title_{lang} and description_{lang} are required")
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise CatalogueError(f"{where}: a parameter is declared twice")
    slots = _slots(text)
    if missing := [n for n in names if n not in slots]:
        raise CatalogueError(f"{where}: no `VALUES ?{missing[0]} {{ UNDEF }}` slot")
    if extra := sorted(slots - set(names)):
        raise CatalogueError(f"{where}: slot ?{extra[0]} is not a declared parameter")
    first = _FORM_WORD.search(text)
    if first is not None and first.group(0).upper() != "SELECT":
        line = text.count("\n", 0, first.start()) + 1
        raise CatalogueError(
            f"{where}:{line}: {first.group(0)!r} comes before SELECT; SPARQLWrapper would take "
            "the query for another form (it reads comments too): reword the comment"
        )
    try:
        result = ox.Store().query(text)
    except SyntaxError as exc:
        raise CatalogueError(f"{where}: {exc}") from None
    if not isinstance(result, ox.QuerySolutions):
        raise CatalogueError(f"{where}: a question is a SELECT query")
    variables = [v.value for v in result.variables]
    if variables != [c.name for c in columns]:
        raise CatalogueError(
            f"{where}: the columns declared ({', '.join(c.name for c in columns)}) are not "
            f"the SELECT variables ({', '.join(variables)})"
        )
    if page_order and (missing := [v for v in page_order if v not in variables]):
        raise CatalogueError(f"{where}: the page variable ?{missing[0]} is not a column")
    if page_prefix and (page_order[:1] != page_prefix[:1] or page_prefix[0] not in names):
        raise CatalogueError(
            f"{where}: `#+ page_prefix: ?{page_prefix[0]}` needs ?{page_prefix[0]} to be a "
            "parameter and the first variable of `#+ page: inner`"
        )
    return Question(
        name,
        titles,
        descriptions,
        tuple(params),
        tuple(columns),
        text,
        Path(where),
        page_order,
        page_prefix,
    )


def _page_entry(value: str, text: str, where: str) -> tuple[str, ...]:
    """The variables of ``#+ page: inner ?a ?b`` (``outer``: none); checks the page slot."""
    words = value.split()
    slots = len(_PAGE_SLOT.findall(text))
    if words == ["outer"]:
        if slots:
            raise CatalogueError(f"{where}: a `# [page]` slot in a question paged outer")
        return ()
    names = [w[1:] for w in words[1:] if w.startswith("?") and _NAME.match(w[1:])]
    if not words or words[0] != "inner" or not names or len(names) != len(words) - 1:
        raise CatalogueError(f"{where}: expected `#+ page: inner ?var ...` or `#+ page: outer`")
    if slots != 1:
        raise CatalogueError(
            f"{where}: `#+ page: inner` needs exactly one `# [page]` slot line "
            f"(where the inner SELECT's ORDER BY would go), found {slots}"
        )
    return tuple(names)


def load_catalogue(queries_dir: Path) -> dict[str, Question]:
    """Every question of ``queries_dir``, by name, sorted; cached until a file changes."""
    files = sorted(Path(queries_dir).glob("*.rq"))
    return dict(_load(tuple((str(f), f.stat().st_mtime_ns) for f in files)))


@lru_cache(maxsize=8)
def _load(files: tuple[tuple[str, int], ...]) -> tuple[tuple[str, Question], ...]:
    out = []
    for name, _mtime in files:
        path = Path(name)
        out.append((path.stem, parse_question(path.read_text(encoding="utf-8"), path.stem, path)))
    return tuple(out)


def get_question(catalogue: Mapping[str, Question], name: str) -> Question:
    try:
        return catalogue[name]
    except KeyError:
        raise UnknownQuestion(
            f"no question named {name!r}", valid_values=sorted(catalogue)
        ) from None


# -- running queries --------------------------------------------------------------------------

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


# -- resolving parameter values ---------------------------------------------------------------

# The 24 official languages of the EU, as the EU's language authority codes them
# (the eForms "eu-official-language" code list): ISO 639-1 -> (code, English, French).
EU_LANGUAGES: dict[str, tuple[str, str, str]] = {
    "bg": ("BUL", "Bulgarian", "bulgare"),
    "cs": ("CES", "Czech", "tchèque"),
    "da": ("DAN", "Danish", "danois"),
    "de": ("DEU", "German", "allemand"),
    "el": ("ELL", "Greek", "grec"),
    "en": ("ENG", "English", "anglais"),
    "es": ("SPA", "Spanish", "espagnol"),
    "et": ("EST", "Estonian", "estonien"),
    "fi": ("FIN", "Finnish", "finnois"),
    "fr": ("FRA", "French", "français"),
    "ga": ("GLE", "Irish", "irlandais"),
    "hr": ("HRV", "Croatian", "croate"),
    "hu": ("HUN", "Hungarian", "hongrois"),
    "it": ("ITA", "Italian", "italien"),
    "lt": ("LIT", "Lithuanian", "lituanien"),
    "lv": ("LAV", "Latvian", "letton"),
    "mt": ("MLT", "Maltese", "maltais"),
    "nl": ("NLD", "Dutch", "néerlandais"),
    "pl": ("POL", "Polish", "polonais"),
    "pt": ("POR", "Portuguese", "portugais"),
    "ro": ("RON", "Romanian", "roumain"),
    "sk": ("SLK", "Slovak", "slovaque"),
    "sl": ("SLV", "Slovenian", "slovène"),
    "sv": ("SWE", "Swedish", "suédois"),
}
_LANGUAGE_NAMES = {
    str(LANGUAGE) + code: {"en": en, "fr": fr} for code, en, fr in EU_LANGUAGES.values()
}
MAX_LISTED = 200  # valid values listed in an error at most


@dataclass(frozen=True)
class Resolved:
    """A parameter value and the RDF terms it names (several for a concept and its narrower)."""

    value: str
    terms: tuple[ox.NamedNode | ox.Literal, ...]


def _listing(values: Iterable[str]) -> list[str]:
    values = sorted(set(values), key=str.lower)
    if len(values) > MAX_LISTED:
        return [*values[:MAX_LISTED], f"... and {len(values) - MAX_LISTED} more"]
    return values


def _names_nothing(param: Param, value: str, what: str, valid: Iterable[str]) -> ParameterError:
    return ParameterError(
        f"{param.name}={value!r} names no {what} in the graph",
        parameter=param.name,
        valid_values=_listing(valid),
    )


def _is_iri(value: str) -> bool:
    return bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*\Z", value))


def _select(runner: Runner, sparql: str) -> list[dict[str, Term]]:
    variables, rows = runner(sparql)
    return [{v: t for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]


def _resolve_region(param: Param, value: str, runner: Runner) -> tuple[ox.NamedNode, ...]:
    rows = _select(
        runner,
        "PREFIX sira: <https://w3id.org/sira/ns#> SELECT ?region ?code ?nuts WHERE { "
        "?region a sira:Region . OPTIONAL { ?region sira:nutsCode ?code } "
        "OPTIONAL { ?region sira:nutsRegion ?nuts } }",
    )
    wanted = value.strip()
    for row in rows:
        code = row.get("code")
        nuts = row.get("nuts")
        if (
            row["region"].value == wanted
            or (code is not None and code.value.upper() == wanted.upper())
            or (nuts is not None and nuts.value == wanted)
        ):
            return (row["region"],)
    codes = [r["code"].value if "code" in r else r["region"].value for r in rows]
    return _raise(_names_nothing(param, value, "region", codes))


def _raise(error: Exception) -> Any:
    raise error


def _resolve_concept(param: Param, value: str, runner: Runner) -> tuple[ox.NamedNode, ...]:
    scheme = sparql_term(ox.NamedNode(str(ID) + "scheme/" + (param.scheme or "")))
    rows = _select(
        runner,
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?concept ?notation ?label "
        f"WHERE {{ ?concept skos:inScheme {scheme} . "
        "OPTIONAL { ?concept skos:notation ?notation } "
        "OPTIONAL { ?concept skos:prefLabel ?label } }",
    )
    wanted = value.strip()
    found = None
    for key in ("concept", "notation", "label"):
        for row in rows:
            term = row.get(key)
            if term is None:
                continue
            if (key == "concept" and term.value == wanted) or (
                key != "concept" and term.value.casefold() == wanted.casefold()
            ):
                found = row["concept"]
                break
        if found is not None:
            break
    if found is None:
        notations = [r["notation"].value for r in rows if "notation" in r]
        return _raise(_names_nothing(param, value, f"concept of scheme {param.scheme}", notations))
    if not param.narrower:
        return (found,)
    narrower = _select(
        runner,
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT DISTINCT ?concept WHERE { "
        f"VALUES ?top {{ {sparql_term(found)} }} ?concept skos:broader* ?top ; "
        f"skos:inScheme {scheme} . }}",
    )
    terms = {found.value} | {r["concept"].value for r in narrower}
    return tuple(ox.NamedNode(t) for t in sorted(terms))


def _resolve_resource(param: Param, value: str, runner: Runner) -> tuple[ox.NamedNode, ...]:
    cls = sparql_term(ox.NamedNode(param.cls or ""))
    rows = _select(
        runner,
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?resource ?label WHERE { "
        f"?resource a {cls} . OPTIONAL {{ ?resource rdfs:label ?label }} }}",
    )
    wanted = value.strip()
    for row in rows:
        if row["resource"].value == wanted:
            return (row["resource"],)
    for row in rows:
        if "label" in row and row["label"].value.casefold() == wanted.casefold():
            return (row["resource"],)
    valid = [r["label"].value if "label" in r else r["resource"].value for r in rows]
    return _raise(_names_nothing(param, value, f"<{param.cls}>", valid))


def _resolve_language(param: Param, value: str, runner: Runner) -> tuple[ox.NamedNode, ...]:
    rows = _select(
        runner,
        "PREFIX dct: <http://purl.org/dc/terms/> SELECT DISTINCT ?language WHERE { "
        "?resource dct:language ?language }",
    )
    known = {r["language"].value for r in rows if isinstance(r["language"], ox.NamedNode)}
    known |= set(_LANGUAGE_NAMES)
    wanted = value.strip()
    candidates = [wanted, str(LANGUAGE) + wanted.upper()]
    if wanted.lower() in EU_LANGUAGES:
        candidates.append(str(LANGUAGE) + EU_LANGUAGES[wanted.lower()][0])
    for candidate in candidates:
        if candidate in known:
            return (ox.NamedNode(candidate),)
    codes = [iri.rsplit("/", 1)[-1] for iri in known if iri.startswith(str(LANGUAGE))]
    codes += list(EU_LANGUAGES)
    return _raise(_names_nothing(param, value, "language", codes))


_XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")


def _resolve_date(param: Param, value: str, runner: Runner) -> tuple[ox.Literal, ...]:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise ParameterError(
            f"{param.name}={value!r} is not a date; give it as YYYY-MM-DD, e.g. 2021-03-01",
            parameter=param.name,
            valid_values=["YYYY-MM-DD"],
        ) from None
    return (ox.Literal(day.isoformat(), datatype=_XSD_DATE),)


_RESOLVERS: dict[str, Callable[[Param, str, Runner], tuple]] = {
    "region": _resolve_region,
    "concept": _resolve_concept,
    "resource": _resolve_resource,
    "language": _resolve_language,
    "date": _resolve_date,
}


def resolve(
    question: Question, given: Mapping[str, str | Sequence[str]], runner: Runner
) -> dict[str, Resolved]:
    """Resolve the values ``given`` (name -> value) to RDF terms; :class:`ParameterError` if not.

    Unknown names, a missing required value, a value given twice, an empty
    value and a value that names nothing are refused, each with the valid
    names or values. Defaults apply to parameters not given.
    """
    valid = [p.name for p in question.params]
    unknown = sorted(set(given) - set(valid))
    if unknown:
        raise ParameterError(
            f"unknown parameter {unknown[0]!r} for question {question.name!r}"
            + (f"; its parameters are {', '.join(valid)}" if valid else "; it takes none"),
            parameter=unknown[0],
            valid_values=valid,
        )
    out: dict[str, Resolved] = {}
    for param in question.params:
        raw = given.get(param.name)
        values = [raw] if isinstance(raw, str) else list(raw or [])
        if len(values) > 1:
            raise ParameterError(
                f"{param.name} was given {len(values)} times; give it once",
                parameter=param.name,
            )
        value = values[0] if values else param.default
        if value is None:
            if param.required:
                raise _missing(question, param, runner)
            continue
        if not value.strip():
            raise ParameterError(f"{param.name} is empty", parameter=param.name)
        out[param.name] = Resolved(value, _RESOLVERS[param.type](param, value, runner))
    return out


def _missing(question: Question, param: Param, runner: Runner) -> ParameterError:
    """The error for a required parameter not given, with its valid values."""
    try:
        _RESOLVERS[param.type](param, "", runner)
        valid: list[str] = []
    except ParameterError as exc:
        valid = exc.details.get("valid_values", [])
    return ParameterError(
        f"question {question.name!r} needs the parameter {param.name!r}"
        + (f", for example {param.name}={param.example}" if param.example else ""),
        parameter=param.name,
        valid_values=valid,
    )


# -- labels -------------------------------------------------------------------------------------

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
        if iri not in out and iri in _LANGUAGE_NAMES:
            out[iri] = _pick(_LANGUAGE_NAMES[iri], lang)
    return out


LANG_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*\Z")


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


# -- answers ----------------------------------------------------------------------------------


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
                "title": _pick(q.title, self.lang),
                "description": _pick(q.description, self.lang),
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
            {"name": column.name, "type": column.type, "title": _pick(column.title, lang)}
        )
        if column.labelled:
            columns.append(
                {
                    "name": column.name + "_label",
                    "type": "string-list" if column.type == "iri-list" else "string",
                    "title": f"{_pick(column.title, lang)} ({_LABEL_WORD.get(lang, 'label')})",
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


_LABEL_WORD = {"en": "label", "fr": "libellé"}
_PREFIX_SIZES = (16, 64)  # values of the prefix variable tried before the whole query


def page_rows(
    question: Question,
    terms: Mapping[str, Sequence[ox.NamedNode | ox.Literal]],
    runner: Runner,
    limit: int | None,
    offset: int,
) -> Rows:
    """The rows of one page (``limit + 1`` asked, see :func:`answer`), or of the whole answer.

    With ``#+ page_prefix: ?var predicate`` and ``?var`` not given, the page is
    first looked for among the first values of ``?var`` (16, then 64), bound
    through its parameter slot. ``?var`` is the leading sort key and takes
    every one of its values from the objects of ``predicate``, so the answer
    for the first k values is the start of the whole answer: when it reaches
    past the page, the page is the same, at a fraction of the cost (every
    region's `capacities` sorts 75k groups for its first page otherwise).
    Otherwise the whole query answers.
    """
    asked = None if limit is None else limit + 1
    prefix = question.page_prefix
    if asked is not None and prefix is not None and prefix[0] not in terms:
        var, predicate = prefix
        # Blank nodes and literals sort apart from IRIs: with any, no prefix of IRIs is
        # the start of the answer. The values are sorted by Oxigraph, as the page is.
        try:
            _, others = runner(
                f"SELECT ?v WHERE {{ ?s <{predicate}> ?v FILTER(!isIRI(?v)) }} LIMIT 1"
            )
            _, rows = runner(  # DISTINCT in a subquery: Oxigraph would sort every triple first
                f"SELECT ?v WHERE {{ {{ SELECT DISTINCT ?v WHERE {{ ?s <{predicate}> ?v }} }} "
                f"FILTER(isIRI(?v)) }} ORDER BY ?v LIMIT {_PREFIX_SIZES[-1] + 1}"
            )
        except QueryFailed as exc:  # a row limit under 65: no prefix, the whole query
            if exc.status != 400:
                raise
            others, rows = [()], []
        values = [row[0] for row in rows]
        for size in () if others else _PREFIX_SIZES:
            if size >= len(values):
                break
            bound = question.bind({**terms, var: values[:size]})
            variables, page = runner(question.page(bound, asked, offset))
            if len(page) == asked:
                return variables, page
    return runner(question.page(question.bind(terms), asked, offset))


def catalogue_json(catalogue: Mapping[str, Question], lang: str, base_url: str = "") -> dict:
    return {
        "lang": lang,
        "questions": [q.describe(lang, base_url) for q in catalogue.values()],
    }


def check_page(
    limit: str | int | None, offset: str | int | None, max_rows: int
) -> tuple[int | None, int]:
    """``(limit, offset)`` as integers; :class:`ParameterError` naming what is wrong.

    ``limit`` is at least 1 and at most ``max_rows`` (larger values are capped);
    ``offset`` from 0 to :data:`MAX_OFFSET`. None: no limit, offset 0.
    """
    out: list[int | None] = []
    for name, raw, low in (("limit", limit, 1), ("offset", offset, 0)):
        if raw is None:
            out.append(None)
            continue
        text = str(raw).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 10 or int(text) < low:
            raise ParameterError(
                f"{name}={raw!r} is not an integer from {low} to "
                f"{max_rows if name == 'limit' else MAX_OFFSET}",
                parameter=name,
            )
        value = int(text)
        if name == "offset" and value > MAX_OFFSET:
            raise ParameterError(f"offset={raw!r} is larger than {MAX_OFFSET}", parameter="offset")
        out.append(min(value, max_rows) if name == "limit" else value)
    return out[0], out[1] or 0


# -- HTTP -------------------------------------------------------------------------------------

bp = Blueprint("questions", __name__)


def request_lang() -> str:
    """``?lang=`` if given (400 if malformed), else the first usable Accept-Language, else en."""
    asked = request.args.get("lang")
    if asked is not None:
        if not LANG_TAG.match(asked):
            raise ParameterError(
                f"lang={asked!r} is not a language tag; use e.g. lang=en or lang=fr",
                parameter="lang",
                valid_values=list(LANGS),
            )
        return asked.split("-")[0].lower()
    for value, _quality in request.accept_languages:
        if LANG_TAG.match(value):
            return value.split("-")[0].lower()
    return "en"


def _catalogue() -> dict[str, Question]:
    return load_catalogue(current_app.extensions["sira"].settings.queries_dir)


def answer_in_store(
    store: GraphStore,
    check: Callable[[], None],
    question: Question,
    given: tuple[tuple[str, tuple[str, ...]], ...],
    lang: str,
    limit: int | None,
    offset: int,
    max_rows: int,
) -> bytes:
    """The whole answer where the store is: the pickled :class:`Table` or error body.

    Run by the app's evaluator as a :class:`StoreJob`: in a query worker, on
    its in-memory copy, under the query time limit; every query of the
    answer under the row limit (one row more than a page of the largest size
    is allowed, to tell that more follow).
    """
    runner = store_runner(store, max_rows + 1, check)
    try:
        table = answer(
            question,
            dict(given),
            runner,
            lang,
            limit,
            offset,
            store_labeller(store, check),
        )
    except QuestionError as exc:
        return pickle.dumps((exc.status, exc.to_json()))
    return pickle.dumps(table)


def _json(payload: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(payload, ensure_ascii=False, indent=1) + "\n",
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _wants_csv() -> bool:
    fmt = request.args.get("format")
    if fmt is not None:
        if fmt not in ("json", "csv"):
            raise ParameterError(
                f"format={fmt!r} is not offered; use format=json or format=csv",
                parameter="format",
                valid_values=["json", "csv"],
            )
        return fmt == "csv"
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv"


@bp.errorhandler(QuestionError)
def _question_error(exc: QuestionError) -> Response:
    return _json(exc.to_json(), exc.status)


@bp.errorhandler(CatalogueError)
def _catalogue_error(exc: CatalogueError) -> Response:
    """A malformed file in queries/: the server's fault, said with file and line."""
    current_app.logger.error("malformed question file: %s", exc)
    return _json({"error": f"a question file is malformed: {exc}", "status": 500}, 500)


@bp.get("/api/questions")
def list_questions() -> Response:
    """Every question with its parameters and columns."""
    base = request.host_url.rstrip("/")
    return _json(catalogue_json(_catalogue(), request_lang(), base))


@bp.get("/api/questions/<name>")
def ask(name: str) -> Response:
    """The answer to one question, as JSON or CSV."""
    state = current_app.extensions["sira"]
    settings = state.settings
    question = get_question(_catalogue(), name)
    lang = request_lang()
    csv_wanted = _wants_csv()
    limit, offset = request_page(settings, whole=csv_wanted)
    given = tuple(
        (k, tuple(request.args.getlist(k))) for k in request.args if k not in RESERVED_NAMES
    )
    job = StoreJob(
        answer_in_store,
        (question, given, lang, limit, offset, settings.max_result_rows),
        settings.query_timeout,
    )
    try:
        outcome = pickle.loads(state.evaluator.run(job).body)
    except QueryFailed as exc:
        return _json({"error": exc.message, "status": exc.status}, exc.status)
    if isinstance(outcome, tuple):  # a QuestionError: (status, JSON body)
        return _json(outcome[1], outcome[0])
    table: Table = outcome
    next_url = _next_url(table)
    if csv_wanted:
        response = Response(table.to_csv(), content_type="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = f'inline; filename="{question.name}.csv"'
    else:
        response = _json(table.to_json(request.host_url.rstrip("/"), next_url))
    if next_url:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


def request_page(settings: Settings, whole: bool = False) -> tuple[int | None, int]:
    """This request's ``?limit=`` and ``?offset=``, checked; every paged list of the API.

    Without ``limit``, a page of ``question_page_size`` rows, or with ``whole``
    every row from the offset on (None): CSV, read whole by pandas, is the whole
    answer unless ``limit`` or ``offset`` is given.
    """
    for name in ("limit", "offset"):
        if len(request.args.getlist(name)) > 1:
            raise ParameterError(f"{name} was given more than once; give it once", parameter=name)
    limit, offset = check_page(
        request.args.get("limit"), request.args.get("offset"), settings.max_result_rows
    )
    if limit is None and not whole:
        limit = min(settings.question_page_size, settings.max_result_rows)
    return limit, offset


def page_url(limit: int, offset: int) -> str:
    """This request's URL with ``limit`` and ``offset`` set: the link to another page."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("limit", "offset")]
    args += [("limit", str(limit)), ("offset", str(offset))]
    return request.base_url + "?" + urlencode(args)


def _next_url(table: Table) -> str | None:
    """The URL of the next page: this request's, with ``limit`` and ``offset`` set."""
    if not table.more or table.limit is None or table.next_offset is None:
        return None
    return page_url(table.limit, table.next_offset)
