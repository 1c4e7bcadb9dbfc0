"""Shared fixtures: settings pointing at a fresh store, the repo's paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_fixtures import live_server, live_server_factory  # noqa: F401 (fixtures)

from sira_kg.core.settings import Settings

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def memory_settings() -> Settings:
    """Settings for an in-memory store."""
    return Settings(store_path=None)


@pytest.fixture
def disk_settings(tmp_path: Path) -> Settings:
    """Settings for an empty on-disk store in a temporary folder."""
    return Settings(store_path=tmp_path / "store")
