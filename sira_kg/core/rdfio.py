"""Every RDF syntax in, safely: parse files and request bodies without touching the network.

Why this module exists: partner data arrives as Turtle, TriG, N-Triples,
N-Quads, JSON-LD or RDF/XML, and a bad file must produce a message that names
the file, the line and the column, never a traceback. Parsing is done by
pyoxigraph's parsers (fast, and their errors carry a position); the triples
are then turned into rdflib terms, because rdflib and pySHACL are the
graph-building and validation toolkit.

What is returned: always an :class:`rdflib.Dataset` (``default_union=True``),
so that quad formats (.trig, .nq) keep their named graphs and triple formats
simply fill the default graph. Iterating the dataset's triples gives the union
of all its graphs; :func:`as_graph` copies that union into a plain
:class:`rdflib.Graph` (what SHACL validation wants).

No network, ever:

* JSON-LD: a remote ``@context`` (any IRI, including ``@import``) is refused
  with a message, except our own published context IRI :data:`CONTEXT_IRI`,
  which is read from the local file ``ontology/context.jsonld``.
* RDF/XML: a document with a ``<!DOCTYPE`` or ``<!ENTITY`` declaration is
  refused (external entities, XXE, and entity-expansion bombs).
* ``owl:imports`` is data like any other triple; nothing here follows it.

In the core (not in loaders/) because the core reads RDF too: bootstrap
loads the ontology, schemes and data, validation the shapes; the loaders and
the endpoint import it from here. Size (about 510 lines): one parser per
syntax family, behind two entry points, with the conversion they share.
"""

from __future__ import annotations

import copy
import gc
import json
import logging
import re
import threading
import xml.parsers.expat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib.namespace import XSD

from sira_kg.core.settings import resource_dir
from sira_kg.core.store import BULK_FORMATS

__all__ = [
    "CONTEXT_IRI",
    "FORMATS",
    "ParseError",
    "as_graph",
    "guess_format",
    "parse_bytes",
    "parse_file",
    "parse_files",
    "paused_gc",
]

#: Our published JSON-LD context. Documents may cite it; it is read from
#: ``ontology/context.jsonld`` and never fetched.
CONTEXT_IRI = "https://w3id.org/sira/context.jsonld"

#: Accepted format names (extension, short name or media type) -> pyoxigraph format.
FORMATS: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE,
    "turtle": ox.RdfFormat.TURTLE,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "application/trig": ox.RdfFormat.TRIG,
    **BULK_FORMATS,  # N-Triples, N-Quads
    "jsonld": ox.RdfFormat.JSON_LD,
    "json-ld": ox.RdfFormat.JSON_LD,
    "json": ox.RdfFormat.JSON_LD,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/json": ox.RdfFormat.JSON_LD,
    "rdf": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
    "owl": ox.RdfFormat.RDF_XML,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "rdf/xml": ox.RdfFormat.RDF_XML,
    "rdf+xml": ox.RdfFormat.RDF_XML,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}

_XSD_STRING = str(XSD.string)


