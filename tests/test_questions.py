"""The named questions (queries/*.rq, sira_kg.endpoint.questions), run on a real Oxigraph store.

For every question a small synthetic fixture (tests/fixtures/questions/<name>.ttl,
invented data under http://example.org/) with its answer worked out by hand
here; then the same questions on the Saône-et-Loire graph; then the header
format, parameter resolution and binding, labels and the output formats.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from sira_kg.core.bootstrap import ensure_bootstrapped
from sira_kg.core.settings import Settings
from sira_kg.core.store import GraphStore, open_store
from sira_kg.endpoint.questions.answers import Table, answer
from sira_kg.endpoint.questions.catalogue import Question, load_catalogue, parse_question
from sira_kg.endpoint.questions.errors import CatalogueError, ParameterError
from sira_kg.endpoint.questions.paging import check_page
from sira_kg.endpoint.questions.parameters import resolve
from sira_kg.endpoint.questions.running import Rows, store_runner

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "questions"
VOCABULARY = [
    REPO / "ontology" / "sira.ttl",
    *sorted((REPO / "ontology" / "schemes").glob("*.ttl")),
]
NAMES = {
    "actions",
    "funding",
    "gaps",
    "capacities",
    "strategy-coverage",
    "region-comparison",
    "stakeholders",
    "target-groups",
    "resources",
    "funders",
}
HOSTILE = '"> } ; DROP ALL #'


def vocabulary_store(*files: Path) -> GraphStore:
    """An in-memory store with the ontology, the concept schemes and ``files``."""
    store = open_store(Settings(store_path=None))
    for path in [*VOCABULARY, *files]:
        store.ox.load(
            path=str(path),
            format=ox.RdfFormat.TURTLE,
            to_graph=ox.NamedNode(f"urn:x-test:{path.name}"),
        )
    return store


@pytest.fixture(scope="module")
def catalogue() -> dict[str, Question]:
    return load_catalogue(REPO / "queries")


@pytest.fixture(scope="module")
def saone_et_loire() -> GraphStore:
    """The store `sira-kg serve` starts from: ontology, schemes, shapes, Saône-et-Loire."""
    settings = Settings(store_path=None)
    store = open_store(settings)
    ensure_bootstrapped(store, settings, validate_data=False)
    return store


def ask(catalogue, store: GraphStore, name: str, lang: str = "en", **params: str) -> Table:
    return answer(catalogue[name], params, store_runner(store), lang)


def last(iri: str | None) -> str | None:
    """The last segment of an IRI, for readable expectations."""
    if iri is None:
        return None
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def short(table: Table) -> list[dict]:
    """Rows without label columns, IRIs shortened to their last segment."""
    kinds = {c.name: c.type for c in table.question.columns}
    out = []
    for row in table.rows:
        simple = {}
        for name, kind in kinds.items():
            value = row[name]
            if kind == "iri":
                value = last(value)
            elif kind == "iri-list":
                value = sorted(last(v) for v in value)
            simple[name] = value
        out.append(simple)
    return out


def column(table: Table, name: str) -> list:
    return [r[name] for r in short(table)]


# -- the catalogue --------------------------------------------------------------------------------


def test_the_ten_questions_are_there(catalogue) -> None:
    assert set(catalogue) == NAMES


def test_each_question_documents_itself_in_english_and_french(catalogue) -> None:
    for question in catalogue.values():
        for lang in ("en", "fr"):
            assert len(question.title[lang]) > 10, (question.name, lang)
            assert len(question.description[lang]) > 40, (question.name, lang)
            for param in question.params:
                assert param.description.get(lang), (question.name, param.name, lang)
            for col in question.columns:
                assert col.title.get(lang), (question.name, col.name, lang)
        assert question.title["en"] != question.title["fr"]


def test_every_parameter_example_names_something_in_the_shipped_graph(
    catalogue, saone_et_loire
) -> None:
    runner = store_runner(saone_et_loire)
    checked = 0
    for question in catalogue.values():
        for param in question.params:
            if param.example is None:
                continue
            resolved = resolve(question, {param.name: param.example}, runner)
            assert resolved[param.name].terms, (question.name, param.name)
            checked += 1
    assert checked >= 20


def test_region_parameters_take_a_nuts_code_or_an_iri(catalogue, saone_et_loire) -> None:
    runner = store_runner(saone_et_loire)
    region = "https://w3id.org/sira/id/region/FRC13"
    for value in ("FRC13", "frc13", region, "http://data.europa.eu/nuts/code/FRC13"):
        resolved = resolve(catalogue["actions"], {"region": value}, runner)
        assert [t.value for t in resolved["region"].terms] == [region]


def test_theme_parameters_take_a_notation_a_label_in_any_language_or_an_iri(
    catalogue, saone_et_loire
) -> None:
    runner = store_runner(saone_et_loire)
    theme = "https://w3id.org/sira/id/theme/"
    subtree = {theme + "health", theme + "mental-health", theme + "reproductive-health"}
    for value in ("health", "HEALTH", "Health and health care", "santé et soins", theme + "health"):
        resolved = resolve(catalogue["actions"], {"theme": value}, runner)
        # narrower=true: the theme and its narrower themes, one VALUES row each
        assert {t.value for t in resolved["theme"].terms} == subtree, value
    resolved = resolve(catalogue["actions"], {"theme": "Santé mentale"}, runner)
    assert [t.value for t in resolved["theme"].terms] == [theme + "mental-health"]
    # narrower=false (the status of an action): the concept alone
    resolved = resolve(catalogue["actions"], {"status": "Ongoing"}, runner)
    assert [t.value for t in resolved["status"].terms] == [
        "https://w3id.org/sira/id/action-status/ongoing"
    ]


# -- actions ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def actions_store() -> GraphStore:
    return vocabulary_store(FIXTURES / "actions.ttl")


def test_actions_every_region(catalogue, actions_store) -> None:
    rows = short(ask(catalogue, actions_store, "actions"))
    assert rows == [
        {
            "action": "action1",
            "status": "ongoing",
            "start": "2021-01-01",
            "end": "2022-06-30",
            "regions": ["R1"],
            "places": ["p1"],
            "implementers": ["a"],
            "partners": ["b"],
            "themes": ["culture", "mental-health"],
            "target_groups": ["refugees"],
            "funding_streams": ["s1", "s2"],
            # funding1 names none: its stream's funder F; funding2 names A
            "funders": ["a", "f"],
            "amount_eur": 1200.5,  # 1000.50 + 200.00
        },
        {
            "action": "action2",
            "status": "completed",
            "start": "2019",
            "end": "2020-06",
            "regions": ["R1"],
            "places": [],
            "implementers": ["b"],
            "partners": [],
            "themes": ["labour-market"],
            "target_groups": ["women"],
            "funding_streams": ["s1", "s2"],
            "funders": ["f"],  # funding4 has no funder at all
            "amount_eur": 1000.5,  # the 50 USD of funding4 are not euros
        },
        {
            "action": "action3",
            "status": None,
            "start": None,
            "end": None,
            "regions": ["R2"],
            "places": [],
            "implementers": ["c"],
            "partners": [],
            "themes": [],
            "target_groups": [],
            "funding_streams": [],
            "funders": [],
            "amount_eur": None,  # nothing known, not 0
        },
        {
            "action": "action4",
            "status": "planned",
            "start": "2023-01-01",
            "end": "2023-12-31",
            "regions": ["R1", "R2"],
            "places": [],
            "implementers": ["a"],
            "partners": [],
            "themes": ["housing"],
            "target_groups": [],
            "funding_streams": ["s1"],
            "funders": ["f"],
            "amount_eur": None,  # funding3 has no amount
        },
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "QA11"}, ["action1", "action2", "action4"]),
        ({"region": "QA12"}, ["action3", "action4"]),
        ({"theme": "health"}, ["action1"]),  # mental-health is narrower
        ({"theme": "employment"}, ["action2"]),  # labour-market is narrower
        ({"theme": "culture"}, ["action1"]),
        ({"theme": "housing", "region": "QA12"}, ["action4"]),
        ({"status": "ongoing"}, ["action1"]),
        ({"status": "completed"}, ["action2"]),
        ({"target_group": "newcomers"}, ["action1"]),  # refugees is narrower
        ({"target_group": "women"}, ["action2"]),
        # periods overlapping: action3 has none, so any period leaves it out
        ({"from": "2022-01-01"}, ["action1", "action4"]),
        ({"to": "2020-12-31"}, ["action2"]),  # a year as start: 2019-01-01
        ({"from": "2020-06-15", "to": "2020-06-20"}, ["action2"]),  # a month as end: to its end
        ({"from": "2020-07-01", "to": "2020-12-31"}, []),
        ({"region": "QA11", "status": "planned", "from": "2023-06-01"}, ["action4"]),
    ],
)
def test_actions_filters(catalogue, actions_store, params, expected) -> None:
    assert column(ask(catalogue, actions_store, "actions", **params), "action") == expected


# -- funding --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def funding_store() -> GraphStore:
    return vocabulary_store(FIXTURES / "funding.ttl")


def test_funding_totals_by_theme_stream_and_funder(catalogue, funding_store) -> None:
    rows = short(ask(catalogue, funding_store, "funding"))
    assert rows == [
        # f4 and f5: an item with no theme, no funder, no amount in euros
        {
            "theme": None,
            "stream": "s-loc",
            "level": "local",
            "funder": None,
            "fundings": 2,
            "total_eur": None,
        },
        {
            "theme": "culture",
            "stream": "s-eu",
            "level": "eu",
            "funder": "eu",
            "fundings": 1,
            "total_eur": 100,
        },
        {
            "theme": "housing",
            "stream": "s-eu",
            "level": "eu",
            "funder": "eu",
            "fundings": 1,
            "total_eur": 500,
        },
        # f1 funds two mental-health actions: its 100 count once
        {
            "theme": "mental-health",
            "stream": "s-eu",
            "level": "eu",
            "funder": "eu",
            "fundings": 1,
            "total_eur": 100,
        },
        {
            "theme": "mental-health",
            "stream": "s-loc",
            "level": "local",
            "funder": "town",
            "fundings": 1,
            "total_eur": 30,
        },
    ]


def test_funding_filters(catalogue, funding_store) -> None:
    by_region = ask(catalogue, funding_store, "funding", region="QB11")
    assert column(by_region, "theme") == [None, "culture", "mental-health", "mental-health"]
    by_theme = ask(catalogue, funding_store, "funding", theme="health")
    assert [(r["theme"], r["stream"], r["total_eur"]) for r in short(by_theme)] == [
        ("mental-health", "s-eu", 100),
        ("mental-health", "s-loc", 30),
    ]
    by_level = ask(catalogue, funding_store, "funding", level="local")
    assert [(r["theme"], r["funder"]) for r in short(by_level)] == [
        (None, None),
        ("mental-health", "town"),
    ]


# -- gaps -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gaps_store() -> GraphStore:
    return vocabulary_store(FIXTURES / "gaps.ttl")


def test_gaps_of_a_region(catalogue, gaps_store) -> None:
    rows = short(ask(catalogue, gaps_store, "gaps", region="QC11"))
    # Strategies applying to QC11: the EU plan (housing, health), QC's national
    # strategy (employment), QC1's (education, by NUTS prefix), its own (housing,
    # mobility). Current actions cover health (via mental-health) and housing (no
    # status); the employment action is completed. Roundtable gaps: mobility,
    # language-acquisition; a capacity answers the language gap (g2), nothing answers
    # g1. QD11's strategy (sport) does not apply.
    assert rows == [
        {
            "region": "R",
            "theme": "education",
            "uncovered": True,
            "strategies": ["s-parent"],
            "current_actions": 0,
            "declared_gaps": [],
            "answered_by": [],
            "unanswered_gaps": [],
        },
        {
            "region": "R",
            "theme": "employment",
            "uncovered": True,
            "strategies": ["s-nat"],
            "current_actions": 0,
            "declared_gaps": [],
            "answered_by": [],
            "unanswered_gaps": [],
        },
        {
            "region": "R",
            "theme": "language-acquisition",
            "uncovered": False,
            "strategies": [],
            "current_actions": 0,
            "declared_gaps": ["g2"],
            "answered_by": ["cap1"],
            "unanswered_gaps": [],
        },
        {
            "region": "R",
            "theme": "mobility",
            "uncovered": True,
            "strategies": ["s-own"],
            "current_actions": 0,
            "declared_gaps": ["g1"],
            "answered_by": [],
            "unanswered_gaps": ["g1"],
        },
    ]


def test_gaps_of_every_region(catalogue, gaps_store) -> None:
    rows = short(ask(catalogue, gaps_store, "gaps"))
    by_region: dict[str, list[str]] = {}
    for row in rows:
        by_region.setdefault(row["region"], []).append(row["theme"])
    assert by_region == {
        "O": ["health", "housing", "sport"],
        "P1": ["education", "employment", "health", "housing"],
        "R": ["education", "employment", "language-acquisition", "mobility"],
    }
    assert all(r["uncovered"] for r in rows if r["region"] != "R")


# -- capacities -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def capacities_store() -> GraphStore:
    return vocabulary_store(FIXTURES / "capacities.ttl")


def test_capacities(catalogue, capacities_store) -> None:
    rows = short(ask(catalogue, capacities_store, "capacities"))
    cso, authority, funder = "civil-society-organisation", "local-authority", "funder"
    assert rows == [
        # region IRIs sort .../O before .../R
        {
            "region": "O",
            "organisation": "o2",
            "theme": "housing",
            "capacities": ["c3"],
            "actions": [],
            "gaps_answered": [],
            "categories": [funder, authority],
        },
        {
            "region": "R",
            "organisation": "o1",
            "theme": "culture",
            "capacities": [],
            "actions": ["a1"],
            "gaps_answered": [],
            "categories": [cso],
        },
        {
            "region": "R",
            "organisation": "o1",
            "theme": "language-acquisition",
            "capacities": ["c1", "c2"],
            "actions": ["a1"],
            "gaps_answered": ["g1"],
            "categories": [cso],
        },
        {
            "region": "R",
            "organisation": "o2",
            "theme": "culture",
            "capacities": [],
            "actions": ["a1"],  # as a partner
            "gaps_answered": [],
            "categories": [funder, authority],
        },
        {
            "region": "R",
            "organisation": "o2",
            "theme": "language-acquisition",
            "capacities": [],
            "actions": ["a1"],
            "gaps_answered": [],
            "categories": [funder, authority],
        },
    ]


def test_capacities_filters(catalogue, capacities_store) -> None:
    in_region = ask(catalogue, capacities_store, "capacities", region="QE11")
    assert [(r["organisation"], r["theme"]) for r in short(in_region)] == [
        ("o1", "culture"),
        ("o1", "language-acquisition"),
        ("o2", "culture"),
        ("o2", "language-acquisition"),
    ]
    by_theme = ask(catalogue, capacities_store, "capacities", theme="intercultural-exchange")
    assert [(r["organisation"], r["theme"]) for r in short(by_theme)] == [
        ("o1", "culture"),  # culture is narrower than intercultural exchange
        ("o2", "culture"),
    ]
    housing = ask(catalogue, capacities_store, "capacities", theme="housing")
    assert short(housing)[0]["capacities"] == ["c3"]
    assert short(housing)[0]["region"] == "O"


# -- strategy-coverage ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def coverage_store() -> GraphStore:
    return vocabulary_store(FIXTURES / "strategy-coverage.ttl")


def test_strategy_coverage_where_each_strategy_applies(catalogue, coverage_store) -> None:
    rows = short(ask(catalogue, coverage_store, "strategy-coverage"))
    assert rows == [
        # EU: health covered in QF11 (mental-health); housing only by a completed action
        {
            "strategy": "s-eu",
            "level": "eu",
            "themes": 3,
            "covered_themes": 1,
            "coverage": pytest.approx(1 / 3),
            "uncovered_themes": ["employment", "housing"],
            "assessments": [],
            "assessed_gaps": [],
        },
        # national, applies in both regions: education covered in QF12 (planned)
        {
            "strategy": "s-nat",
            "level": "national",
            "themes": 2,
            "covered_themes": 1,
            "coverage": pytest.approx(0.5),
            "uncovered_themes": ["mobility"],
            # an assessment (as1) found mobility not covered, education covered
            "assessments": ["as1"],
            "assessed_gaps": ["mobility"],
        },
        # QF11's plan: the sport action runs in QF12, where the plan does not apply
        {
            "strategy": "s-r1",
            "level": "regional",
            "themes": 2,
            "covered_themes": 0,
            "coverage": 0,
            "uncovered_themes": ["culture", "sport"],
            "assessments": [],
            "assessed_gaps": [],
        },
    ]


def test_strategy_coverage_in_one_region_and_by_level(catalogue, coverage_store) -> None:
    rows = short(ask(catalogue, coverage_store, "strategy-coverage", region="QF12"))
    assert [(r["strategy"], r["themes"], r["covered_themes"]) for r in rows] == [
        ("s-eu", 3, 0),  # its covered theme (health) is covered in QF11 only
        ("s-nat", 2, 1),
    ]
    rows = short(ask(catalogue, coverage_store, "strategy-coverage", region="QF11"))
    assert [(r["strategy"], r["covered_themes"]) for r in rows] == [
        ("s-eu", 1),
        ("s-nat", 0),
        ("s-r1", 0),
    ]
    rows = short(ask(catalogue, coverage_store, "strategy-coverage", level="national"))
    assert [r["strategy"] for r in rows] == ["s-nat"]


# -- region-comparison ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def comparison_store() -> GraphStore:
    return vocabulary_store(FIXTURES / "region-comparison.ttl")


def _cells(table: Table) -> dict[tuple[str, str], tuple[int, int, int]]:
    return {
        (r["region"], r["theme"]): (r["actions"], r["capacities"], r["declared_gaps"])
        for r in short(table)
    }


def test_region_comparison_matrix(catalogue, comparison_store) -> None:
    table = ask(catalogue, comparison_store, "region-comparison")
    themes = len(
        resolve(
            catalogue["region-comparison"], {"theme": "health"}, store_runner(comparison_store)
        )["theme"].terms
    )
    assert themes == 3
    all_themes = {
        r[0]
        for r in store_runner(comparison_store)(
            "SELECT ?c WHERE { ?c <http://www.w3.org/2004/02/skos/core#inScheme> "
            "<https://w3id.org/sira/id/scheme/theme> }"
        )[1]
    }
    cells = _cells(table)
    assert len(cells) == len(table.rows) == 2 * len(all_themes)  # every pair, zeros included
    assert cells["R1", "health"] == (2, 0, 1)  # a1 (mental-health) + a2; g1 (reproductive)
    assert cells["R1", "mental-health"] == (1, 0, 0)
    assert cells["R1", "reproductive-health"] == (0, 0, 1)
    assert cells["R2", "housing"] == (1, 1, 0)
    assert cells["R1", "housing"] == (0, 0, 0)
    assert {r["nuts_code"] for r in short(table)} == {"QG11", "QG12"}
    nonzero = {k for k, v in cells.items() if any(v)}
    assert nonzero == {
        ("R1", "health"),
        ("R1", "mental-health"),
        ("R1", "reproductive-health"),
        ("R2", "housing"),
    }


def test_region_comparison_filters(catalogue, comparison_store) -> None:
    cells = _cells(ask(catalogue, comparison_store, "region-comparison", theme="health"))
    assert set(cells) == {
        (region, theme)
        for region in ("R1", "R2")
        for theme in ("health", "mental-health", "reproductive-health")
    }
    rural = _cells(
        ask(catalogue, comparison_store, "region-comparison", urban_rural="predominantly-rural")
    )
    assert {region for region, _ in rural} == {"R1"}
    ongoing = _cells(ask(catalogue, comparison_store, "region-comparison", status="ongoing"))
    assert ongoing["R1", "health"] == (1, 0, 1)  # the completed a2 no longer counts


# -- stakeholders ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stakeholders_store() -> GraphStore:
    return vocabulary_store(FIXTURES / "stakeholders.ttl")


def _members(table: Table) -> dict[tuple[str, str], tuple]:
    return {
        (r["platform"], r["organisation"]): (r["region"], r["categories"], r["roles"])
        for r in short(table)
    }


def test_stakeholders(catalogue, stakeholders_store) -> None:
    table = ask(catalogue, stakeholders_store, "stakeholders")
    assert len(table.rows) == 4
    assert _members(table) == {
        ("P1", "o1"): ("R1", ["civil-society-organisation"], ["member"]),
        # two memberships, one row, both roles
        ("P1", "o2"): ("R1", ["funder", "local-authority"], ["coordinator", "member"]),
        ("P2", "o1"): ("R2", ["civil-society-organisation"], []),
        ("P2", "o3"): ("R2", ["national-agency"], ["facilitator"]),
    }
    assert [r["platform"] for r in short(table)] == ["P1", "P1", "P2", "P2"]


def test_stakeholders_filters(catalogue, stakeholders_store) -> None:
    assert set(_members(ask(catalogue, stakeholders_store, "stakeholders", region="QH12"))) == {
        ("P2", "o1"),
        ("P2", "o3"),
    }
    by_category = ask(catalogue, stakeholders_store, "stakeholders", category="funder")
    assert set(_members(by_category)) == {("P1", "o2")}
    by_role = _members(ask(catalogue, stakeholders_store, "stakeholders", role="coordinator"))
    assert by_role == {("P1", "o2"): ("R1", ["funder", "local-authority"], ["coordinator"])}


# -- target-groups --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def groups_store() -> GraphStore:
    return vocabulary_store(FIXTURES / "target-groups.ttl")


def test_target_groups(catalogue, groups_store) -> None:
    rows = short(ask(catalogue, groups_store, "target-groups"))
    assert rows == [
        {
            "target_group": "asylum-seekers",
            "activity": "a1",
            "kind": "Action",
            "regions": ["R1"],
            "organisations": ["o1"],
        },
        {
            "target_group": "local-community",
            "activity": "e1",
            "kind": "Event",
            "regions": ["R1"],
            "organisations": ["o2"],
        },
        {
            "target_group": "newcomers",
            "activity": "p1",
            "kind": "Project",
            "regions": ["R2"],
            "organisations": [],
        },
        {
            "target_group": "refugees",
            "activity": "a1",
            "kind": "Action",
            "regions": ["R1"],
            "organisations": ["o1"],
        },
        # e2 (women, no region) is left out
        {
            "target_group": "women",
            "activity": "a2",
            "kind": "PilotAction",
            "regions": ["R2"],
            "organisations": ["o2"],
        },
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"urban_rural": "predominantly-rural"},
            [("asylum-seekers", "a1"), ("local-community", "e1"), ("refugees", "a1")],
        ),
        ({"urban_rural": "intermediate"}, [("newcomers", "p1"), ("women", "a2")]),
        ({"urban_rural": "predominantly-urban"}, []),
        ({"region": "QI12"}, [("newcomers", "p1"), ("women", "a2")]),
        (
            {"target_group": "newcomers"},  # and the narrower groups
            [("asylum-seekers", "a1"), ("newcomers", "p1"), ("refugees", "a1")],
        ),
    ],
)
def test_target_groups_filters(catalogue, groups_store, params, expected) -> None:
    rows = short(ask(catalogue, groups_store, "target-groups", **params))
    assert [(r["target_group"], r["activity"]) for r in rows] == expected


# -- resources ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def resources_store() -> GraphStore:
    return vocabulary_store(FIXTURES / "resources.ttl")


def test_resources(catalogue, resources_store) -> None:
    rows = {r["resource"]: r for r in short(ask(catalogue, resources_store, "resources"))}
    assert set(rows) == {"series", "issue1", "issue2", "report", "toolkit", "ev"}
    assert rows["issue2"] == {
        "resource": "issue2",
        "kind": "Publication",
        "type": "newsletter-issue",
        "date": "2021-01-15",
        "languages": ["ENG", "FRA"],
        "series": "series",
        "publishers": [],
        "linked_to": [],
    }
    assert rows["ev"]["kind"] == "Event"
    assert rows["ev"]["type"] == "workshop"
    assert rows["ev"]["date"] == "2022-05-01"
    assert rows["ev"]["publishers"] == ["org2"]
    assert rows["report"]["linked_to"] == ["act"]
    assert rows["issue1"]["date"] == "2020-03"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"language": "fr"}, {"series", "issue1", "issue2"}),
        ({"language": "FRA"}, {"series", "issue1", "issue2"}),
        ({"language": "en"}, {"issue2", "ev"}),
        ({"language": "el"}, {"report"}),
        ({"language": "de"}, set()),  # a language of the EU, but nothing in German
        # through its own region, its series' region, a linked action: not the toolkit
        ({"region": "QJ11"}, {"series", "issue1", "issue2", "report", "ev"}),
        ({"region": "QJ11", "language": "en"}, {"issue2", "ev"}),
    ],
)
def test_resources_filters(catalogue, resources_store, params, expected) -> None:
    rows = short(ask(catalogue, resources_store, "resources", **params))
    assert {r["resource"] for r in rows} == expected


def test_resources_are_ordered_by_language(catalogue, resources_store) -> None:
    rows = short(ask(catalogue, resources_store, "resources", region="QJ11"))
    languages = [" ".join(r["languages"]) for r in rows]
    assert languages == sorted(languages)


# -- funders --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def funders_store() -> GraphStore:
    return vocabulary_store(FIXTURES / "funders.ttl")


def test_funders(catalogue, funders_store) -> None:
    rows = short(ask(catalogue, funders_store, "funders"))
    assert rows == [
        # the grant names its funder; no amount: no total
        {
            "funder": "agency",
            "stream": "s-nat",
            "level": "national",
            "fundings": 1,
            "funded_items": ["p1"],
            "themes": [],
            "total_eur": None,
        },
        # f1 funds two actions: its 100 count once, plus f2's 50
        {
            "funder": "eu",
            "stream": "s-eu",
            "level": "eu",
            "fundings": 2,
            "funded_items": ["a1", "a2", "a3"],
            "themes": ["health", "housing", "sport"],
            "total_eur": 150,
        },
        # f5 is in US dollars: a grant, not in the euro total
        {
            "funder": "town",
            "stream": "s-town",
            "level": "local",
            "fundings": 2,
            "funded_items": ["a1", "a2"],
            "themes": ["health", "housing"],
            "total_eur": 20,
        },
    ]


def test_funders_filters(catalogue, funders_store) -> None:
    rows = short(ask(catalogue, funders_store, "funders", region="QK12"))
    assert [(r["funder"], r["fundings"], r["funded_items"], r["total_eur"]) for r in rows] == [
        ("agency", 1, ["p1"], None),
        ("eu", 1, ["a3"], 50),
    ]
    for value in ("Town of Example", "ville d'exemple", "http://example.org/funders/town"):
        rows = short(ask(catalogue, funders_store, "funders", funder=value))
        assert [r["funder"] for r in rows] == ["town"], value
    assert [r["stream"] for r in short(ask(catalogue, funders_store, "funders", level="eu"))] == [
        "s-eu"
    ]


# -- the Saône-et-Loire graph ---------------------------------------------------------------------

SL = "https://w3id.org/sira/id/"


def test_saone_et_loire_stakeholders_are_the_eight_members_with_their_categories(
    catalogue, saone_et_loire
) -> None:
    table = ask(catalogue, saone_et_loire, "stakeholders", region="FRC13")
    members = {r["organisation"]: r["categories"] for r in short(table)}
    assert members == {
        "villages-solidaires": ["civil-society-organisation"],
        "association-le-pont": ["civil-society-organisation"],
        "viltais": ["civil-society-organisation"],
        "town-hall-genelard": ["local-authority"],
        "ofii-dijon": ["regional-agency"],
        "adoma": ["mainstream-service-provider"],
        "ftj-le-creusot": ["mainstream-service-provider"],
        "pole-emploi-digoin": ["public-employment-body"],
    }
    assert {r["platform"] for r in short(table)} == {"saone-et-loire"}
    assert {tuple(r["roles"]) for r in short(table)} == {("member",)}
    # Humanity implements the pilot action but is not a member
    assert "humanity" not in members
    french = ask(catalogue, saone_et_loire, "stakeholders", lang="fr", region="FRC13")
    labels = {r["organisation_label"] for r in french.rows}
    assert "Mairie de Génelard" in labels and "OFII de Dijon" in labels


def test_saone_et_loire_newsletters_by_language(catalogue, saone_et_loire) -> None:
    table = ask(catalogue, saone_et_loire, "resources", lang="fr", language="fr")
    rows = short(table)
    issues = sorted((r["date"], r["series"]) for r in rows if r["type"] == "newsletter-issue")
    assert issues == [
        ("2020-03", "viltais-newsletter"),
        ("2020-07", "viltais-newsletter"),
        ("2021-02", "viltais-newsletter"),
        ("2021-04", "viltais-newsletter"),
    ]
    # every publication with a stated language in French is Saône-et-Loire's
    assert {r["resource"] for r in rows} == {
        "viltais-newsletter",
        "viltais-newsletter-1",
        "viltais-newsletter-3",
        "viltais-newsletter-5",
        "viltais-newsletter-8",
        "humanity-journal",
        "portrait-of-anwar",
    }
    assert all(r["languages"] == ["FRA"] for r in rows)
    assert {r["languages_label"][0] for r in table.rows} == {"français"}
    assert "Lettre d'information n° 5" in {r["resource_label"] for r in table.rows}
    # in English: the Look & Learn visit report only (the project graph)
    english = short(ask(catalogue, saone_et_loire, "resources", language="en"))
    assert [(r["resource"], r["languages"]) for r in english] == [
        ("share-sira-look-and-learn-report-siguenza", ["ENG"])
    ]


def test_saone_et_loire_actions_funding_and_target_groups(catalogue, saone_et_loire) -> None:
    actions = short(ask(catalogue, saone_et_loire, "actions", region="FRC13"))
    assert [(a["action"], a["implementers"], a["places"]) for a in actions] == [
        ("make-a-wish", ["humanity"], ["montceau-les-mines"])
    ]
    # the activity report names its cultural projects; no source gives a period or status
    assert (actions[0]["themes"], actions[0]["status"], actions[0]["start"]) == (
        ["culture"],
        None,
        None,
    )
    funders = short(ask(catalogue, saone_et_loire, "funders", region="FRC13"))
    # Entraide Pierre Valdo: 12,000 euros of seed funding per French department
    assert funders == [
        {
            "funder": "share-sira-consortium",
            "stream": "share-sira-pilot-seed-funding",
            "level": None,  # no page says which level the seed money came from
            "fundings": 1,
            "funded_items": ["make-a-wish"],
            "themes": ["culture"],
            "total_eur": 12000,
        }
    ]
    groups = short(
        ask(catalogue, saone_et_loire, "target-groups", urban_rural="predominantly-rural")
    )
    # the regions a source calls predominantly rural: Saône-et-Loire and Teruel
    assert [(g["target_group"], g["activity"]) for g in groups] == [
        ("asylum-seekers", "integrating-beyond"),
        ("asylum-seekers", "humanity-social-cafe"),
        ("local-community", "integrating-beyond"),
        ("local-community", "humanity-social-cafe"),
        ("migrants", "integrating-beyond"),
        ("refugees", "integrating-beyond"),
        ("refugees", "humanity-social-cafe"),
        ("women", "integrating-beyond"),
        ("young-people", "integrating-beyond"),
    ]
    # no gap is declared for Saône-et-Loire; the EU and French strategies' themes that no
    # action there covers are listed (11 themes; culture, the pilot's, is in none)
    gaps = short(ask(catalogue, saone_et_loire, "gaps", region="FRC13"))
    assert [r["declared_gaps"] for r in gaps] == [[]] * 11
    assert {
        r["theme"] for r in gaps if "fr-national-refugee-integration-2018" in r["strategies"]
    } == {
        "housing",
        "language-acquisition",
    }
    matrix = short(ask(catalogue, saone_et_loire, "region-comparison", theme="health"))
    # every region, for health and its narrower themes; only Mazovia's pilot is on health
    assert {r["nuts_code"] for r in matrix} == {
        "FRC13",
        "FRL06",
        "FRK24",
        "FRI21",
        "ES242",
        "ES417",
        "ES424",
        "PL9",
        "PL51",
        "EL611",
    }
    assert {r["nuts_code"] for r in matrix if r["actions"]} == {"PL9"}


# -- the header format ----------------------------------------------------------------------------

GOOD = """\
#+ title_en: A test question
#+ title_fr: Une question de test
#+ description_en: Lists the regions,
#+   on two lines.
#+ description_fr: Liste les régions.
#+ param region: type=region required=true example=QA11
#+   description_en="The region" description_fr="La région"
#+ param status: type=concept scheme=action-status default=ongoing
#+ column region: type=iri title_en=Region title_fr="Région"
#+ column code: type=string title_en=Code title_fr=Code
#+ column status: type=iri title_en=Status title_fr=Statut
# A plain comment: `VALUES ?nothing { UNDEF }` here is not a slot.
PREFIX sira: <https://w3id.org/sira/ns#>
SELECT ?region ?code ?status WHERE {
  VALUES ?region { UNDEF }
  VALUES ?status { UNDEF }
  ?region sira:nutsCode ?code .
}
"""


def test_a_header_is_parsed_with_continuations_and_quotes() -> None:
    question = parse_question(GOOD, "test-question")
    assert question.title == {"en": "A test question", "fr": "Une question de test"}
    assert question.description["en"] == "Lists the regions, on two lines."
    region, status = question.params
    assert (region.name, region.type, region.required, region.example) == (
        "region",
        "region",
        True,
        "QA11",
    )
    assert region.description == {"en": "The region", "fr": "La région"}
    assert (status.type, status.scheme, status.default, status.required) == (
        "concept",
        "action-status",
        "ongoing",
        False,
    )
    assert [(c.name, c.type) for c in question.columns] == [
        ("region", "iri"),
        ("code", "string"),
        ("status", "iri"),
    ]
    assert question.columns[0].title["fr"] == "Région"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("#+ title_fr: Une question de test\n", ""), "title_fr and description_fr"),
        (("type=region required", "type=place required"), "type must be one of"),
        (("scheme=action-status ", ""), "needs scheme=NAME"),
        (("  VALUES ?status { UNDEF }\n", ""), "no `VALUES ?status { UNDEF }` slot"),
        (("  ?region sira:", "  VALUES ?other { UNDEF }\n  ?region sira:"), "?other is not"),
        (("#+ column code: type=string", "#+ column kode: type=string"), "are not the SELECT"),
        (("#+ column code: type=string", "#+ column code: type=text"), "column type must be"),
        (("required=true", "required=maybe"), "expected true or false"),
        (("#+ param status:", "#+ param lang:"), "reserved"),
        (("#+ title_en:", "#+ tittle_en:"), "unknown header entry"),
        (('description_fr="La région"', 'description_fr="La région'), "No closing quotation"),
        (("SELECT ?region", "SELEKT ?region"), "test-question"),
        # SPARQLWrapper would read "address" as an ADD (an update) and send it so
        (("Lists the regions,", "Lists the address of regions,"), "'add' comes before SELECT"),
    ],
)
def test_a_malformed_header_says_what_is_wrong(change, message) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(CatalogueError, match=message.replace("?", r"\?").replace("{", r"\{")):
        parse_question(GOOD.replace(old, new), "test-question")


def test_defaults_apply_and_required_parameters_are_required(actions_store) -> None:
    question = parse_question(GOOD, "test-question")
    runner = store_runner(actions_store)
    resolved = resolve(question, {"region": "QA11"}, runner)
    assert resolved["status"].value == "ongoing"
    assert [t.value for t in resolved["status"].terms] == [
        "https://w3id.org/sira/id/action-status/ongoing"
    ]
    with pytest.raises(ParameterError) as missing:
        resolve(question, {}, runner)
    assert "needs the parameter 'region'" in missing.value.message
    assert missing.value.details["valid_values"] == ["QA11", "QA12"]
    assert missing.value.status == 400


# -- parameters: resolution and binding -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "params", "parameter", "valid"),
    [
        ("actions", {"region": HOSTILE}, "region", ["QA11", "QA12"]),
        ("actions", {"region": "http://example.org/actions/a"}, "region", ["QA11", "QA12"]),
        ("actions", {"theme": HOSTILE}, "theme", ["housing", "health", "mental-health"]),
        ("actions", {"status": "finished"}, "status", ["completed", "ongoing", "planned"]),
        ("actions", {"from": HOSTILE}, "from", ["YYYY-MM-DD"]),
        ("actions", {"to": "2021-02-30"}, "to", ["YYYY-MM-DD"]),
        ("resources", {"language": HOSTILE}, "language", ["fr", "FRA"]),
        ("funders", {"funder": HOSTILE}, "funder", ["Funder F", "Org A"]),
        ("actions", {"regio": "QA11"}, "regio", ["region", "theme", "status"]),
    ],
)
def test_a_value_that_names_nothing_is_refused_with_the_valid_values(
    catalogue, actions_store, name, params, parameter, valid
) -> None:
    before = len(actions_store)
    with pytest.raises(ParameterError) as refused:
        ask(catalogue, actions_store, name, **params)
    assert refused.value.status == 400
    assert refused.value.details["parameter"] == parameter
    assert set(valid) <= set(refused.value.details["valid_values"])
    assert len(actions_store) == before


def test_a_parameter_given_twice_or_empty_is_refused(catalogue, actions_store) -> None:
    runner = store_runner(actions_store)
    with pytest.raises(ParameterError, match="given 2 times"):
        resolve(catalogue["actions"], {"region": ["QA11", "QA12"]}, runner)
    with pytest.raises(ParameterError, match="empty"):
        resolve(catalogue["actions"], {"region": " "}, runner)


def test_values_are_bound_as_terms_never_as_text(catalogue, actions_store) -> None:
    question = catalogue["actions"]
    before = len(actions_store)
    # Even a literal made of SPARQL syntax stays one term: the query finds nothing.
    hostile = ox.Literal(HOSTILE)
    text = question.bind({"region": [hostile], "theme": [hostile]})
    assert text.count('VALUES ?region { "\\"> } ; DROP ALL #" }') == 1
    _, rows = store_runner(actions_store)(text)
    assert rows == []
    assert len(actions_store) == before
    # and an IRI cannot be made of it at all
    with pytest.raises(ValueError):
        ox.NamedNode('http://example.org/"> } ; DROP ALL #')
    # unbound, the slots filter nothing: the raw file is the question without parameters
    _, raw_rows = store_runner(actions_store)(question.sparql)
    assert len(raw_rows) == 4


def test_only_slots_outside_comments_are_bound() -> None:
    question = parse_question(GOOD, "test-question")
    text = question.bind({"region": [ox.NamedNode("http://example.org/r")]})
    assert "VALUES ?region { <http://example.org/r> }" in text
    assert "`VALUES ?nothing { UNDEF }` here" in text
    assert "VALUES ?status { UNDEF }" in text


# -- labels and output formats --------------------------------------------------------------------


def test_labels_in_the_language_asked_then_english(catalogue, actions_store) -> None:
    french = {r["action"]: r for r in ask(catalogue, actions_store, "actions", lang="fr").rows}
    first = french["http://example.org/actions/action1"]
    assert first["action_label"] == "Action un"
    assert first["status_label"] == "En cours"
    assert first["regions_label"] == ["Région QA11"]
    assert first["implementers_label"] == ["Org A"]  # no French label: the English one
    assert sorted(first["themes_label"]) == ["Activités culturelles", "Santé mentale"]
    english = {r["action"]: r for r in ask(catalogue, actions_store, "actions").rows}
    assert english["http://example.org/actions/action1"]["action_label"] == "Action one"
    greek = {r["action"]: r for r in ask(catalogue, actions_store, "actions", lang="el").rows}
    assert greek["http://example.org/actions/action1"]["action_label"] == "Action one"


def test_gaps_and_capacities_are_labelled_by_their_description(catalogue, gaps_store) -> None:
    rows = ask(catalogue, gaps_store, "gaps", region="QC11").rows
    mobility = next(r for r in rows if r["theme"].endswith("/mobility"))
    assert mobility["declared_gaps_label"] == ["No transport to the training centre"]


def test_json_answer_shape(catalogue, actions_store) -> None:
    table = ask(catalogue, actions_store, "actions", region="QA12", status="planned")
    data = table.to_json()
    assert set(data) >= {"question", "parameters", "columns", "rows"}
    assert data["question"]["name"] == "actions"
    assert data["parameters"]["region"] == {
        "value": "QA12",
        "terms": ["http://example.org/actions/R2"],
        "labels": ["Region QA12"],
    }
    names = [c["name"] for c in data["columns"]]
    assert names[:4] == ["action", "action_label", "status", "status_label"]
    assert {c["label_of"] for c in data["columns"] if "label_of" in c} == {
        c.name for c in catalogue["actions"].columns if c.type in ("iri", "iri-list")
    }
    assert data["rows"] == [dict(zip(names, row.values(), strict=True)) for row in data["rows"]]
    assert data["row_count"] == 1 and data["rows"][0]["action_label"] == "Action four"


def test_csv_answer_is_a_plain_table(catalogue, actions_store) -> None:
    table = ask(catalogue, actions_store, "actions")
    text = table.to_csv()
    reader = list(csv.reader(io.StringIO(text)))
    assert reader[0] == [c["name"] for c in table.columns]
    assert len(reader) == 1 + len(table.rows)
    rows = list(csv.DictReader(io.StringIO(text)))
    first = rows[0]
    assert first["action"] == "http://example.org/actions/action1"
    assert first["amount_eur"] == "1200.5"
    assert first["themes"] == (
        "https://w3id.org/sira/id/theme/culture | https://w3id.org/sira/id/theme/mental-health"
    )
    assert rows[2]["amount_eur"] == "" and rows[2]["status"] == ""


def test_text_table_shows_labels(catalogue, actions_store) -> None:
    text = ask(catalogue, actions_store, "actions", region="QA12").to_table()
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["action", "status", "start"]
    assert "Action three" in text and "Action four" in text
    assert "Org A" in text and "Region QA11, Region QA12" in text
    assert lines[-1] == "(2 rows)"


def test_the_documentation_names_every_question_and_parameter(catalogue) -> None:
    text = (REPO / "docs" / "questions.md").read_text(encoding="utf-8")
    for question in catalogue.values():
        assert f"| `{question.name}` |" in text, question.name
        row = next(line for line in text.splitlines() if line.startswith(f"| `{question.name}` |"))
        for param in question.params:
            assert f"`{param.name}`" in row, (question.name, param.name)


# -- paging ------------------------------------------------------------------------------------


def _pages(question: Question, store: GraphStore, size: int) -> list[Table]:
    runner = store_runner(store)
    pages = [answer(question, {}, runner, "en", size, 0)]
    while pages[-1].more:
        pages.append(answer(question, {}, runner, "en", size, pages[-1].next_offset))
    return pages


@pytest.mark.parametrize(
    ("name", "fixture"),
    [
        ("actions", "actions_store"),
        ("capacities", "capacities_store"),
        ("funding", "funding_store"),
        ("funders", "funders_store"),
        ("gaps", "gaps_store"),
        ("target-groups", "groups_store"),
        ("resources", "resources_store"),
    ],
)
@pytest.mark.parametrize("size", [1, 2, 3])
def test_pages_put_together_are_the_whole_answer(catalogue, request, name, fixture, size) -> None:
    store = request.getfixturevalue(fixture)
    whole = answer(catalogue[name], {}, store_runner(store))
    assert len(whole.rows) >= 2 and not whole.more and whole.limit is None
    pages = _pages(catalogue[name], store, size)
    assert len(pages) == -(-len(whole.rows) // size)  # no empty last page: limit+1 was asked
    assert [row for page in pages for row in page.rows] == whole.rows
    assert [p.offset for p in pages] == list(range(0, len(whole.rows), size))
    assert all(len(p.rows) == size for p in pages[:-1]) and not pages[-1].more


def test_actions_and_capacities_are_paged_in_their_inner_select(catalogue) -> None:
    inner = {"actions": ("action",), "capacities": ("region", "organisation", "theme")}
    for name, order in inner.items():
        question = catalogue[name]
        assert question.page_order == order
        paged = question.page(question.bind({}), 11, 20)
        slot = next(line for line in paged.splitlines() if "LIMIT" in line)
        expected = "ORDER BY " + " ".join("?" + v for v in order) + " LIMIT 11 OFFSET 20"
        assert slot.strip() == expected
        assert not paged.rstrip().endswith("OFFSET 20")  # not at the end: inside
        assert question.page(question.sparql, None, 0) == question.sparql  # raw: no page
    funding = catalogue["funding"]
    assert funding.page_order == ()
    assert funding.page(funding.sparql, 5, 0).rstrip().endswith("LIMIT 5")


def test_page_takes_only_integers(catalogue) -> None:
    question = catalogue["actions"]
    for bad in ("5 } DROP ALL", 5.0, -1, True):
        with pytest.raises(ValueError):
            question.page(question.sparql, bad, 0)  # type: ignore[arg-type]
    for raw in ("0", "-3", "ten", "1e3", "5; DROP", "٣", "99999999999"):
        with pytest.raises(ParameterError) as caught:
            check_page(raw, None, 1000)
        assert caught.value.details["parameter"] == "limit" and "limit=" in caught.value.message
    with pytest.raises(ParameterError, match="offset="):
        check_page(None, "-1", 1000)
    assert check_page("5000", "7", 1000) == (1000, 7)  # capped by max_result_rows
    assert check_page(None, None, 1000) == (None, 0)


@pytest.mark.parametrize(
    ("entry", "slot", "needle"),
    [
        ("inner ?action", "", "exactly one `# [page]` slot"),
        ("inner ?action", "    # [page]\n    # [page]\n", "exactly one"),
        ("inner", "    # [page]\n", "expected `#+ page: inner ?var"),
        ("inner ?nope", "    # [page]\n", "?nope is not a column"),
        ("outer", "    # [page]\n", "slot in a question paged outer"),
        ("sideways", "", "expected `#+ page: inner ?var"),
    ],
)
def test_a_bad_page_entry_is_a_catalogue_error(entry, slot, needle) -> None:
    text = (
        "#+ title_en: T\n#+ title_fr: T\n#+ description_en: D\n#+ description_fr: D\n"
        f"#+ column action: type=iri\n#+ page: {entry}\n"
        "SELECT ?action WHERE {\n  {\n    SELECT DISTINCT ?action WHERE { ?action a ?c }\n"
        f"{slot}  }}\n}}\nORDER BY ?action\n"
    )
    with pytest.raises(CatalogueError, match=re.escape(needle)):
        parse_question(text, "paged")


@pytest.fixture(scope="module")
def many_regions() -> GraphStore:
    """Synthetic data of 40 regions (sira-kg synth), more than a page prefix of 16."""
    import io as _io

    from sira_kg.loaders.synth import write_synth

    out = _io.StringIO()
    write_synth(out, regions=40, actions=12, seed=3)
    store = vocabulary_store()
    store.ox.load(out.getvalue().encode(), format=ox.RdfFormat.N_QUADS)
    return store


@pytest.mark.parametrize(("limit", "offset"), [(5, 0), (50, 0), (50, 90), (300, 100), (7, 900)])
def test_a_page_found_among_the_first_regions_is_the_page_of_the_whole_answer(
    catalogue, many_regions, limit, offset
) -> None:
    question = catalogue["capacities"]
    assert question.page_prefix == ("region", "https://w3id.org/sira/ns#region")
    whole = answer(question, {}, store_runner(many_regions), "en")
    assert len(whole.rows) > 1000  # several regions' worth of rows per page of the test
    asked: list[str] = []
    runner = store_runner(many_regions)

    def recording(sparql: str) -> Rows:
        asked.append(sparql)
        return runner(sparql)

    page = answer(question, {}, recording, "en", limit, offset)
    assert page.rows == whole.rows[offset : offset + limit]
    assert page.more is (offset + limit < len(whole.rows))
    prefixed = [s for s in asked if re.search(r"VALUES \?region \{ <", s)]
    if offset + limit < 16 * len(whole.rows) // 40 // 2:  # surely within 16 regions
        assert prefixed, "the page was not looked for among the first regions"
        assert (
            len(
                re.findall(
                    r"<[^>]+/region/[^>]+>", prefixed[0].split("VALUES ?region")[1].split("}")[0]
                )
            )
            == 16
        )


def test_with_a_region_given_no_prefix_is_tried(catalogue, many_regions) -> None:
    asked: list[str] = []
    runner = store_runner(many_regions)

    def recording(sparql: str) -> Rows:
        asked.append(sparql)
        return runner(sparql)

    code = runner("SELECT ?c WHERE { ?r <https://w3id.org/sira/ns#nutsCode> ?c } LIMIT 1")[1][0][0]
    page = answer(catalogue["capacities"], {"region": code.value}, recording, "en", 5)
    assert page.rows and not any("SELECT DISTINCT ?v" in s for s in asked)


@pytest.mark.parametrize(
    ("entry", "needle"),
    [
        ("?nope sira:region", "needs ?nope to be a parameter and the first variable"),
        ("?action", "expected `#+ page_prefix: ?var predicate`"),
        ("action sira:region", "expected `#+ page_prefix: ?var predicate`"),
    ],
)
def test_a_bad_page_prefix_is_a_catalogue_error(entry, needle) -> None:
    text = (
        "#+ title_en: T\n#+ title_fr: T\n#+ description_en: D\n#+ description_fr: D\n"
        "#+ param action: type=resource class=sira:Action\n"
        f"#+ column action: type=iri\n#+ page: inner ?action\n#+ page_prefix: {entry}\n"
        "SELECT ?action WHERE {\n  {\n    SELECT DISTINCT ?action WHERE {\n"
        "      VALUES ?action { UNDEF } ?action a ?c }\n    # [page]\n  }\n}\nORDER BY ?action\n"
    )
    with pytest.raises(CatalogueError, match=re.escape(needle)):
        parse_question(text, "paged")


def test_a_row_limit_under_the_prefix_sizes_falls_back_to_the_whole_query(
    catalogue, many_regions
) -> None:
    from sira_kg.endpoint.evaluation import QueryFailed

    question = catalogue["capacities"]
    whole = answer(question, {}, store_runner(many_regions), "en")
    limited = store_runner(many_regions, max_rows=30)  # fewer than 65 regions listed
    with pytest.raises(QueryFailed):
        limited("SELECT ?s WHERE { ?s ?p ?o }")
    page = answer(question, {}, limited, "en", 5, 10)
    assert page.rows == whole.rows[10:15]
