"""docs/vocabulary.md is the diagram generated from the ontology, and shows the whole model."""

from __future__ import annotations

from pathlib import Path

from rdflib import OWL, RDF, Graph

from sira_kg import diagram
from sira_kg.core.namespaces import SIRA

ROOT = Path(__file__).resolve().parent.parent


def test_committed_page_is_generated_from_the_ontology() -> None:
    committed = (ROOT / "docs" / "vocabulary.md").read_text("utf-8")
    assert committed == diagram.generate(), "run `make docs` (python -m sira_kg.diagram)"


def test_every_class_and_the_links_between_them_are_drawn() -> None:
    graph = Graph().parse(ROOT / "ontology" / "sira.ttl")
    page = diagram.render(graph)
    for cls in graph.subjects(RDF.type, OWL.Class):
        if str(cls).startswith(str(SIRA)):
            assert f'["sira:{str(cls)[len(str(SIRA)) :]}"]' in page
    for line in (
        "sira_Action --|> prov_Activity",
        "sira_Capacity --> sira_Gap : addresses",
        "sira_Action --> sira_Gap : addresses",
        "sira_StrategyAssessment --> sira_Strategy : assessedStrategy",
        "sira_Capacity --> prov_Agent : heldBy",
    ):
        assert line in page
    assert "Organization" not in page.split("sira_Action --|>")[1].split("\n")[0]
