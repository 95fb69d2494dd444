"""/readyz (database, migrations, replica) and /metrics (Prometheus text from prometheus_client)."""

from __future__ import annotations

import pytest

from pmip.ops import readiness, routing


def test_readyz_is_ready_with_database_and_migrations(client, db):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"ready": True, "checks": {"database": "ok", "migrations": "ok"}}


def test_readyz_is_503_when_migrations_are_pending(client, db, monkeypatch):
    monkeypatch.setattr(readiness, "_migrations_ok_until", [0.0])
    monkeypatch.setattr(readiness.MigrationExecutor, "migration_plan", lambda self, targets: [("x", False)])
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["migrations"] == "pending"


def test_readyz_is_503_when_the_database_is_unreachable(client, db, monkeypatch):
    class Down:
        def cursor(self):
            raise OSError("connection refused")

    monkeypatch.setattr(readiness, "connections", {"default": Down()})
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["database"].startswith("unreachable")


def test_readyz_reports_a_lagging_replica_as_degraded(client, db, monkeypatch):
    monkeypatch.setattr(routing, "replica_configured", lambda: True)
    monkeypatch.setattr(routing, "replica_lag_seconds", lambda alias="replica": 99.0)
    answer = client.get("/readyz")
    assert answer.status_code == 200  # reads fall back to the primary: the node still answers correctly
    assert answer.json()["checks"]["replica"] == "degraded (reads on the primary)"
    assert answer.json()["replica_lag_seconds"] == 99.0


def test_metrics_counts_requests_by_route_and_status(client, db):
    client.get("/healthz")
    client.get("/api/v1/projects/NOPE")
    text = client.get("/metrics").content.decode()
    assert 'pmip_http_requests_total{method="GET",route="/healthz",status="2xx"}' in text
    assert 'route="/api/v1/projects/<code>",status="4xx"' in text
    assert 'pmip_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/healthz"}' in text
    for name in (
        "pmip_task_queue_depth",
        "pmip_outbox_pending",
        "pmip_outbox_lag_seconds",
        "pmip_audit_unsealed",
        "pmip_audit_unsealed_age_seconds",
        "pmip_ballots_cast_total",
    ):
        assert name in text
    assert "pmip_database_up 1.0" in text
    assert 'pmip_task_queue_depth{queue="default"} 0.0' in text


def test_metrics_counter_moves(client, db):
    def count():
        for line in client.get("/metrics").content.decode().splitlines():
            if line.startswith('pmip_http_requests_total{method="GET",route="/healthz",status="2xx"}'):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    before = count()
    client.get("/healthz")
    client.get("/healthz")
    assert count() == before + 2


def test_metrics_token(client, db, settings):
    settings.PMIP_METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200


def test_outbox_lag_and_queue_depth_read_the_database(db):
    from pmip.ops.metrics import DatabaseCollector

    families = {f.name: f for f in DatabaseCollector()._read()}
    assert families["pmip_outbox_pending"].samples[0].value == 0
    assert families["pmip_outbox_lag_seconds"].samples[0].value == 0


def test_the_audit_sealers_backlog_is_a_metric(db):
    import datetime as dt

    from django.db import transaction

    from pmip.audit import chain
    from pmip.audit.services import record
    from pmip.core import clock
    from pmip.ops.metrics import DatabaseCollector

    with clock.frozen(clock.now() - dt.timedelta(minutes=3)), transaction.atomic():
        record(actor=None, action="registry.project.updated")
    families = {f.name: f for f in DatabaseCollector()._read()}
    assert families["pmip_audit_unsealed"].samples[0].value == 1
    assert 170 < families["pmip_audit_unsealed_age_seconds"].samples[0].value < 400
    chain.seal()
    families = {f.name: f for f in DatabaseCollector()._read()}
    assert families["pmip_audit_unsealed"].samples[0].value == 0
    assert families["pmip_audit_unsealed_age_seconds"].samples[0].value == 0


@pytest.mark.parametrize("path", ["/readyz", "/metrics"])
def test_probes_refuse_writes(client, db, path):
    assert client.post(path).status_code == 405
