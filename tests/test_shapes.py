"""shapes/: every constraint has an invalid fixture that triggers exactly it, in EN and FR.

A constraint is (shape, constraint parameter), e.g. (sirash:Action-label, sh:minCount).
Its fixture is tests/fixtures/shapes/<shape local name>-<parameter>.ttl: one
otherwise valid resource with one defect, validated with context.ttl (the
resources it points to, as the store would hold them). Adding a constraint
without a fixture fails test_every_constraint_has_a_fixture; see
tests/fixtures/shapes/make_fixtures.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL, RDF, SH

from sira_kg.core.rdfio import as_graph, parse_bytes, parse_file
from sira_kg.core.settings import Settings
from sira_kg.core.store import open_store
from sira_kg.core.validation import (
    SHAPES_IRI,
    load_shapes,
    shapes_version,
    store_context,
    validate,
)

REPO = Path(__file__).resolve().parent.parent
SHAPES_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
SIRASH = "https://w3id.org/sira/shapes#"
SIRA = rdflib.Namespace("https://w3id.org/sira/ns#")

# Constraint parameter -> its constraint component (SHACL Core, plus sh:sparql).
PARAMETERS = {
    "class": "ClassConstraintComponent",
    "datatype": "DatatypeConstraintComponent",
    "nodeKind": "NodeKindConstraintComponent",
    "minCount": "MinCountConstraintComponent",
    "maxCount": "MaxCountConstraintComponent",
    "minExclusive": "MinExclusiveConstraintComponent",
    "minInclusive": "MinInclusiveConstraintComponent",
    "maxExclusive": "MaxExclusiveConstraintComponent",
    "maxInclusive": "MaxInclusiveConstraintComponent",
    "minLength": "MinLengthConstraintComponent",
    "maxLength": "MaxLengthConstraintComponent",
    "pattern": "PatternConstraintComponent",
    "languageIn": "LanguageInConstraintComponent",
    "uniqueLang": "UniqueLangConstraintComponent",
    "equals": "EqualsConstraintComponent",
    "disjoint": "DisjointConstraintComponent",
    "lessThan": "LessThanConstraintComponent",
    "lessThanOrEquals": "LessThanOrEqualsConstraintComponent",
    "not": "NotConstraintComponent",
    "and": "AndConstraintComponent",
    "or": "OrConstraintComponent",
    "xone": "XoneConstraintComponent",
    "node": "NodeConstraintComponent",
    "property": "PropertyConstraintComponent",
    "qualifiedValueShape": "QualifiedMinCountConstraintComponent",
    "closed": "ClosedConstraintComponent",
    "hasValue": "HasValueConstraintComponent",
    "in": "InConstraintComponent",
    "sparql": "SPARQLConstraintComponent",
}
SHACL_TERMS_THAT_ARE_NOT_CONSTRAINTS = {
    "path", "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "target",
    "severity", "message", "deactivated", "name", "description", "order", "group",
    "prefixes", "declare", "select", "ignoredProperties", "qualifiedMinCount",
    "qualifiedMaxCount", "qualifiedValueShapesDisjoint", "flags", "defaultValue",
}  # fmt: skip


def _shapes() -> rdflib.Graph:
    return load_shapes(Settings())


def _local(iri: rdflib.term.Node) -> str:
    return str(iri).removeprefix(SIRASH)


def _helper_shapes(g: rdflib.Graph) -> set[rdflib.term.Node]:
    """Shapes used only through sh:node (sirash:Concept-theme, sirash:Date, …): no target,
    no message; a report names the shape that uses them."""
    return set(g.objects(None, SH.node))


def _reportable_shapes(g: rdflib.Graph) -> list[URIRef]:
    """Shapes a report can name: the IRIs typed sh:NodeShape or sh:PropertyShape, helpers aside."""
    found = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    return sorted(s for s in found - _helper_shapes(g) if isinstance(s, URIRef))


def constraints() -> list[tuple[str, str, URIRef, URIRef]]:
    """(fixture name, shape local name, shape, constraint component) for every constraint."""
    g = _shapes()
    out = []
    for shape in _reportable_shapes(g):
        for pred in set(g.predicates(shape)):
            if not str(pred).startswith(str(SH)):
                continue
            param = str(pred).removeprefix(str(SH))
            if param in SHACL_TERMS_THAT_ARE_NOT_CONSTRAINTS:
                continue
            assert param in PARAMETERS, f"{shape}: sh:{param} is not known to this test"
            component = SH[PARAMETERS[param]]
            out.append((f"{_local(shape)}-{param}", _local(shape), shape, component))
    return sorted(out)


CONSTRAINTS = constraints()


@pytest.fixture(scope="module")
def context() -> rdflib.Graph:
    return as_graph(parse_file(SHAPES_FIXTURES / "context.ttl"))


# -- the list of constraints and the fixtures --------------------------------------------------
def test_there_are_many_constraints() -> None:
    # Guards the enumeration itself: if it found nothing, every other test would pass.
    assert len(CONSTRAINTS) > 150
    names = {c[0] for c in CONSTRAINTS}
    assert {"Action-label-minCount", "KnownTerms-sparql", "Amount-value-minInclusive"} <= names


def test_every_constraint_has_a_fixture() -> None:
    missing = [name for name, *_ in CONSTRAINTS if not (SHAPES_FIXTURES / f"{name}.ttl").is_file()]
    assert missing == [], "constraints without an invalid fixture: " + ", ".join(missing)


def test_every_fixture_names_a_constraint() -> None:
    names = {name for name, *_ in CONSTRAINTS}
    extra = sorted(
        p.stem
        for p in SHAPES_FIXTURES.glob("*.ttl")
        if p.stem not in names and p.stem not in {"context", "valid"}
    )
    assert extra == [], "fixtures for constraints that no longer exist: " + ", ".join(extra)


@pytest.mark.parametrize(
    ("name", "local", "shape", "component"), CONSTRAINTS, ids=[c[0] for c in CONSTRAINTS]
)
def test_fixture_triggers_exactly_its_constraint(
    name: str, local: str, shape: URIRef, component: URIRef, context: rdflib.Graph
) -> None:
    shapes = _shapes()
    data = parse_file(SHAPES_FIXTURES / f"{name}.ttl")
    report = validate(data, context=context)
    described = [(_local(r.source_shape), r.constraint_name, r.severity) for r in report.results]
    matching = [r for r in report.results if r.source_shape == shape and r.constraint == component]
    assert len(matching) == 1, f"{name}: got {described}"
    assert len(report.results) == 1, (
        f"{name}: the fixture triggers more than its constraint: {described}"
    )
    result = matching[0]
    # Severity as declared, and conformance follows it.
    declared = shapes.value(shape, SH.severity)
    assert result.severity == {SH.Violation: "Violation", SH.Warning: "Warning"}[declared]
    assert report.conforms is (result.severity != "Violation")
    # The shape's own messages, in English and in French.
    assert set(result.messages) == {"en", "fr"}, result.messages
    for lang in ("en", "fr"):
        templates = [str(m) for m in shapes.objects(shape, SH.message) if m.language == lang]
        assert len(templates) == 1
        pattern = "".join(
            ".+?" if re.fullmatch(r"\{[?$]\w+\}", part) else re.escape(part)
            for part in re.split(r"(\{[?$]\w+\})", templates[0])
        )
        assert re.fullmatch(pattern, result.message(lang), re.S), (lang, result.message(lang))
    assert result.message("fr") != result.message("en")


def test_valid_fixture_conforms_without_any_result(context: rdflib.Graph) -> None:
    data = parse_file(SHAPES_FIXTURES / "valid.ttl")
    report = validate(data, context=context)
    assert [(_local(r.source_shape), r.constraint_name) for r in report.results] == []
    assert report.conforms
    # It holds one resource of every class a partner may contribute.
    g = as_graph(data)
    classes = set(g.objects(None, RDF.type))
    for cls in ["Region", "Place", "CooperationPlatform", "Project", "Roundtable", "PilotAction",
                "Funding", "FundingStream", "Strategy", "Gap", "Capacity", "Publication",
                "Event", "Source", "StrategyAssessment", "ThemeCoverage",
                "Disagreement"]:  # fmt: skip
        assert SIRA[cls] in classes, cls


def test_context_fixture_conforms_on_its_own() -> None:
    report = validate(parse_file(SHAPES_FIXTURES / "context.ttl"))
    assert report.results == []


def test_shipped_data_conforms() -> None:
    """All curated graphs together (they cite the sources graph and each other)."""
    data = rdflib.Graph()
    for path in sorted((REPO / "data").glob("*.ttl")):
        data.parse(path)
    report = validate(data)
    assert report.conforms, report.to_text()
    assert report.violations == []


# -- the shapes themselves ---------------------------------------------------------------------
def test_shapes_graph_metadata() -> None:
    g = _shapes()
    assert (SHAPES_IRI, RDF.type, OWL.Ontology) in g
    version = g.value(SHAPES_IRI, OWL.versionInfo)
    assert version is not None and re.fullmatch(r"\d+\.\d+\.\d+", str(version))
    # the version loads cite: the declared one plus a hash of the shapes files
    assert re.fullmatch(re.escape(str(version)) + r"\+sha256-[0-9a-f]{16}", shapes_version())


def test_every_reportable_shape_has_severity_and_one_message_per_language() -> None:
    g = _shapes()
    for shape in _reportable_shapes(g):
        assert g.value(shape, SH.severity) in (SH.Violation, SH.Warning), shape
        langs = sorted(m.language for m in g.objects(shape, SH.message))
        assert langs == ["en", "fr"], (shape, langs)
        for m in g.objects(shape, SH.message):
            # What property, and an example: every message names a prefixed term and shows one.
            term = r"\b(sira|dct|dcat|org|schema|rdfs|rdf|adms|foaf):\w+"
            assert re.search(term, str(m)), (shape, str(m))
            assert ("e.g." in str(m)) or ("p. ex." in str(m)), (shape, str(m))


def test_helper_shapes_have_no_target_and_no_message() -> None:
    g = _shapes()
    helpers = _helper_shapes(g)
    assert {_local(h) for h in helpers} >= {"Concept-theme", "Date", "Day"}
    targets = {SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.target}
    for h in helpers:
        assert isinstance(h, URIRef) and str(h).startswith(SIRASH), h
        assert not (set(g.predicates(h)) & (targets | {SH.message, SH.severity})), h


def test_only_the_sparql_file_uses_shacl_sparql() -> None:
    """SHACL Core everywhere but shapes/sparql.ttl, so any Core engine can run the rest."""
    for path in sorted((REPO / "shapes").glob("*.ttl")):
        g = as_graph(parse_file(path))
        sparql = {SH.sparql, SH.select, SH.ask, SH.construct, SH.prefixes, SH.declare}
        used = {p for p in g.predicates() if p in sparql} | {
            o for o in g.objects(None, RDF.type) if o in (SH.SPARQLTarget, SH.SPARQLConstraint)
        }
        assert bool(used) is (path.name == "sparql.ttl"), (path.name, used)


def test_only_named_shapes_have_targets_or_constraints() -> None:
    """A blank-node shape cannot be named in a report or a fixture (sh:or members and the
    property shapes of helper shapes aside: their results are reported by the shape using them)."""
    g = _shapes()
    or_members = {
        m for lst in g.objects(None, SH["or"]) for m in rdflib.collection.Collection(g, lst)
    }
    or_members |= {p for h in _helper_shapes(g) for p in g.objects(h, SH.property)}
    targets = {SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.target}
    for s in set(g.subjects()):
        if isinstance(s, BNode) and s not in or_members:
            preds = set(g.predicates(s))
            assert not (preds & targets) or (s, RDF.type, SH.SPARQLTarget) in g, s
            assert SH.path not in preds, s


def test_warnings_are_the_recommendations() -> None:
    g = _shapes()
    warnings = sorted(_local(s) for s in g.subjects(SH.severity, SH.Warning))
    assert warnings == [
        "Action-funding-recommended",
        "Action-implementer-recommended",
        "Action-status-recommended",
        "Action-theme-recommended",
        "Capacity-heldBy-recommended",
        "Disagreement-concerns-recommended",
        "FundingStream-governanceLevel-recommended",
        "Gap-theme-recommended",
        "Organization-classification-recommended",
        "Place-inRegion-recommended",
    ]


def test_every_sira_term_in_the_shapes_is_defined() -> None:
    ontology = as_graph(parse_file(REPO / "ontology" / "sira.ttl"))
    defined = {s for s in ontology.subjects() if str(s).startswith(str(SIRA))}
    text = "\n".join(p.read_text("utf-8") for p in (REPO / "shapes").glob("*.ttl"))
    used = {SIRA[m] for m in re.findall(r"\bsira:(\w+)", text)}
    assert used - defined == set()


# -- the unknown-term check --------------------------------------------------------------------
def test_unknown_sira_class_and_property_are_violations(context: rdflib.Graph) -> None:
    data = parse_bytes(
        b"""@prefix sira: <https://w3id.org/sira/ns#> .
