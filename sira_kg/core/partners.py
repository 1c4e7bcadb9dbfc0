"""The partner registry: who may contribute, with which token, owning which IRIs.

Why a separate SQLite file and not the quad store: the Oxigraph store is locked
by the process that serves it, yet ``sira-kg partner add/revoke`` must work
while the server runs. A small SQLite file beside the store
(``<store>.partners.sqlite``, or ``Settings.partners_path``) can be opened by
both processes at once; the server reads it on every authenticated request (a
few rows, well under a millisecond), so a new or revoked partner takes effect
at once, with no restart and no cache to invalidate.

Tokens:

* made by :func:`secrets.token_urlsafe` (256 random bits) with a ``sira_``
  prefix so that secret scanners can recognise a leaked one;
* printed once by the CLI and never stored: the registry keeps their SHA-256.
  A fast hash is enough here because the token is random and high-entropy:
  slow, salted hashes (bcrypt, argon2) exist to stop dictionary attacks on
  human-chosen passwords, and there is no dictionary for 256 random bits. A
  fast hash also keeps per-request checks cheap;
* compared with :func:`hmac.compare_digest` against every active partner's
  hash (no early exit), so the time taken says nothing about how close a guess
  was;
* never logged: nothing in this module or in the endpoint writes a token or an
  ``Authorization`` header anywhere.

Ownership: each partner owns one IRI space, ``https://w3id.org/sira/id/<name>/``
by default or a base it declares when it is created (``--base``), and the named
graphs ``https://w3id.org/sira/graph/contribution/<name>/<id>``. Bases never
overlap each other, the core namespace or the vocabularies we reuse. A revoked
partner keeps its name and its IRI space (its published data stays, and nobody
else can take them over); ``partner add`` on a revoked name issues it a fresh
token.

Size (about 540 lines, over the house's ~500 on purpose): names and IRI
spaces, tokens, the SQLite registry and the ownership check together are what
a partner is; each is a section below, and the ownership rules read the same
IRI spaces the registry guards.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from sira_kg.core import provenance
from sira_kg.core.namespaces import GRAPH, ID, PREFIXES
from sira_kg.core.settings import Settings, resource_dir

__all__ = [
    "CONTRIBUTION_GRAPHS",
    "Partner",
    "PartnerError",
    "PartnerRegistry",
    "contribution_graph",
    "default_base",
    "hash_token",
    "new_token",
    "open_registry",
    "partner_iri",
    "registry_path",
    "validate_name",
]

#: Every contribution graph lives under this prefix, then ``<partner>/<id>``.
CONTRIBUTION_GRAPHS = str(GRAPH) + "contribution/"
#: The root of everything we mint; no partner base may sit inside or above it
#: (except a partner's own default ``id/<name>/`` space).
SIRA_ROOT = "https://w3id.org/sira/"

TOKEN_PREFIX = "sira_"
_MAX_TOKEN_LENGTH = 256
_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
_CORE_SEGMENT = re.compile(r"https://w3id\.org/sira/id/([A-Za-z0-9._~-]+)/")
_IRI_FORBIDDEN = re.compile(r'[\s<>"{}|\\^`]')

# Path segments of https://w3id.org/sira/id/ that the core data uses or will use
# (docs/model.md); a partner of that name would own core IRIs. The shipped
# ontology and data files are scanned as well (see _reserved_names).
_RESERVED = frozenset(
    """
    partner partners agent agents contribution contributions graph graphs scheme schemes
    ns id sira core synthetic api admin load loads metadata shapes ontology data example
    region regions place places org organisation organization platform membership project
    roundtable action pilot-action funding funding-stream strategy gap capacity publication
    event source person concept
    theme stakeholder-category target-group strategy-level action-status funding-level
    governance-level action-type funding-instrument coverage-level assessment disagreement
    strategy-assessment
    urban-rural membership-role roundtable-objective publication-type event-type
    """.split()
)

# Namespaces of vocabularies and authorities we link to: no partner may own them.
_FOREIGN_NAMESPACES = tuple(
    str(ns) for prefix, ns in PREFIXES.items() if prefix not in {"sira", "id", "syn"}
) + (
    "http://data.europa.eu/nuts/",
    "http://publications.europa.eu/resource/authority/",
    "http://eurovoc.europa.eu/",
    "http://www.w3.org/",
    "https://www.w3.org/",
    "http://purl.org/",
    "https://schema.org/",
)


class PartnerError(ValueError):
    """A registry request that cannot be done, with a message a user can act on."""


@dataclass(frozen=True)
class Partner:
    """One contributor. ``base`` is the IRI space it owns."""

    name: str
    base: str
    created: str
    revoked: str | None = None
    expires: str | None = None  # when its token stops working (UTC, ISO 8601), if ever

    @property
    def active(self) -> bool:
        return self.revoked is None

    @property
    def expired(self) -> bool:
        return self.expires is not None and self.expires <= _now()

    @property
    def iri(self) -> str:
        """The partner as a ``prov:Agent`` in the metadata graph."""
        return partner_iri(self.name)

    @property
    def graph_prefix(self) -> str:
        """Every graph of this partner's contributions starts with this."""
        return f"{CONTRIBUTION_GRAPHS}{self.name}/"

    def owns(self, iri: str) -> bool:
        return iri.startswith(self.base)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "iri": self.iri,
            "base": self.base,
            "created": self.created,
            "revoked": self.revoked,
            "active": self.active,
            "expires": self.expires,
            "expired": self.expired,
        }


