"""The SKOS concept schemes in ontology/schemes/ follow the rules of docs/model.md.

Every concept carries what partners and the shapes rely on (scheme, labels and
definitions in the five languages of the partner countries: EN, FR, ES, PL, EL;
a notation equal to its IRI's last segment), every scheme carries LOV-grade
metadata, the hierarchy is consistent in both directions and has no cycle, and
EuroVoc links use only the identifiers checked in the project's vocabulary notes,
without making two of our concepts equivalent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

from sira_kg.core.namespaces import ID, VANN

SCHEME_DIR = Path(__file__).resolve().parent.parent / "ontology" / "schemes"

SCHEMES = [
    "theme",
    "stakeholder-category",
    "target-group",
    "governance-level",
    "action-status",
    "action-type",
    "funding-instrument",
    "coverage-level",
    "urban-rural",
    "membership-role",
    "roundtable-objective",
    "publication-type",
    "event-type",
]

# The EuroVoc identifiers listed (and checked) in the vocabulary notes; no others may be used.
ALLOWED_EUROVOC_IDS = {
    "1462",  # integration of migrants
    "1469",  # social integration
    "2986",  # refugee
    "c_ff638149",  # asylum seeker
    "c_f5d6dbf6",  # international protection
    "3320",  # migrant
    "783",  # language teaching
    "4700",  # integration into employment
    "1802",  # labour market
    "2195",  # vocational guidance
    "5878",  # mental health
    "7135",  # reproductive health
    "5899",  # health care
    "6749",  # entrepreneurship
    "4245",  # sport
    "c_5214cfc9",  # gastronomy
    "317",  # culture
    "4097",  # cultural pluralism
    "5886",  # farming sector
    "2149",  # banking
    "c_859ae4e1",  # financial literacy
    "1690",  # housing
    "4512",  # public transport
    "437655",  # digital literacy
    "4143",  # social services
    "3330",  # voluntary work
    "4113",  # employment service
    "2191",  # NGO
    "5501",  # local authority
    "5502",  # regional authority
    "4056",  # European Social Fund
    "3079",  # rural region
    "100209",  # migration microthesaurus
}
EUROVOC = "http://eurovoc.europa.eu/"
MATCH_PROPERTIES = (
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
)

# Every theme the seed page names for the pilot actions, plus the ones the issue asks for.
SEED_THEMES = {
    "banking-services",
    "mental-health",
    "reproductive-health",
    "labour-market",
    "mentorship",
    "entrepreneurship",
    "language-acquisition",
    "intercultural-exchange",
    "sport",
    "culture",
    "outings",
    "gastronomy",
    "farming",
    "social-orientation",
    "housing",
    "gender-equality",
}
PLATFORM_THEMES = {
    "health",
    "employment",
    "education",
    "digital-literacy",
    "mobility",
    "legal-advice",
    "volunteering",
    "social-services",
}

# The notations docs/model.md promises for the small, closed schemes.
EXPECTED = {
    "stakeholder-category": {
        "civil-society-organisation",
        "local-authority",
        "regional-agency",
        "national-agency",
        "mainstream-service-provider",
        "public-employment-body",
        "housing-provider",
        "funder",
        "research-organisation",
        "international-organisation",
        "faith-based-organisation",
        "migrant-led-organisation",
        "municipal-development-company",
        "local-business",
    },
    "theme": {
        "civic-orientation",
        "recognition-of-qualifications",
        "interpreting",
        "anti-discrimination",
        "gender-based-violence",
        "childcare",
        "mobility",
        "digital-inclusion",
    },
    "target-group": {
        "newcomers",
        "asylum-seekers",
        "refugees",
        "beneficiaries-of-international-protection",
        "migrants",
        "local-community",
        "women",
        "young-people",
        "professionals",
        "beneficiaries-of-temporary-protection",
        "unaccompanied-minors",
        "older-people",
        "people-with-disabilities",
    },
    "governance-level": {"eu", "national", "regional", "local"},
    "action-status": {"planned", "ongoing", "completed"},
    "action-type": {
        "orientation",
        "language-course",
        "mentoring",
        "employment-support",
        "housing-support",
        "awareness-campaign",
        "training-of-professionals",
        "networking-event",
        "research-mapping",
    },
    "funding-instrument": {
        "amif",
        "esf-plus",
        "erdf",
        "leader-eafrd",
        "national-budget",
        "regional-budget",
        "departmental-budget",
        "municipal-budget",
        "private-foundation",
    },
    "coverage-level": {"covered", "partly-covered", "not-covered"},
    "urban-rural": {"predominantly-urban", "intermediate", "predominantly-rural"},
    "membership-role": {"member", "coordinator", "facilitator"},
    "roundtable-objective": {
        "map-actions-and-funding",
        "identify-gaps-and-assets",
        "assess-strategies",
    },
    "publication-type": {
        "newsletter",
        "newsletter-issue",
        "journal",
        "portrait",
        "report",
        "toolkit",
    },
    "event-type": {"training", "social-cafe", "meeting", "workshop"},
}


def load(name: str) -> Graph:
    return Graph().parse(SCHEME_DIR / f"{name}.ttl", format="turtle")


def scheme_iri(name: str) -> URIRef:
    return ID[f"scheme/{name}"]


def concepts(graph: Graph) -> set[URIRef]:
    return set(graph.subjects(RDF.type, SKOS.Concept))


def langs(graph: Graph, subject: URIRef, prop: URIRef) -> list[str | None]:
    return [o.language for o in graph.objects(subject, prop) if isinstance(o, Literal)]


LANGS = ["el", "en", "es", "fr", "pl"]


def test_one_file_per_scheme_and_nothing_else():
    assert sorted(p.stem for p in SCHEME_DIR.glob("*.ttl")) == sorted(SCHEMES)


@pytest.mark.parametrize("name", SCHEMES)
def test_scheme_header(name):
    g = load(name)
    s = scheme_iri(name)
    assert (s, RDF.type, SKOS.ConceptScheme) in g
    for prop in (SKOS.prefLabel, DCTERMS.title, DCTERMS.description):
        assert {"en", "fr"} <= set(langs(g, s, prop)), (name, prop)
    assert list(g.subjects(RDF.type, SKOS.ConceptScheme)) == [s], "one scheme per file"
    # LOV-grade metadata: creator, licence, version, dates, preferred prefix and namespace.
    for prop in (
        DCTERMS.creator,
        DCTERMS.license,
        OWL.versionInfo,
        DCTERMS.issued,
        DCTERMS.modified,
        VANN.preferredNamespacePrefix,
        VANN.preferredNamespaceUri,
    ):
        assert len(list(g.objects(s, prop))) == 1, (name, prop)
    assert str(g.value(s, VANN.preferredNamespaceUri)) == f"{ID}{name}/"


def test_the_ontology_points_to_every_scheme():
    onto = Graph().parse(SCHEME_DIR.parent / "sira.ttl")
    parts = set(onto.objects(URIRef("https://w3id.org/sira/ns"), DCTERMS.hasPart))
    assert parts == {scheme_iri(name) for name in SCHEMES}


@pytest.mark.parametrize("name", SCHEMES)
def test_every_concept_is_complete(name):
    g = load(name)
    s = scheme_iri(name)
    found = concepts(g)
    assert found, name
    prefix = str(ID) + name + "/"
    for c in found:
        assert str(c).startswith(prefix), c
        assert list(g.objects(c, SKOS.inScheme)) == [s], c
        assert sorted(langs(g, c, SKOS.prefLabel)) == LANGS, c
        assert sorted(langs(g, c, SKOS.definition)) == LANGS, c
        notations = [str(n) for n in g.objects(c, SKOS.notation)]
        assert notations == [str(c)[len(prefix) :]], c
    # No two concepts share a label in the same language.
    for lang in LANGS:
        labels = [str(o) for c in found for o in g.objects(c, SKOS.prefLabel) if o.language == lang]
        assert len(labels) == len(set(labels)), (name, lang)


@pytest.mark.parametrize("name", SCHEMES)
def test_hierarchy_is_symmetric_and_inside_the_scheme(name):
    g = load(name)
    s = scheme_iri(name)
    found = concepts(g)
    for narrower, broader in g.subject_objects(SKOS.broader):
        assert (broader, SKOS.narrower, narrower) in g
    for broader, narrower in g.subject_objects(SKOS.narrower):
        assert (narrower, SKOS.broader, broader) in g
    for a, b in list(g.subject_objects(SKOS.broader)) + list(g.subject_objects(SKOS.narrower)):
        assert a in found and b in found, (a, b)
    tops = set(g.objects(s, SKOS.hasTopConcept))
    assert tops == set(g.subjects(SKOS.topConceptOf, s))
    # Top concepts are exactly the concepts without a broader one.
    assert tops == {c for c in found if (c, SKOS.broader, None) not in g}
    # No cycles: no concept is its own ancestor (a concept may have several broader ones).
    for c in found:
        stack, seen = list(g.objects(c, SKOS.broader)), set()
        while stack:
            parent = stack.pop()
            assert parent != c, f"cycle through {c}"
            if parent not in seen:
                seen.add(parent)
                stack.extend(g.objects(parent, SKOS.broader))


def test_no_eurovoc_mapping_cycle():
    """Two of our concepts matched exactly or closely to one EuroVoc concept would be
    made equivalent by it (v1: newcomers and its narrower migrants both matched 3320)."""
    everything = Graph()
    for name in SCHEMES:
        everything += load(name)
    strong: dict[URIRef, list[URIRef]] = {}
    for prop in (SKOS.exactMatch, SKOS.closeMatch):
        for ours, theirs in everything.subject_objects(prop):
            strong.setdefault(theirs, []).append(ours)
    assert {k: v for k, v in strong.items() if len(v) > 1} == {}
    # A concept and its broader one are never both matched exactly or closely to one
    # EuroVoc concept (a broadMatch to the broader one's match is consistent).
    for narrower, broader in everything.subject_objects(SKOS.broader):
        mine = {
            o for p in (SKOS.exactMatch, SKOS.closeMatch) for o in everything.objects(narrower, p)
        }
        theirs = {
            o for p in (SKOS.exactMatch, SKOS.closeMatch) for o in everything.objects(broader, p)
        }
        assert not mine & theirs, (narrower, broader)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_model_notations_present(name):
    g = load(name)
    notations = {str(n) for n in g.objects(None, SKOS.notation)}
    assert EXPECTED[name] <= notations, EXPECTED[name] - notations


def test_every_seed_theme_present():
    g = load("theme")
    notations = {str(n) for n in g.objects(None, SKOS.notation)}
    assert SEED_THEMES <= notations, SEED_THEMES - notations
    assert PLATFORM_THEMES <= notations, PLATFORM_THEMES - notations


def test_theme_hierarchy_groups_seed_themes():
    g = load("theme")
    t = ID["theme/"]
    for child in ("sport", "culture", "outings", "gastronomy", "farming"):
        assert (URIRef(t + child), SKOS.broader, URIRef(t + "intercultural-exchange")) in g
    for child in ("mental-health", "reproductive-health"):
        assert (URIRef(t + child), SKOS.broader, URIRef(t + "health")) in g
    for child in ("labour-market", "entrepreneurship"):
        assert (URIRef(t + child), SKOS.broader, URIRef(t + "employment")) in g


def test_target_group_hierarchy():
    g = load("target-group")
    t = ID["target-group/"]
    for child in ("asylum-seekers", "refugees", "beneficiaries-of-international-protection"):
        assert (URIRef(t + child), SKOS.broader, URIRef(t + "newcomers")) in g


@pytest.mark.parametrize("name", SCHEMES)
def test_eurovoc_links_only_from_the_allowed_list(name):
    g = load(name)
    for prop in MATCH_PROPERTIES:
        for subject, target in g.subject_objects(prop):
            assert subject in concepts(g)
            assert str(target).startswith(EUROVOC), target
            assert str(target)[len(EUROVOC) :] in ALLOWED_EUROVOC_IDS, target
    # Any eurovoc IRI anywhere in the file is also from the list.
    for term in g.all_nodes():
        if isinstance(term, URIRef) and str(term).startswith(EUROVOC):
            assert str(term)[len(EUROVOC) :] in ALLOWED_EUROVOC_IDS, term


def test_themes_are_linked_to_eurovoc_where_listed():
    g = load("theme")
    t = ID["theme/"]
    assert (URIRef(t + "mental-health"), SKOS.exactMatch, URIRef(EUROVOC + "5878")) in g
    assert (URIRef(t + "housing"), SKOS.exactMatch, URIRef(EUROVOC + "1690")) in g
    # Mentorship has no EuroVoc concept (vocabulary notes): no match at all.
    for prop in MATCH_PROPERTIES:
        assert (URIRef(t + "mentorship"), prop, None) not in g


def test_urban_rural_carries_eurostat_codes():
    g = load("urban-rural")
    u = ID["urban-rural/"]
    codes = {
        "predominantly-urban": "1",
        "intermediate": "2",
        "predominantly-rural": "3",
    }
    for notation, code in codes.items():
        assert [str(x) for x in g.objects(URIRef(u + notation), DCTERMS.identifier)] == [code]


def test_french_labels_are_french():
    """Spot checks that accents survived and labels are translated, not copied."""
    g = load("theme")
    t = ID["theme/"]
    fr = {
        str(o)
        for o in g.objects(URIRef(t + "gender-equality"), SKOS.prefLabel)
        if o.language == "fr"
    }
    assert fr == {"Égalité entre les femmes et les hommes"}
    for name in SCHEMES:
        scheme = load(name)
        for c in concepts(scheme):
            en = {str(o) for o in scheme.objects(c, SKOS.definition) if o.language == "en"}
            fr = {str(o) for o in scheme.objects(c, SKOS.definition) if o.language == "fr"}
            assert en != fr, c