@prefix adms: <http://www.w3.org/ns/adms#> .
        <http://example.org/a> a sira:Acton ; sira:lable "x"@en .""",
        "turtle",
    )
    report = validate(data, context=context)
    found = {(str(r.value), str(r.path)) for r in report.results}
    assert found == {
        (str(SIRA.Acton), str(RDF.type)),
        (str(SIRA.lable), str(SIRA.lable)),
    }
    assert all(r.source_shape == URIRef(SIRASH + "KnownTerms") for r in report.results)
    assert "n'est pas un terme du vocabulaire SIRA" in report.results[0].message("fr")
    assert not report.conforms


# -- context: facts about referenced IRIs ------------------------------------------------------
ACTION = b"""@prefix sira: <https://w3id.org/sira/ns#> .
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix schema: <http://schema.org/> .
<http://example.org/new-action> a sira:Action ;
    <http://www.w3.org/2000/01/rdf-schema#label> "New action"@en ;
    sira:implementer <http://example.org/org> ;
    sira:region <http://example.org/region> ;
    adms:status <https://w3id.org/sira/id/action-status/planned> ;
    sira:theme <https://w3id.org/sira/id/theme/housing> .
<http://example.org/new-funding> a sira:Funding ;
    sira:fundingStream <http://example.org/stream> ;
    schema:fundedItem <http://example.org/new-action> .
"""


