"""What the endpoint must know about a query before Oxigraph runs it.

Oxigraph offers no syntax tree in Python, and rdflib's parser costs tens of
milliseconds a query, so this module reads SPARQL with a small tokenizer that
knows where strings, IRIs, comments, variables and prefixed names end. That is
enough to answer the three questions the endpoint asks:

* which query form is it (SELECT, ASK, CONSTRUCT, DESCRIBE), to negotiate the
  response format before evaluating;
* is it an update (INSERT, DELETE, LOAD, ...), to refuse it with a useful message;
* which endpoints do its ``SERVICE`` clauses call, to refuse calls that are not
  on the allow-list. A word ``SERVICE`` inside a string, an IRI, a comment or a
  name is not a keyword and is ignored; a keyword at any nesting depth, in any
  letter case, is found.

Oxigraph does not apply ``\\u`` escapes outside strings and IRIs (a keyword
spelt ``\\u0053ERVICE`` is a syntax error there), and neither does this reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)

# One alternative per token kind; tried in this order at each position.
_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
                |\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                |'(?:[^'\\\n\r]|\\.)*'
                |"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
    | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w\-.\u00B7\u00C0-\uFFFF]*)?:
                (?:[\w\-.:%\u00B7\u00C0-\uFFFF]|\\[_~.\-!$&'()*+,;=/?\#@%])*)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass
class QueryInfo:
    """What :func:`inspect` found in a query text."""

    form: str | None = None  # SELECT, ASK, CONSTRUCT, DESCRIBE; None if not a query
    update_keyword: str | None = None  # the first update keyword, if it is an update
    services: list[str] = field(default_factory=list)  # endpoint IRIs, "?var" for variables


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        out.append((kind, m.group()))
    return out


def inspect(text: str) -> QueryInfo:
    """Read the query form, update keywords and SERVICE endpoints of ``text``.

    Never raises: a text that is not SPARQL gives an empty :class:`QueryInfo`
    and is left to Oxigraph's parser to explain.
    """
    info = QueryInfo()
    tokens = _tokens(text)
    prefixes: dict[str, str] = {}
    base = ""
    i = 0
    # Prologue: BASE <iri> and PREFIX p: <iri>, in any order.
    while i < len(tokens):
        kind, value = tokens[i]
        upper = value.upper()
        if kind == "word" and upper == "BASE" and i + 1 < len(tokens):
            base = _resolve(tokens[i + 1][1][1:-1], base)
            i += 2
        elif kind == "word" and upper == "PREFIX" and i + 2 < len(tokens):
            name = tokens[i + 1][1]
            if name.endswith(":") and tokens[i + 2][0] == "iri":
                prefixes[name[:-1]] = _resolve(tokens[i + 2][1][1:-1], base)
            i += 3
        else:
            break
    if i < len(tokens) and tokens[i][0] == "word":
        first = tokens[i][1].upper()
        if first in QUERY_FORMS:
            info.form = first
        elif first in UPDATE_KEYWORDS:
            info.update_keyword = first
    # An update request may hold several operations separated by ';'.
    for j, (kind, value) in enumerate(tokens):
        if kind != "word":
            continue
        upper = value.upper()
        if info.form is None and info.update_keyword is None and upper in UPDATE_KEYWORDS:
            info.update_keyword = upper
        if upper != "SERVICE":
            continue
        k = j + 1
        if k < len(tokens) and tokens[k][0] == "word" and tokens[k][1].upper() == "SILENT":
            k += 1
        if k >= len(tokens):
            continue
        tkind, tvalue = tokens[k]
        if tkind == "iri":
            info.services.append(_resolve(tvalue[1:-1], base))
        elif tkind == "pname":
            prefix, _, local = tvalue.partition(":")
            expanded = prefixes.get(prefix)
            info.services.append(expanded + local if expanded is not None else tvalue)
        else:
            info.services.append(tvalue)
    return info


def _resolve(iri: str, base: str) -> str:
    return urljoin(base, iri) if base else iri


def refused_services(info: QueryInfo, allow_list: tuple[str, ...] | list[str]) -> list[str]:
    """The SERVICE endpoints of a query that are not on the allow-list (a variable never is)."""
    allowed = {a.strip() for a in allow_list if a.strip()}
    return [s for s in info.services if s not in allowed]
