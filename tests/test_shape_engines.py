"""The shapes give the same verdicts in two independent SHACL engines.

* standard pySHACL: ``pyshacl.validate(data, shacl_graph=shapes, ont_graph=ontology)``
  with its default options (no inference, no SHACL-AF, none of sira-kg's
  preprocessing), all of shapes/ (Core + sparql.ttl);
* pyrudof (``Rudof(RudofConfig())``): the SHACL Core files only (every file but
  shapes/sparql.ttl), data + ontology + schemes read into its data graph.

The SKOS schemes are part of the data graph in both (see tests/shacl_engines.py for
why pySHACL's ont_graph does not bring skos:inScheme). Checked on the curated
data (every data/*.ttl, validated together) and on every fixture of
tests/fixtures/shapes (with context.ttl): same conformance, same violations and
warnings (focus node, shape, constraint component; blank nodes compared as
blank), and each invalid fixture caught by both engines. The constraints of
shapes/sparql.ttl are caught by pySHACL alone (pyrudof is not asked): with
advanced=True for the three whose target is a SPARQL target, which pySHACL's
default options ignore.

Engine differences found (worked around in the shapes, see common.ttl):
* pyrudof 0.3.35 lets a literal pass ``sh:node`` of a shape whose only
  constraint is a property shape on the value (``skos:inScheme``); pySHACL
  rejects it. The concept shapes therefore start with ``sh:nodeKind sh:IRI``.
* pyrudof 0.3.35 does not check the lexical form under ``sh:datatype``
  ("2021-13-01"^^xsd:date, "20x1"^^xsd:gYear pass); pySHACL does. The date
  shapes add an ``sh:pattern`` of the lexical form. An impossible day that the
  pattern lets through ("2021-02-30"^^xsd:date) is still caught by pySHACL only.
* pyrudof names blank nodes by its own ids, pySHACL by rdflib's: blank focus
  nodes are compared as "_:".
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import rdflib
from shacl_engines import (  # tests/shacl_engines.py
    REPO,
    SPARQL_SHAPES,
    Result,
    core_shape_files,
    ontology_files,
    pyrudof_results,
    pyshacl_results,
    read_turtle,
    scheme_files,
    with_schemes,
)
from test_shapes import CONSTRAINTS, SHAPES_FIXTURES  # the constraints and their fixtures

pytest.importorskip("pyrudof")

SIRASH = "https://w3id.org/sira/shapes#"
SPARQL_SHAPE_IRIS = {
    str(s)
    for s in read_turtle([SPARQL_SHAPES]).subjects(rdflib.RDF.type, rdflib.SH.NodeShape)
    if isinstance(s, rdflib.URIRef)
}


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return read_turtle(ontology_files())


@pytest.fixture(scope="module")
def all_shapes() -> rdflib.Graph:
    return read_turtle(sorted((REPO / "shapes").glob("*.ttl")))


@pytest.fixture(scope="module")
def core_shapes_text() -> list[str]:
    return [p.read_text("utf-8") for p in core_shape_files()]


@pytest.fixture(scope="module")
def background_text() -> list[str]:
    return [p.read_text("utf-8") for p in ontology_files() + scheme_files()]


def _keys(results: list[Result], severity: str | None = None) -> Counter:
    return Counter(r.key for r in results if severity is None or r.severity == severity)


def _both(
    files: list[Path],
    ontology: rdflib.Graph,
    all_shapes: rdflib.Graph,
    core_shapes_text: list[str],
    background_text: list[str],
) -> tuple[tuple[bool, list[Result]], tuple[bool, list[Result]]]:
    data = with_schemes(files)
    standard = pyshacl_results(data, all_shapes, ontology)
    rudof = pyrudof_results(
        [f.read_text("utf-8") for f in files] + background_text, core_shapes_text
    )
    return standard, rudof


# -- the curated data ----------------------------------------------------------------------------
DATA_FILES = sorted((REPO / "data").glob("*.ttl"))


@pytest.fixture(scope="module")
def on_data(ontology, all_shapes, core_shapes_text, background_text):
    return _both(DATA_FILES, ontology, all_shapes, core_shapes_text, background_text)


def test_there_is_curated_data() -> None:
    assert any(p.name == "saone-et-loire.ttl" for p in DATA_FILES)


def test_both_engines_agree_on_the_curated_data(on_data) -> None:
    (c1, standard), (c2, rudof) = on_data
    assert c1 == c2
    assert _keys(standard, "Violation") == _keys(rudof, "Violation")
    assert _keys(standard, "Warning") == _keys(rudof, "Warning")


def test_the_curated_data_has_no_violation_in_either_engine(on_data) -> None:
    (c1, standard), (c2, rudof) = on_data
    violations = sorted({r.key for r in standard + rudof if r.severity == "Violation"})
    assert violations == [], "\n".join(" ".join(v) for v in violations)
    # (both engines count warnings against sh:conforms: the data has recommendations left)
    assert c1 == c2


def test_the_curated_data_passes_the_sparql_shapes_too(ontology, all_shapes) -> None:
    """sparql.ttl with its SPARQL targets run (advanced=True): no violation either."""
    _conforms, results = pyshacl_results(
        with_schemes(DATA_FILES), all_shapes, ontology, advanced=True
    )
    sparql = [r.key for r in results if r.shape in SPARQL_SHAPE_IRIS]
    assert sparql == []


# -- the fixtures --------------------------------------------------------------------------------
CORE = [c for c in CONSTRAINTS if str(c[2]) not in SPARQL_SHAPE_IRIS]
SPARQL = [c for c in CONSTRAINTS if str(c[2]) in SPARQL_SHAPE_IRIS]


def test_the_constraints_split_into_core_and_sparql() -> None:
    assert len(CORE) > 150
    assert sorted(c[0] for c in SPARQL) == [
        "EventOrder-sparql",
        "KnownTerms-sparql",
        "PeriodOrder-sparql",
        "RegionNutsMatch-sparql",
    ]


def test_valid_fixture_conforms_in_both_engines(
    ontology, all_shapes, core_shapes_text, background_text
) -> None:
    files = [SHAPES_FIXTURES / "valid.ttl", SHAPES_FIXTURES / "context.ttl"]
    (c1, standard), (c2, rudof) = _both(
        files, ontology, all_shapes, core_shapes_text, background_text
    )
    assert standard == [] and rudof == []
    assert c1 and c2


@pytest.mark.parametrize(("name", "local", "shape", "component"), CORE, ids=[c[0] for c in CORE])
def test_each_core_fixture_is_caught_by_both_engines(
    name, local, shape, component, ontology, all_shapes, core_shapes_text, background_text
) -> None:
    files = [SHAPES_FIXTURES / f"{name}.ttl", SHAPES_FIXTURES / "context.ttl"]
    (c1, standard), (c2, rudof) = _both(
        files, ontology, all_shapes, core_shapes_text, background_text
    )
    wanted = (str(shape), str(component).rsplit("#", 1)[-1])
    for engine, results in (("pySHACL", standard), ("pyrudof", rudof)):
        found = [(r.shape, r.component) for r in results]
        assert wanted in found, f"{engine} misses {name}: {found}"
    assert c1 == c2
    # Same results (focus node, shape, component, severity) in both engines.
    assert _keys(standard, "Violation") == _keys(rudof, "Violation")
    assert _keys(standard, "Warning") == _keys(rudof, "Warning")


@pytest.mark.parametrize(
    ("name", "local", "shape", "component"), SPARQL, ids=[c[0] for c in SPARQL]
)
def test_each_sparql_fixture_is_caught_by_pyshacl(
    name, local, shape, component, ontology, all_shapes
) -> None:
    """Not asked of pyrudof (no SHACL-SPARQL); pySHACL needs advanced=True for SPARQL targets."""
    data = with_schemes([SHAPES_FIXTURES / f"{name}.ttl", SHAPES_FIXTURES / "context.ttl"])
    conforms, results = pyshacl_results(data, all_shapes, ontology, advanced=True)
    assert not conforms
    assert [(r.shape, r.component) for r in results] == [(str(shape), "SPARQLConstraintComponent")]
    # With pySHACL's default options only the shape with a Core target runs.
    data = with_schemes([SHAPES_FIXTURES / f"{name}.ttl", SHAPES_FIXTURES / "context.ttl"])
    conforms, results = pyshacl_results(data, all_shapes, ontology)
    assert conforms is (local != "RegionNutsMatch")
