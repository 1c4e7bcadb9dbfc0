"""`sira-kg load`: every RDF syntax and CSV, the validation gate with the store's context,
exit codes, nothing written on refusal, provenance of each load, bulk loads.

Test data is made up, under http://example.org/ (tiny fixtures); it points at
the real Saône-et-Loire region and concepts that the bootstrap puts in the store.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV

from sira_kg.cli import main
from sira_kg.core import provenance
from sira_kg.core.namespaces import GRAPH, METADATA_GRAPH, SHAPES_GRAPH
from sira_kg.core.rdfio import as_graph, parse_file
from sira_kg.core.settings import Settings, resource_dir
from sira_kg.core.store import GraphStore, open_store

PREFIXES = """\
@prefix ex: <http://example.org/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sira: <https://w3id.org/sira/ns#> .
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix id: <https://w3id.org/sira/id/> .
"""

ORGANISATION = (
    PREFIXES
    + """
ex:org1 a org:Organization ;
    rdfs:label "Example association"@en , "Association exemple"@fr ;
    org:classification <https://w3id.org/sira/id/stakeholder-category/civil-society-organisation> ;
    sira:region <https://w3id.org/sira/id/region/FRC13> .
"""
)

# Points to ex:org1, which is not in this file: valid only if the store knows ex:org1.
ACTION = (
    PREFIXES
    + """
ex:action1 a sira:Action ;
    rdfs:label "Example language café"@en ;
    sira:implementer ex:org1 ;
    sira:region <https://w3id.org/sira/id/region/FRC13> ;
    adms:status <https://w3id.org/sira/id/action-status/ongoing> ;
    sira:theme <https://w3id.org/sira/id/theme/language-acquisition> .
"""
)

# No implementer, a region that is not a region: violations.
BAD_ACTION = (
    PREFIXES
    + """
ex:action2 a sira:Action ;
    rdfs:label "Broken example"@en ;
    sira:region ex:nowhere .