class _IllTypedLiteralFilter(logging.Filter):
    """rdflib logs a traceback for every ill-typed literal ("2022-13-45"^^xsd:date).

    Such values are data errors that the shapes report with a message a
    partner can act on; the traceback is noise on the terminal and in logs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to convert Literal lexical form")


logging.getLogger("rdflib.term").addFilter(_IllTypedLiteralFilter())


class ParseError(Exception):
    """Unreadable RDF input, with where it went wrong.

    ``source`` is the file name (or request name), ``line`` and ``column``
    are 1-based and None when the parser could not tell.
    """

    def __init__(
        self,
        message: str,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source or "<input>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "source": self.source,
            "line": self.line,
            "column": self.column,
        }


# -- garbage collection ------------------------------------------------------------
_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = True


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while building big graphs.

    Building 100k rdflib triples creates millions of objects and the collector
    would walk them again and again (a third of the parse time); what it would
    free is freed when the pause ends. Nested and concurrent pauses are
    counted: collection resumes (if it was on) when the last one ends.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
        _gc_pauses += 1
        gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


# -- formats -------------------------------------------------------------------
def _format(name: str) -> ox.RdfFormat | None:
    key = name.strip().lower().split(";")[0].strip().lstrip(".")
    return FORMATS.get(key)


def guess_format(path: str | Path) -> ox.RdfFormat:
    """The RDF syntax of a file from its extension (``.ttl``, ``.trig``, ``.nt``,
    ``.nq``, ``.jsonld``/``.json``, ``.rdf``/``.xml``/``.owl``).

    Raises :class:`ParseError` for an unknown extension, naming the known ones.
    """
    suffix = Path(path).suffix
    found = _format(suffix) if suffix else None
    if found is None:
        raise ParseError(
            f"cannot tell the RDF syntax from the extension {suffix!r}; use one of "
            ".ttl .trig .nt .nq .jsonld .rdf, or give the format explicitly "
            "(turtle, trig, nt, nq, json-ld, rdfxml)",
            str(path),
        )
    return found


def _resolve_format(fmt: str | ox.RdfFormat, source: str | None) -> ox.RdfFormat:
    if isinstance(fmt, ox.RdfFormat):
        return fmt
    found = _format(fmt)
    if found is None:
        raise ParseError(
            f"unknown RDF format {fmt!r}; use turtle, trig, nt, nq, json-ld or rdfxml "
            "(or their media types)",
            source,
        )
    return found


# -- entry points ----------------------------------------------------------------
def parse_file(
    path: str | Path,
    fmt: str | ox.RdfFormat | None = None,
    *,
    base_iri: str | None = None,
    into: rdflib.Dataset | None = None,
    local_context: Path | None = None,
) -> rdflib.Dataset:
    """Parse one RDF file into an rdflib Dataset (see the module docstring).

    ``fmt`` is a format name, extension or media type; None guesses it from the
    extension. ``into`` adds to an existing dataset (blank nodes are renamed per
    file, so merging files never joins two unrelated blank nodes).
    ``local_context`` is the file that stands for :data:`CONTEXT_IRI`
    (default: ``ontology/context.jsonld``).
    """
    path = Path(path)
    fmt_ = _resolve_format(fmt, str(path)) if fmt else guess_format(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read the file: {exc.strerror or exc}", str(path)) from None
    return parse_bytes(
        data, fmt_, str(path), base_iri=base_iri, into=into, local_context=local_context
    )


def parse_files(
    paths: Iterable[str | Path], fmt: str | ox.RdfFormat | None = None
) -> rdflib.Dataset:
    """Parse several files into one dataset (the merge of them all)."""
    ds = _new_dataset()
    for path in paths:
        parse_file(path, fmt, into=ds)
    return ds


def parse_bytes(
    data: bytes | str,
    fmt: str | ox.RdfFormat,
    name: str | None = None,
    *,
    base_iri: str | None = None,
    into: rdflib.Dataset | None = None,
    local_context: Path | None = None,
) -> rdflib.Dataset:
    """Parse RDF text (a file's content or an HTTP body) into an rdflib Dataset.

    ``fmt`` is a format name, extension, media type or :class:`pyoxigraph.RdfFormat`;
    ``name`` is used in error messages; ``local_context`` as in :func:`parse_file`.
    Raises :class:`ParseError`.
    """
    fmt_ = _resolve_format(fmt, name)
    if isinstance(data, str):
        data = data.encode("utf-8")
    original = data
    if fmt_ == ox.RdfFormat.JSON_LD:
        data = _safe_jsonld(data, name, local_context or _context_file())
    elif fmt_ == ox.RdfFormat.RDF_XML:
        _refuse_doctype(data, name)
    try:
        quads = list(ox.parse(data, fmt_, base_iri=base_iri, rename_blank_nodes=True))
    except SyntaxError as exc:
        error = _parse_error(exc, data, fmt_, name)
        if data is not original:  # positions refer to the rewritten document
            error.line = error.column = None
        error.message += _format_hint(original, fmt_)
        raise error from None
    except ValueError as exc:
        raise ParseError(str(exc), name) from None
    if fmt_ == ox.RdfFormat.JSON_LD:
        _refuse_jsonld_losses(data, name, base_iri)
    ds = into if into is not None else _new_dataset()
    with paused_gc():
        try:
            _fill(ds, quads)
        except _Unsupported as exc:
            raise ParseError(str(exc), name) from None
    return ds


# What a document's first characters say its syntax is, and how to send it so.
_LOOKS_LIKE = (
    (
        (b"{", b"["),
        ox.RdfFormat.JSON_LD,
        "JSON-LD",
        "application/ld+json, or name the file .jsonld",
    ),
    ((b"<?xml", b"<rdf:RDF"), ox.RdfFormat.RDF_XML, "RDF/XML", "application/rdf+xml, or .rdf"),
    (
        (b"@prefix", b"@base", b"PREFIX", b"prefix", b"BASE"),
        ox.RdfFormat.TURTLE,
        "Turtle",
        "text/turtle, or name the file .ttl",
    ),
)


def _format_hint(data: bytes, fmt: ox.RdfFormat) -> str:
    """ " (it looks like JSON-LD: send it as …)" when the document is plainly in another
    syntax than the one it was declared in, else ""."""
    head = data[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
    while head.startswith(b"#"):  # Turtle comments before the first directive
        head = head.partition(b"\n")[2].lstrip(b" \t\r\n")
    for starts, looks, label, how in _LOOKS_LIKE:
        if (
            head.startswith(starts)
            and looks != fmt
            and not (looks == ox.RdfFormat.TURTLE and fmt == ox.RdfFormat.TRIG)
        ):
            return f" (the document looks like {label}: send it as {how})"
    return ""


def as_graph(data: rdflib.Graph) -> rdflib.Graph:
    """The union of all graphs of a dataset as one plain rdflib Graph.

    A plain Graph is returned as it is (not copied). A Dataset whose triples
    are all in its default graph (any triple syntax) gives that default graph,
    a Graph on the same store (no copy: 100k triples cost a second to copy);
    otherwise the triples of all its graphs are copied into a new Graph.
    """
    if not isinstance(data, rdflib.ConjunctiveGraph):
        return data
    if isinstance(data, rdflib.Dataset):
        default = data.default_graph
        if all(g.identifier == default.identifier for g in data.graphs()):
            return default
    out = rdflib.Graph()
    for ns_prefix, ns in data.namespaces():
        out.bind(ns_prefix, ns, override=False)
    add = out.add
    for s, p, o, _ in data.quads((None, None, None, None)):
        add((s, p, o))
    return out


class _Unsupported(Exception):
    """Valid RDF that sira-kg cannot hold (a triple term)."""


# -- building rdflib terms ----------------------------------------------------------
def _new_dataset() -> rdflib.Dataset:
    return rdflib.Dataset(default_union=True)


def _fill(ds: rdflib.Dataset, quads: list[ox.Quad]) -> None:
    URIRef, BNode, Literal = rdflib.URIRef, rdflib.BNode, rdflib.Literal
    NamedNode, BlankNode = ox.NamedNode, ox.BlankNode
    terms: dict[Any, rdflib.term.Node] = {}

    def conv(t: Any) -> rdflib.term.Node:
        found = terms.get(t)
        if found is not None:
            return found
        if isinstance(t, NamedNode):
            r: rdflib.term.Node = URIRef(t.value)
        elif isinstance(t, BlankNode):
            r = BNode(t.value)
        elif not isinstance(t, ox.Literal):
            raise _Unsupported(
                "RDF-star / RDF 1.2 triple terms are not supported: write plain RDF 1.1 triples"
            )
        elif t.language:
            r = Literal(t.value, lang=t.language)
        else:
            dt = t.datatype.value
            r = Literal(t.value) if dt == _XSD_STRING else Literal(t.value, datatype=URIRef(dt))
        terms[t] = r
        return r

    graphs: dict[Any, rdflib.Graph] = {}
    default = ds.default_graph
    for q in quads:
        gname = q.graph_name
        if isinstance(gname, ox.DefaultGraph):
            g = default
        else:
            g = graphs.get(gname)
            if g is None:
                g = graphs[gname] = ds.graph(conv(gname))
        g.add((conv(q.subject), conv(q.predicate), conv(q.object)))


# -- errors ------------------------------------------------------------------------
_POSITION = re.compile(
    r"^Parser error at line (\d+) (?:between columns (\d+) and \d+|column (\d+))"
)


def _parse_error(exc: SyntaxError, data: bytes, fmt: ox.RdfFormat, name: str | None) -> ParseError:
    message = str(exc.msg if exc.msg else exc)
    line, column = exc.lineno, exc.offset
    m = _POSITION.match(message)
    if m:
        line = line or int(m.group(1))
        column = column or int(m.group(2) or m.group(3))
        message = message.split(": ", 1)[1] if ": " in message else message
    if line is None and fmt == ox.RdfFormat.RDF_XML:
        # pyoxigraph's XML errors carry no position; expat (stdlib, no entities
        # resolved) finds where a well-formedness error is.
        line, column = _xml_position(data)
    if "LoadDocumentCallback" in message:
        message = "remote JSON-LD contexts are not loaded (no network access)"
    return ParseError(f"invalid {fmt.name}: {message}", name, line, column)


def _xml_position(data: bytes) -> tuple[int | None, int | None]:
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        return exc.lineno, exc.offset + 1
    return None, None


def _position_of(data: bytes, needle: bytes) -> tuple[int | None, int | None]:
    index = data.find(needle)
    if index < 0:
        return None, None
    before = data[:index]
    line = before.count(b"\n") + 1
    column = index - (before.rfind(b"\n") + 1) + 1
    return line, column


# -- RDF/XML: no DTD -------------------------------------------------------------------
_DOCTYPE = re.compile(rb"<!(DOCTYPE|ENTITY)\b")


def _refuse_doctype(data: bytes, name: str | None) -> None:
    m = _DOCTYPE.search(data)
    if m:
        line, column = _position_of(data, m.group(0))
        raise ParseError(
            "RDF/XML with a <!DOCTYPE> or <!ENTITY> declaration is refused (entities can "
            "read local files or the network); remove the declaration and write the "
            "values out",
            name,
            line,
            column,
        )


# -- JSON-LD: no remote contexts -----------------------------------------------------------
def _local_context(path: Path) -> Any:
    """The ``@context`` value of our own context file, or None when it is absent."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    return copy.deepcopy(_read_context(path, stamp))


@lru_cache(maxsize=4)
def _read_context(path: Path, stamp: int) -> Any:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc.get("@context") if isinstance(doc, dict) else None


def _context_file() -> Path:
    return resource_dir("ontology") / "context.jsonld"


# A JSON-LD processor drops, without a word, every key its context does not define
# and every relative IRI when no base is given. Nothing a user sends may vanish: the
# document is parsed a second time with these sentinels (a catch-all @vocab and a base),
# and what lands under them is what the first parse dropped.
_PROBE_VOCAB = "urn:x-sira-kg:undefined-term:"
_PROBE_BASE = "urn:x-sira-kg:relative-iri:/"


def _refuse_jsonld_losses(data: bytes, name: str | None, base_iri: str | None) -> None:
    """ParseError naming the keys the context does not define and the relative IRIs that
    no base resolves: the triples they would make are not silently dropped."""
    doc = json.loads(data)
    catch_all = {"@vocab": _PROBE_VOCAB}
    if isinstance(doc, dict) and "@context" in doc:
        doc["@context"] = [doc["@context"], catch_all]
    else:
        doc = {"@context": catch_all, "@graph": doc if isinstance(doc, list) else [doc]}
    try:
        probe = list(
            ox.parse(
                json.dumps(doc).encode("utf-8"),
                ox.RdfFormat.JSON_LD,
                base_iri=base_iri or _PROBE_BASE,
            )
        )
    except (SyntaxError, ValueError):
        return  # the document itself parsed: the probe is only a check
    unknown, relative, lost = set(), set(), 0
    for quad in probe:
        hit = False
        for term in (quad.subject, quad.predicate, quad.object):
            iri = term.value if isinstance(term, ox.NamedNode) else ""
            if iri.startswith(_PROBE_VOCAB):
                unknown.add(iri[len(_PROBE_VOCAB) :])
                hit = True
            elif iri.startswith(_PROBE_BASE):
                relative.add(iri[len(_PROBE_BASE) :])
                hit = True
        lost += hit
    if not (unknown or relative):
        return
    parts = []
    if unknown:
        parts.append(
            f"key(s) the context does not define: {', '.join(sorted(unknown)[:10])}"
            " (define them in the @context, use full IRIs, or remove them)"
        )
    if relative:
        parts.append(
            f"relative IRI(s) and no base to resolve them: {', '.join(sorted(relative)[:10])}"
            " (write absolute IRIs, or give a base: `--base IRI`, `?base=IRI`, or a partner"
            " token, whose space is the default base)"
        )
    raise ParseError(
        f"invalid JSON-LD for sira-kg: {lost} triple(s) would be dropped without a word; "
        + "; ".join(parts),
        name,
    )


def _safe_jsonld(data: bytes, name: str | None, context_file: Path) -> bytes:
    """Replace our context IRI by its local content; refuse any other remote context."""
    try:
        doc = json.loads(data)
    except UnicodeDecodeError:
        raise ParseError("invalid JSON-LD: the document is not UTF-8", name, 1, 1) from None
    except json.JSONDecodeError as exc:
        hint = _format_hint(data, ox.RdfFormat.JSON_LD)
        raise ParseError(f"invalid JSON-LD: {exc.msg}{hint}", name, exc.lineno, exc.colno) from None
    changed = False

    def resolve(ref: Any) -> Any:
        nonlocal changed
        if not isinstance(ref, str):
            return ref
        if ref == CONTEXT_IRI:
            local = _local_context(context_file)
            if local is None:
                line, column = _position_of(data, json.dumps(ref).encode())
                raise ParseError(
                    f"the context {CONTEXT_IRI} is ours, but its local copy {context_file} "
                    "is missing or unreadable in this installation",
                    name,
                    line,
                    column,
                )
            changed = True
            return local
        line, column = _position_of(data, json.dumps(ref).encode())
        raise ParseError(
            f"remote JSON-LD context {ref!r} refused: sira-kg never fetches anything from "
            f"the network; put the context inline, or use our context {CONTEXT_IRI}",
            name,
            line,
            column,
        )

    def context(value: Any) -> Any:
        if isinstance(value, list):
            return [context(v) for v in value]
        if isinstance(value, dict):
            if "@import" in value:
                imported = resolve(value["@import"])
                rest = {k: v for k, v in value.items() if k != "@import"}
                return [imported, walk_ctx(rest)]
            return walk_ctx(value)
        return resolve(value)

    def walk_ctx(ctx: dict) -> dict:
        # Term definitions may carry scoped contexts.
        for v in ctx.values():
            if isinstance(v, dict) and "@context" in v:
                v["@context"] = context(v["@context"])
        return ctx

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "@context" in node:
                node["@context"] = context(node["@context"])
            for key, v in node.items():
                if key != "@context":
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    return json.dumps(doc).encode("utf-8") if changed else data
