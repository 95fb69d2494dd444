"""Primary/replica database routing with read-your-writes.

- Everything goes to the primary (`default`) except public, cache-friendly GET/HEAD reads: paths matching
  `settings.PMIP_REPLICA_READ_PATHS` (project search and detail, open data, rankings, public bulletins), and then
  only models of the apps in `settings.PMIP_REPLICA_APPS` (sessions, accounts and everything else stay on the
  primary even on those pages).
- The `replica` alias exists only when DATABASE_REPLICA_URL is set; without it nothing changes.
- Read-your-writes: any successful write (POST/PUT/PATCH/DELETE answered < 400) sets the cookie `pmip_primary`
  (an expiry time, `PMIP_READ_YOUR_WRITES_SECONDS` ahead); while it holds, that browser's reads stay on the primary.
  The cookie only ever moves its holder's reads to the primary, so it needs no signature.
- A replica that is unreachable or more than `PMIP_REPLICA_MAX_LAG_SECONDS` behind is skipped (reads go to the
  primary) until a later check finds it well again; the check runs at most every few seconds per process.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import time
from functools import cache
from typing import TypedDict

from django.conf import settings
from django.db import connections

from pmip.core import clock

log = logging.getLogger(__name__)
REPLICA = "replica"
COOKIE = "pmip_primary"
_replica_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar("pmip_replica_allowed", default=False)
_HEALTH_EVERY_SECONDS = 5.0


class _Health(TypedDict):
    checked: float  # time.monotonic() of the last check
    ok: bool
    lag: float | None


_health: _Health = {"checked": 0.0, "ok": True, "lag": None}


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@cache
def _path_patterns() -> list[re.Pattern]:
    return [re.compile(p) for p in settings.PMIP_REPLICA_READ_PATHS]


def is_replica_path(path: str) -> bool:
    return any(p.match(path) for p in _path_patterns())


def replica_lag_seconds(alias: str = REPLICA) -> float | None:
    """Seconds the replica is behind (0 when it has replayed all it received, or it is a primary); None when the
    database cannot tell (SQLite)."""
    conn = connections[alias]
    if conn.vendor != "postgresql":
        return None
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
            " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
            " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
        )
        return float(cursor.fetchone()[0])


def replica_healthy(*, force: bool = False) -> bool:
    """Whether reads may go to the replica now (cached per process for a few seconds)."""
    if not replica_configured():
        return False
    now = time.monotonic()
    if not force and now - _health["checked"] < _HEALTH_EVERY_SECONDS:
        return _health["ok"]
    try:
        lag = replica_lag_seconds()
        ok = lag is None or lag <= settings.PMIP_REPLICA_MAX_LAG_SECONDS
    except Exception as exc:  # the replica is down: reads go to the primary
        log.warning("replica unavailable, reading from the primary: %s", exc.__class__.__name__)
        lag, ok = None, False
        with contextlib.suppress(Exception):  # closing a broken connection may fail too
            connections[REPLICA].close()
    _health.update({"checked": now, "ok": ok, "lag": lag})
    return ok


def last_replica_lag() -> float | None:
    return _health["lag"]


class PrimaryReplicaRouter:
    """DATABASE_ROUTERS entry. Writes, migrations and every read outside a replica-eligible request: `default`."""

    def db_for_read(self, model, **hints):
        if (
            _replica_allowed.get()
            and model._meta.app_label in settings.PMIP_REPLICA_APPS
            and replica_configured()
            and replica_healthy()
        ):
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


def _primary_pinned(request) -> bool:
    raw = request.COOKIES.get(COOKIE, "")
    try:
        return float(raw) > clock.now().timestamp()
    except ValueError:
        return False


class ReplicaRoutingMiddleware:
    """Decides per request whether public reads may use the replica, and sets the read-your-writes cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        allowed = (
            request.method in ("GET", "HEAD")
            and replica_configured()
            and is_replica_path(request.path)
            and not _primary_pinned(request)
        )
        token = _replica_allowed.set(allowed)
        try:
            response = self.get_response(request)
        finally:
            _replica_allowed.reset(token)
        if (
            replica_configured()
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and response.status_code < 400
        ):
            seconds = settings.PMIP_READ_YOUR_WRITES_SECONDS
            response.set_cookie(
                COOKIE,
                f"{clock.now().timestamp() + seconds:.0f}",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
