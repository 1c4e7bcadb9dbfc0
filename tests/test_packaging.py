"""One distribution, one import name: wheels, sdists and editable installs of the layout.

loaders/ and endpoint/ sit at the top of the repository and install as
sira_kg.loaders and sira_kg.endpoint (pyproject's [tool.setuptools.package-dir]);
the vocabulary, shapes, questions and data ship inside the package.

The wheel is built from this checkout and installed (without dependencies)
into a fresh virtual environment; the dependencies come from the test venv's
site-packages through PYTHONPATH, which does not process the editable
install's .pth file, so `sira_kg` can only come from the wheel (and the test
needs no network).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHIPPED = ("ontology/sira.ttl", "shapes/", "queries/", "data/saone-et-loire.ttl")


def _build_wheel(source: Path, out: Path) -> Path:
    """``pip wheel`` of a source tree or an sdist; the wheel's path."""
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
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (found,) = out.glob("sira_kg-*.whl")
    return found


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean copy of the checkout: setuptools builds in the tree (build/, *.egg-info), and
    a build/ left by an earlier build would ship modules that no longer exist."""
    out = tmp_path_factory.mktemp("source") / "sira-kg"
    shutil.copytree(
        REPO,
        out,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "var", "*.egg-info", "__pycache__", ".*_cache"
        ),
    )
    return out


@pytest.fixture(scope="module")
def wheel(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_wheel(source, tmp_path_factory.mktemp("wheel"))


def _installed_files() -> dict[str, str]:
    """Every file of the package folders (path in the repo -> path in the wheel)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for package, folder in config["tool"]["setuptools"]["package-dir"].items():
        for path in sorted((REPO / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                inside = path.relative_to(REPO / folder).as_posix()
                out[path.relative_to(REPO).as_posix()] = package.replace(".", "/") + "/" + inside
    return out


def test_wheel_contains_the_data_folders(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for item in SHIPPED:
        assert any(n.startswith(f"sira_kg/{item}") for n in names), item


def test_wheel_installs_one_top_level_name_and_every_file(wheel: Path) -> None:
    """Only ``sira_kg`` at the top; every module, template, static file and mapping inside."""
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    tops = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
    assert tops == {"sira_kg"}
    (top_level,) = [n for n in names if n.endswith(".dist-info/top_level.txt")]
    assert archive.read(top_level).decode().split() == ["sira_kg"]
    expected = _installed_files()
    assert "endpoint/templates/base.html" in expected and "loaders/mapping/actions.toml" in expected
    missing = sorted(repo for repo, inside in expected.items() if inside not in names)
    assert not missing, f"not in the wheel (pyproject's packages / package-data): {missing}"
    stray = sorted(n for n in names if n.endswith(".py") and n not in expected.values())
    assert not stray, f"in the wheel but not in the source: {stray}"


def test_the_sdist_builds_the_same_wheel(source: Path, wheel: Path, tmp_path: Path) -> None:
    """The sdist has the top-level folders; a wheel built from it equals the direct one."""
    out = tmp_path / "sdist"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from setuptools import build_meta; build_meta.build_sdist(sys.argv[1])",
            str(out),
        ],
        cwd=source,
        check=True,
        capture_output=True,
    )
    (sdist,) = out.glob("sira_kg-*.tar.gz")
    members = {m.split("/", 1)[1] for m in tarfile.open(sdist).getnames() if "/" in m}
    assert {"loaders/__init__.py", "endpoint/app.py", "pyproject.toml"} <= members
    again = _build_wheel(sdist, tmp_path / "wheel")
    assert sorted(zipfile.ZipFile(again).namelist()) == sorted(zipfile.ZipFile(wheel).namelist())


def test_editable_install_maps_the_top_level_folders(tmp_path: Path) -> None:
    """`pip install -e .` (the Makefile's): sira_kg.loaders/.endpoint are the repo's folders,
    from any directory, and no other top-level name (loaders, endpoint) is importable."""
    spec = importlib.util.find_spec("sira_kg")
    if spec is None or spec.origin is None or Path(spec.origin).parent != REPO / "sira_kg":
        pytest.skip("sira_kg is not an editable install of this checkout")
    probe = (
        "import importlib.util, sira_kg.endpoint, sira_kg.loaders\n"
        "print(sira_kg.endpoint.__file__)\n"
        "print(sira_kg.loaders.__file__)\n"
        "print([n for n in ('loaders', 'endpoint') if importlib.util.find_spec(n)])\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert found[:3] == [
        str(REPO / "endpoint" / "__init__.py"),
        str(REPO / "loaders" / "__init__.py"),
        "[]",
    ]


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
    cli = str(env_dir / "bin" / "sira-kg")
    run = dict(cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    helped = subprocess.run([cli, "--help"], **run)
    assert helped.returncode == 0 and "partner" in helped.stdout, helped.stderr
    store = str(tmp_path / "store")
    asked = subprocess.run([cli, "query", "--store", store, "ASK { ?s ?p ?o }"], **run)
    assert (asked.returncode, asked.stdout) == (0, "true\n"), asked.stderr
    region = subprocess.run(
        [cli, "query", "--store", store, "--question", "actions", "--format", "csv"], **run
    )
    assert region.returncode == 0 and region.stdout.startswith("action,"), region.stderr
