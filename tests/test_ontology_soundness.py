"""The vocabulary is sound under OWL-RL: no resource ends up as two kinds of thing.

The OWL-RL closure (owlrl) of the ontology, the concept schemes, every curated data
file and the axioms of the vocabularies we build on (tests/fixtures/upper/axioms.ttl:
PROV-O, ORG, FOAF, DCMI, schema.org) must not type any resource as two of activity,
entity, agent and place, nor any action as an organisation: the v1 vocabulary made
every pilot action a schema:Project, which schema.org places under Organization.
"""

from __future__ import annotations

from pathlib import Path

import owlrl
import pytest
import rdflib
from rdflib import OWL, RDF, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV

from sira_kg.core.namespaces import SCHEMA, SIRA

ROOT = Path(__file__).resolve().parent.parent
UPPER = Path(__file__).parent / "fixtures" / "upper" / "axioms.ttl"

#: The kinds that PROV, ORG and the ontology keep apart, by the classes that say so.
KINDS: dict[str, set[URIRef]] = {
    "activity": {PROV.Activity, SCHEMA.Event},
    "entity": {PROV.Entity},
    "agent": {PROV.Agent, FOAF.Agent, DCTERMS.Agent, SCHEMA.Organization, SCHEMA.Person},
    "place": {DCTERMS.Location, SCHEMA.Place},
}
ORGANISATIONS = {ORG.Organization, FOAF.Organization, SCHEMA.Organization, FOAF.Agent, PROV.Agent}


def _kinds(graph: rdflib.Graph, node: rdflib.term.Node) -> set[str]:
    types = set(graph.objects(node, RDF.type))
    return {kind for kind, classes in KINDS.items() if types & classes}


@pytest.fixture(scope="module")
def closure() -> rdflib.Graph:
    g = rdflib.Graph()
    for path in [
        ROOT / "ontology" / "sira.ttl",
        *sorted((ROOT / "ontology" / "schemes").glob("*.ttl")),
        *sorted((ROOT / "data").glob("*.ttl")),
        UPPER,
    ]:
        g.parse(path)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, rdfs_closure=False).expand(g)
    return g


def test_no_resource_is_two_kinds_of_thing(closure: rdflib.Graph) -> None:
    clashes = {}
    for node in set(closure.subjects(RDF.type, None)):
        kinds = _kinds(closure, node)
        if len(kinds) > 1:
            clashes[str(node)] = sorted(kinds)
    assert clashes == {}


def test_no_action_or_activity_class_is_an_organisation(closure: rdflib.Graph) -> None:
    actions = set(closure.subjects(RDF.type, SIRA.Action))
    assert actions, "the curated data holds actions"
    for action in actions:
        assert not set(closure.objects(action, RDF.type)) & ORGANISATIONS, action
    for cls in (SIRA.Action, SIRA.PilotAction, SIRA.Project, SIRA.Roundtable, SIRA.Event):
        supers = set(closure.objects(cls, rdflib.RDFS.subClassOf))
        assert PROV.Activity in supers and not supers & ORGANISATIONS, cls


def test_closure_finds_no_inconsistency(closure: rdflib.Graph) -> None:
    """owlrl types a resource owl:Nothing when axioms contradict (e.g. disjoint classes)."""
    assert list(closure.subjects(RDF.type, OWL.Nothing)) == []


def test_the_test_would_see_a_clash() -> None:
    """The check itself: the v1 alignment (an action under schema:Project) is caught."""
    g = rdflib.Graph().parse(UPPER)
    g.parse(
        data="""
        @prefix sira: <https://w3id.org/sira/ns#> .
        @prefix prov: <http://www.w3.org/ns/prov#> .
        @prefix schema: <http://schema.org/> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        sira:Action rdfs:subClassOf schema:Project , prov:Activity .
        <http://example.org/a> a sira:Action .
        """,
        format="turtle",
    )
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, rdfs_closure=False).expand(g)
    assert _kinds(g, URIRef("http://example.org/a")) == {"activity", "agent"}
