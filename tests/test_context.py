"""ontology/context.jsonld lets a partner write plain JSON that means the same as Turtle."""

from __future__ import annotations

import json
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF

from sira_kg.core.namespaces import SIRA

REPO = Path(__file__).resolve().parent.parent
CONTEXT_FILE = REPO / "ontology" / "context.jsonld"
CONTEXT_IRI = "https://w3id.org/sira/context.jsonld"

# What a partner writes: plain JSON, keys from the context, no IRIs for properties.
PLAIN_JSON = {
    "@context": CONTEXT_IRI,
    "@graph": [
        {
            "@id": "http://example.org/p/org/1",
            "@type": "Organization",
            "label": {"en": "Example association", "fr": "Association exemple"},
            "classification": ["id:stakeholder-category/civil-society-organisation"],
            "region": "id:region/FRC13",
            "source": "http://example.org/p/source/1",
        },
        {
            "@id": "http://example.org/p/source/1",
            "@type": "Source",
            "title": {"en": "Example report"},
            "url": "http://example.org/p/report.pdf",
        },
        {
            "@id": "http://example.org/p/action/1",
            "@type": "Action",
            "label": {"fr": "Café linguistique"},
            "description": {"en": 'A weekly "language café".'},
            "implementer": "http://example.org/p/org/1",
            "region": ["id:region/FRC13"],
            "theme": ["id:theme/language-acquisition", "id:theme/intercultural-exchange"],
            "targetGroup": "id:target-group/refugees",
            "status": "id:action-status/ongoing",
            "temporal": {
                "@type": "PeriodOfTime",
                "startDate": "2024-01-15",
                "endDate": {"@value": "2025-06", "@type": "xsd:gYearMonth"},
            },
            "source": "http://example.org/p/source/1",
        },
        {
            "@id": "http://example.org/p/funding/1",
            "@type": "Funding",
            "fundingStream": "http://example.org/p/stream/1",
            "funder": "http://example.org/p/org/1",
            "fundedItem": ["http://example.org/p/action/1"],
            "amount": {"@type": "MonetaryAmount", "value": "12000.50", "currency": "EUR"},
        },
        {
            "@id": "http://example.org/p/region/ZZ999",
            "@type": "Region",
            "nutsCode": "ZZ999",
            "nutsLevel": 3,
            "country": "countries:FRA",
            "nutsRegion": "nuts:ZZ999",
            "urbanRuralType": "id:urban-rural/predominantly-rural",
        },
        {
            "@id": "http://example.org/p/strategy/1",
            "@type": "Strategy",
            "label": {"en": "Example plan"},
            "governanceLevel": "id:governance-level/regional",
            "appliesTo": ["id:region/FRC13"],
            "objective": {"en": "Faster access to language courses"},
            "document": "http://example.org/p/plan.pdf",
        },
    ],
}