# -- names, IRIs, tokens --------------------------------------------------------------
def partner_iri(name: str) -> str:
    """The partner as an agent in provenance records (``id:agent/partner/<name>``)."""
    return provenance.partner_agent(name)


def default_base(name: str) -> str:
    return f"{ID}{name}/"


def contribution_graph(partner: str, contribution_id: str) -> str:
    """``https://w3id.org/sira/graph/contribution/<partner>/<id>``."""
    return provenance.contribution_graph(partner, contribution_id)


#: A token carries at least this much randomness (secrets.token_urlsafe(32): 256 bits).
MIN_TOKEN_ENTROPY_BYTES = 32


def check_token(token: str) -> str:
    """``token`` if it is one sira-kg would issue: no whitespace, at least 32 random bytes
    (43 URL-safe characters after the prefix); else :class:`PartnerError`."""
    body = token.removeprefix(TOKEN_PREFIX)
    if any(c.isspace() for c in token) or len(body) < (MIN_TOKEN_ENTROPY_BYTES * 4 + 2) // 3:
        raise PartnerError(
            "a token must have no whitespace and at least 32 random bytes; sira-kg makes its "
            "own (`sira-kg partner add` or `rotate`)"
        )
    return token


def new_token() -> str:
    """A fresh bearer token (256 random bits, URL-safe)."""
    return check_token(TOKEN_PREFIX + secrets.token_urlsafe(MIN_TOKEN_ENTROPY_BYTES))


def hash_token(token: str) -> str:
    """What the registry stores: the token's SHA-256, hex (see the module docstring)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _reserved_names() -> frozenset[str]:
    """The static reserved names plus every ``id/<segment>/`` used in shipped files."""
    found = set(_RESERVED)
    for folder in ("ontology", "data"):
        root = resource_dir(folder)
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            if path.suffix in {".ttl", ".jsonld", ".nt", ".trig", ".rdf"} and path.is_file():
                try:
                    text = path.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                found.update(m.lower() for m in _CORE_SEGMENT.findall(text))
    return frozenset(found)


def validate_name(name: str) -> str:
    """A partner name is a slug: lower-case letters, digits and hyphens, 1-40 long."""
    if not _NAME.match(name or ""):
        raise PartnerError(
            f"invalid partner name {name!r}: use 1-40 lower-case letters, digits and hyphens, "
            "starting and ending with a letter or digit (e.g. 'region-north')"
        )
    if name in _reserved_names():
        raise PartnerError(
            f"the partner name {name!r} is reserved: https://w3id.org/sira/id/{name}/ is "
            "(or will be) used by the core data; choose another name"
        )
    return name


def _overlaps(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def validate_base(base: str, name: str, others: list[Partner]) -> str:
    """Check a declared IRI space: absolute http(s), ends with / or #, owned by nobody else."""
    if _IRI_FORBIDDEN.search(base):
        raise PartnerError(f'invalid base {base!r}: an IRI may not contain spaces or <>"{{}}|\\^`')
    parts = urlsplit(base)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise PartnerError(f"invalid base {base!r}: give an absolute http:// or https:// IRI")
    if parts.query or not (base.endswith("/") or base.endswith("#")):
        raise PartnerError(
            f"invalid base {base!r}: it must end with '/' or '#' and carry no query "
            "(e.g. https://data.example.org/integration/)"
        )
    if base != default_base(name) and _overlaps(
        base.split("://", 1)[1].lower(), SIRA_ROOT.split("://", 1)[1]
    ):
        raise PartnerError(
            f"the base {base!r} overlaps the core namespace {SIRA_ROOT}; either leave --base "
            f"out (you then own {default_base(name)}) or use an IRI space of your own"
        )
    for ns in _FOREIGN_NAMESPACES:
        if _overlaps(base, ns):
            raise PartnerError(
                f"the base {base!r} overlaps the namespace {ns}, which belongs to a "
                "vocabulary or authority we link to; use an IRI space of your own"
            )
    for other in others:
        if other.name != name and _overlaps(base, other.base):
            raise PartnerError(
                f"the base {base!r} overlaps the IRI space {other.base} of partner "
                f"{other.name!r}; each partner owns a space of its own"
            )
    return base


