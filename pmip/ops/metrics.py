"""Prometheus metrics (`/metrics`) through prometheus_client.

Per node (and per granian worker process, summed by prometheus_client's multiprocess mode when
PROMETHEUS_MULTIPROC_DIR is set — it must be set before the server starts and emptied at each start):
- `pmip_http_requests_total{method,route,status}`: requests by route pattern and status class (2xx … 5xx);
- `pmip_http_request_duration_seconds{method,route}`: latency histogram;
- `pmip_binding_lookups_refused_total{reason}`: title look-ups refused before any identity work (registry_busy,
  ip_limit, account_limit; pmip.identity.flood).

Read from the database at scrape time (the same on every node; at most every few seconds per process):
- `pmip_task_queue_depth{queue}`: tasks waiting to run;
- `pmip_outbox_pending`, `pmip_outbox_lag_seconds`: messages not yet delivered, and how long the oldest due one
  has waited;
- `pmip_replica_lag_seconds`: how far the replica is behind (absent without a replica);
- `pmip_ballots_cast_total`: ballots cast so far across the platform (a counter: `rate()` = casts per second).
"""

from __future__ import annotations

import os
import time

from django.conf import settings
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from pmip.identity.binding.common import LOOKUPS_REFUSED
from pmip.ops import routing

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REQUESTS = Counter("pmip_http_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "pmip_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=BUCKETS,
)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
_DB_EVERY_SECONDS = 5.0


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return "/" + (match.route or "").lstrip("^")[:200]


def observe(request, status: int, seconds: float) -> None:
    method = request.method if request.method in _METHODS else "OTHER"
    route = route_of(request)
    REQUESTS.labels(method, route, f"{status // 100}xx").inc()
    LATENCY.labels(method, route).observe(seconds)


class MetricsMiddleware:
    """Outermost middleware: times every request and counts it by route and status class."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if request.path != "/metrics":
            observe(request, response.status_code, time.perf_counter() - started)
        return response


class DatabaseCollector:
    """Platform gauges read from the database at scrape time (cached a few seconds per process)."""

    def __init__(self):
        self._cached: tuple[float, list[Metric]] = (0.0, [])

    def collect(self):
        now = time.monotonic()
        if now - self._cached[0] >= _DB_EVERY_SECONDS:
            try:
                families = self._read()
                up = 1
            except Exception:  # the database is down: the HTTP metrics must still be served
                families, up = [], 0
            families.append(
                GaugeMetricFamily("pmip_database_up", "1 when the primary answered the scrape", up)
            )
            self._cached = (now, families)
        yield from self._cached[1]

    def _read(self) -> list[Metric]:
        from django.db.models import Count, Min, Sum
        from django_tasks_db.models import DBTaskResult

        from pmip.audit import chain
        from pmip.core import clock
        from pmip.decisions.models import Meeting
        from pmip.notifications.models import OutboxMessage

        families: list[Metric] = []
        queue = GaugeMetricFamily("pmip_task_queue_depth", "Tasks waiting to run", labels=["queue"])
        depths = {name: 0 for name in settings.TASKS["default"].get("QUEUES", ["default"])}
        for row in DBTaskResult.objects.ready().values("queue_name").annotate(n=Count("id")).order_by():
            depths[row["queue_name"]] = row["n"]
        for name, depth in sorted(depths.items()):
            queue.add_metric([name], depth)
        families.append(queue)
        outbox = OutboxMessage.objects.using("default").filter(state__in=("pending", "failed", "sending"))
        agg = outbox.aggregate(n=Count("id"), oldest=Min("next_attempt_at"))
        families.append(
            GaugeMetricFamily("pmip_outbox_pending", "Outbox messages not yet delivered", agg["n"])
        )
        lag = max(0.0, (clock.now() - agg["oldest"]).total_seconds()) if agg["oldest"] else 0.0
        families.append(
            GaugeMetricFamily("pmip_outbox_lag_seconds", "Age of the oldest due undelivered message", lag)
        )
        waiting, oldest = chain.unsealed()  # the audit sealer's backlog (partial index: no scan of the log)
        families.append(GaugeMetricFamily("pmip_audit_unsealed", "Audit entries not chained yet", waiting))
        age = max(0.0, (clock.now() - oldest).total_seconds()) if oldest else 0.0
        families.append(
            GaugeMetricFamily(
                "pmip_audit_unsealed_age_seconds", "Age of the oldest audit entry not chained yet", age
            )
        )
        cast = Meeting.objects.using("default").aggregate(n=Sum("ballot_sequence"))["n"] or 0
        families.append(
            CounterMetricFamily("pmip_ballots_cast", "Ballots cast (rate() = casts per second)", cast)
        )
        if routing.replica_configured():
            routing.replica_healthy()
            lag = routing.last_replica_lag()
            if lag is not None:
                families.append(GaugeMetricFamily("pmip_replica_lag_seconds", "Replica replay lag", lag))
            families.append(
                GaugeMetricFamily(
                    "pmip_replica_in_use",
                    "1 when public reads go to the replica",
                    int(routing.replica_healthy()),
                )
            )
        return families


_database_collector = DatabaseCollector()


def render() -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
        registry.register(LOOKUPS_REFUSED)
    registry.register(_database_collector)
    return generate_latest(registry)
