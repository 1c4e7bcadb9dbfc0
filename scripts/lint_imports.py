"""Check the layers (pyproject's [tool.importlinter] contracts) on the package as installed.

Why this wrapper: loaders/ and endpoint/ sit at the top of the repository (the
design's layout) and install as ``sira_kg.loaders`` and ``sira_kg.endpoint``
through ``[tool.setuptools.package-dir]``. import-linter (grimp) reads the
directory of the package that ``import sira_kg`` finds, which in a checkout is
``sira_kg/`` alone, so it would not see the mapped subpackages at all. The
Python folders are therefore laid out as the wheel lays them out, in a
temporary directory, and ``lint-imports`` runs there with this repository's
contracts.

usage: python scripts/lint_imports.py [REPO]     exit status: lint-imports'
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path


def stage(repo: Path, into: Path) -> None:
    """Copy the Python packages of ``repo`` to ``into`` where the wheel puts them."""
    config = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
    package_dir: dict[str, str] = config["tool"]["setuptools"]["package-dir"]
    for package, folder in sorted(package_dir.items()):  # parents before their children
        source = repo / folder
        if not (source / "__init__.py").is_file():  # a data folder (ontology/, shapes/, ...)
            continue
        shutil.copytree(
            source,
            into.joinpath(*package.split(".")),
            ignore=shutil.ignore_patterns("__pycache__"),
            dirs_exist_ok=True,
        )


def lint(repo: Path) -> int:
    """Run lint-imports on ``repo``'s packages as installed; its exit status."""
    repo = repo.resolve()
    lint_imports = Path(sys.executable).parent / "lint-imports"
    with tempfile.TemporaryDirectory(prefix="sira-kg-layers-") as tmp:
        stage(repo, Path(tmp))
        env = dict(os.environ, PYTHONPATH=tmp)
        return subprocess.run(
            [str(lint_imports), "--no-logo", "--no-cache", str(repo / "pyproject.toml")],
            cwd=tmp,
            env=env,
        ).returncode


if __name__ == "__main__":
    sys.exit(lint(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent.parent))
