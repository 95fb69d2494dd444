"""Project search and project detail against a demo city, as ratios to a bare Django endpoint (/healthz).

Both go through the full middleware stack and the same granian server; the ratio says what the page itself costs.
Search is measured per kind of query (name/address substring, project-code prefix, pinyin-initials prefix), because
they reach the database differently. After the HTTP runs, the SQL that `search_projects` produces for each kind is
explained on the benchmark database (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite), with the indexes
of the project table, so a full scan on the hot path is visible in the results.
"""

from __future__ import annotations

import json
import re
import urllib.parse

from bench import http_load
from bench.server import bench_env, database_label, machine, prepare_city, serve, setup_django

BASELINE = "baseline: bare Django endpoint /healthz"
ROUNDS = 3

# (kind, query): typical searches an owner types. Chinese names are searched by substring (two characters is the
# common case), project codes and pinyin initials by prefix.
QUERIES = {
    "name substring": ["花园", "山庄", "翠湖", "锦绣花园", "深南"],
    "code prefix": ["440304", "4403040001", "44030"],
    "initials prefix": ["lh", "jxhy", "cy"],
}


def _codes(host: str, port: int, want: int = 20) -> list[str]:
    """Project codes spread over the whole table (first item of pages spread evenly)."""
    status, body = http_load.fetch(host, port, "/api/v1/projects")
    if status != 200:
        raise RuntimeError(f"/api/v1/projects answered {status}")
    first = json.loads(body)
    pages = first["num_pages"]
    codes: list[str] = []
    for page in sorted({1 + (pages - 1) * k // max(1, want - 1) for k in range(want)}):
        status, body = http_load.fetch(host, port, f"/api/v1/projects?page={page}")
        items = json.loads(body)["items"] if status == 200 else []
        codes.extend(item["code"] for item in items[: max(1, want // pages)])
    return list(dict.fromkeys(codes))[:want]


def _check(host: str, port: int, label: str, paths: list[str]) -> None:
    """Every measured path answers 200 once (this also warms templates and connections); a search case finds
    something with at least one of its queries (a small city may not match them all)."""
    found = 0
    for path in paths:
        status, body = http_load.fetch(host, port, path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}: {body[:200]!r}")
        if path.startswith("/api/v1/projects?q="):
            found += json.loads(body)["count"]
    if label.startswith("API search") and not found:
        raise RuntimeError(f"{label}: no query found a project; choose queries that match the demo city")


def explain_search(env: dict[str, str]) -> dict:
    """The plans of the count and first-page queries of `search_projects` for one query of each kind."""
    setup_django(env)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pmip.registry.selectors import search_projects

    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(
                "select indexname, indexdef from pg_indexes where tablename = 'registry_project' order by 1"
            )
            indexes = [f"{name}: {definition}" for name, definition in cursor.fetchall()]
            cursor.execute("select count(*) from registry_project")
            rows = cursor.fetchone()[0]
        else:
            cursor.execute(
                "select name, sql from sqlite_master where type = 'index' and tbl_name = 'registry_project'"
            )
            indexes = [f"{name}: {sql}" for name, sql in cursor.fetchall()]
            cursor.execute("select count(*) from registry_project")
            rows = cursor.fetchone()[0]
    plans: dict[str, dict] = {}
    for kind, queries in QUERIES.items():
        for query in queries:
            qs = search_projects(query=query)
            with CaptureQueriesContext(connection) as captured:
                count = qs.count()
                list(qs[:20])
            entry: dict = {"matches": count, "statements": []}
            for statement in captured.captured_queries:
                sql = statement["sql"]
                with connection.cursor() as cursor:
                    if vendor == "postgresql":
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    else:
                        cursor.execute("EXPLAIN QUERY PLAN " + sql)
                    lines = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
                plan = "\n".join(lines)
                entry["statements"].append(
                    {
                        "sql": sql,
                        "plan": plan,
                        "full_scan_of_projects": bool(
                            re.search(r"Seq Scan on registry_project|SCAN registry_project\b", plan)
                        ),
                        "execution_ms": _execution_ms(plan),
                    }
                )
            plans[f"{kind}: {query}"] = entry
    return {"vendor": vendor, "project_rows": rows, "indexes": indexes, "plans": plans}


def _execution_ms(plan: str) -> float | None:
    match = re.search(r"Execution Time: ([0-9.]+) ms", plan)
    return float(match.group(1)) if match else None


def run(*, scale: str, seconds: float, clients: int) -> dict:
    env = bench_env(scale)
    prepared = prepare_city(env, scale)
    projects = prepared["projects"]
    host_info = machine()
    with serve(env) as (host, port):
        codes = _codes(host, port)
        cases = {BASELINE: ["/healthz"]}
        for kind, queries in QUERIES.items():
            cases[f"API search: {kind}"] = [f"/api/v1/projects?q={urllib.parse.quote(x)}" for x in queries]
        cases["API project detail"] = [f"/api/v1/projects/{c}" for c in codes]
        every_query = [urllib.parse.quote(x) for queries in QUERIES.values() for x in queries]
        cases["owner page: project search"] = [f"/property/projects/?q={x}" for x in every_query]
        cases["owner page: project detail"] = [f"/property/projects/{c}/" for c in codes]
        for label, paths in cases.items():
            _check(host, port, label, paths)
        http_load.run(host, port, ["/healthz"], clients=clients, seconds=1.0)  # warm-up
        # Cases are interleaved in ROUNDS short runs, so other work on the machine weighs on all of them alike.
        runs: dict[str, list[http_load.LoadResult]] = {label: [] for label in cases}
        for _round in range(ROUNDS):
            for label, paths in cases.items():
                runs[label].append(
                    http_load.run(host, port, paths, clients=clients, seconds=seconds / ROUNDS)
                )
        rows = {label: http_load.merge(results).summary() for label, results in runs.items()}
    base = rows[BASELINE]["rps"] or 1.0
    for row in rows.values():
        row["ratio_to_baseline"] = round(row["rps"] / base, 3)
    explained = explain_search(env)
    database = database_label(env)
    print(
        f"\nregistry benchmark — scale {scale} ({projects} projects), {clients} clients, {seconds}s each, "
        f"database {database}"
    )
    print(f"{'case':40s} {'req/s':>9s} {'ratio':>7s} {'p50 ms':>8s} {'p95 ms':>8s} {'errors':>7s}")
    for label, row in rows.items():
        print(
            f"{label:40s} {row['rps']:9.1f} {row['ratio_to_baseline']:7.3f} {row['p50_ms']:8.2f} "
            f"{row['p95_ms']:8.2f} {row['errors']:7d}"
        )
    print(f"\nsearch plans on {explained['vendor']} ({explained['project_rows']} projects):")
    for label, entry in explained["plans"].items():
        scans = ["full scan" if s["full_scan_of_projects"] else "index" for s in entry["statements"]]
        times = [s["execution_ms"] for s in entry["statements"] if s["execution_ms"] is not None]
        timing = " / ".join(f"{t:.2f} ms" for t in times)
        print(f"  {label:30s} matches {entry['matches']:5d}  count+page: {' + '.join(scans)}  {timing}")
    return {
        "benchmark": "registry",
        "machine": host_info,
        "scale": scale,
        "projects": projects,
        "analyzed_by_harness": prepared["analyzed_by_harness"],
        "clients": clients,
        "seconds": seconds,
        "database": database,
        "rows": rows,
        "explain": explained,
    }
