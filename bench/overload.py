"""Overload: at 3× the load the server can serve, does goodput hold, and does the excess get a fast refusal?

1. Peak: closed-loop clients (`--clients`, then twice and four times as many) read the owner project-detail page for `--seconds`;
   the better run is P requests/s.
2. Overload: an open-loop generator sends the same page at 3·P requests/s for `--seconds` — arrivals on a fixed
   schedule, as real users arrive, whether or not earlier requests were answered — from up to 256 connections.
   Each request has a 2 s deadline (the patience of a user, or a proxy's timeout), counted from its scheduled
   time, so a generator that falls behind counts against the server, not for it (no coordinated omission).
   Goodput = answers 200 within the deadline per second. Refusals = 503 answers, with their latency and whether
   they carried Retry-After.
The same is run against a second server with admission control off (`PMIP_ADMISSION_CONCURRENCY=0`), to show what
the limit buys. Reported: goodput ÷ P for both, and the refusals' p50 latency ÷ the page's p50 at peak.
"""

from __future__ import annotations

import collections
import http.client
import threading
import time

from bench import http_load
from bench.registry import _codes
from bench.server import bench_env, database_label, machine, prepare_city, serve

DEADLINE_S = 2.0
FACTOR = 3.0
MAX_CONNECTIONS = 256


def open_loop(host: str, port: int, paths: list[str], *, rate: float, seconds: float) -> dict:
    """Send GETs at `rate` per second on a fixed schedule for `seconds`; classify each answer."""
    total = int(rate * seconds)
    start = time.perf_counter() + 0.2
    lock = threading.Lock()
    next_index = [0]
    outcomes: collections.Counter = collections.Counter()
    latency: dict[str, list[float]] = collections.defaultdict(list)
    retry_after = [0]

    def worker() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=DEADLINE_S)
        while True:
            with lock:
                i = next_index[0]
                if i >= total:
                    break
                next_index[0] += 1
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            label, has_retry = "timeout", False
            if time.perf_counter() - scheduled >= DEADLINE_S:
                label = "late"  # the generator itself could not send it in time (all connections busy)
            else:
                try:
                    conn.timeout = max(0.01, DEADLINE_S - (time.perf_counter() - scheduled))
                    conn.request("GET", paths[i % len(paths)], headers={"Host": host})
                    response = conn.getresponse()
                    response.read()
                    has_retry = response.getheader("Retry-After") is not None
                    label = {200: "ok", 503: "refused", 429: "refused"}.get(
                        response.status, f"http_{response.status}"
                    )
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=DEADLINE_S)
            elapsed = time.perf_counter() - scheduled
            if label == "ok" and elapsed > DEADLINE_S:
                label = "timeout"
            with lock:
                outcomes[label] += 1
                latency[label].append(elapsed * 1000)
                retry_after[0] += has_retry
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(MAX_CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "rate": round(rate, 1),
        "sent": total,
        "outcomes": dict(outcomes),
        "goodput_rps": round(outcomes["ok"] / seconds, 1),
        "p50_ms": {k: round(http_load.percentile(v, 0.5), 1) for k, v in latency.items()},
        "refusals_with_retry_after": retry_after[0],
    }


def _measure(env: dict[str, str], *, seconds: float, clients: int) -> dict:
    with serve(env) as (host, port):
        codes = _codes(host, port)
        paths = [f"/property/projects/{c}/" for c in codes]
        http_load.run(host, port, paths, clients=clients, seconds=1.0)  # warm-up
        # The peak is the best of three closed-loop runs (clients, 2·, 4·clients): the most the server served.
        peak = max(
            (
                http_load.run(host, port, paths, clients=n, seconds=seconds)
                for n in (clients, 2 * clients, 4 * clients)
            ),
            key=lambda r: r.rps,
        )
        over = open_loop(host, port, paths, rate=FACTOR * peak.rps, seconds=seconds)
    over["goodput_ratio_to_peak"] = round(over["goodput_rps"] / (peak.rps or 1), 3)
    return {"peak": peak.summary(), "overload": over}


def run(*, scale: str, seconds: float, clients: int) -> dict:
    env = bench_env(scale)
    prepared = prepare_city(env, scale)
    guarded = _measure(
        {**env, "PMIP_ADMISSION_CONCURRENCY": env.get("PMIP_ADMISSION_CONCURRENCY", "4")},
        seconds=seconds,
        clients=clients,
    )
    unguarded = _measure({**env, "PMIP_ADMISSION_CONCURRENCY": "0"}, seconds=seconds, clients=clients)
    print(
        f"\noverload benchmark — scale {scale} ({prepared['projects']} projects), owner project-detail page, "
        f"{clients} clients for the peak, {FACTOR}× the peak open-loop, {DEADLINE_S}s deadline, "
        f"database {database_label(env)}"
    )
    print(f"{'server':28s} {'peak/s':>8s} {'offered/s':>10s} {'goodput/s':>10s} {'ratio':>6s}  outcomes")
    for label, row in (("admission control on", guarded), ("admission control off", unguarded)):
        o = row["overload"]
        print(
            f"{label:28s} {row['peak']['rps']:8.1f} {o['rate']:10.1f} {o['goodput_rps']:10.1f} "
            f"{o['goodput_ratio_to_peak']:6.3f}  {o['outcomes']}  p50 ms {o['p50_ms']}"
        )
    return {
        "benchmark": "overload",
        "machine": machine(),
        "scale": scale,
        "clients": clients,
        "seconds": seconds,
        "factor": FACTOR,
        "deadline_s": DEADLINE_S,
        "database": database_label(env),
        "admission_on": guarded,
        "admission_off": unguarded,
    }