def test_references_need_their_types(context: rdflib.Graph) -> None:
    data = parse_bytes(ACTION, "turtle")
    alone = validate(data)
    assert not alone.conforms
    assert {r.constraint_name for r in alone.results} == {"class"}
    assert len(alone.results) == 3  # implementer, region, funding stream
    with_context = validate(data, context=context)
    assert with_context.conforms and with_context.results == []


def test_results_about_context_only_resources_are_not_reported() -> None:
    data = parse_bytes(ACTION, "turtle")
    # A context that types the org but says nothing else of it (no label, no category).
    thin = rdflib.Graph()
    for s, cls in [("org", "http://www.w3.org/ns/org#Organization"), ("region", str(SIRA.Region)),
                   ("stream", str(SIRA.FundingStream))]:  # fmt: skip
        thin.add((URIRef(f"http://example.org/{s}"), RDF.type, URIRef(cls)))
    report = validate(data, context=thin)
    assert report.results == []


def test_store_context_reads_types_and_schemes_from_the_store(context: rdflib.Graph) -> None:
    store = open_store(Settings(store_path=None))
    store.add_graphs({"http://example.org/graph/known": context})
    data = parse_bytes(ACTION, "turtle")
    ctx = store_context(store, as_graph(data))
    org = URIRef("http://example.org/org")
    assert (org, RDF.type, URIRef("http://www.w3.org/ns/org#Organization")) in ctx
    assert (URIRef("http://example.org/stream"), RDF.type, SIRA.FundingStream) in ctx
    # Only types and schemes of referenced IRIs: not their labels.
    assert (org, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), None) not in ctx
    assert validate(data, context=ctx).conforms


