"""Database router: public reads to the replica when configured and well, everything else to the primary,
read-your-writes by cookie, multi-host URLs."""

from __future__ import annotations

import json

import pytest

from config.env import database_from_url
from pmip.ops import routing
from pmip.registry.models import Project


@pytest.fixture
def replica(monkeypatch):
    """A replica alias that is 'configured' and well (the router's decision is what is tested here)."""
    monkeypatch.setattr(routing, "replica_configured", lambda: True)
    monkeypatch.setattr(routing, "replica_healthy", lambda force=False: True)


@pytest.fixture
def seen(monkeypatch):
    """Record which alias the router picks for each read."""
    picks = []
    real = routing.PrimaryReplicaRouter.db_for_read

    def spy(self, model, **hints):
        alias = real(self, model, **hints)
        picks.append((model._meta.label, alias or "default"))
        return None  # the test database has no real replica: run the query on default

    monkeypatch.setattr(routing.PrimaryReplicaRouter, "db_for_read", spy)
    return picks


def test_without_replica_everything_is_primary(client, city, seen):
    client.get("/api/v1/projects")
    assert seen and all(alias == "default" for _, alias in seen)


def test_public_project_reads_go_to_the_replica(client, city, replica, seen):
    client.get("/api/v1/projects")
    assert ("registry.Project", "replica") in seen
    assert not [p for p in seen if p[0].startswith(("sessions.", "identity.")) and p[1] == "replica"]


def test_other_pages_and_writes_stay_on_the_primary(client, city, replica, seen):
    client.get("/healthz")
    client.get("/api/v1/me/messages")
    client.post("/api/v1/projects", "{}", content_type="application/json")
    assert all(alias == "default" for _, alias in seen)


def test_read_your_writes_pins_the_writer_to_the_primary(client, city, replica, seen, settings):
    from tests import factories

    owner = factories.account("ryw_owner", mobile="+8613800005555")
    client.force_login(owner)
    answer = client.put(
        "/api/v1/me/messages/preferences",
        json.dumps({"wechat": True, "sms": False}),
        content_type="application/json",
    )
    assert answer.status_code == 200
    cookie = answer.cookies[routing.COOKIE]
    assert int(cookie["max-age"]) == settings.PMIP_READ_YOUR_WRITES_SECONDS
    seen.clear()
    client.get("/api/v1/projects")
    assert ("registry.Project", "default") in seen and ("registry.Project", "replica") not in seen
    client.cookies[routing.COOKIE] = "1"  # expired long ago
    seen.clear()
    client.get("/api/v1/projects")
    assert ("registry.Project", "replica") in seen


def test_sick_replica_sends_reads_to_the_primary(client, city, monkeypatch, seen):
    monkeypatch.setattr(routing, "replica_configured", lambda: True)
    monkeypatch.setattr(routing, "replica_healthy", lambda force=False: False)
    client.get("/api/v1/projects")
    assert all(alias == "default" for _, alias in seen)


def test_health_check_uses_lag_bound(monkeypatch, settings):
    monkeypatch.setattr(routing, "replica_configured", lambda: True)
    settings.PMIP_REPLICA_MAX_LAG_SECONDS = 5
    monkeypatch.setattr(routing, "replica_lag_seconds", lambda alias="replica": 1.0)
    assert routing.replica_healthy(force=True) is True
    monkeypatch.setattr(routing, "replica_lag_seconds", lambda alias="replica": 6.0)
    assert routing.replica_healthy(force=True) is False

    def down(alias="replica"):
        raise OSError("refused")

    monkeypatch.setattr(routing, "replica_lag_seconds", down)
    monkeypatch.setattr(routing, "connections", {"replica": type("C", (), {"close": lambda self: None})()})
    assert routing.replica_healthy(force=True) is False


def test_router_never_migrates_or_writes_the_replica():
    router = routing.PrimaryReplicaRouter()
    assert router.db_for_write(Project) == "default"
    assert router.allow_migrate("replica", "registry") is False
    assert router.allow_migrate("default", "registry") is True


def test_multi_host_url_keeps_every_host_for_libpq():
    config = database_from_url(
        "postgres://pmip:pw@db1:5432,db2:5433/pmip?target_session_attrs=read-write", conn_max_age=60
    )
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == (
        "db1,db2",
        "5432,5433",
        "pmip",
        "pmip",
    )
    assert config["OPTIONS"] == {"target_session_attrs": "read-write"}
    single = database_from_url("postgres://u@h:5432/d", conn_max_age=0)
    assert (single["HOST"], single["PORT"]) == ("h", 5432)


@pytest.mark.postgres
def test_replica_lag_query_runs_on_postgresql(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    assert routing.replica_lag_seconds("default") == 0.0  # a primary is never behind itself
