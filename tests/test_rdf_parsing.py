"""sira_kg.core.rdfio: every RDF syntax in, errors with file/line/column, never the network."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from sira_kg.core.rdfio import (
    CONTEXT_IRI,
    ParseError,
    as_graph,
    guess_format,
    parse_bytes,
    parse_file,
    parse_files,
)

RDF_DIR = Path(__file__).resolve().parent / "fixtures" / "rdf"
EX = rdflib.Namespace("http://example.org/")
SIRA = rdflib.Namespace("https://w3id.org/sira/ns#")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Make every socket connection fail loudly; the list records any attempt."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise AssertionError(f"network access attempted: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: refuse(None, address))
    return attempts


def test_socket_guard_works(no_network: list[object]) -> None:
    """The guard itself: a connection attempt is recorded and fails."""
    with pytest.raises(AssertionError, match="network access attempted"):
        socket.create_connection(("127.0.0.1", 9))
    assert no_network == [("127.0.0.1", 9)]


# -- every syntax ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["sample.nt", "sample.nq", "sample.trig", "sample.jsonld", "sample.rdf"]
)
def test_every_syntax_gives_the_same_triples(name: str, no_network: list[object]) -> None:
    expected = as_graph(parse_file(RDF_DIR / "sample.ttl"))
    got = as_graph(parse_file(RDF_DIR / name))
    assert len(got) == 7
    assert isomorphic(got, expected), name
    assert (EX.cafe, RDFS.label, Literal("Café des langues", lang="fr")) in got
    assert (EX.cafe, EX.started, Literal("2022-03-22", datatype=rdflib.namespace.XSD.date)) in got
    # A simple literal stays a plain rdflib Literal (no explicit xsd:string).
    assert (EX.cafe, EX.note, Literal("plain text")) in got
    assert no_network == []


def test_turtle_gives_a_dataset_with_only_the_default_graph() -> None:
    ds = parse_file(RDF_DIR / "sample.ttl")
    assert isinstance(ds, rdflib.Dataset)
    named = [g.identifier for g in ds.graphs() if g.identifier != ds.default_graph.identifier]
    assert named == []
    assert len(ds) == 7  # default_union: the dataset's triples are all its triples


@pytest.mark.parametrize("name", ["sample.trig", "sample.nq"])
def test_quad_formats_keep_their_named_graphs(name: str) -> None:
    ds = parse_file(RDF_DIR / name)
    fr = ds.graph(URIRef("http://example.org/graph/fr"))
    numbers = ds.graph(URIRef("http://example.org/graph/numbers"))
    assert set(fr) == {(EX.cafe, RDFS.label, Literal("Café des langues", lang="fr"))}
    assert set(numbers) == {(EX.cafe, EX.seats, Literal(12))}
    assert len(ds.default_graph) == 5


def test_as_graph_of_a_triple_syntax_is_the_default_graph_without_a_copy() -> None:
    ds = parse_file(RDF_DIR / "sample.ttl")
    g = as_graph(ds)
    assert type(g) is rdflib.Graph and len(g) == 7
    assert g.store is ds.store and g.identifier == ds.default_graph.identifier


def test_triple_terms_are_refused() -> None:
    with pytest.raises(ParseError, match="triple terms are not supported") as info:
        parse_bytes(
            b"<http://a> <http://b> <<( <http://c> <http://d> <http://e> )>> .", "nt", "x.nt"
        )
    assert info.value.source == "x.nt"


def test_as_graph_merges_all_graphs_and_leaves_a_graph_alone() -> None:
    ds = parse_file(RDF_DIR / "sample.trig")
    merged = as_graph(ds)
    assert type(merged) is rdflib.Graph and len(merged) == 7
    assert as_graph(merged) is merged


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("turtle", "sample.ttl"),
        ("text/turtle; charset=utf-8", "sample.ttl"),
        ("application/n-triples", "sample.nt"),
        ("nq", "sample.nq"),
        ("application/trig", "sample.trig"),
        ("application/ld+json", "sample.jsonld"),
        ("json-ld", "sample.jsonld"),
        ("application/rdf+xml", "sample.rdf"),
        ("rdfxml", "sample.rdf"),
    ],
)
def test_format_by_name_or_media_type(fmt: str, name: str) -> None:
    data = (RDF_DIR / name).read_bytes()
    assert len(parse_bytes(data, fmt, name)) == 7


def test_explicit_format_overrides_the_extension(tmp_path: Path) -> None:
    odd = tmp_path / "data.txt"
    odd.write_bytes((RDF_DIR / "sample.ttl").read_bytes())
    with pytest.raises(ParseError, match="cannot tell the RDF syntax"):
        parse_file(odd)
    assert len(parse_file(odd, "turtle")) == 7


def test_guess_format_and_unknown_format() -> None:
    assert guess_format("x.TTL").name == "Turtle"
    assert guess_format("x.nq").name == "N-Quads"
    assert guess_format("x.jsonld").name == "JSON-LD"
    assert guess_format("x.owl").name == "RDF/XML"
    with pytest.raises(ParseError) as info:
        parse_bytes(b"", "text/csv", "body")
    assert "unknown RDF format 'text/csv'" in str(info.value)
    assert info.value.source == "body"


def test_files_merge_without_joining_blank_nodes() -> None:
    ds = parse_files([RDF_DIR / "sample.ttl", RDF_DIR / "sample.nt"])
    g = as_graph(ds)
    # Same IRIs and literals merge; each file's blank node stays its own.
    assert len(list(g.objects(EX.cafe, EX.period))) == 2
    assert len(g) == 9  # 5 shared triples + 2 per blank node


def test_relative_iris_need_a_base() -> None:
    with pytest.raises(ParseError, match="line 1|absolute IRI") as info:
        parse_bytes(b"<a> <b> <c> .", "turtle", "rel.ttl")
    assert info.value.line == 1
    g = as_graph(parse_bytes(b"<a> <b> <c> .", "turtle", base_iri="http://example.org/"))
    assert (EX.a, EX.b, EX.c) in g


def test_missing_file() -> None:
    with pytest.raises(ParseError, match="cannot read the file") as info:
        parse_file(RDF_DIR / "does-not-exist.ttl")
    assert info.value.source.endswith("does-not-exist.ttl")


# -- errors with file, line and column ----------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "line", "column", "words"),
    [
        ("broken.ttl", 5, 1, "invalid Turtle"),
        ("broken.nt", 3, 1, "invalid N-Triples"),
        ("broken.jsonld", 4, 1, "invalid JSON-LD"),
        ("broken.rdf", 5, 5, "invalid RDF/XML"),
    ],
)
def test_errors_name_file_line_and_column(name: str, line: int, column: int, words: str) -> None:
    path = RDF_DIR / name
    with pytest.raises(ParseError) as info:
        parse_file(path)
    err = info.value
    assert (err.source, err.line, err.column) == (str(path), line, column), str(err)
    assert words in err.message
    assert str(err).startswith(f"{path}:{line}:{column}: ")
    assert err.to_dict() == {
        "message": err.message,
        "source": str(path),
        "line": line,
        "column": column,
    }


def test_bad_utf8_is_an_error_with_a_position() -> None:
    with pytest.raises(ParseError) as info:
        parse_bytes(b'<http://a> <http://b> "caf\xe9" .', "nt", "latin1.nt")
    assert info.value.line == 1 and info.value.column is not None


# -- JSON-LD: no remote contexts ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "iri", "line"),
    [
        ("remote-context.jsonld", "https://schema.org/", 2),
        ("remote-import.jsonld", "http://example.org/context.jsonld", 4),
        ("remote-scoped-context.jsonld", "https://example.org/scoped.jsonld", 4),
    ],
)
def test_remote_jsonld_contexts_are_refused_without_network(
    name: str, iri: str, line: int, no_network: list[object]
) -> None:
    with pytest.raises(ParseError) as info:
        parse_file(RDF_DIR / name)
    err = info.value
    assert f"remote JSON-LD context {iri!r} refused" in err.message
    assert "never fetches anything from the network" in err.message
    assert err.line == line and err.column is not None
    assert no_network == []


def test_context_in_a_list_and_in_a_nested_node_is_checked(no_network: list[object]) -> None:
    doc = b"""{"@context": [{"ex": "http://example.org/"}],
               "@id": "ex:a", "ex:b": {"@context": ["http://example.org/c"], "@id": "ex:c"}}"""
    with pytest.raises(ParseError, match="'http://example.org/c' refused"):
        parse_bytes(doc, "json-ld", "nested.jsonld")
    assert no_network == []


def test_our_context_iri_is_read_from_the_local_file(no_network: list[object]) -> None:
    g = as_graph(parse_file(RDF_DIR / "own-context.jsonld"))
    valley = URIRef("http://example.org/valley")
    assert (valley, RDF.type, SIRA.Region) in g
    assert (valley, RDFS.label, Literal("Example valley", lang="en")) in g
    assert no_network == []


def test_our_context_iri_without_the_local_file(tmp_path: Path, no_network: list[object]) -> None:
    missing = tmp_path / "context.jsonld"
    with pytest.raises(ParseError) as info:
        parse_file(RDF_DIR / "own-context.jsonld", local_context=missing)
    assert CONTEXT_IRI in info.value.message and "missing or unreadable" in info.value.message
    assert info.value.line == 2
    assert no_network == []


def test_inline_contexts_need_no_network(no_network: list[object]) -> None:
    g = as_graph(parse_file(RDF_DIR / "sample.jsonld"))
    assert len(g) == 7
    assert no_network == []


# -- RDF/XML: no DTD, no entities -----------------------------------------------------------------
@pytest.mark.parametrize("name", ["xxe-file.rdf", "xxe-remote.rdf", "entity-bomb.rdf"])
def test_xml_entities_are_refused_without_network(name: str, no_network: list[object]) -> None:
    with pytest.raises(ParseError) as info:
        parse_file(RDF_DIR / name)
    err = info.value
    assert "<!DOCTYPE> or <!ENTITY> declaration is refused" in err.message
    assert (err.line, err.column) == (2, 1)
    assert no_network == []


def test_owl_imports_are_not_followed(no_network: list[object]) -> None:
    g = as_graph(parse_file(RDF_DIR / "imports.ttl"))
    assert len(g) == 2  # the two triples of the file, nothing imported
    assert no_network == []


def test_validation_does_not_follow_owl_imports(no_network: list[object]) -> None:
    from sira_kg.core.validation import validate

    report = validate(parse_file(RDF_DIR / "imports.ttl"))
    assert report.conforms
    assert no_network == []