def test_store_context_brings_the_whole_description_of_a_resource_the_data_extends(
    context: rdflib.Graph,
) -> None:
    store = open_store(Settings(store_path=None))
    store.add_graphs({"http://example.org/graph/known": context})
    # The data adds one fact to a known roundtable that already has a status concept... and a
    # second status: together they break adms:status's maxCount, which only the store can tell.
    extra = parse_bytes(
        b"""<http://example.org/roundtable> <http://www.w3.org/ns/adms#status>
              <https://w3id.org/sira/id/action-status/ongoing> .""",
        "turtle",
    )
    ctx = store_context(store, as_graph(extra))
    rt = URIRef("http://example.org/roundtable")
    assert (rt, URIRef("http://schema.org/organizer"), URIRef("http://example.org/platform")) in ctx
    assert validate(extra, context=ctx).conforms  # one status in all: fine
    store.update(
        "INSERT DATA { GRAPH <http://example.org/graph/known> { <http://example.org/roundtable> "
        "<http://www.w3.org/ns/adms#status> <https://w3id.org/sira/id/action-status/planned> } }"
    )
    report = validate(extra, context=store_context(store, as_graph(extra)))
    assert [(_local(r.source_shape), r.constraint_name) for r in report.results] == [
        ("Common-status", "maxCount")
    ]


