"""`sira-kg export` / `sira-kg import`: sorted N-Quads, byte-stable, lossless round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

from sira_kg.cli import main

TURTLE_WITH_BLANK_NODES = """\
@prefix ex: <http://example.org/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:thing ex:label "thing"@en , "chose"@fr ;
    ex:note "line one\\nline \\"two\\""  ;
    dct:temporal [ dcat:startDate "2024-01"^^xsd:gYearMonth ; dcat:endDate "2025"^^xsd:gYear ] ;
    ex:list ( 1 2.5 true ) .
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def filled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """An on-disk store: the bootstrap plus a load with blank nodes, literals of all kinds."""
    store = tmp_path / "store"
    data = tmp_path / "thing.ttl"
    data.write_text(TURTLE_WITH_BLANK_NODES, encoding="utf-8")
    code, out, err = run(capsys, "load", str(data), "--store", str(store), "--no-validate")
    assert code == 0, err
    return store


def dataset(path: Path) -> rdflib.Dataset:
    ds = rdflib.Dataset()
    ds.parse(path, format="nquads")
    return ds


def test_export_is_sorted_and_byte_stable(filled: Path, tmp_path: Path, capsys) -> None:
    first, second = tmp_path / "a.nq", tmp_path / "b.nq"
    assert run(capsys, "export", "--store", str(filled), "-o", str(first))[0] == 0
    assert run(capsys, "export", "--store", str(filled), "-o", str(second))[0] == 0
    data = first.read_bytes()
    assert data == second.read_bytes()
    lines = data.splitlines()
    assert lines == sorted(lines)
    assert len(lines) > 1000  # ontology, schemes, shapes, data, metadata and the load
    # Graphs are included: every line is a quad in a named graph.
    assert all(line.rstrip().endswith(b"> .") for line in lines)
    code, out, _ = run(capsys, "export", "--store", str(filled))
    assert code == 0 and out.encode() == data


def test_import_then_export_gives_the_same_dataset(filled: Path, tmp_path: Path, capsys) -> None:
    exported, again = tmp_path / "export.nq", tmp_path / "again.nq"
    assert run(capsys, "export", "--store", str(filled), "-o", str(exported))[0] == 0
    restored = tmp_path / "restored"
    code, _, err = run(capsys, "import", str(exported), "--store", str(restored))
    assert code == 0, err
    assert run(capsys, "export", "--store", str(restored), "-o", str(again))[0] == 0
    assert again.read_bytes() == exported.read_bytes()  # identical, blank node ids included
    a, b = dataset(exported), dataset(again)
    names = {g.identifier for g in a.graphs()}
    assert names == {g.identifier for g in b.graphs()}
    for name in names:
        assert isomorphic(a.graph(name), b.graph(name)), name
    # The restored store is ready to use: blank nodes are still joined up.
    code, out, _ = run(capsys, "stats", "--store", str(restored), "--format", "json")
    assert code == 0 and '"triples"' in out


def test_import_refuses_a_non_empty_store(filled: Path, tmp_path: Path, capsys) -> None:
    exported, after = tmp_path / "export.nq", tmp_path / "after.nq"
    run(capsys, "export", "--store", str(filled), "-o", str(exported))
    code, _, err = run(capsys, "import", str(exported), "--store", str(filled))
    assert code == 2
    assert "not empty" in err and "Traceback" not in err
    run(capsys, "export", "--store", str(filled), "-o", str(after))
    assert after.read_bytes() == exported.read_bytes()


def test_import_of_a_broken_file_writes_nothing(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "broken.nq"
    broken.write_text(
        '<http://example.org/a> <http://example.org/p> "ok" <http://example.org/g> .\n'
        '<http://example.org/a> <http://example.org/p> "never closed <http://example.org/g> .\n',
        encoding="utf-8",
    )
    store = tmp_path / "store"
    code, _, err = run(capsys, "import", str(broken), "--store", str(store))
    assert code == 2
    assert f"{broken}:2:" in err
    code, out, _ = run(capsys, "import", str(tmp_path / "missing.nq"), "--store", str(store))
    assert code == 2
    from sira_kg.core.settings import Settings
    from sira_kg.core.store import open_store

    assert open_store(Settings(store_path=store)).is_empty()


def test_export_to_an_unwritable_place_is_a_clear_error(filled: Path, tmp_path: Path, capsys):
    code, _, err = run(
        capsys, "export", "--store", str(filled), "-o", str(tmp_path / "no" / "such" / "x.nq")
    )
    assert code == 2
    assert "cannot write" in err
