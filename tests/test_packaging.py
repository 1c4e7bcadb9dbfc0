"""A plain `pip install .` ships the vocabulary, shapes, questions and data.

The wheel is built from this checkout and installed (without dependencies)
into a fresh virtual environment; the dependencies come from the test venv's
site-packages through PYTHONPATH, which does not process the editable
install's .pth file, so `sira_kg` can only come from the wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHIPPED = ("ontology/sira.ttl", "shapes/", "queries/", "data/saone-et-loire.ttl")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (found,) = out.glob("sira_kg-*.whl")
    return found


def test_wheel_contains_the_data_folders(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for item in SHIPPED:
        assert any(n.startswith(f"sira_kg/{item}") for n in names), item


def test_installed_cli_works_from_any_directory(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = dict(os.environ, PYTHONPATH=sysconfig.get_paths()["purelib"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    located = subprocess.run(
        [str(py), "-c", "import sira_kg, sys; print(sira_kg.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(env_dir) in located.stdout, "sira_kg was not imported from the wheel"
    data = subprocess.run(
        [str(py), "-c", "from sira_kg.core.settings import Settings; print(Settings().data_dir)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(env_dir) in data.stdout
    result = subprocess.run(
        [
            str(env_dir / "bin" / "sira-kg"),
            "validate",
            str(Path(data.stdout.strip()) / "saone-et-loire.ttl"),
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
