"""The store, the provenance records, the bootstrap and the ingest gate's write side."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, OWL, PROV, RDF

from sira_kg.core import ingest, provenance
from sira_kg.core.bootstrap import ensure_bootstrapped, plan
from sira_kg.core.namespaces import GRAPH, METADATA_GRAPH, SHAPES_GRAPH
from sira_kg.core.settings import Settings
from sira_kg.core.store import GraphStore, StoreError, graph_quads, open_store

EX = rdflib.Namespace("http://example.org/")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")  # a plain Namespace: no warnings
VOID = provenance.VOID


def export_bytes(store: GraphStore) -> bytes:
    out = io.BytesIO()
    store.export(out)
    return out.getvalue()


def small_graph(n: int = 3, label: str = "thing") -> rdflib.Graph:
    g = rdflib.Graph()
    for i in range(n):
        g.add((EX[f"s{i}"], RDF.type, EX.Thing))
        g.add((EX[f"s{i}"], EX.label, rdflib.Literal(f"{label} {i}", lang="en")))
    return g


@pytest.fixture
def store(memory_settings: Settings) -> GraphStore:
    return open_store(memory_settings)


# -- queries -------------------------------------------------------------------------
def test_default_graph_is_the_union_of_all_graphs(store: GraphStore) -> None:
    store.add_graphs(
        {"http://example.org/g1": small_graph(1), "http://example.org/g2": small_graph(2)}
    )
    rows = list(store.query("SELECT DISTINCT ?s WHERE { ?s a <http://example.org/Thing> }"))
    assert len(rows) == 2
    only_g1 = store.query(
        "SELECT ?s WHERE { ?s a <http://example.org/Thing> }",
        default_graph=["http://example.org/g1"],
    )
    assert [r["s"].value for r in only_g1] == ["http://example.org/s0"]
    assert [(g.iri, g.triples) for g in store.graphs()] == [
        ("http://example.org/g1", 2),
        ("http://example.org/g2", 4),
    ]


def test_substitutions_accept_rdflib_terms(store: GraphStore) -> None:
    store.add_graphs({"http://example.org/g": small_graph(2)})
    rows = store.query(
        "SELECT ?s ?l WHERE { ?s <http://example.org/label> ?l }", substitutions={"s": EX.s1}
    )
    assert [r["l"].value for r in rows] == ["thing 1"]


def test_blank_nodes_of_two_loads_never_meet(store: GraphStore) -> None:
    """rdflib graphs that both say _:b0 must stay two different nodes in the store."""
    b = rdflib.BNode("b0")
    g1, g2 = rdflib.Graph(), rdflib.Graph()
    g1.add((EX.a, EX.p, b))
    g2.add((b, EX.q, rdflib.Literal("x")))
    store.write(graph_quads(g1, "http://example.org/g1"))
    store.write(graph_quads(g2, "http://example.org/g2"))
    assert not store.query("ASK { <http://example.org/a> <http://example.org/p> ?b . ?b ?q ?o }")


def test_a_failed_write_changes_nothing(store: GraphStore) -> None:
    store.add_graphs({"http://example.org/g": small_graph(3)})
    before = export_bytes(store)
    with pytest.raises(SyntaxError):
        store.write(
            graph_quads(small_graph(5, "new"), "http://example.org/g"),
            drop_graphs=["http://example.org/g"],
            delete_update="DELETE WHERE { this is not SPARQL",
        )
    assert export_bytes(store) == before


def test_replace_in_one_write(store: GraphStore) -> None:
    store.add_graphs(
        {"http://example.org/g": small_graph(3), "http://example.org/h": small_graph(1)}
    )
    store.write(
        graph_quads(small_graph(1, "new"), "http://example.org/g"),
        drop_graphs=["http://example.org/g"],
    )
    assert store.triple_count("http://example.org/g") == 2
    assert store.triple_count("http://example.org/h") == 2
    assert store.graph("http://example.org/g").value(EX.s0, EX.label).value == "new 0"


# -- locking ---------------------------------------------------------------------------
def test_a_store_open_in_another_process_gives_a_clear_message(disk_settings: Settings) -> None:
    store = open_store(disk_settings)
    assert store.is_empty()
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from sira_kg.core.settings import Settings
        from sira_kg.core.store import StoreError, open_store
        try:
            open_store(Settings(store_path=Path({str(disk_settings.store_path)!r})))
        except StoreError as exc:
            print("StoreError:", exc)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "StoreError: the store" in done.stdout
    assert "in use by another process" in done.stdout
    cli = subprocess.run(
        [sys.executable, "-m", "sira_kg", "stats", "--store", str(disk_settings.store_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 2
    assert "in use by another process" in cli.stderr
    assert "Traceback" not in cli.stderr
    del store


def test_an_unusable_store_path_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot open the store"):
        open_store(Settings(store_path=blocker / "store"))


# -- bootstrap -----------------------------------------------------------------------------
def test_bootstrap_puts_each_file_set_in_its_graph(store: GraphStore, memory_settings) -> None:
    result = ensure_bootstrapped(store, memory_settings, validate_data=False)
    graphs = {g.iri: g.triples for g in store.graphs()}
    expected = (
        {
            str(GRAPH["ontology"]),
            str(SHAPES_GRAPH),
            str(METADATA_GRAPH),
        }
        | {str(GRAPH[f"data/{f.stem}"]) for f in memory_settings.data_dir.glob("*.ttl")}
        | {
            str(GRAPH[f"scheme/{f.stem}"])
            for f in (memory_settings.ontology_dir / "schemes").glob("*.ttl")
        }
    )
    assert set(graphs) == expected
    assert str(GRAPH["data/saone-et-loire"]) in expected and str(GRAPH["data/sources"]) in expected
    assert len(expected) > 20  # ontology, shapes, twelve data graphs, metadata, the schemes
    assert set(result.added) == expected - {str(METADATA_GRAPH)}
    assert all(n > 0 for n in graphs.values())


def test_bootstrap_is_idempotent(store: GraphStore, memory_settings: Settings) -> None:
    ensure_bootstrapped(store, memory_settings, validate_data=False)
    before = export_bytes(store)
    again = ensure_bootstrapped(store, memory_settings, validate_data=False)
    assert again.added == []
    assert export_bytes(store) == before


def test_bootstrap_adds_only_what_is_missing(store: GraphStore, memory_settings) -> None:
    ensure_bootstrapped(store, memory_settings, validate_data=False)
    theme = provenance.scheme_graph("theme")
    assert ingest.remove(store, theme)
    assert not store.has_graph(theme)
    result = ensure_bootstrapped(store, memory_settings, validate_data=False)
    assert result.added == [theme]
    assert store.has_graph(theme)


def test_every_bootstrap_graph_has_a_provenance_record(store: GraphStore, memory_settings) -> None:
    ensure_bootstrapped(store, memory_settings, validate_data=True)
    meta = store.graph(str(METADATA_GRAPH))
    for part in plan(memory_settings):
        g = rdflib.URIRef(part.graph_iri)
        assert (g, RDF.type, DCAT.Dataset) in meta
        assert (g, RDF.type, PROV.Entity) in meta
        assert meta.value(g, PROV.generatedAtTime).datatype == rdflib.XSD.dateTime
        assert meta.value(g, PROV.wasAttributedTo) == provenance.SOFTWARE_AGENT
        assert int(meta.value(g, VOID.triples)) == store.triple_count(part.graph_iri)
        sources = set(meta.objects(g, PROV.wasDerivedFrom))
        assert sources == {rdflib.URIRef(f.resolve().as_uri()) for f in part.files}
        for src in sources:
            assert (src, DCTERMS.format, rdflib.URIRef(provenance.IANA + "text/turtle")) in meta
    data = rdflib.URIRef(provenance.data_graph("saone-et-loire"))
    # The shipped data is validated at bootstrap and passes the shapes.
    assert (data, DCTERMS.conformsTo, rdflib.URIRef(SHAPES_GRAPH)) in meta
    version = provenance.shapes_version(memory_settings.shapes_dir)
    assert (rdflib.URIRef(SHAPES_GRAPH), OWL.versionInfo, rdflib.Literal(version)) in meta
    used = set(meta.objects(rdflib.URIRef(f"{data}#validation"), PROV.used))
    assert rdflib.URIRef(provenance.shapes_version_iri(version)) in used
    # The ontology is not validated against the shapes: no conformance claim.
    assert meta.value(rdflib.URIRef(GRAPH["ontology"]), DCTERMS.conformsTo) is None


# -- ingest (write side; validation is in test_load.py) ------------------------------------
def ingest_plain(store: GraphStore, graph: rdflib.Graph, **kw) -> ingest.IngestResult:
    kw.setdefault("source", "urn:example:request-1")
    kw.setdefault("agent", provenance.partner_agent("example"))
    kw.setdefault("media_type", "text/turtle")
    return ingest.ingest(store, graph, validate=False, **kw)


def test_ingest_writes_graph_and_record_together(store: GraphStore) -> None:
    result = ingest_plain(store, small_graph(4))
    assert result.graph_iri.startswith(str(GRAPH["load/"]))
    assert result.triples == 8
    assert store.triple_count(result.graph_iri) == 8
    meta = store.graph(str(METADATA_GRAPH))
    g = rdflib.URIRef(result.graph_iri)
    assert int(meta.value(g, VOID.triples)) == 8
    assert meta.value(g, PROV.wasAttributedTo) == rdflib.URIRef(provenance.partner_agent("example"))
    assert meta.value(g, PROV.wasDerivedFrom) == rdflib.URIRef("urn:example:request-1")
    assert meta.value(g, DCTERMS.conformsTo) is None  # not validated


def test_ingest_refuses_an_existing_graph_unless_replace(store: GraphStore) -> None:
    iri = provenance.contribution_graph("example", "c1")
    ingest_plain(store, small_graph(2), graph_iri=iri)
    before = export_bytes(store)
    with pytest.raises(ingest.IngestError, match="already exists"):
        ingest_plain(store, small_graph(3), graph_iri=iri)
    assert export_bytes(store) == before
    result = ingest_plain(store, small_graph(3, "v2"), graph_iri=iri, replace=True)
    assert result.replaced
    assert store.triple_count(iri) == 6
    meta = store.graph(str(METADATA_GRAPH))
    g = rdflib.URIRef(iri)
    assert [int(t) for t in meta.objects(g, VOID.triples)] == [6]  # the old record is gone
    assert len(list(meta.objects(g, PROV.generatedAtTime))) == 1


def test_ingest_refuses_the_metadata_graph_and_empty_data(store: GraphStore) -> None:
    with pytest.raises(ingest.IngestError, match="metadata graph"):
        ingest_plain(store, small_graph(1), graph_iri=str(METADATA_GRAPH))
    with pytest.raises(ingest.IngestError, match="no triples"):
        ingest_plain(store, rdflib.Graph())
    assert store.is_empty()


def test_ingest_of_a_dataset_puts_all_its_graphs_in_one(store: GraphStore) -> None:
    ds = rdflib.Dataset()
    ds.graph(EX.a).add((EX.x, EX.p, EX.y))
    ds.graph(EX.b).add((EX.x, EX.p, EX.z))
    result = ingest_plain(store, ds)
    assert {g.iri for g in store.graphs()} == {result.graph_iri, str(METADATA_GRAPH)}
    assert store.triple_count(result.graph_iri) == 2


def test_remove_drops_graph_and_record(store: GraphStore) -> None:
    result = ingest_plain(store, small_graph(2))
    assert ingest.remove(store, result.graph_iri)
    assert not store.has_graph(result.graph_iri)
    assert not store.query(f"ASK {{ GRAPH <{METADATA_GRAPH}> {{ <{result.graph_iri}> ?p ?o }} }}")
    assert not ingest.remove(store, result.graph_iri)


def test_an_interrupted_bulk_load_is_dropped_on_the_next_start(store: GraphStore) -> None:
    """What a crash midway through a bulk load leaves: a pending record and part of the data."""
    iri = provenance.load_graph()
    pending = provenance.pending_record(
        iri, source="file:///big.nt", agent=provenance.user_agent("x"), started=provenance.now()
    )
    store.write(graph_quads(pending, str(METADATA_GRAPH)))
    store.write(graph_quads(small_graph(5), iri))
    done = ingest_plain(store, small_graph(1))  # a finished load stays
    assert ingest.recover_interrupted(store) == [iri]
    assert not store.has_graph(iri)
    assert store.has_graph(done.graph_iri)
    assert not store.query(f"ASK {{ GRAPH <{METADATA_GRAPH}> {{ <{iri}> ?p ?o }} }}")
    assert ingest.recover_interrupted(store) == []
