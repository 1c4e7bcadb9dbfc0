"""The worked assessment notebook runs against a live server and finds the real answers.

Its code cells are executed in order in one namespace (what a kernel does),
without Jupyter, so the test needs nothing beyond requests and SPARQLWrapper.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "assessment.ipynb"


def test_notebook_is_valid_nbformat_4() -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    kinds = {c["cell_type"] for c in nb["cells"]}
    assert kinds == {"markdown", "code"}
    assert all(c["outputs"] == [] for c in nb["cells"] if c["cell_type"] == "code")


def test_notebook_runs_against_the_endpoint(live_server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIRA_KG_URL", live_server.url)
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    namespace: dict = {"__name__": "__notebook__"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                exec(compile("".join(cell["source"]), str(NOTEBOOK), "exec"), namespace)
    out = printed.getvalue()
    assert {q["name"] for q in namespace["questions"]} >= {
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
    # Make a wish is the one action on the Saône-et-Loire page
    assert "Make a wish" in out
    # its EUR 12,000 of Share SIRA seed funding (Entraide Pierre Valdo's article)
    assert "Share SIRA seed funding for pilot actions" in out and "12000" in out
    assert namespace["matrix"], "region-comparison CSV gave no rows"
    assert namespace["members_by_category"] == {
        "Civil society organisation": 3,
        "Mainstream service provider": 2,
        "Local authority": 1,
        "Public employment body": 1,
        "Regional agency": 1,
    }
