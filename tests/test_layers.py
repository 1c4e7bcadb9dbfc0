"""The layers hold one way (core <- loaders, docs <- endpoint <- cli), and breaking one fails.

`make test` runs scripts/lint_imports.py on this checkout; here a copy of the
Python folders gets one forbidden import (the core reaching up into the
endpoint) and the same script, with the same contracts, must fail on it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "lint_imports.py"


def _copy_code(into: Path) -> Path:
    for folder in ("sira_kg", "loaders", "endpoint"):
        shutil.copytree(REPO / folder, into / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", into / "pyproject.toml")
    return into


def _lint(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(repo)], capture_output=True, text=True, timeout=300
    )


def test_the_layers_hold_and_an_upward_import_breaks_them(tmp_path: Path) -> None:
    repo = _copy_code(tmp_path / "repo")
    kept = _lint(repo)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "BROKEN" not in kept.stdout

    settings = repo / "sira_kg" / "core" / "settings.py"
    upward = "\n\ndef _up():\n    from sira_kg.endpoint import app\n"
    settings.write_text(settings.read_text(encoding="utf-8") + upward, encoding="utf-8")
    broken = _lint(repo)
    assert broken.returncode != 0, broken.stdout
    assert "BROKEN" in broken.stdout
    assert "sira_kg.core.settings -> sira_kg.endpoint.app" in broken.stdout