# -- report outputs ----------------------------------------------------------------------------
def _invalid_report(context: rdflib.Graph):
    data = parse_file(SHAPES_FIXTURES / "Action-implementer-class.ttl")
    return validate(data, context=context)


def test_report_text_in_english_and_french(context: rdflib.Graph) -> None:
    report = _invalid_report(context)
    en, fr = report.to_text("en"), report.to_text("fr")
    assert en.startswith("Validation report: does not conform — 1 violation (shapes ")
    assert fr.startswith("Rapport de validation : non conforme — 1 violation (formes ")
    for text in (en, fr):
        assert "<http://example.org/x>" in text  # focus node
        assert "sira:implementer" in text  # path
        assert "<http://example.org/region>" in text  # offending value
        assert "[Violation]" in text
    assert "sira:implementer: the organisation that carries out an action" in en
    assert "sira:implementer : l'organisation qui met en œuvre une action" in fr


def test_report_text_for_warnings_only(context: rdflib.Graph) -> None:
    data = parse_file(SHAPES_FIXTURES / "Action-status-recommended-minCount.ttl")
    report = validate(data, context=context)
    assert report.conforms and len(report.warnings) == 1 and report.violations == []
    assert "conforms — 1 warning" in report.to_text("en")
    assert "[Avertissement]" in report.to_text("fr")


def test_report_json(context: rdflib.Graph) -> None:
    doc = json.loads(_invalid_report(context).to_json("fr"))
    assert doc["conforms"] is False and doc["violations"] == 1 and doc["warnings"] == 0
    assert doc["shapes_version"] == shapes_version()
    (r,) = doc["results"]
    assert r["focus"] == "http://example.org/x"
    assert r["path"] == "sira:implementer"
    assert r["value"] == "http://example.org/region"
    assert r["severity"] == "Violation"
    assert r["source_shape"] == SIRASH + "Action-implementer"
    assert r["constraint"] == str(SH.ClassConstraintComponent)
    assert r["message"] == r["messages"]["fr"] and set(r["messages"]) == {"en", "fr"}


def test_report_graph(context: rdflib.Graph) -> None:
    g = _invalid_report(context).to_graph()
    text = g.serialize(format="turtle")
    back = rdflib.Graph().parse(data=text, format="turtle")
    (report,) = back.subjects(RDF.type, SH.ValidationReport)
    assert back.value(report, SH.conforms) == Literal(False)
    (result,) = back.objects(report, SH.result)
    assert back.value(result, SH.focusNode) == URIRef("http://example.org/x")
    assert back.value(result, SH.sourceConstraintComponent) == SH.ClassConstraintComponent
    langs = sorted(m.language for m in back.objects(result, SH.resultMessage))
    assert langs == ["en", "fr"]


def test_inverse_path_is_shown_in_sparql_syntax(context: rdflib.Graph) -> None:
    data = parse_file(SHAPES_FIXTURES / "Action-funding-recommended-minCount.ttl")
    (r,) = validate(data, context=context).results
    assert r.path_text == "^schema:fundedItem"


