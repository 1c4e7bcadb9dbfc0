"""The Saône-et-Loire graph holds the seed page's facts, cited, and nothing dangling.

These tests pin the facts of /work/shared/seed/saone-et-loire-platform.txt (and of
the Share SIRA project pages) that the graph must carry, check that every resource
cites a source, that only periods and amounts are blank nodes, and that every
concept the data uses exists in ontology/schemes/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as rdfns
from rdflib.namespace import DCTERMS, ORG, RDF, RDFS, SKOS

from sira_kg.core.namespaces import COUNTRY, ID, LANGUAGE, NUTS, SCHEMA, SIRA
from sira_kg.core.validation import validate

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data" / "saone-et-loire.ttl"
SCHEME_DIR = REPO / "ontology" / "schemes"

SEED = ID["source/seed-saone-et-loire"]
RESETTLEMENT = ID["source/share-sira-resettlement-eu"]
SHARE_NETWORK = ID["source/share-sira-share-network"]
FRC13 = ID["region/FRC13"]
PLATFORM = ID["platform/saone-et-loire"]
SHARE_SIRA = ID["project/share-sira"]
PROGRAMME = ID["project/share-sira-pilot-actions"]
MAKE_A_WISH = ID["action/make-a-wish"]
HUMANITY = ID["org/humanity"]
VILTAIS = ID["org/viltais"]


def concept(scheme: str, notation: str) -> URIRef:
    return ID[f"{scheme}/{notation}"]


@pytest.fixture(scope="module")
def g() -> Graph:
    return Graph().parse(DATA, format="turtle")


@pytest.fixture(scope="module")
def schemes() -> Graph:
    graph = Graph()
    for path in sorted(SCHEME_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def labels(g: Graph, subject: URIRef, lang: str) -> set[str]:
    return {str(o) for o in g.objects(subject, RDFS.label) if o.language == lang}


def test_only_periods_and_amounts_are_blank_nodes(g):
    for subject in set(g.subjects()):
        if isinstance(subject, BNode):
            types = set(g.objects(subject, RDF.type))
            assert types & {DCTERMS.PeriodOfTime, SCHEMA.MonetaryAmount}, subject
        else:
            assert isinstance(subject, URIRef)
            assert str(subject).startswith(str(ID)), subject


def test_every_resource_cites_a_source(g):
    sources = set(g.subjects(RDF.type, SIRA.Source))
    assert sources == {SEED, RESETTLEMENT, SHARE_NETWORK}
    for subject in set(g.subjects()) - sources:
        cited = set(g.objects(subject, DCTERMS.source))
        assert cited, f"{subject} has no dct:source"
        assert cited <= sources, subject


def test_seed_facts_cite_the_seed_page(g):
    """Everything except the AMIF stream and funding record comes from the seed page."""
    from_project_pages = {ID["funding-stream/amif"], ID["funding/share-sira-amif"]}
    sources = set(g.subjects(RDF.type, SIRA.Source))
    for subject in {s for s in g.subjects() if isinstance(s, URIRef)} - sources:
        if subject in from_project_pages:
            assert (subject, DCTERMS.source, SEED) not in g
        else:
            assert (subject, DCTERMS.source, SEED) in g, subject


def test_sources(g):
    assert {str(t) for t in g.objects(SEED, DCTERMS.title)} == {
        "SIRA Project in Saône-et-Loire, France"
    }
    assert (SEED, SCHEMA.url, None) not in g, "the seed page's URL is not known"
    assert any("Saône-et-Loire" in str(d) for d in g.objects(SEED, DCTERMS.description))
    urls = {
        RESETTLEMENT: "https://www.resettlement.eu/page/share-sira-project",
        SHARE_NETWORK: "https://www.share-network.eu/sira-project",
    }
    for source, url in urls.items():
        assert list(g.objects(source, SCHEMA.url)) == [Literal(url, datatype=rdfns.XSD.anyURI)]
        assert list(g.objects(source, DCTERMS.title))


def test_every_labelled_resource_has_english_and_french_labels(g):
    for subject in {s for s in g.subjects(RDF.type, None) if isinstance(s, URIRef)}:
        if (subject, RDF.type, SIRA.Source) in g:
            continue
        assert labels(g, subject, "en") and labels(g, subject, "fr"), subject


def test_region(g):
    assert (FRC13, RDF.type, SIRA.Region) in g
    assert g.value(FRC13, SIRA.nutsCode) == Literal("FRC13")
    assert g.value(FRC13, SIRA.nutsLevel).toPython() == 3
    assert g.value(FRC13, SIRA.country) == COUNTRY["FRA"]
    assert g.value(FRC13, SIRA.urbanRuralType) == concept("urban-rural", "predominantly-rural")
    assert g.value(FRC13, SIRA.nutsRegion) == NUTS["FRC13"]
    assert labels(g, FRC13, "fr") == {"Saône-et-Loire"}


def test_places_and_no_invented_regions(g):
    places = {
        "montceau-les-mines": "Montceau-les-Mines",
        "genelard": "Génelard",
        "le-creusot": "Le Creusot",
        "digoin": "Digoin",
        "dijon": "Dijon",
    }
    assert set(g.subjects(RDF.type, SIRA.Place)) == {ID[f"place/{p}"] for p in places}
    for slug, name in places.items():
        assert labels(g, ID[f"place/{slug}"], "fr") == {name}
    # Only the pilot action's town is stated to be in Saône-et-Loire; Dijon is not.
    assert set(g.subject_objects(SIRA.inRegion)) == {(ID["place/montceau-les-mines"], FRC13)}


MEMBERS = {
    "villages-solidaires": "civil-society-organisation",
    "association-le-pont": "civil-society-organisation",
    "viltais": "civil-society-organisation",
    "town-hall-genelard": "local-authority",
    "ofii-dijon": "regional-agency",
    "adoma": "mainstream-service-provider",
    "ftj-le-creusot": "mainstream-service-provider",
    "pole-emploi-digoin": "public-employment-body",
}


def test_platform_and_its_eight_members(g):
    assert (PLATFORM, RDF.type, SIRA.CooperationPlatform) in g
    assert g.value(PLATFORM, SIRA.region) == FRC13
    assert labels(g, PLATFORM, "en") == {
        "Regional cooperation platform for migrant & refugee integration in Saône-et-Loire"
    }
    memberships = set(g.subjects(ORG.organization, PLATFORM))
    assert len(memberships) == 8
    members = {}
    for m in memberships:
        assert (m, RDF.type, ORG.Membership) in g
        assert g.value(m, ORG.role) == concept("membership-role", "member")
        member = g.value(m, ORG.member)
        members[member] = m
    assert set(members) == {ID[f"org/{slug}"] for slug in MEMBERS}
    for slug, category in MEMBERS.items():
        org = ID[f"org/{slug}"]
        assert (org, RDF.type, ORG.Organization) in g
        assert set(g.objects(org, ORG.classification)) == {
            concept("stakeholder-category", category)
        }


def test_member_places(g):
    expected = {
        "town-hall-genelard": "genelard",
        "ofii-dijon": "dijon",
        "ftj-le-creusot": "le-creusot",
        "pole-emploi-digoin": "digoin",
    }
    for org, place in expected.items():
        assert g.value(ID[f"org/{org}"], SIRA.place) == ID[f"place/{place}"]


def test_humanity_is_an_association_but_not_a_member(g):
    assert set(g.objects(HUMANITY, ORG.classification)) == {
        concept("stakeholder-category", "civil-society-organisation")
    }
    assert (None, ORG.member, HUMANITY) not in g


def test_share_sira_project(g):
    assert (SHARE_SIRA, RDF.type, SIRA.Project) in g
    assert g.value(SHARE_SIRA, SIRA.plannedActionCount).toPython() == 10
    for source in (SEED, RESETTLEMENT, SHARE_NETWORK):
        assert (SHARE_SIRA, DCTERMS.source, source) in g
    description = " ".join(str(d) for d in g.objects(SHARE_SIRA, DCTERMS.description))
    for fact in ("AMIF", "ICMC Europe", "IOM", "Karditsa", "Entraide Pierre Valdo", "Cepaim"):
        assert fact in description, fact
    countries = {COUNTRY[c] for c in ("FRA", "GRC", "POL", "ESP")}
    assert set(g.objects(SHARE_SIRA, DCTERMS.spatial)) == countries


def test_share_sira_has_both_published_periods_each_with_its_source(g):
    periods = {}
    for period in g.objects(SHARE_SIRA, DCTERMS.temporal):
        assert isinstance(period, BNode)
        assert (period, RDF.type, DCTERMS.PeriodOfTime) in g
        start = g.value(period, rdfns.DCAT.startDate)
        end = g.value(period, rdfns.DCAT.endDate)
        assert start.datatype == end.datatype == rdfns.XSD.gYearMonth
        periods[g.value(period, DCTERMS.source)] = (str(start), str(end))
    assert periods == {
        RESETTLEMENT: ("2021-01", "2022-12"),
        SHARE_NETWORK: ("2021-01", "2023-02"),
    }


def test_amif_funding(g):
    amif = ID["funding-stream/amif"]
    assert (amif, RDF.type, SIRA.FundingStream) in g
    assert g.value(amif, SIRA.fundingLevel) == concept("funding-level", "eu")
    fundings = set(g.subjects(SIRA.fundingStream, amif))
    assert fundings == {ID["funding/share-sira-amif"]}
    funding = fundings.pop()
    assert (funding, RDF.type, SIRA.Funding) in g
    assert g.value(funding, SCHEMA.fundedItem) == SHARE_SIRA
    assert (funding, SCHEMA.amount, None) not in g, "no amount is published"


def test_four_planned_roundtables_with_three_objectives(g):
    roundtables = set(g.subjects(RDF.type, SIRA.Roundtable))
    assert len(roundtables) == 4
    objectives = {
        concept("roundtable-objective", n)
        for n in ("map-actions-and-funding", "identify-gaps-and-assets", "assess-strategies")
    }
    for r in roundtables:
        assert set(g.objects(r, SIRA.hasObjective)) == objectives
        assert g.value(r, SIRA.platform) == PLATFORM
        assert g.value(r, SIRA.region) == FRC13
        assert g.value(r, SIRA.status) == concept("action-status", "planned")


def test_pilot_action_programme(g):
    assert (PROGRAMME, RDF.type, SIRA.Project) in g
    assert g.value(PROGRAMME, DCTERMS.isPartOf) == SHARE_SIRA
    assert g.value(PROGRAMME, SIRA.plannedActionCount).toPython() == 10
    duration = g.value(PROGRAMME, SCHEMA.duration)
    assert (str(duration), duration.datatype) == ("P10M", rdfns.XSD.duration)
    themes = {
        "social-orientation",
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
    }
    assert set(g.objects(PROGRAMME, SIRA.theme)) == {concept("theme", t) for t in themes}
    assert set(g.objects(PROGRAMME, SIRA.targetGroup)) == {concept("target-group", "newcomers")}


def test_make_a_wish(g):
    assert (MAKE_A_WISH, RDF.type, SIRA.PilotAction) in g
    assert labels(g, MAKE_A_WISH, "en") == {"Make a wish"}
    assert set(g.objects(MAKE_A_WISH, SIRA.implementer)) == {HUMANITY}
    assert g.value(MAKE_A_WISH, SIRA.place) == ID["place/montceau-les-mines"]
    assert g.value(MAKE_A_WISH, SIRA.region) == FRC13
    assert g.value(MAKE_A_WISH, DCTERMS.isPartOf) == PROGRAMME
    # The page gives no status, period or theme for this action.
    for prop in (SIRA.status, DCTERMS.temporal, SIRA.theme):
        assert (MAKE_A_WISH, prop, None) not in g


def test_portrait_of_anwar(g):
    portrait = ID["publication/portrait-of-anwar"]
    assert (portrait, RDF.type, SIRA.Publication) in g
    assert g.value(portrait, SIRA.publicationType) == concept("publication-type", "portrait")
    assert g.value(portrait, DCTERMS.language) == LANGUAGE["FRA"]
    assert g.value(portrait, DCTERMS.relation) == MAKE_A_WISH
    assert (MAKE_A_WISH, SIRA.output, portrait) in g


def test_viltais_newsletter_issues(g):
    series = ID["publication/viltais-newsletter"]
    assert g.value(series, SIRA.publicationType) == concept("publication-type", "newsletter")
    assert g.value(series, DCTERMS.publisher) == VILTAIS
    assert g.value(series, SCHEMA.about) == concept(
        "target-group", "beneficiaries-of-international-protection"
    )
    issues = set(g.subjects(SCHEMA.isPartOf, series))
    assert len(issues) == 4
    found = {}
    for issue in issues:
        assert g.value(issue, SIRA.publicationType) == concept(
            "publication-type", "newsletter-issue"
        )
        assert g.value(issue, DCTERMS.publisher) == VILTAIS
        assert g.value(issue, DCTERMS.language) == LANGUAGE["FRA"]
        issued = g.value(issue, DCTERMS.issued)
        assert issued.datatype == rdfns.XSD.gYearMonth
        themes = {str(t).rsplit("/", 1)[1] for t in g.objects(issue, SIRA.theme)}
        found[str(g.value(issue, SCHEMA.issueNumber))] = (str(issued), themes)
    assert found == {
        "1": ("2020-03", {"language-acquisition"}),
        "5": ("2020-07", set()),
        "8": ("2021-02", set()),
        "3": ("2021-04", {"language-acquisition"}),
    }


def test_humanity_journal_and_social_cafe(g):
    journal = ID["publication/humanity-journal"]
    assert g.value(journal, SIRA.publicationType) == concept("publication-type", "journal")
    assert g.value(journal, DCTERMS.publisher) == HUMANITY
    assert g.value(journal, DCTERMS.language) == LANGUAGE["FRA"]
    cafe = ID["event/humanity-social-cafe"]
    assert (cafe, RDF.type, SIRA.Event) in g
    assert g.value(cafe, SIRA.eventType) == concept("event-type", "social-cafe")
    assert g.value(cafe, SCHEMA.organizer) == HUMANITY
    assert set(g.objects(cafe, SIRA.targetGroup)) == {
        concept("target-group", t) for t in ("asylum-seekers", "refugees", "local-community")
    }
    assert concept("theme", "culture") in set(g.objects(cafe, SIRA.theme))


def test_gender_equality_training(g):
    training = ID["event/humanity-gender-equality-training-2022-03-22"]
    assert (training, RDF.type, SIRA.Event) in g
    assert g.value(training, SIRA.eventType) == concept("event-type", "training")
    assert g.value(training, SCHEMA.organizer) == HUMANITY
    assert g.value(training, SCHEMA.startDate) == Literal("2022-03-22", datatype=rdfns.XSD.date)
    assert set(g.objects(training, SIRA.theme)) == {concept("theme", "gender-equality")}


def test_counts_per_class(g):
    expected = {
        SIRA.Region: 1,
        SIRA.Place: 5,
        SIRA.CooperationPlatform: 1,
        ORG.Organization: 9,
        ORG.Membership: 8,
        SIRA.Project: 2,
        SIRA.Roundtable: 4,
        SIRA.PilotAction: 1,
        SIRA.Publication: 7,
        SIRA.Event: 2,
        SIRA.FundingStream: 1,
        SIRA.Funding: 1,
        SIRA.Source: 3,
    }
    for cls, count in expected.items():
        assert len(set(g.subjects(RDF.type, cls))) == count, cls


def test_every_referenced_concept_exists_in_the_schemes(g, schemes):
    known = set(schemes.subjects(RDF.type, SKOS.Concept))
    scheme_names = {p.stem for p in SCHEME_DIR.glob("*.ttl")}
    referenced = set()
    for obj in g.objects():
        if not isinstance(obj, URIRef) or not str(obj).startswith(str(ID)):
            continue
        first_segment = str(obj)[len(str(ID)) :].split("/", 1)[0]
        if first_segment in scheme_names:
            referenced.add(obj)
    assert referenced, "the data uses concepts"
    assert referenced <= known, referenced - known


def test_every_referenced_instance_is_described(g):
    """Links between instances never dangle (concepts are checked against the schemes)."""
    scheme_names = {p.stem for p in SCHEME_DIR.glob("*.ttl")}
    subjects = set(g.subjects())
    for obj in g.objects():
        if isinstance(obj, URIRef) and str(obj).startswith(str(ID)):
            first_segment = str(obj)[len(str(ID)) :].split("/", 1)[0]
            if first_segment not in scheme_names:
                assert obj in subjects, obj


def test_data_conforms_to_the_shapes(g):
    """No violation; the only warnings are the facts the seed page does not give."""
    report = validate(g)
    violations = [r for r in report.results if r.severity == "Violation"]
    assert report.conforms, report.to_text("en")
    assert violations == []
    warned = {(str(r.focus), r.path_text) for r in report.results}
    expected_silences = {
        str(ID["place/digoin"]),
        str(ID["place/dijon"]),
        str(ID["place/genelard"]),
        str(ID["place/le-creusot"]),
        str(MAKE_A_WISH),
    }
    assert {focus for focus, _ in warned} <= expected_silences, warned
