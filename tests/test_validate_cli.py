"""`sira-kg validate FILE...`: exit codes 0/1/2 and the three output formats, as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import rdflib
from rdflib.namespace import RDF, SH

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
SHAPES_FIXTURES = TESTS / "fixtures" / "shapes"
RDF_FIXTURES = TESTS / "fixtures" / "rdf"
SIRA_KG = Path(sys.executable).with_name("sira-kg")

VALID = """@prefix sira: <https://w3id.org/sira/ns#> .
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix schema: <http://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<http://example.org/cafe> a sira:Action ;
    rdfs:label "Language café"@en ;
    sira:implementer <https://w3id.org/sira/id/org/humanity> ;
    sira:region <https://w3id.org/sira/id/region/FRC13> ;
    adms:status <https://w3id.org/sira/id/action-status/ongoing> ;
    sira:theme <https://w3id.org/sira/id/theme/language-acquisition> .
"""
FUNDING = """@prefix sira: <https://w3id.org/sira/ns#> .
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix schema: <http://schema.org/> .
<http://example.org/cafe-funding> a sira:Funding ;
    sira:fundingStream <https://w3id.org/sira/id/funding-stream/amif> ;
    schema:fundedItem <http://example.org/cafe> .
"""


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [str(SIRA_KG), "validate", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
    )


def test_the_console_script_is_installed() -> None:
    assert SIRA_KG.is_file()


def test_valid_files_exit_0_and_warnings_are_printed(tmp_path: Path) -> None:
    action = tmp_path / "action.ttl"
    action.write_text(VALID, encoding="utf-8")
    # Alone: it points to Humanity and FRC13 (the shipped data) and has no funding: a warning.
    done = run(action, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "conforms — 1 warning" in done.stdout
    assert "^schema:fundedItem" in done.stdout
    # without --store, the only other line says that no store was consulted (issue 14)
    assert done.stderr.startswith("sira-kg: references were checked against the shipped data")
    assert done.stderr.count("\n") == 1


def test_several_files_are_validated_together(tmp_path: Path) -> None:
    action, funding = tmp_path / "action.ttl", tmp_path / "funding.ttl"
    action.write_text(VALID, encoding="utf-8")
    funding.write_text(FUNDING, encoding="utf-8")
    # Alone, the funding points to an action it cannot see: a violation.
    alone = run(funding, cwd=tmp_path)
    assert alone.returncode == 1
    assert "schema:fundedItem" in alone.stdout
    # Together they conform, and the action's funding warning is gone.
    both = run(action, funding, cwd=tmp_path)
    assert both.returncode == 0, both.stdout
    assert "conforms" in both.stdout and "warning" not in both.stdout
    assert "No problem found." in both.stdout


def test_shipped_data_conforms() -> None:
    done = run(REPO / "data" / "saone-et-loire.ttl")
    assert done.returncode == 0, done.stdout + done.stderr


def test_violations_exit_1_with_the_report_in_english() -> None:
    done = run(SHAPES_FIXTURES / "context.ttl", SHAPES_FIXTURES / "Region-nutsCode-pattern.ttl")
    assert done.returncode == 1
    out = done.stdout
    assert out.startswith("Validation report: does not conform — 1 violation (shapes ")
    assert "<http://example.org/x>" in out  # focus node
    assert "property sira:nutsCode" in out  # path
    assert '"zzc01"' in out  # offending value
    assert "[Violation]" in out
    assert "sira:nutsCode: a region needs exactly one NUTS code" in out


def test_lang_fr_prints_french() -> None:
    done = run(
        "--lang",
        "fr",
        SHAPES_FIXTURES / "context.ttl",
        SHAPES_FIXTURES / "Region-nutsCode-pattern.ttl",
    )
    assert done.returncode == 1
    assert done.stdout.startswith("Rapport de validation : non conforme — 1 violation (formes ")
    assert "propriété sira:nutsCode" in done.stdout
    assert "sira:nutsCode : une région demande exactement un code NUTS" in done.stdout
    assert "a region needs" not in done.stdout


def test_json_output_parses() -> None:
    done = run(
        "--format",
        "json",
        "--lang",
        "fr",
        SHAPES_FIXTURES / "context.ttl",
        SHAPES_FIXTURES / "Amount-value-minInclusive.ttl",
    )
    assert done.returncode == 1
    doc = json.loads(done.stdout)
    assert doc["conforms"] is False and doc["violations"] == 1
    (r,) = doc["results"]
    assert r["path"] == "schema:value"
    assert r["value"] == '"-5.00"^^<http://www.w3.org/2001/XMLSchema#decimal>'
    assert r["source_shape"] == "https://w3id.org/sira/shapes#Amount-value"
    assert r["constraint"] == str(SH.MinInclusiveConstraintComponent)
    assert r["message"].startswith("schema:value : un montant demande")


def test_turtle_output_parses() -> None:
    done = run(
        "--format",
        "turtle",
        SHAPES_FIXTURES / "context.ttl",
        SHAPES_FIXTURES / "Gap-region-minCount.ttl",
    )
    assert done.returncode == 1
    g = rdflib.Graph().parse(data=done.stdout, format="turtle")
    (report,) = g.subjects(RDF.type, SH.ValidationReport)
    assert g.value(report, SH.conforms) == rdflib.Literal(False)
    (result,) = g.objects(report, SH.result)
    assert g.value(result, SH.sourceConstraintComponent) == SH.MinCountConstraintComponent
    assert g.value(result, SH.resultSeverity) == SH.Violation


def test_turtle_output_of_a_conforming_file_parses() -> None:
    done = run("--format", "turtle", SHAPES_FIXTURES / "context.ttl")
    assert done.returncode == 0
    g = rdflib.Graph().parse(data=done.stdout, format="turtle")
    (report,) = g.subjects(RDF.type, SH.ValidationReport)
    assert g.value(report, SH.conforms) == rdflib.Literal(True)
    assert list(g.objects(report, SH.result)) == []


def test_broken_file_exits_2_with_file_line_and_column() -> None:
    path = RDF_FIXTURES / "broken.ttl"
    done = run(path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert (
        done.stderr.strip()
        == f"sira-kg: {path}:5:1: invalid Turtle: A dot is expected at the end of statements"
    )
    assert "Traceback" not in done.stderr


def test_one_broken_file_among_good_ones_exits_2(tmp_path: Path) -> None:
    good = tmp_path / "good.ttl"
    good.write_text(VALID, encoding="utf-8")
    done = run(good, RDF_FIXTURES / "broken.jsonld")
    assert done.returncode == 2
    assert "broken.jsonld:4:1: invalid JSON-LD" in done.stderr


def test_missing_file_and_unknown_extension_exit_2(tmp_path: Path) -> None:
    done = run(tmp_path / "nope.ttl")
    assert done.returncode == 2 and "nope.ttl: no such file" in done.stderr
    odd = tmp_path / "data.txt"
    odd.write_text(VALID, encoding="utf-8")
    done = run(odd)
    assert done.returncode == 2 and "cannot tell the RDF syntax" in done.stderr
    done = run("--input-format", "turtle", odd)
    assert done.returncode == 0, done.stderr


def test_refused_inputs_exit_2_without_traceback() -> None:
    for name, words in [
        ("remote-context.jsonld", "remote JSON-LD context 'https://schema.org/' refused"),
        ("xxe-remote.rdf", "<!DOCTYPE> or <!ENTITY> declaration is refused"),
    ]:
        done = run(RDF_FIXTURES / name)
        assert done.returncode == 2, name
        assert words in done.stderr and "Traceback" not in done.stderr


def test_other_syntaxes_validate() -> None:
    for name in ("sample.nt", "sample.trig", "sample.jsonld", "sample.rdf"):
        done = run(RDF_FIXTURES / name)
        assert done.returncode == 0, (name, done.stdout, done.stderr)


def test_json_ld_relative_ids_are_refused_by_name_or_resolved_with_base(tmp_path) -> None:
    """Issue 14: no triple vanishes; a relative IRI or an undefined key is named, exit 2."""
    doc = {
        "@context": "https://w3id.org/sira/context.jsonld",
        "@id": "source",
        "@type": "Source",
        "title": {"en": "Synthetic test data"},
        "flavour": "mint",
    }
    path = tmp_path / "relative.jsonld"
    path.write_text(json.dumps(doc), encoding="utf-8")
    done = run(path)
    assert done.returncode == 2
    assert "source" in done.stderr and "flavour" in done.stderr and "--base" in done.stderr
    del doc["flavour"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    done = run("--base", "https://example.org/p/", path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_with_store_the_cli_gives_the_servers_verdict(tmp_path, live_server_factory) -> None:
    """Issue 14: the CLI reported false violations for references to data already in the
    store; with --store it judges as the server does, without it it says it did not look."""
    import requests

    from sira_kg.core.settings import Settings
    from sira_kg.core.store import open_store

    store_dir = tmp_path / "store"
    org = tmp_path / "org.ttl"
    org.write_text(
        """@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/p/org/1> a org:Organization ; rdfs:label "Synthetic organisation"@en ;
    org:classification <https://w3id.org/sira/id/stakeholder-category/cooperative> .
