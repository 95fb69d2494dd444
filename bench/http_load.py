"""A small, bounded HTTP load generator for loopback servers (stdlib only).

Each client thread keeps one HTTP/1.1 connection alive and sends requests in a loop until the duration, the request
budget or a stop event runs out. Results are requests per second and latency percentiles; benchmarks report them as
ratios to a baseline endpoint measured in the same run, never as absolute thresholds.

GET is the default; a benchmark that needs more (POST with a JSON body, a session cookie per client, a CSRF header)
passes `method`, `body` and `client_headers`, and can sort answers into named outcomes with `classify`.
"""

from __future__ import annotations

import collections
import http.client
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

LOOPBACK = {"localhost", "::1"}


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by the nearest-rank method; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


@dataclass
class LoadResult:
    path: str
    requests: int  # answered with an accepted status
    errors: int  # any other status, or a connection error
    seconds: float
    latencies_ms: list[float]
    statuses: collections.Counter = field(
        default_factory=collections.Counter
    )  # status (0 = connection error)
    outcomes: collections.Counter = field(default_factory=collections.Counter)  # classify() labels
    outcome_latencies_ms: dict[str, list[float]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.requests + self.errors

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def p95(self) -> float:
        return percentile(self.latencies_ms, 0.95)

    def summary(self) -> dict:
        return {
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p50, 2),
            "p95_ms": round(self.p95, 2),
            "errors": self.errors,
            "requests": self.requests,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


def merge(results: list[LoadResult]) -> LoadResult:
    """One result from several runs of the same case (e.g. interleaved with other cases)."""
    merged = LoadResult(results[0].path, 0, 0, 0.0, [])
    for r in results:
        merged.requests += r.requests
        merged.errors += r.errors
        merged.seconds += r.seconds
        merged.latencies_ms.extend(r.latencies_ms)
        merged.statuses.update(r.statuses)
        merged.outcomes.update(r.outcomes)
        for label, values in r.outcome_latencies_ms.items():
            merged.outcome_latencies_ms.setdefault(label, []).extend(values)
    return merged


def run(
    host: str,
    port: int,
    paths: list[str],
    *,
    clients: int = 8,
    seconds: float = 5.0,
    max_requests: int = 200_000,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    client_headers: Callable[[int, int], dict[str, str]] | None = None,
    client_budget: int | None = None,
    ok_statuses: tuple[int, ...] = (200,),
    classify: Callable[[int, bytes], str] | None = None,
    stop: threading.Event | None = None,
    timeout: float = 10.0,
) -> LoadResult:
    """Send `method` to the given paths round-robin from `clients` threads for `seconds` (bounded by max_requests).

    `client_headers(n, i)` adds headers to the i-th request of client thread n (e.g. a session cookie);
    `client_budget` bounds the requests of each client thread. `classify(status, body)` labels every answer
    (connection errors are labelled "connection_error"); latencies are kept per label too. `stop` ends the run early.
    """
    if not paths:
        raise ValueError("http_load.run needs at least one path")
    if clients < 1 or seconds <= 0:
        raise ValueError("clients must be >= 1 and seconds > 0")
    if not (host.startswith("127.") or host in LOOPBACK):
        raise ValueError("benchmarks only target loopback")
    lock = threading.Lock()
    counts = {"ok": 0, "err": 0}
    latencies: list[float] = []
    statuses: collections.Counter = collections.Counter()
    outcomes: collections.Counter = collections.Counter()
    by_outcome: dict[str, list[float]] = collections.defaultdict(list)
    deadline = time.perf_counter() + seconds
    budget = [max_requests]
    base_headers = {"Host": host if not host.startswith("::") else "localhost", **(headers or {})}
    if body is not None:
        base_headers.setdefault("Content-Type", "application/json")

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        local_lat: list[float] = []
        local_status: collections.Counter = collections.Counter()
        local_outcome: dict[str, list[float]] = collections.defaultdict(list)
        ok = err = 0
        i = offset
        sent = 0
        while time.perf_counter() < deadline and not (stop is not None and stop.is_set()):
            if client_budget is not None and sent >= client_budget:
                break
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            path = paths[i % len(paths)]
            request_headers = {**base_headers, **(client_headers(offset, sent) if client_headers else {})}
            i += 1
            sent += 1
            started = time.perf_counter()
            status = 0
            payload = b""
            try:
                conn.request(method, path, body=body, headers=request_headers)
                response = conn.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
            elapsed_ms = (time.perf_counter() - started) * 1000
            if status in ok_statuses:
                ok += 1
            else:
                err += 1
            local_status[status] += 1
            local_lat.append(elapsed_ms)
            if classify is not None:
                label = classify(status, payload) if status else "connection_error"
                local_outcome[label].append(elapsed_ms)
        conn.close()
        with lock:
            counts["ok"] += ok
            counts["err"] += err
            latencies.extend(local_lat)
            statuses.update(local_status)
            for label, values in local_outcome.items():
                outcomes[label] += len(values)
                by_outcome[label].extend(values)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return LoadResult(
        paths[0], counts["ok"], counts["err"], elapsed, latencies, statuses, outcomes, dict(by_outcome)
    )


def fetch(host: str, port: int, path: str, *, timeout: float = 30.0) -> tuple[int, bytes]:
    """One GET (for set-up and checks): (status, body)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
