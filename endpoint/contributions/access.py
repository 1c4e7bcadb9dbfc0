"""Who is asking and how often: per-app state, Bearer tokens, rate limits.

Why apart: every route starts here (the registry is read on every request, so
``sira-kg partner add/revoke`` take effect at once); tokens are read from the
Authorization header only, never from the URL, and never logged.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request

from sira_kg.core.partners import Partner, PartnerError, PartnerRegistry, hash_token, open_registry
from sira_kg.core.settings import Settings
from sira_kg.endpoint.contributions.service import ContributionError

_REALM = 'Bearer realm="sira-kg"'


class RateLimiter:
    """At most ``per_minute`` requests per key in any 60-second window (sliding log).

    Kept in the server's memory: a restart forgets it, which is fine for a
    limit meant to stop a runaway script, not to bill anyone.
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Count one request; None if allowed, else the seconds to wait."""
        if self.per_minute <= 0:
            return None
        now = self.clock()
        with self._lock:
            window = self._hits.setdefault(key, deque())
            while window and window[0] <= now - 60:
                window.popleft()
            if len(window) >= self.per_minute:
                return max(1, math.ceil(window[0] + 60 - now))
            window.append(now)
            if len(self._hits) > 10_000:  # forget idle keys now and then
                for k in [k for k, w in self._hits.items() if not w or w[-1] <= now - 60]:
                    del self._hits[k]
        return None


@dataclass
class State:
    """What the contribution routes of one app share: its store, settings, registry, limiter."""

    store: Any
    settings: Settings
    registry: PartnerRegistry
    limiter: RateLimiter
    locks: list[threading.Lock] = field(
        default_factory=lambda: [threading.Lock() for _ in range(64)]
    )

    def lock_for(self, graph_iri: str) -> threading.Lock:
        """Serialises PUT/DELETE of one contribution (never two different ones)."""
        return self.locks[hash(graph_iri) % len(self.locks)]


_STATE_KEY = "sira_contributions"
_state_lock = threading.Lock()


def _sira(app: Any) -> tuple[Any, Settings]:
    state = app.extensions["sira"]
    if isinstance(state, dict):
        return state["store"], state["settings"]
    return state.store, state.settings


def current_state() -> State:
    """The contribution state of the current app, made on first use."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(_STATE_KEY)
    if found is None:
        with _state_lock:
            found = app.extensions.get(_STATE_KEY)
            if found is None:
                store, settings = _sira(app)
                try:
                    registry = open_registry(settings)
                except PartnerError as exc:
                    raise ContributionError(503, str(exc)) from None
                found = State(
                    store, settings, registry, RateLimiter(settings.rate_limit_per_minute)
                )
                app.extensions[_STATE_KEY] = found
    return found


def registry_for(app: Any) -> PartnerRegistry:
    """The partner registry an app uses (for tests and tools that add partners in-process)."""
    with app.app_context():
        return current_state().registry


def _token() -> str | None:
    if "access_token" in request.args:
        raise ContributionError(
            400,
            "tokens are accepted only in the Authorization header (Authorization: Bearer "
            "<token>), never in the URL, where they would end up in logs; revoke this token "
            "and ask for a new one",
        )
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def partner_of(state: State, *, required: bool = True) -> Partner | None:
    """The partner named by the Bearer token (401 if required and absent or wrong).

    Each authenticated request counts against that token's rate limit.
    """
    token = _token()
    if token is None:
        if not required:
            return None
        raise ContributionError(
            401,
            "this needs a partner token: send 'Authorization: Bearer <token>' "
            "(tokens come from `sira-kg partner add NAME`)",
            headers={"WWW-Authenticate": _REALM},
        )
    try:
        partner = state.registry.authenticate(token)
    except PartnerError as exc:
        raise ContributionError(503, f"the partner registry is unavailable: {exc}") from None
    if partner is None:
        raise ContributionError(
            401,
            "the token is not valid (unknown or revoked); ask the platform for a new one",
            headers={"WWW-Authenticate": f'{_REALM}, error="invalid_token"'},
        )
    rate_limit(state, "token:" + hash_token(token))
    return partner


def rate_limit(state: State, key: str) -> None:
    """Count one request of ``key``; 429 with ``Retry-After`` over the limit."""
    wait = state.limiter.hit(key)
    if wait is not None:
        raise ContributionError(
            429,
            f"more than {state.limiter.per_minute} requests in a minute; retry in {wait} s",
            headers={"Retry-After": str(wait)},
            retry_after=wait,
        )