@pytest.mark.parametrize(
    ("fixture", "en", "fr"),
    [
        ("Period-startDate-node",
         "the dct:temporal period of <http://example.org/x> (“Example project”)",
         "période (dct:temporal) de <http://example.org/x> (« Example project »)"),
        ("ThemeCoverage-coverageLevel-node",
         "the sira:themeCoverage theme coverage of <http://example.org/x> (“Assessment of the",
         "couverture d'un thème (sira:themeCoverage) de <http://example.org/x> (« Assessment"),
        ("Claim-source-minCount", "the sira:claim claim of <http://example.org/x>",
         "affirmation (sira:claim) de <http://example.org/x>"),
        ("Amount-value-minInclusive", "the schema:amount amount of <http://example.org/x>",
         "montant (schema:amount) de <http://example.org/x>"),
    ],
)  # fmt: skip
def test_a_blank_focus_node_is_named_by_what_it_hangs_from(
    fixture: str, en: str, fr: str, context: rdflib.Graph
) -> None:
    report = validate(parse_file(SHAPES_FIXTURES / f"{fixture}.ttl"), context=context)
    (r,) = report.results
    assert isinstance(r.focus, BNode)
    text_en, text_fr = report.to_text("en"), report.to_text("fr")
    assert en in text_en.splitlines()[2] and fr in text_fr.splitlines()[2]
    for text in (text_en, text_fr):
        assert r.focus.n3() not in text and "_:" not in text
    assert json.loads(report.to_json("en"))["results"][0]["focus_text"].startswith(en)
    assert json.loads(report.to_json("fr"))["results"][0]["focus_text"].startswith(fr)


def test_a_blank_node_without_a_parent_is_named_by_its_type() -> None:
    data = parse_bytes(
        b"""@prefix dct: <http://purl.org/dc/terms/> .
        [] a dct:PeriodOfTime .""",
        "turtle",
    )
    report = validate(data)
    assert [r.constraint_name for r in report.results] == ["minCount"]
    assert "a blank dct:PeriodOfTime (period)" in report.to_text("en")
    assert "un nœud anonyme dct:PeriodOfTime (période)" in report.to_text("fr")


def test_prefiltered_value_shapes_give_the_results_of_plain_pyshacl(context: rdflib.Graph) -> None:
    """validation._narrowed (date shapes run only on suspect focus nodes) changes no verdict."""
    from sira_kg.core import validation

    dates = ['"2021-02-30"^^xsd:date', '"2021-13"^^xsd:gYearMonth', '"2021"^^xsd:gYear',
             '"2021-03"^^xsd:gYearMonth', '"2021-03-01"^^xsd:date', '"20x1"^^xsd:gYear',
             '"2021"', '"2021-03-01T10:00:00"^^xsd:dateTime', '"2021-03-01"^^xsd:gYear',
             '"2021-03-01"^^xsd:date, "2021-03-02"^^xsd:date']  # fmt: skip
    lines = [
        "@prefix ex: <http://example.org/> .",
        "@prefix sira: <https://w3id.org/sira/ns#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .",
        "@prefix schema: <http://schema.org/> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
    ]
    for i, d in enumerate(dates):
        lines.append(f"ex:p{i} a sira:Project ; dct:temporal [ dcat:startDate {d} ] .")
        lines.append(f"ex:e{i} a sira:Event ; schema:startDate {d} .")
    data = as_graph(parse_bytes("\n".join(lines).encode(), "turtle"))
    narrowed = validate(data, context=context)
    shapes = load_shapes()
    assert validation._value_shapes(shapes), "no shape is pre-filtered any more"
    original = validation._narrowed
    try:
        validation._narrowed = lambda s, _d: s  # plain pySHACL on the same graph
        plain = validate(data, context=context)
    finally:
        validation._narrowed = original

    def key(r):
        return (r.focus if isinstance(r.focus, URIRef) else "_", _local(r.source_shape),
                r.constraint_name, str(r.value))  # fmt: skip

    assert sorted(map(key, narrowed.results)) == sorted(map(key, plain.results))
    assert len(plain.violations) > 10


def test_sparql_messages_keep_their_language(context: rdflib.Graph) -> None:
    data = parse_file(SHAPES_FIXTURES / "PeriodOrder-sparql.ttl")
    (r,) = validate(data, context=context).results
    assert r.message("fr").startswith("La dcat:startDate de la période (2023-01-01)")
    assert r.message("en").startswith("The period's dcat:startDate (2023-01-01)")
    g = validate(data, context=context).to_graph()
    assert sorted(m.language for m in g.objects(None, SH.resultMessage)) == ["en", "fr"]
