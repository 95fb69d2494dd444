"""Project search and project detail against a demo city, as ratios to a bare Django endpoint (/healthz).

Both go through the full middleware stack and the same granian server; the ratio says what the page itself costs.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse

from bench import http_load
from bench.server import bench_env, manage, serve

QUERIES = ["花园", "苑", "lh", "山庄", "华"]


def _codes(host: str, port: int) -> list[str]:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", "/api/v1/projects?page=3")
    body = json.loads(conn.getresponse().read())
    return [item["code"] for item in body["items"]][:20]


def run(*, scale: str, seconds: float, clients: int) -> dict:
    env = bench_env(f"registry-{scale}")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "demo_city", "--scale", scale, "--seed", "1", "--if-empty")
    rows = {}
    with serve(env) as (host, port):
        codes = _codes(host, port)
        q = [urllib.parse.quote(x) for x in QUERIES]
        cases = {
            "baseline: bare Django endpoint /healthz": ["/healthz"],
            "API project search": [f"/api/v1/projects?q={x}" for x in q],
            "API project detail": [f"/api/v1/projects/{c}" for c in codes],
            "owner page: project search": [f"/property/projects/?q={x}" for x in q],
            "owner page: project detail": [f"/property/projects/{c}/" for c in codes],
        }
        http_load.run(host, port, ["/healthz"], clients=clients, seconds=1.0)  # warm-up
        for label, paths in cases.items():
            res = http_load.run(host, port, paths, clients=clients, seconds=seconds)
            rows[label] = {
                "rps": round(res.rps, 1),
                "p50_ms": round(res.p50, 2),
                "p95_ms": round(res.p95, 2),
                "errors": res.errors,
                "requests": res.requests,
            }
    base = rows["baseline: bare Django endpoint /healthz"]["rps"] or 1.0
    print(
        f"\nregistry benchmark — scale {scale}, {clients} clients, {seconds}s each, database {env.get('DATABASE_URL') or 'SQLite'}"
    )
    print(f"{'case':45s} {'req/s':>9s} {'ratio':>7s} {'p50 ms':>8s} {'p95 ms':>8s} {'errors':>7s}")
    for label, row in rows.items():
        row["ratio_to_baseline"] = round(row["rps"] / base, 3)
        print(
            f"{label:45s} {row['rps']:9.1f} {row['ratio_to_baseline']:7.3f} {row['p50_ms']:8.2f} {row['p95_ms']:8.2f} {row['errors']:7d}"
        )
    return {
        "scale": scale,
        "clients": clients,
        "seconds": seconds,
        "database": "postgresql" if env.get("DATABASE_URL") else "sqlite",
        "rows": rows,
    }
