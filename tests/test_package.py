"""The package imports and the CLI answers."""

import subprocess
import sys

from sira_kg.core.settings import Settings


def test_resources_are_found():
    s = Settings()
    for path in (s.ontology_dir, s.shapes_dir, s.queries_dir, s.data_dir):
        assert path.is_dir(), path


def test_cli_version():
    out = subprocess.run(
        [sys.executable, "-m", "sira_kg", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("sira-kg ")
