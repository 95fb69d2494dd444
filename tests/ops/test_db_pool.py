"""PostgreSQL connections come from a pool in each process (Django's psycopg pool), not a persistent connection per
thread health-checked with a `SELECT 1` on every request (issue 13): the settings, the pool's idle check, and on
PostgreSQL a request that takes its connection from the pool and gives it back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from config.env import CheckWhenIdle, use_connection_pool

ROOT = Path(__file__).resolve().parents[2]


def _settings_with(env: dict[str, str]) -> dict:
    """The DATABASES of config.settings in a fresh interpreter with this environment (nothing connects)."""
    code = (
        "import json, config.settings as s; d = s.DATABASES; "
        "print(json.dumps({a: {'max_age': c['CONN_MAX_AGE'], 'checks': c['CONN_HEALTH_CHECKS'], "
        "'pool': {k: v for k, v in c.get('OPTIONS', {}).get('pool', {}).items() if k != 'check'}} "
        "for a, c in d.items()}))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DB_", "PMIP_TESTING"))}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "PMIP_VAR_DIR": os.environ.get("PMIP_VAR_DIR", str(ROOT / "var")), **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    return json.loads(done.stdout.strip().splitlines()[-1])


def test_postgresql_is_pooled_without_persistent_connections_or_per_request_checks():
    databases = _settings_with(
        {
            "DATABASE_URL": "postgres://u@db1:5432,db2:5432/pmip?target_session_attrs=read-write",
            "DATABASE_REPLICA_URL": "postgres://u@db2:5432/pmip",
            "DB_POOL_MAX_SIZE": "12",
        }
    )
    for alias in ("default", "replica"):
        assert databases[alias]["max_age"] == 0  # Django refuses a pool with persistent connections
        assert databases[alias]["checks"] is False  # no SELECT 1 per request: the pool's own check instead
        assert databases[alias]["pool"] == {"min_size": 2, "max_size": 12, "timeout": 10.0}


def test_the_pool_can_be_switched_off_and_sqlite_is_never_pooled():
    off = _settings_with({"DATABASE_URL": "postgres://u@db1:5432/pmip", "DB_POOL": "false"})["default"]
    assert (off["max_age"], off["checks"], off["pool"]) == (60, True, {})
    sqlite = _settings_with({})["default"]
    assert (sqlite["max_age"], sqlite["pool"]) == (0, {})


def test_pool_settings_are_sane():
    config: dict = {"OPTIONS": {"target_session_attrs": "read-write"}, "CONN_MAX_AGE": 60}
    use_connection_pool(config, min_size=4, max_size=2, timeout=3, check_idle=5)
    assert config["OPTIONS"]["target_session_attrs"] == "read-write"
    pool = config["OPTIONS"]["pool"]
    assert (pool["min_size"], pool["max_size"], pool["timeout"]) == (4, 4, 3)
    assert pool["check"] == CheckWhenIdle(5)


class _Conn:
    autocommit = True

    def __init__(self) -> None:
        self.pings = 0
        self.broken = False

    def execute(self, query):
        self.pings += 1
        if self.broken:
            raise OSError("server closed the connection")


def test_a_connection_is_checked_only_after_sitting_idle(monkeypatch):
    import time

    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    check = CheckWhenIdle(5)
    conn = _Conn()
    check(conn)  # first hand-out: checked
    assert conn.pings == 1
    now[0] += 0.2
    check(conn)  # reused at once (under load): no round trip
    check(conn)
    assert conn.pings == 1
    now[0] += 6
    conn.broken = True
    with pytest.raises(OSError):  # idle too long and broken: the pool drops it and takes another
        check(conn)
    assert conn.pings == 2
    always = CheckWhenIdle(0)
    fresh = _Conn()
    always(fresh)
    always(fresh)
    assert fresh.pings == 2


def _serve(handler, path: str) -> int:
    """One request through the WSGI handler as a server runs it (request_started/finished and their connection
    handling, which Django's test client switches off)."""
    from django.test.client import RequestFactory

    statuses = []
    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET")
    response = handler(environ, lambda status, headers: statuses.append(status))
    b"".join(response)
    response.close()  # request_finished
    return int(statuses[0].split()[0])


@pytest.mark.postgres
def test_a_request_takes_a_pooled_connection_and_gives_it_back(transactional_db):
    from django.core.handlers.wsgi import WSGIHandler

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    pool = connection.pool
    assert pool is not None and connection.settings_dict["CONN_MAX_AGE"] == 0
    connection.close()  # the test's own connection back to the pool
    handler = WSGIHandler()
    assert _serve(handler, "/readyz") == 200  # reads the database
    assert connection.connection is None  # given back at the end of the request
    pool.wait(timeout=30)  # the pool has opened its min_size connections in the background
    first = pool.get_stats()
    for _ in range(3):
        assert _serve(handler, "/readyz") == 200
        assert connection.connection is None
    stats = pool.get_stats()
    assert stats["requests_num"] - first["requests_num"] == 3  # one hand-out per request
    assert stats.get("connections_num", 0) == first.get("connections_num", 0)  # no new connection opened