# -- where the registry lives ----------------------------------------------------------
def registry_path(settings: Settings) -> Path | None:
    """The registry file for these settings; None for an in-memory store without one."""
    if settings.partners_path is not None:
        return settings.partners_path
    if settings.store_path is None:
        return None
    store = settings.store_path.expanduser().resolve()
    return store.with_name(store.name + ".partners.sqlite")


def open_registry(settings: Settings) -> PartnerRegistry:
    """The registry beside the store named by ``settings`` (created empty if missing)."""
    return PartnerRegistry(registry_path(settings))


_SCHEMA = """
CREATE TABLE IF NOT EXISTS partner (
    name TEXT PRIMARY KEY,
    base TEXT NOT NULL UNIQUE,
    token_sha256 TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    revoked TEXT,
    expires TEXT
);
"""


def _migrate(con: sqlite3.Connection) -> None:
    """Registries made before token expiry get the column (NULL: never expires)."""
    columns = {row[1] for row in con.execute("PRAGMA table_info(partner)")}
    if "expires" not in columns:
        con.execute("ALTER TABLE partner ADD COLUMN expires TEXT")


def _expiry(days: int | None) -> str | None:
    if days is None:
        return None
    if days < 1:
        raise PartnerError(f"--expires-days must be at least 1, not {days}")
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    return when.isoformat().replace("+00:00", "Z")


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class PartnerRegistry:
    """Partners and their token hashes in one SQLite file.

    Each call opens its own short connection, so any number of threads and
    processes (the server, ``sira-kg partner …``) can share the file; writes
    take SQLite's write lock first (``BEGIN IMMEDIATE``) so that checking a
    name or a base and inserting it cannot race. With ``path`` None the
    registry lives in memory for the life of this object (tests, in-memory
    stores).
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._memory: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        if path is None:
            self._memory = sqlite3.connect(":memory:", check_same_thread=False)
            self._memory.isolation_level = None
            self._memory.executescript(_SCHEMA)
            _migrate(self._memory)
        else:
            self._create_file(path)

    def __repr__(self) -> str:
        return f"PartnerRegistry({str(self.path) if self.path else ':memory:'})"

    # -- connections -------------------------------------------------------------
    @staticmethod
    def _create_file(path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                # Only hashes are inside, but there is no reason for others to read them.
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            con = sqlite3.connect(path, timeout=10, isolation_level=None)
            try:
                con.execute("PRAGMA journal_mode=WAL")
                # The table and its migration in one write transaction, taken first
                # (BEGIN IMMEDIATE waits for the lock): processes opening a new file at
                # the same time queue up instead of failing with "database is locked".
                with _transaction(con, write=True):
                    con.execute(_SCHEMA)
                    _migrate(con)
            finally:
                con.close()
        except (OSError, sqlite3.Error) as exc:
            raise PartnerError(f"cannot open the partner registry {path}: {exc}") from None

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        if self._memory is not None:
            with self._lock, _transaction(self._memory, write) as con:
                yield con
            return
        try:
            con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        except sqlite3.Error as exc:
            raise PartnerError(f"cannot open the partner registry {self.path}: {exc}") from None
        try:
            with _transaction(con, write):
                yield con
        except sqlite3.Error as exc:
            raise PartnerError(f"partner registry {self.path}: {exc}") from None
        finally:
            con.close()

    @staticmethod
    def _rows(con: sqlite3.Connection) -> list[Partner]:
        cur = con.execute("SELECT name, base, created, revoked, expires FROM partner ORDER BY name")
        return [Partner(*row) for row in cur.fetchall()]

    # -- reads -------------------------------------------------------------------
    def list(self) -> list[Partner]:
        """Every partner, revoked ones included, sorted by name."""
        with self._connect() as con:
            return self._rows(con)

    def get(self, name: str) -> Partner | None:
        with self._connect() as con:
            row = con.execute(
                "SELECT name, base, created, revoked, expires FROM partner WHERE name = ?", (name,)
            ).fetchone()
        return Partner(*row) if row else None

    def authenticate(self, token: str | None) -> Partner | None:
        """The active partner holding ``token``, or None.

        Every active partner's hash is compared in constant time, without
        stopping at the first match.
        """
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            return None
        digest = hash_token(token)
        with self._connect() as con:
            rows = con.execute(
                "SELECT name, base, created, revoked, expires, token_sha256 FROM partner "
                "WHERE revoked IS NULL"
            ).fetchall()
        found: Partner | None = None
        for name, base, created, revoked, expires, stored in rows:
            if hmac.compare_digest(stored, digest):
                found = Partner(name, base, created, revoked, expires)
        return None if found is None or found.expired else found

    def owner_of(self, iri: str, partners: list[Partner] | None = None) -> Partner | None:
        """The partner (active or revoked) whose IRI space holds ``iri``."""
        for partner in partners if partners is not None else self.list():
            if partner.owns(iri):
                return partner
        return None

    # -- writes ------------------------------------------------------------------
    @staticmethod
    def _existing(con: sqlite3.Connection, name: str) -> Partner:
        row = con.execute(
            "SELECT name, base, created, revoked, expires FROM partner WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            raise PartnerError(f"no partner named {name!r} (see `sira-kg partner list`)")
        return Partner(*row)

    def add(
        self, name: str, base: str | None = None, expires_days: int | None = None
    ) -> tuple[Partner, str]:
        """Create a partner (or re-issue a revoked one a token); return it and its token.

        The token is returned once and never stored: only its hash is.
        """
        validate_name(name)
        token = new_token()
        expires = _expiry(expires_days)
        with self._connect(write=True) as con:
            partners = self._rows(con)
            existing = next((p for p in partners if p.name == name), None)
            if existing is not None and existing.active:
                raise PartnerError(
                    f"partner {name!r} already exists; to give it a new token, "
                    f"`sira-kg partner revoke {name}` then `sira-kg partner add {name}`"
                )
            if existing is not None:
                if base is not None and base != existing.base:
                    raise PartnerError(
                        f"partner {name!r} already owns {existing.base}; its base cannot change "
                        "(its published IRIs would lose their owner)"
                    )
                con.execute(
                    "UPDATE partner SET token_sha256 = ?, revoked = NULL, expires = ? "
                    "WHERE name = ?",
                    (hash_token(token), expires, name),
                )
                return Partner(name, existing.base, existing.created, None, expires), token
            base = validate_base(base if base is not None else default_base(name), name, partners)
            partner = Partner(name, base, _now(), None, expires)
            con.execute(
                "INSERT INTO partner (name, base, token_sha256, created, expires) "
                "VALUES (?, ?, ?, ?, ?)",
                (name, base, hash_token(token), partner.created, expires),
            )
        return partner, token

    def rotate(self, name: str, expires_days: int | None = None) -> tuple[Partner, str]:
        """A new token for an active partner; the old one stops working at once.

        The new token is returned once and never stored: only its hash is.
        """
        token = new_token()
        expires = _expiry(expires_days)
        with self._connect(write=True) as con:
            partner = self._existing(con, name)
            if not partner.active:
                raise PartnerError(
                    f"partner {name!r} is revoked; `sira-kg partner add {name}` gives it a token"
                )
            con.execute(
                "UPDATE partner SET token_sha256 = ?, expires = ? WHERE name = ?",
                (hash_token(token), expires, name),
            )
        return Partner(partner.name, partner.base, partner.created, None, expires), token

    def revoke(self, name: str) -> tuple[Partner, bool]:
        """Revoke a partner's token at once; return it and whether it was active."""
        with self._connect(write=True) as con:
            partner = self._existing(con, name)
            if not partner.active:
                return partner, False
            when = _now()
            con.execute("UPDATE partner SET revoked = ? WHERE name = ?", (when, name))
        return Partner(partner.name, partner.base, partner.created, when, partner.expires), True


