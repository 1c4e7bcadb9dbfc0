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


def test_cli_output_into_a_closed_pipe_is_quiet(tmp_path):
    """`sira-kg synth ... | head -1`: no traceback when the reader leaves early."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sira_kg", "synth", "--regions", "40", "--actions", "40"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "Exception ignored" not in err, err


def test_cli_stats_into_a_closed_pipe_is_quiet(tmp_path):
    """The reader is gone before the first line: exit 141 and no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sira_kg", "stats", "--store", str(tmp_path / "store")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "Exception ignored" not in err, err
