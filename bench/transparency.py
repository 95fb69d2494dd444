"""业主评价 rankings and the public company search, as ratios to a bare Django endpoint (/healthz).

The ranking page reads one PeriodTotal row and the cached ranking computed from the maintained tallies, so its cost
must not grow with the number of evaluations: compare "owner page: ranking" with "owner page: project detail" (the
issue's bar: a ranking page costs no more than a project detail page). The company search reads PropertyCompany by
name substring, credit-code prefix and pinyin-initials prefix.

Small scale here (`python -m bench transparency --scale small`). City scale (5,000 projects; the demo adds about 35
evaluations per project, and PMIP_BENCH_EVALUATIONS=N tops the newest quarter up to N evaluations in bulk so the
1,000,000-evaluation case of the issue can be measured):

    PMIP_BENCH_EVALUATIONS=1000000 DATABASE_URL=postgres://…/pmip_bench_city python -m bench transparency --scale city

(do not run city scale on the shared development machine).
"""

from __future__ import annotations

import json
import os
import urllib.parse

from bench import http_load
from bench.server import bench_env, database_label, machine, manage, prepare_city, serve

BASELINE = "baseline: bare Django endpoint /healthz"
ROUNDS = 3
COMPANY_QUERIES = ["物业", "万嘉", "wj", "914403"]

_TOP_UP = """
import random
from pmip.evaluation.services import current_period, rebuild_tallies
from pmip.evaluation.models import Evaluation
from pmip.identity.models import Account, AccountKind
from pmip.registry.models import Project
from pmip.core import clock
want = %d
period = current_period()
have = Evaluation.objects.filter(period=period, is_current=True, target="office").count()
projects = list(Project.objects.exclude(company=None).values_list("pk", "company_id", "code"))
rng = random.Random(1)
batch, n = [], 0
accounts = []
while have + n < want:
    if not accounts or len(batch) >= 5000:
        accounts = Account.objects.bulk_create([
            Account(username=f"bench-eval-{have + n + i}", kind=AccountKind.OWNER, password="!") for i in range(5000)
        ])
        if batch:
            Evaluation.objects.bulk_create(batch)
            batch = []
    pk, company_id, code = projects[n %% len(projects)]
    batch.append(Evaluation(owner=accounts[len(batch)], submitted_by=accounts[len(batch)], project_id=pk,
        target="office", company_id=company_id, period=period, stars=rng.randint(1, 5),
        evaluator_label="演示", submitted_at=clock.now()))
    n += 1
if batch:
    Evaluation.objects.bulk_create(batch)
print(n, rebuild_tallies(periods_=[period]))
"""


def _project_codes(host: str, port: int, want: int = 10) -> list[str]:
    status, body = http_load.fetch(host, port, "/api/v1/projects")
    if status != 200:
        raise RuntimeError(f"/api/v1/projects answered {status}")
    return [item["code"] for item in json.loads(body)["items"][:want]]


def run(*, scale: str, seconds: float, clients: int, evaluations: int | None = None) -> dict:
    env = bench_env(scale)
    prepared = prepare_city(env, scale)
    evaluations = evaluations or int(os.environ.get("PMIP_BENCH_EVALUATIONS", "0") or 0)
    if evaluations:
        print(manage(env, "shell", "-v", "0", "-c", _TOP_UP % evaluations, capture=True).strip())
    with serve(env) as (host, port):
        codes = _project_codes(host, port)
        cases = {
            BASELINE: ["/healthz"],
            "owner page: project detail": [f"/property/projects/{c}/" for c in codes],
            "owner page: ranking (projects)": ["/evaluation/ranking/?kind=project"],
            "owner page: ranking (companies)": ["/evaluation/ranking/?kind=company"],
            "API ranking page": [],
            "owner page: company search": [
                f"/public/companies/?q={urllib.parse.quote(q)}" for q in COMPANY_QUERIES
            ],
            "API company search": [
                f"/api/v1/public/companies?q={urllib.parse.quote(q)}" for q in COMPANY_QUERIES
            ],
        }
        status, body = http_load.fetch(host, port, "/api/v1/evaluation/policy")
        period = json.loads(body)["current_period"] if status == 200 else ""
        status, body = http_load.fetch(host, port, "/api/v1/evaluation/periods?kind=project")
        if status == 200 and json.loads(body):
            period = json.loads(body)[0]
        cases["API ranking page"] = [f"/api/v1/evaluation/rankings/{period}/project"]
        for paths in cases.values():
            for path in paths:
                status, body = http_load.fetch(host, port, path)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}: {body[:200]!r}")
        http_load.run(host, port, ["/healthz"], clients=clients, seconds=1.0)  # warm-up
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
    detail = rows["owner page: project detail"]["rps"] or 1.0
    ranking_vs_detail = round(rows["owner page: ranking (projects)"]["rps"] / detail, 3)
    print(
        f"\ntransparency benchmark — scale {scale} ({prepared['projects']} projects), {clients} clients, "
        f"{seconds}s each, database {database_label(env)}"
    )
    print(f"{'case':40s} {'req/s':>9s} {'ratio':>7s} {'p50 ms':>8s} {'p95 ms':>8s} {'errors':>7s}")
    for label, row in rows.items():
        print(
            f"{label:40s} {row['rps']:9.1f} {row['ratio_to_baseline']:7.3f} {row['p50_ms']:8.1f} "
            f"{row['p95_ms']:8.1f} {row['errors']:7d}"
        )
    print(f"ranking page throughput ÷ project detail throughput: {ranking_vs_detail} (≥ 1 means no dearer)")
    return {
        "benchmark": "transparency",
        "scale": scale,
        "projects": prepared["projects"],
        "evaluations_topped_up_to": evaluations or None,
        "database": database_label(env),
        "machine": machine(),
        "clients": clients,
        "seconds": seconds,
        "rows": rows,
        "ranking_vs_project_detail": ranking_vs_detail,
    }