# -- ownership of what a contribution asserts ---------------------------------------------
@dataclass(frozen=True)
class OwnershipProblem:
    """One triple whose subject belongs to someone else."""

    subject: str
    predicate: str
    object: str
    owner: str

    def to_dict(self) -> dict[str, str]:
        return {
            "subject": self.subject,
            "predicate": self.predicate,
            "object": self.object,
            "owner": self.owner,
            "message": f"<{self.subject}> belongs to {self.owner}; a contribution may link to "
            "it (as an object) but not make statements about it",
        }


def _n3(term: object) -> str:
    n3 = getattr(term, "n3", None)
    return n3() if callable(n3) else str(term)


def _owner_by_space(iri: str, partner: Partner, partners: list[Partner]) -> str | None:
    for other in partners:
        if other.name != partner.name and other.owns(iri):
            return f"partner {other.name!r} ({other.base})"
    if partner.owns(iri):
        return None
    bare = iri.split("://", 1)[-1]
    if bare.startswith(SIRA_ROOT.split("://", 1)[1]):
        if bare.startswith("w3id.org/sira/ns#"):
            return "the sira vocabulary (https://w3id.org/sira/ns#)"
        return "the core data (https://w3id.org/sira/)"
    return None


def _described_by_core(store: object, iris: list[str]) -> dict[str, str]:
    """Which of ``iris`` are subjects in a graph that is not a contribution, and where."""
    import rdflib

    from sira_kg.core.store import sparql_term

    found: dict[str, str] = {}
    for start in range(0, len(iris), 500):
        chunk = iris[start : start + 500]
        values = " ".join(sparql_term(rdflib.URIRef(i)) for i in chunk)
        rows = store.query(  # type: ignore[attr-defined]
            "SELECT ?s (SAMPLE(?g) AS ?graph) WHERE { VALUES ?s { " + values + " } "
            "GRAPH ?g { ?s ?p ?o } "
            f'FILTER(!STRSTARTS(STR(?g), "{CONTRIBUTION_GRAPHS}")) }} GROUP BY ?s'
        )
        for row in rows:
            found[row["s"].value] = row["graph"].value
    return found


