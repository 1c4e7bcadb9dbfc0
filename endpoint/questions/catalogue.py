"""The question catalogue: ``queries/*.rq`` files, their ``#+`` header, their slots.

Why apart: this is the file format (documented in ``docs/questions.md``).
Everything else works on the :class:`Question` objects parsed here; the two
text operations that depend on the format (filling the parameter slots,
limiting to a page at the page slot) are methods of :class:`Question`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from sira_kg.core.namespaces import ID, PREFIXES
from sira_kg.core.store import sparql_term
from sira_kg.endpoint.questions.errors import CatalogueError, UnknownQuestion

PARAM_TYPES = ("region", "concept", "resource", "language", "date")
COLUMN_TYPES = ("iri", "iri-list", "string", "integer", "decimal", "boolean", "date")
RESERVED_NAMES = frozenset({"lang", "format", "limit", "offset"})
# The page slot of a ``#+ page: inner ?var ...`` question: a comment line, so the raw
# file stays a valid query; paging replaces it with ``ORDER BY ?var ... LIMIT n OFFSET m``.
_PAGE_SLOT = re.compile(r"^([ \t]*)#[ \t]*\[page\].*$", re.M)
MAX_OFFSET = 10**9
LANGS = ("en", "fr")
LANG_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*\Z")  # ?lang=, --lang
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
            "description": pick(self.description, lang),
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
            "title": pick(self.title, lang),
            "description": pick(self.description, lang),
            "url": f"{base_url}/api/questions/{self.name}",
            "parameters": [p.describe(lang) for p in self.params],
            "columns": [
                {"name": c.name, "type": c.type, "title": pick(c.title, lang)} for c in self.columns
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


def pick(texts: Mapping[str, str], lang: str) -> str:
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


def catalogue_json(catalogue: Mapping[str, Question], lang: str, base_url: str = "") -> dict:
    return {
        "lang": lang,
        "questions": [q.describe(lang, base_url) for q in catalogue.values()],
    }