"""
)

SYNTAXES = {
    "ttl": "turtle",
    "trig": "trig",
    "nt": "nt",
    "nq": "nquads",
    "jsonld": "json-ld",
    "rdf": "xml",
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


def opened(store_dir: Path) -> GraphStore:
    return open_store(Settings(store_path=store_dir))


def export(capsys, store_dir: Path) -> bytes:
    code, out, err = run(capsys, "export", "--store", str(store_dir))
    assert code == 0, err
    return out.encode()


def load_graphs(store: GraphStore) -> dict[str, int]:
    return {g.iri: g.triples for g in store.graphs() if g.iri.startswith(str(GRAPH["load/"]))}


@pytest.mark.parametrize("ext", sorted(SYNTAXES))
def test_each_rdf_syntax_loads(ext: str, tmp_path: Path, store_dir: Path, capsys) -> None:
    source = rdflib.Graph().parse(data=ORGANISATION, format="turtle")
    path = tmp_path / f"org.{ext}"
    if ext in ("trig", "nq"):  # quad syntaxes: put the triples in a named graph of the file
        ds = rdflib.Dataset()
        named = ds.graph(rdflib.URIRef("http://example.org/file-graph"))
        for t in source:
            named.add(t)
        ds.serialize(path, format=SYNTAXES[ext])
    else:
        source.serialize(path, format=SYNTAXES[ext], encoding="utf-8")
    expected = as_graph(parse_file(path))
    assert len(expected) == len(source)

    code, out, err = run(capsys, "load", str(path), "--store", str(store_dir))
    assert code == 0, err
    assert f"loaded {len(source)} triples" in out
    store = opened(store_dir)
    [(iri, count)] = load_graphs(store).items()
    assert count == len(source)
    assert isomorphic(store.graph(iri), expected)
    assert not store.has_graph("http://example.org/file-graph")  # one load, one graph


def test_a_load_may_point_to_what_the_store_already_holds(tmp_path, store_dir, capsys) -> None:
    org, action = write(tmp_path / "org.ttl", ORGANISATION), write(tmp_path / "act.ttl", ACTION)
    # Alone, the action's implementer is unknown: a violation.
    alone = tmp_path / "alone"
    code, out, _ = run(capsys, "load", str(action), "--store", str(alone))
    assert code == 1
    assert "org1" in out
    # With the organisation already loaded, the same file conforms.
    assert run(capsys, "load", str(org), "--store", str(store_dir))[0] == 0
    code, out, err = run(capsys, "load", str(action), "--store", str(store_dir))
    assert code == 0, out + err
    assert len(load_graphs(opened(store_dir))) == 2


def test_files_of_one_load_are_validated_together(tmp_path, store_dir, capsys) -> None:
    org, action = write(tmp_path / "org.ttl", ORGANISATION), write(tmp_path / "act.ttl", ACTION)
    code, out, err = run(capsys, "load", str(action), str(org), "--store", str(store_dir))
    assert code == 0, out + err
    [(iri, count)] = load_graphs(opened(store_dir)).items()
    assert count == len(rdflib.Graph().parse(org)) + len(rdflib.Graph().parse(action))


def test_a_violating_load_writes_nothing(tmp_path, store_dir, capsys) -> None:
    org = write(tmp_path / "org.ttl", ORGANISATION)
    assert run(capsys, "load", str(org), "--store", str(store_dir))[0] == 0
    before = export(capsys, store_dir)
    bad = write(tmp_path / "bad.ttl", BAD_ACTION)
    code, out, err = run(capsys, "load", str(org), str(bad), "--store", str(store_dir))
    assert code == 1
    assert "violation" in out.lower() and "action2" in out  # the report, on stdout
    assert "nothing was loaded" in err
    assert export(capsys, store_dir) == before


def test_unreadable_input_exits_2_with_file_line_column(tmp_path, store_dir, capsys) -> None:
    org = write(tmp_path / "org.ttl", ORGANISATION)
    assert run(capsys, "load", str(org), "--store", str(store_dir))[0] == 0
    before = export(capsys, store_dir)
    broken = write(tmp_path / "broken.ttl", PREFIXES + "ex:a ex:b ex:c ;\n  ex:d .\n")
    code, _, err = run(capsys, "load", str(org), str(broken), "--store", str(store_dir))
    assert code == 2
    assert f"{broken}:8:8:" in err  # PREFIXES is 6 lines; the bad object is on line 8
    assert "Traceback" not in err
    code, _, err = run(capsys, "load", str(tmp_path / "missing.ttl"), "--store", str(store_dir))
    assert code == 2 and "no such file" in err
    assert export(capsys, store_dir) == before


def test_warnings_are_printed_and_the_load_goes_in(tmp_path, store_dir, capsys) -> None:
    org = write(tmp_path / "org.ttl", ORGANISATION)
    no_status = ACTION.replace(
        "adms:status <https://w3id.org/sira/id/action-status/ongoing> ;\n", ""
    )
    action = write(tmp_path / "act.ttl", no_status)
    code, out, err = run(capsys, "load", str(org), str(action), "--store", str(store_dir))
    assert code == 0, out + err
    assert "warning" in out
    assert "adms:status" in err or "status" in err  # the report's warnings, on stderr
    [(iri, _)] = load_graphs(opened(store_dir)).items()


def test_csv_templates_load(tmp_path, store_dir, capsys) -> None:
    templates = resource_dir("templates")
    regions, orgs = templates / "regions.csv", templates / "organisations.csv"
    code, out, err = run(capsys, "load", str(regions), str(orgs), "--store", str(store_dir))
    assert code == 0, out + err
    store = opened(store_dir)
    [(iri, count)] = load_graphs(store).items()
    assert count > 10
    assert store.query(
        "ASK { GRAPH ?g { <http://example.org/sira-example/org/region-council> a "
        "<http://www.w3.org/ns/org#Organization> } }"
    )
    meta = store.graph(str(METADATA_GRAPH))
    formats = {
        meta.value(s, DCTERMS.format) for s in meta.objects(rdflib.URIRef(iri), PROV.wasDerivedFrom)
    }
    assert formats == {rdflib.URIRef(provenance.IANA + "text/csv")}


def test_a_load_records_its_provenance(tmp_path, store_dir, capsys) -> None:
    org = write(tmp_path / "org.ttl", ORGANISATION)
    assert run(capsys, "load", str(org), "--store", str(store_dir))[0] == 0
    store = opened(store_dir)
    [(iri, count)] = load_graphs(store).items()
    meta = store.graph(str(METADATA_GRAPH))
    g = rdflib.URIRef(iri)
    assert meta.value(g, PROV.wasDerivedFrom) == rdflib.URIRef(org.resolve().as_uri())
    assert meta.value(g, PROV.wasAttributedTo) == rdflib.URIRef(provenance.user_agent())
    assert int(meta.value(g, provenance.VOID.triples)) == count
    assert meta.value(g, DCTERMS.conformsTo) == rdflib.URIRef(SHAPES_GRAPH)
    report = meta.value(rdflib.URIRef(f"{iri}#validation"), PROV.generated)
    assert meta.value(report, rdflib.SH.conforms) == rdflib.Literal(True)


def test_graph_option_and_replace(tmp_path, store_dir, capsys) -> None:
    org = write(tmp_path / "org.ttl", ORGANISATION)
    target = "http://example.org/graphs/mine"
    assert run(capsys, "load", str(org), "--graph", target, "--store", str(store_dir))[0] == 0
    code, _, err = run(capsys, "load", str(org), "--graph", target, "--store", str(store_dir))
    assert code == 2 and "already exists" in err
    more = write(tmp_path / "more.ttl", ORGANISATION.replace("ex:org1", "ex:org9"))
    code, out, err = run(
        capsys, "load", str(more), "--graph", target, "--replace", "--store", str(store_dir)
    )
    assert code == 0 and out.startswith("replaced"), err
    store = opened(store_dir)
    subjects = set(store.graph(target).subjects())
    assert subjects == {rdflib.URIRef("http://example.org/org9")}
    times = list(
        store.graph(str(METADATA_GRAPH)).objects(rdflib.URIRef(target), PROV.generatedAtTime)
    )
    assert len(times) == 1


def test_no_validate_bulk_load_of_n_triples_and_n_quads(tmp_path, store_dir, capsys) -> None:
    nt = tmp_path / "bulk.nt"
    nt.write_text(
        "".join(
            f'<http://example.org/s{i}> <http://example.org/p> "synthetic {i}" .\n'
            for i in range(100)
        ),
        encoding="utf-8",
    )
    nq = tmp_path / "bulk.nq"
    nq.write_text(
        '<http://example.org/a> <http://example.org/p> "x" <http://example.org/g1> .\n'
        '<http://example.org/b> <http://example.org/p> "y" <http://example.org/g2> .\n',
        encoding="utf-8",
    )
    code, out, err = run(
        capsys, "load", str(nt), str(nq), "--no-validate", "--store", str(store_dir)
    )
    assert code == 0, err
    assert "NOT validated" in out
    store = opened(store_dir)
    [(iri, count)] = load_graphs(store).items()
    assert count == 102  # the file's graph names are not kept: one load, one graph
    meta = store.graph(str(METADATA_GRAPH))
    g = rdflib.URIRef(iri)
    assert meta.value(g, DCTERMS.conformsTo) is None
    assert {meta.value(s, DCTERMS.format) for s in meta.objects(g, PROV.wasDerivedFrom)} == {
        rdflib.URIRef(provenance.IANA + "application/n-triples"),
        rdflib.URIRef(provenance.IANA + "application/n-quads"),
    }


def test_a_broken_bulk_file_writes_nothing(tmp_path, store_dir, capsys) -> None:
    assert run(capsys, "stats", "--store", str(store_dir))[0] == 0  # bootstrap first
    before = export(capsys, store_dir)
    nt = tmp_path / "broken.nt"
    nt.write_text(
        '<http://example.org/a> <http://example.org/p> "x" .\n<http://example.org/a> <oops\n',
        encoding="utf-8",
    )
    code, _, err = run(capsys, "load", str(nt), "--no-validate", "--store", str(store_dir))
    assert code == 2
    assert f"{nt}:2:" in err
    assert export(capsys, store_dir) == before


def test_stats_lists_graphs_and_classes(tmp_path, store_dir, capsys) -> None:
    org = write(tmp_path / "org.ttl", ORGANISATION)
    assert run(capsys, "load", str(org), "--store", str(store_dir))[0] == 0
    code, out, _ = run(capsys, "stats", "--store", str(store_dir), "--format", "json")
    assert code == 0
    stats = json.loads(out)
    graphs = {g["graph"]: g for g in stats["graphs"]}
    assert graphs[str(GRAPH["ontology"])]["triples"] > 0
    [load] = [g for iri, g in graphs.items() if iri.startswith(str(GRAPH["load/"]))]
    assert load["conforms_to_shapes"] is True
    assert load["triples"] == len(rdflib.Graph().parse(org))
    classes = {c["class"]: c["instances"] for c in stats["classes"]}
    assert classes["http://www.w3.org/ns/org#Organization"] >= 2  # ours and the region's
    code, out, _ = run(capsys, "stats", "--store", str(store_dir))
    assert code == 0
    assert "http://www.w3.org/ns/org#Organization" in out and "triples in" in out


def test_report_says_what_each_region_holds_and_leaves_open(store_dir, capsys) -> None:
    code, out, _ = run(capsys, "report", "--store", str(store_dir), "--format", "json")
    assert code == 0
    report = json.loads(out)
    regions = {r["nuts_code"]: r for r in report["regions"]}
    assert len(regions) == 10
    assert regions["ES417"]["holds"]["pilots"] == 0
    assert "no pilot action found" in regions["ES417"]["open"]
    assert regions["FRC13"]["holds"]["members"] == 8
    assert "project budget and AMIF grant amount not found" in report["project"]["open"]
    code, out, _ = run(capsys, "report", "--store", str(store_dir))
    assert code == 0 and "Saône-et-Loire (FRC13): 8 members" in out