""",
        encoding="utf-8",
    )
    action = tmp_path / "action.ttl"
    action.write_text(
        """@prefix sira: <https://w3id.org/sira/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/p/action/1> a sira:Action ; rdfs:label "Synthetic action"@en ;
    sira:implementer <https://example.org/p/org/1> ;
    sira:region <https://w3id.org/sira/id/region/FRC13> ;
    sira:theme <https://w3id.org/sira/id/theme/housing> .
""",
        encoding="utf-8",
    )
    loaded = subprocess.run(
        [str(SIRA_KG), "load", str(org), "--store", str(store_dir)], capture_output=True, text=True
    )
    assert loaded.returncode == 0, loaded.stderr
    alone = run("--format", "json", action)
    assert alone.returncode == 1  # the organisation is unknown without the store
    assert "not checked" in alone.stderr or "shipped data only" in alone.stderr
    with_store = run("--format", "json", "--store", store_dir, action)
    assert with_store.returncode == 0, with_store.stdout + with_store.stderr
    cli = json.loads(with_store.stdout)
    settings = Settings(store_path=store_dir)
    server = live_server_factory(settings=settings, store=open_store(settings))
    answer = requests.post(
        server.url + "/api/validate",
        data=action.read_bytes(),
        headers={"Content-Type": "text/turtle"},
        timeout=30,
    ).json()
    assert (cli["conforms"], cli["violations"], cli["warnings"]) == (
        answer["conforms"],
        answer["violations"],
        answer["warnings"],
    )
