"""The partner registry and `sira-kg partner add/list/revoke` (real SQLite files, real CLI)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sira_kg.core.partners import (
    PartnerError,
    PartnerRegistry,
    check_token,
    default_base,
    hash_token,
    open_registry,
    registry_path,
)
from sira_kg.core.settings import Settings

SIRA_KG = [sys.executable, "-m", "sira_kg"]


@pytest.fixture
def registry(tmp_path: Path) -> PartnerRegistry:
    return PartnerRegistry(tmp_path / "partners.sqlite")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SIRA_KG, *args], capture_output=True, text=True, timeout=60, cwd=cwd, check=False
    )


# -- registry ---------------------------------------------------------------------------
def test_add_gives_a_token_that_authenticates_and_only_its_hash_is_stored(
    registry: PartnerRegistry, tmp_path: Path
) -> None:
    partner, token = registry.add("north")
    assert token.startswith("sira_") and len(token) >= 40
    assert partner.base == "https://w3id.org/sira/id/north/" == default_base("north")
    assert registry.authenticate(token) == partner
    raw = (tmp_path / "partners.sqlite").read_bytes()
    assert token.encode() not in raw
    with sqlite3.connect(tmp_path / "partners.sqlite") as con:
        (stored,) = con.execute("SELECT token_sha256 FROM partner").fetchone()
    assert stored == hash_token(token) != token


def test_wrong_empty_and_huge_tokens_do_not_authenticate(registry: PartnerRegistry) -> None:
    _, token = registry.add("north")
    for bad in ["", None, token[:-1], token + "x", token.upper(), "sira_" + "A" * 5000]:
        assert registry.authenticate(bad) is None


def test_two_partners_get_different_tokens_each_naming_its_own_partner(
    registry: PartnerRegistry,
) -> None:
    north, t1 = registry.add("north")
    south, t2 = registry.add("south")
    assert t1 != t2
    assert registry.authenticate(t1).name == "north"
    assert registry.authenticate(t2).name == "south"


def test_revoke_takes_effect_for_another_registry_object_at_once(tmp_path: Path) -> None:
    """The server and the CLI are two processes with two connections to one file."""
    server_side = PartnerRegistry(tmp_path / "p.sqlite")
    cli_side = PartnerRegistry(tmp_path / "p.sqlite")
    _, token = cli_side.add("north")
    assert server_side.authenticate(token).name == "north"
    partner, was_active = cli_side.revoke("north")
    assert was_active and partner.revoked
    assert server_side.authenticate(token) is None
    # Revoking twice is harmless and says so.
    assert cli_side.revoke("north")[1] is False


def test_readding_a_revoked_partner_issues_a_new_token_and_keeps_its_space(
    registry: PartnerRegistry,
) -> None:
    first, old = registry.add("north", "https://data.north.example.org/")
    registry.revoke("north")
    again, new = registry.add("north")
    assert new != old
    assert again.base == first.base == "https://data.north.example.org/"
    assert registry.authenticate(old) is None
    assert registry.authenticate(new).name == "north"
    with pytest.raises(PartnerError, match="already exists"):
        registry.add("north")


@pytest.mark.parametrize(
    "name",
    ["", "North", "a_b", "-a", "a-", "a b", "é", "x" * 41, "../etc", "a/b"],
)
def test_names_must_be_slugs(registry: PartnerRegistry, name: str) -> None:
    with pytest.raises(PartnerError, match="invalid partner name"):
        registry.add(name)


@pytest.mark.parametrize("name", ["theme", "partner", "region", "scheme", "contribution"])
def test_names_of_core_iri_spaces_are_reserved(registry: PartnerRegistry, name: str) -> None:
    with pytest.raises(PartnerError, match="reserved"):
        registry.add(name)


@pytest.mark.parametrize(
    ("base", "message"),
    [
        ("https://w3id.org/sira/id/", "core namespace"),
        ("https://w3id.org/sira/id/south/", "core namespace"),
        ("https://w3id.org/sira/ns#", "core namespace"),
        ("http://w3id.org/", "core namespace"),
        ("http://data.europa.eu/nuts/code/", "vocabulary or authority"),
        ("http://www.w3.org/ns/org#", "vocabulary or authority"),
        ("relative/path/", "absolute"),
        ("ftp://example.org/", "absolute"),
        ("https://example.org/no-slash", "end with"),
        ("https://example.org/x?y=1/", "end with"),
        ("https://example.org/a b/", "spaces"),
    ],
)
def test_declared_bases_are_checked(registry: PartnerRegistry, base: str, message: str) -> None:
    with pytest.raises(PartnerError, match=message):
        registry.add("north", base)
    assert registry.list() == []


def test_bases_of_two_partners_never_overlap(registry: PartnerRegistry) -> None:
    registry.add("north", "https://example.org/kg/north/")
    with pytest.raises(PartnerError, match="partner 'north'"):
        registry.add("south", "https://example.org/kg/")
    with pytest.raises(PartnerError, match="partner 'north'"):
        registry.add("south", "https://example.org/kg/north/sub/")
    south, _ = registry.add("south", "https://example.org/kg/south/")
    assert registry.owner_of("https://example.org/kg/south/x").name == "south"
    assert registry.owner_of("https://example.org/kg/north/x").name == "north"
    assert registry.owner_of("https://example.org/kg/other") is None


def test_concurrent_adds_lose_no_partner(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    tokens: dict[str, str] = {}
    errors: list[Exception] = []

    def add(i: int) -> None:
        try:
            _, token = PartnerRegistry(path).add(f"region-{i}")
            tokens[f"region-{i}"] = token
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    registry = PartnerRegistry(path)
    assert [p.name for p in registry.list()] == sorted(tokens)
    for name, token in tokens.items():
        assert registry.authenticate(token).name == name


def test_registry_sits_beside_the_store_or_where_settings_say(tmp_path: Path) -> None:
    assert registry_path(Settings(store_path=tmp_path / "store")) == (
        tmp_path / "store.partners.sqlite"
    )
    explicit = tmp_path / "elsewhere" / "p.sqlite"
    settings = Settings(store_path=tmp_path / "store", partners_path=explicit)
    assert registry_path(settings) == explicit
    open_registry(settings).add("north")
    assert explicit.is_file()
    assert registry_path(Settings(store_path=None)) is None
    memory = open_registry(Settings(store_path=None))
    _, token = memory.add("north")
    assert memory.authenticate(token).name == "north"


def test_the_registry_file_is_private(tmp_path: Path) -> None:
    PartnerRegistry(tmp_path / "p.sqlite")
    assert (tmp_path / "p.sqlite").stat().st_mode & 0o077 == 0


# -- CLI ---------------------------------------------------------------------------------
def test_cli_add_prints_the_token_once_on_stdout_and_list_never_shows_it(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    added = run_cli("partner", "add", "north", "--store", store)
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip()
    assert token.startswith("sira_") and "\n" not in token
    assert "only this once" in added.stderr and token not in added.stderr
    assert open_registry(Settings(store_path=tmp_path / "store")).authenticate(token)

    based = run_cli(
        "partner", "add", "south", "--base", "https://data.south.example.org/", "--store", store
    )
    assert based.returncode == 0, based.stderr

    listed = run_cli("partner", "list", "--store", store)
    assert listed.returncode == 0
    assert "north" in listed.stdout and "https://data.south.example.org/" in listed.stdout
    assert token not in listed.stdout + listed.stderr
    as_json = json.loads(run_cli("partner", "list", "--store", store, "--format", "json").stdout)
    assert [(p["name"], p["active"]) for p in as_json] == [("north", True), ("south", True)]
    assert all(
        set(p) == {"name", "iri", "base", "created", "revoked", "active", "expires", "expired"}
        for p in as_json
    )

    revoked = run_cli("partner", "revoke", "north", "--store", store)
    assert revoked.returncode == 0
    assert open_registry(Settings(store_path=tmp_path / "store")).authenticate(token) is None
    listed = run_cli("partner", "list", "--store", store)
    assert "revoked" in listed.stdout.splitlines()[0]


def test_cli_errors_exit_2_with_a_message(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    for args, message in [
        (("partner", "add", "Bad_Name"), "invalid partner name"),
        (("partner", "add", "theme"), "reserved"),
        (("partner", "add", "x", "--base", "https://w3id.org/sira/ns#"), "core namespace"),
        (("partner", "revoke", "nobody"), "no partner named"),
    ]:
        result = run_cli(*args, "--store", store)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr
        assert "Traceback" not in result.stderr
    assert run_cli("partner", "add", "north", "--store", store).returncode == 0
    again = run_cli("partner", "add", "north", "--store", store)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert again.stdout == ""


# -- issue 14: token policy, rotation, expiry -------------------------------------------------
@pytest.mark.parametrize(
    "token", ["sira_short", "sira_" + "a" * 20 + " " + "b" * 30, "sira_" + "x" * 42 + "\n"]
)
def test_weak_or_spaced_tokens_are_refused(token: str) -> None:
    with pytest.raises(PartnerError, match="32 random bytes"):
        check_token(token)


def test_issued_tokens_carry_32_random_bytes(registry: PartnerRegistry) -> None:
    _, token = registry.add("north")
    assert check_token(token) == token and len(token) >= len("sira_") + 43


def test_rotate_gives_a_new_token_and_the_old_one_stops_at_once(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    old = run_cli("partner", "add", "north", "--store", store).stdout.strip()
    rotated = run_cli("partners", "rotate", "north", "--store", store)
    assert rotated.returncode == 0, rotated.stderr
    new = rotated.stdout.strip()
    registry = open_registry(Settings(store_path=tmp_path / "store"))
    assert new != old and registry.authenticate(old) is None
    assert registry.authenticate(new).name == "north"
    assert "only this once" in rotated.stderr and new not in rotated.stderr
    unknown = run_cli("partner", "rotate", "nobody", "--store", store)
    assert unknown.returncode == 2 and "no partner named 'nobody'" in unknown.stderr


def test_an_expired_token_no_longer_authenticates(registry: PartnerRegistry) -> None:
    partner, token = registry.add("north", expires_days=30)
    assert partner.expires and not partner.expired
    assert registry.authenticate(token).name == "north"
    with sqlite3.connect(registry.path) as con:  # thirty days later
        con.execute("UPDATE partner SET expires = '2000-01-01T00:00:00Z' WHERE name = 'north'")
    assert registry.authenticate(token) is None
    assert registry.get("north").expired and registry.get("north").active
    _, fresh = registry.rotate("north")  # a new token without expiry
    assert registry.authenticate(fresh).name == "north" and registry.get("north").expires is None
    with pytest.raises(PartnerError, match="at least 1"):
        registry.add("south", expires_days=0)


def test_a_registry_from_before_expiry_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "partners.sqlite"
    with sqlite3.connect(path) as con:
        con.execute(
            "CREATE TABLE partner (name TEXT PRIMARY KEY, base TEXT NOT NULL UNIQUE, "
            "token_sha256 TEXT NOT NULL UNIQUE, created TEXT NOT NULL, revoked TEXT)"
        )
        con.execute(
            "INSERT INTO partner VALUES ('old', 'https://w3id.org/sira/id/old/', ?, "
            "'2026-01-01T00:00:00Z', NULL)",
            (hash_token("sira_" + "o" * 43),),
        )
    registry = PartnerRegistry(path)
    assert registry.authenticate("sira_" + "o" * 43).name == "old"
    assert registry.get("old").expires is None
