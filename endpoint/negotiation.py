"""Response formats of the SPARQL endpoint and the choice between them.

A client names what it wants in ``Accept`` (with q-values) or, from a browser
address bar, in a ``format`` parameter that overrides ``Accept``. Results of
SELECT and ASK come in the four SPARQL results formats; graphs (CONSTRUCT,
DESCRIBE, the service description) in the RDF syntaxes pyoxigraph writes.
A 406 is given only when none of them is acceptable.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class Format:
    """One response format: its key (``format=`` value), media types, pyoxigraph writer."""

    key: str
    media_type: str
    aliases: tuple[str, ...]
    names: tuple[str, ...]  # extra ``format=`` spellings
    ox_format: ox.QueryResultsFormat | ox.RdfFormat

    @property
    def content_type(self) -> str:
        if self.media_type.startswith("text/") or self.media_type.endswith(("json", "xml")):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type

    @property
    def iri(self) -> str:
        """The W3C format IRI (http://www.w3.org/ns/formats/...), for the service description."""
        return self.ox_format.iri


QRF, RF = ox.QueryResultsFormat, ox.RdfFormat

# The first format of each list is the default (for */* or no Accept at all).
RESULT_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", ("application/json",), (), QRF.JSON),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml"), (), QRF.XML),
    Format("csv", "text/csv", (), (), QRF.CSV),
    Format("tsv", "text/tab-separated-values", (), (), QRF.TSV),
)
GRAPH_FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", ("application/x-turtle",), ("ttl",), RF.TURTLE),
    Format("ntriples", "application/n-triples", ("text/plain",), ("nt", "n-triples"), RF.N_TRIPLES),
    Format("jsonld", "application/ld+json", ("application/json",), ("json-ld", "json"), RF.JSON_LD),
    Format(
        "rdfxml",
        "application/rdf+xml",
        ("application/xml", "text/xml"),
        ("rdf", "xml", "rdf-xml"),
        RF.RDF_XML,
    ),
    Format("nquads", "application/n-quads", (), ("nq", "n-quads"), RF.N_QUADS),
    Format("trig", "application/trig", (), (), RF.TRIG),
    Format("n3", "text/n3", ("text/rdf+n3",), (), RF.N3),
)


def formats_for(form: str) -> tuple[Format, ...]:
    """The formats a query form can be answered in (SELECT/ASK: results; else graphs)."""
    return RESULT_FORMATS if form in ("SELECT", "ASK") else GRAPH_FORMATS


class NotAcceptable(Exception):
    """No format is acceptable; the message lists what is available."""


def _parse_accept(header: str) -> list[tuple[str, float]]:
    """(media type without parameters, q) pairs; werkzeug parses the q-values."""
    out = []
    for value, quality in parse_accept_header(header):
        media = value.split(";", 1)[0].strip().lower()
        if media:
            out.append((media, float(quality)))
    return out


def _quality(offers: tuple[str, ...], accepted: list[tuple[str, float]]) -> float:
    """The q of the most specific Accept entry matching any of ``offers`` (RFC 9110 §12.5.1).

    ``offers`` is a format's own media type then its aliases; they count
    together, so that ``application/sparql-results+json;q=0, */*`` refuses JSON
    results. Wildcards match only the first, the type the response is sent as.
    """
    best: tuple[int, float] = (-1, 0.0)
    for index, offer in enumerate(offers):
        main = offer.partition("/")[0]
        for media, q in accepted:
            amain, _, asub = media.partition("/")
            if media == offer:
                rank = 2
            elif index > 0:  # wildcards match the media type we send, not the aliases
                continue
            elif amain == main and asub == "*":
                rank = 1
            elif media in ("*/*", "*"):
                rank = 0
            else:
                continue
            if (rank, q) > best:
                best = (rank, q)
    return best[1]


def choose(form: str, accept: str | None, format_param: str | None) -> Format:
    """The format to answer a query of ``form`` in; raises :class:`NotAcceptable`."""
    candidates = formats_for(form)
    if format_param:
        wanted = format_param.strip().lower()
        for f in candidates:
            if wanted in (f.key, f.media_type, *f.aliases, *f.names):
                return f
        raise NotAcceptable(
            f"format={format_param!r} is not available for a {form} query; use one of: "
            + ", ".join(f"{f.key} ({f.media_type})" for f in candidates)
        )
    accepted = _parse_accept(accept or "")
    if not accepted:
        return candidates[0]
    best: tuple[float, Format | None] = (0.0, None)
    for f in candidates:
        q = _quality((f.media_type, *f.aliases), accepted)
        if q > best[0]:
            best = (q, f)
    if best[1] is None:
        raise NotAcceptable(
            f"none of the media types in Accept: {accept} is available for a {form} query; "
            "available: " + ", ".join(f.media_type for f in candidates)
        )
    return best[1]