SAME_IN_TURTLE = """
@prefix sira: <https://w3id.org/sira/ns#> .
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix id: <https://w3id.org/sira/id/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix schema: <http://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix p: <http://example.org/p/> .

p:org\\/1 a org:Organization ;
    rdfs:label "Example association"@en, "Association exemple"@fr ;
    org:classification <https://w3id.org/sira/id/stakeholder-category/civil-society-organisation> ;
    sira:region <https://w3id.org/sira/id/region/FRC13> ;
    dct:source <http://example.org/p/source/1> .

<http://example.org/p/source/1> a sira:Source ;
    dct:title "Example report"@en ;
    schema:url "http://example.org/p/report.pdf"^^xsd:anyURI .

<http://example.org/p/action/1> a sira:Action ;
    rdfs:label "Café linguistique"@fr ;
    dct:description "A weekly \\"language café\\"."@en ;
    sira:implementer <http://example.org/p/org/1> ;
    sira:region <https://w3id.org/sira/id/region/FRC13> ;
    sira:theme <https://w3id.org/sira/id/theme/language-acquisition>,
        <https://w3id.org/sira/id/theme/intercultural-exchange> ;
    sira:targetGroup <https://w3id.org/sira/id/target-group/refugees> ;
    adms:status <https://w3id.org/sira/id/action-status/ongoing> ;
    dct:temporal [ a dct:PeriodOfTime ;
        dcat:startDate "2024-01-15"^^xsd:date ;
        dcat:endDate "2025-06"^^xsd:gYearMonth ] ;
    dct:source <http://example.org/p/source/1> .

<http://example.org/p/funding/1> a sira:Funding ;
    sira:fundingStream <http://example.org/p/stream/1> ;
    schema:funder <http://example.org/p/org/1> ;
    schema:fundedItem <http://example.org/p/action/1> ;
    schema:amount [ a schema:MonetaryAmount ;
        schema:value "12000.50"^^xsd:decimal ;
        schema:currency "EUR" ] .

<http://example.org/p/region/ZZ999> a sira:Region ;
    sira:nutsCode "ZZ999" ;
    sira:nutsLevel 3 ;
    sira:country <http://publications.europa.eu/resource/authority/country/FRA> ;
    sira:nutsRegion <http://data.europa.eu/nuts/code/ZZ999> ;
    sira:urbanRuralType <https://w3id.org/sira/id/urban-rural/predominantly-rural> .

<http://example.org/p/strategy/1> a sira:Strategy ;
    rdfs:label "Example plan"@en ;
    sira:governanceLevel <https://w3id.org/sira/id/governance-level/regional> ;
    sira:appliesTo <https://w3id.org/sira/id/region/FRC13> ;
    sira:objective "Faster access to language courses"@en ;
    sira:document <http://example.org/p/plan.pdf> .
"""


def _local_context() -> dict:
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]


def _expand_plain_json() -> Graph:
    """Parse the plain JSON with rdflib, the context taken from the local file (no network)."""
    doc = dict(PLAIN_JSON)
    assert doc["@context"] == CONTEXT_IRI
    doc["@context"] = _local_context()
    return Graph().parse(data=json.dumps(doc), format="json-ld")


def test_plain_json_expands_to_the_same_triples_as_turtle():
    from_json = _expand_plain_json()
    from_turtle = Graph().parse(data=SAME_IN_TURTLE, format="turtle")
    assert len(from_json) == len(from_turtle) == 43
    assert isomorphic(from_json, from_turtle), sorted(set(from_json) ^ set(from_turtle))[:5]


def test_our_loader_reads_the_context_iri_from_the_local_file():
    from sira_kg.core.rdfio import parse_bytes

    parsed = parse_bytes(json.dumps(PLAIN_JSON).encode(), "json-ld", "partner.jsonld")
    graph = Graph()
    for triple in parsed.triples((None, None, None)):
        graph.add(triple)
    assert isomorphic(graph, Graph().parse(data=SAME_IN_TURTLE, format="turtle"))


def test_every_sira_term_of_the_ontology_is_in_the_context():
    ontology = Graph().parse(REPO / "ontology" / "sira.ttl", format="turtle")
    context = _local_context()
    defined = set()
    for term in context.values():
        iri = term["@id"] if isinstance(term, dict) else term
        if isinstance(iri, str) and iri.startswith("sira:"):
            defined.add(SIRA[iri[len("sira:") :]])
    terms = {
        s
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in ontology.subjects(RDF.type, kind)
        if isinstance(s, URIRef) and str(s).startswith(str(SIRA))
    }
    assert terms, "the ontology declares no sira: terms"
    assert sorted(terms - defined) == []


def test_object_properties_take_iris():
    ontology = Graph().parse(REPO / "ontology" / "sira.ttl", format="turtle")
    context = _local_context()
    for prop in ontology.subjects(RDF.type, OWL.ObjectProperty):
        if str(prop).startswith(str(SIRA)):
            name = str(prop)[len(str(SIRA)) :]
            assert context[name]["@type"] == "@id", name