def ownership_problems(
    graph: object,
    partner: Partner,
    partners: list[Partner],
    store: object | None = None,
    *,
    limit: int = 100,
) -> tuple[list[OwnershipProblem], int]:
    """Triples of ``graph`` that ``partner`` may not assert, and how many there are in all.

    The rule: the subject of every triple must be a blank node, an IRI in the
    partner's own space, or an IRI that belongs to nobody: not under
    ``https://w3id.org/sira/`` (core data, the vocabulary, the synthetic
    space, graph names), not in another partner's space, and not described by
    the core data in ``store`` (any graph that is not a contribution). Objects
    are never checked: linking to anything is the point.
    """
    import rdflib

    owners: dict[str, str | None] = {}
    for s in {s for s in graph.subjects() if isinstance(s, rdflib.URIRef)}:  # type: ignore[attr-defined]
        owners[str(s)] = _owner_by_space(str(s), partner, partners)
    if store is not None:
        unowned = sorted(iri for iri, owner in owners.items() if owner is None)
        for iri, where in _described_by_core(store, unowned).items():
            owners[iri] = f"the core data (described in the graph <{where}>)"
    problems: list[OwnershipProblem] = []
    total = 0
    for iri in sorted(i for i, owner in owners.items() if owner is not None):
        triples = sorted(graph.predicate_objects(rdflib.URIRef(iri)), key=str)  # type: ignore[attr-defined]
        total += len(triples)
        for p, o in triples[: max(0, limit - len(problems))]:
            problems.append(OwnershipProblem(iri, str(p), _n3(o), owners[iri]))
    return problems, total


@contextmanager
def _transaction(con: sqlite3.Connection, write: bool) -> Iterator[sqlite3.Connection]:
    """One SQLite transaction: IMMEDIATE for writes, so check-then-insert cannot race."""
    con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
