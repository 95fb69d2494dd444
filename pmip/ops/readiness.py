"""Readiness (`/readyz`): may a load balancer send this node traffic now?

Ready when the primary answers, every migration on disk is applied, and — with a replica configured — the replica
either answers within `PMIP_REPLICA_MAX_LAG_SECONDS` of the primary or is skipped by the router (its reads then go
to the primary, so the node still answers correctly; the check reports it as `degraded`). `/healthz` stays the
bare liveness probe (the process answers at all).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from pmip.ops import routing

_migrations_ok_until = [0.0]
_MIGRATIONS_CACHE_SECONDS = 30.0


@dataclass
class Readiness:
    ready: bool
    checks: dict[str, str] = field(default_factory=dict)
    replica_lag_seconds: float | None = None


def _migrations_applied() -> bool:
    now = time.monotonic()
    if now < _migrations_ok_until[0]:
        return True
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return False
    _migrations_ok_until[0] = now + _MIGRATIONS_CACHE_SECONDS
    return True


def check() -> Readiness:
    result = Readiness(ready=True)
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        result.checks["database"] = "ok"
    except Exception as exc:
        result.ready = False
        result.checks["database"] = f"unreachable ({exc.__class__.__name__})"
        return result
    try:
        result.checks["migrations"] = "ok" if _migrations_applied() else "pending"
    except Exception as exc:
        result.checks["migrations"] = f"unknown ({exc.__class__.__name__})"
    if result.checks["migrations"] != "ok":
        result.ready = False
    if routing.replica_configured():
        healthy = routing.replica_healthy(force=True)
        result.replica_lag_seconds = routing.last_replica_lag()
        result.checks["replica"] = "ok" if healthy else "degraded (reads on the primary)"
    return result
