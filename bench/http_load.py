"""A small, bounded HTTP load generator for loopback servers (stdlib only).

Each client thread keeps one HTTP/1.1 connection alive and sends GETs in a loop until the duration or the
request budget runs out. Results are requests per second and latency percentiles; benchmarks report them as
ratios to a baseline endpoint measured in the same run, never as absolute thresholds.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass


@dataclass
class LoadResult:
    path: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def p95(self) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def run(
    host: str,
    port: int,
    paths: list[str],
    *,
    clients: int = 8,
    seconds: float = 5.0,
    max_requests: int = 200_000,
) -> LoadResult:
    """GET the given paths round-robin from `clients` threads for `seconds` (bounded by max_requests)."""
    assert host.startswith("127.") or host in {"localhost", "::1"}, "benchmarks only target loopback"
    lock = threading.Lock()
    counts = {"ok": 0, "err": 0}
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    budget = [max_requests]

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        local_lat: list[float] = []
        ok = err = 0
        i = offset
        while time.perf_counter() < deadline:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    ok += 1
                else:
                    err += 1
            except (OSError, http.client.HTTPException):
                err += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=10)
            local_lat.append((time.perf_counter() - started) * 1000)
        conn.close()
        with lock:
            counts["ok"] += ok
            counts["err"] += err
            latencies.extend(local_lat)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return LoadResult(paths[0], counts["ok"], counts["err"], elapsed, latencies)
