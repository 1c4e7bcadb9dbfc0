"""The Saône-et-Loire graph holds the seed page's facts, cited, and nothing dangling.

These tests pin the facts of the seed page (/work/shared/seed/, public at
https://share-network.eu/sira-saone-et-loire) and of the pages that document the
roundtables and the pilot, check that every resource cites a page described in the
sources graph, that only periods and amounts are blank nodes, that nothing the pages
do not say is stated (issue 12: no objectives on every roundtable, no themes on the
newsletters or the social café), and that every concept the data uses exists.
The other regions are tested in tests/test_curated_data.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as rdfns
from rdflib.namespace import DCTERMS, ORG, RDF, RDFS, SKOS

from sira_kg.core.namespaces import ADMS, COUNTRY, ID, LANGUAGE, NUTS, SCHEMA, SIRA
from sira_kg.core.validation import validate

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data" / "saone-et-loire.ttl"
SCHEME_DIR = REPO / "ontology" / "schemes"

SEED = URIRef("https://share-network.eu/sira-saone-et-loire")
RT1_PAGE = URIRef(
    "https://share-network.eu/articles-and-resources/regional-multi-stakeholder-cooperation"
    "-platform-for-migrant-and-refugee-integration-launched-in-saone-et-loire"
)
RT3_PAGE = URIRef(
    "https://www.share-network.eu/articles-and-resources/third-regional-multi-stakeholder"
    "-cooperation-platform-for-migrant-and-refugee-integration-in-saone-et-loire"
)
EPV_ARTICLE = URIRef(
    "https://www.entraide-pierrevaldo.org/share-sira-un-projet-europeen-qui-fait-avancer-les"
    "-departements/"
)
EPV_REPORT = URIRef(
    "https://user-11123344435.cld.bz/Pierre-Valdo-Rapport-d-activite-associatif-2021/80"
)
NUTS_2021_TEXT = URIRef(
    "https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=OJ%3AL%3A2019%3A270%3AFULL"
)
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
def sources() -> Graph:
    return Graph().parse(REPO / "data" / "sources.ttl", format="turtle")


@pytest.fixture(scope="module")
def everything() -> Graph:
    graph = Graph()
    for path in sorted((REPO / "data").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


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


def test_every_resource_cites_a_source(g, sources):
    described = set(sources.subjects(RDF.type, SIRA.Source))
    for subject in {s for s in g.subjects() if isinstance(s, URIRef)}:
        cited = set(g.objects(subject, DCTERMS.source))
        assert cited, f"{subject} has no dct:source"
        assert cited <= described, (subject, cited - described)


def test_seed_facts_cite_the_seed_page(g):
    """What the seed page states cites it; the rest cites the page that states it."""
    other_pages = {
        ID["roundtable/saone-et-loire-1"]: {RT1_PAGE},
        ID["roundtable/saone-et-loire-3"]: {RT3_PAGE},
        ID["funding/saone-et-loire-pilot"]: {EPV_ARTICLE},
        MAKE_A_WISH: {SEED, EPV_REPORT},
        FRC13: {SEED, NUTS_2021_TEXT},
    }
    for subject in {s for s in g.subjects() if isinstance(s, URIRef)}:
        assert set(g.objects(subject, DCTERMS.source)) == other_pages.get(subject, {SEED}), subject


def test_sources(sources):
    assert sources.value(SEED, DCTERMS.title) == Literal(
        "SIRA Project in Saône-et-Loire, France", lang="en"
    )
    for page in (SEED, RT1_PAGE, RT3_PAGE, EPV_ARTICLE, EPV_REPORT, NUTS_2021_TEXT):
        assert (page, RDF.type, SIRA.Source) in sources, page
        assert sources.value(page, SIRA.accessed) is not None, page


def test_every_labelled_resource_has_english_and_french_labels(g):
    for subject in {s for s in g.subjects(RDF.type, None) if isinstance(s, URIRef)}:
        assert labels(g, subject, "en") and labels(g, subject, "fr"), subject


def test_region(g):
    assert (FRC13, RDF.type, SIRA.Region) in g
    assert g.value(FRC13, SIRA.nutsCode) == Literal("FRC13")
    assert g.value(FRC13, SIRA.nutsLevel).toPython() == 3
    assert g.value(FRC13, SIRA.country) == COUNTRY["FRA"]
    assert g.value(FRC13, SIRA.urbanRuralType) == concept("urban-rural", "predominantly-rural")
    assert g.value(FRC13, SIRA.nutsRegion) == NUTS["FRC13"]
    assert g.value(FRC13, SIRA.nutsVersion) == URIRef("http://data.europa.eu/nuts/scheme/2021")
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
    # the three aims the seed page gives the roundtables, on the platform (not a theme)
    assert set(g.objects(PLATFORM, ORG.purpose)) == {
        concept("roundtable-objective", o)
        for o in ("map-actions-and-funding", "identify-gaps-and-assets", "assess-strategies")
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


def test_the_project_is_described_in_its_own_graph(g, everything):
    """Saône-et-Loire points to the project; the project graph describes it."""
    assert (SHARE_SIRA, None, None) not in g
    assert (SHARE_SIRA, RDF.type, SIRA.Project) in everything
    assert (PROGRAMME, RDF.type, SIRA.Project) in everything


def test_only_documented_roundtables(g):
    """Roundtables 1 and 3 are documented; no placeholder, no objective on a roundtable."""
    found = {}
    for rt in g.subjects(RDF.type, SIRA.Roundtable):
        assert PLATFORM in set(g.objects(rt, SCHEMA.organizer))
        assert ID["org/entraide-pierre-valdo"] in set(g.objects(rt, SCHEMA.organizer))
        assert g.value(rt, DCTERMS.isPartOf) == SHARE_SIRA
        assert not list(g.objects(rt, SIRA.hasObjective))
        found[g.value(rt, SIRA.roundtableNumber).toPython()] = (
            str(g.value(rt, SCHEMA.startDate)),
            g.value(rt, SIRA.participantCount).toPython(),
        )
    assert found == {1: ("2021-07-01", 23), 3: ("2022-01-25", 22)}


def test_make_a_wish(g):
    assert (MAKE_A_WISH, RDF.type, SIRA.PilotAction) in g
    assert labels(g, MAKE_A_WISH, "en") == {"Make a wish"}
    assert set(g.objects(MAKE_A_WISH, SIRA.implementer)) == {HUMANITY}
    assert g.value(MAKE_A_WISH, SIRA.place) == ID["place/montceau-les-mines"]
    assert g.value(MAKE_A_WISH, SIRA.region) == FRC13
    assert g.value(MAKE_A_WISH, DCTERMS.isPartOf) == PROGRAMME
    # EPV's activity report: artistic and cultural projects of exiled people.
    assert set(g.objects(MAKE_A_WISH, SIRA.theme)) == {concept("theme", "culture")}
    # No page gives its status or period.
    for prop in (ADMS.status, DCTERMS.temporal):
        assert (MAKE_A_WISH, prop, None) not in g
    # 12,000 euros per French department (Entraide Pierre Valdo).
    funding = ID["funding/saone-et-loire-pilot"]
    assert g.value(funding, SCHEMA.fundedItem) == MAKE_A_WISH
    amount = g.value(funding, SCHEMA.amount)
    assert g.value(amount, SCHEMA.value).toPython() == 12000
    assert str(g.value(amount, SCHEMA.currency)) == "EUR"


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
    # the page gives no theme for any issue (issue 12: none is guessed from a title)
    assert found == {
        "1": ("2020-03", set()),
        "5": ("2020-07", set()),
        "8": ("2021-02", set()),
        "3": ("2021-04", set()),
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
    assert (cafe, SIRA.theme, None) not in g  # the page names no theme


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
        SIRA.Project: 0,
        SIRA.Roundtable: 2,
        SIRA.PilotAction: 1,
        SIRA.Publication: 7,
        SIRA.Event: 2,
        SIRA.FundingStream: 0,
        SIRA.Funding: 1,
        SIRA.Source: 0,
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


def test_every_referenced_instance_is_described(everything):
    """Links between instances never dangle, across the curated graphs (concepts are
    checked against the schemes)."""
    g = everything
    scheme_names = {p.stem for p in SCHEME_DIR.glob("*.ttl")}
    subjects = set(g.subjects())
    for obj in g.objects():
        if isinstance(obj, URIRef) and str(obj).startswith(str(ID)):
            first_segment = str(obj)[len(str(ID)) :].split("/", 1)[0]
            if first_segment not in scheme_names:
                assert obj in subjects, obj


def test_data_conforms_to_the_shapes(g, everything):
    """No violation; the only warnings are the facts the pages do not give."""
    report = validate(everything)
    violations = [r for r in report.results if r.severity == "Violation"]
    assert report.conforms, report.to_text("en")
    assert violations == []
    warned = {(str(r.focus), r.path_text) for r in report.results if (r.focus, None, None) in g}
    expected_silences = {
        str(ID["place/digoin"]),
        str(ID["place/dijon"]),
        str(ID["place/genelard"]),
        str(ID["place/le-creusot"]),
        str(MAKE_A_WISH),
    }
    assert {focus for focus, _ in warned} <= expected_silences, warned
