"""The one configuration object.

Every tunable (paths, limits, base IRIs, the store backend) lives here so that
the CLI, the loaders and the endpoint read the same values. Defaults can be
overridden by environment variables (``SIRA_KG_*``) or by keyword arguments.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def resource_dir(name: str) -> Path:
    """Where a shipped data folder (ontology, shapes, queries, data) lives.

    Installed from a wheel, the folders sit inside the package; in a source
    checkout (editable install, tests) they sit at the top of the repo.
    """
    inside = _PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    return _PACKAGE_DIR.parent / name


def _env(name: str, default: str) -> str:
    return os.environ.get(f"SIRA_KG_{name}", default)


@dataclass(frozen=True)
class Settings:
    """Configuration of one sira-kg process.

    ``store_path`` None means an in-memory store (tests); otherwise an
    on-disk Oxigraph directory.
    """

    store_path: Path | None = field(
        default_factory=lambda: Path(_env("STORE", "var/store")).expanduser()
    )
    ontology_dir: Path = field(default_factory=lambda: resource_dir("ontology"))
    shapes_dir: Path = field(default_factory=lambda: resource_dir("shapes"))
    queries_dir: Path = field(default_factory=lambda: resource_dir("queries"))
    data_dir: Path = field(default_factory=lambda: resource_dir("data"))
    host: str = field(default_factory=lambda: _env("HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("PORT", "8000")))
    # Limits of the endpoint (documented in README).
    query_timeout: float = field(default_factory=lambda: float(_env("QUERY_TIMEOUT", "30")))
    max_result_rows: int = field(default_factory=lambda: int(_env("MAX_RESULT_ROWS", "100000")))
    # Rows in one page of a question's JSON answer (?limit= asks for another size, up to
    # max_result_rows; CSV is the whole answer unless ?limit= or ?offset= is given).
    question_page_size: int = field(default_factory=lambda: int(_env("QUESTION_PAGE_SIZE", "1000")))
    max_request_bytes: int = field(
        default_factory=lambda: int(_env("MAX_REQUEST_BYTES", str(10 * 1024 * 1024)))
    )
    max_contribution_triples: int = field(
        default_factory=lambda: int(_env("MAX_CONTRIBUTION_TRIPLES", "200000"))
    )
    rate_limit_per_minute: int = field(
        default_factory=lambda: int(_env("RATE_LIMIT_PER_MINUTE", "60"))
    )
    # Queries the /sparql worker process evaluates at once, on an in-memory copy of
    # the store (killed at the timeout); 0: no worker, server threads on the store.
    query_workers: int = field(default_factory=lambda: int(_env("QUERY_WORKERS", "4")))
    # Answers kept until the next write (bytes in all; 0 turns the cache off).
    query_cache_bytes: int = field(
        default_factory=lambda: int(_env("QUERY_CACHE_BYTES", str(64 * 1024 * 1024)))
    )
    # SERVICE calls are refused unless the endpoint is listed here.
    service_allow_list: tuple[str, ...] = field(
        default_factory=lambda: tuple(
            s for s in _env("SERVICE_ALLOW_LIST", "").split(",") if s.strip()
        )
    )
    # Partner registry (SQLite). None: ``<store>.partners.sqlite`` beside the store
    # directory (see sira_kg.core.partners.registry_path).
    partners_path: Path | None = field(
        default_factory=lambda: Path(p).expanduser() if (p := _env("PARTNERS", "")) else None
    )

    def with_(self, **changes: object) -> Settings:
        """A copy with some values changed (the object itself is immutable)."""
        return replace(self, **changes)
