"""Maintenance-fund ledger (维修资金): balance reads that must not grow with the ledger, and bulk posting throughput —
each as a ratio measured in the same run.

PostgreSQL only (postings lock the project's balance row; on SQLite the figures would mean nothing): with any other
DATABASE_URL the benchmark prints why it is skipped and returns {"skipped": ...}. It works in its own database
`<DATABASE_URL's database>_bench_funds` on the same loopback server (dropped and created again each run), and runs
`pgbench` in a second scratch database `<…>_bench_funds_pgbench`. Nothing leaves the machine.

Cases, all in-process through the domain's own selectors and services (no HTTP: the web stack is measured by the
other benchmarks):
- reads: `selectors.unit_overview` (a unit's 分户账 figures) and `selectors.project_overview` (a project's figures,
  counts and settings), as a city staff account, for a project with 100,000 ledger entries / for a project of the
  same 2,000 units with 10 entries (so only the ledger's size differs), measured in alternating rounds. Balances are
  maintained rows updated in the posting transaction, so these ratios should stay near 1.
- posting throughput: entries per second written by `services.post_monthly_contributions` while it fills the large
  project (2,000 units × 50 postings = 100,000 entries; one entry per unit per call — the same engine as first
  deposits, repair charges and interest allocation); by `services.charge_repair` over the whole project (2,000
  shares, three repairs, charged after the reads so that those see exactly 100,000 entries); and by
  `importing.import_fund_entries` (read the CSV, validate every row, idempotency look-up, post) of a 10,000-row file
  into a third project — each / the transactions per second of pgbench's built-in TPC-B-like script
  (`pgbench -i -s 1`, then `pgbench -c 4 -j 2 -T 5`), one small read-write transaction of three UPDATEs, one INSERT
  and one SELECT. The ratio is ledger entries per TPC-B transaction: how many entries the platform writes in the
  time PostgreSQL runs one bare small transaction on the same machine.
- afterwards `reconcile` recomputes every balance of the benchmark database from the entries and must find none
  different (the run fails otherwise).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.parse

from bench.server import ROOT, bench_env, machine, manage

LARGE_UNITS = 2_000  # 20 buildings × 100 units
LARGE_POSTINGS = 50  # 1 first deposit + 49 months → 100,000 entries
SMALL_ENTRIES = 10  # the small project has as many units, 10 of them with a first deposit
IMPORT_UNITS = 500
IMPORT_MONTHS = 20  # 10,000 rows
REPAIRS = 3
READ_REPEATS = 300
PGBENCH_CLIENTS = 4
PGBENCH_SECONDS = 5
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


# --- databases -------------------------------------------------------------------------------------------------


def _bench_urls(url: str) -> tuple[urllib.parse.ParseResult, str, str]:
    parsed = urllib.parse.urlparse(url)
    if parsed.hostname not in LOOPBACK:
        raise SystemExit(
            f"funds benchmark: DATABASE_URL must point to a loopback server, not {parsed.hostname}"
        )
    name = parsed.path.lstrip("/") or "pmip"
    return parsed, f"{name}_bench_funds", f"{name}_bench_funds_pgbench"


def _recreate_database(parsed: urllib.parse.ParseResult, name: str) -> None:
    import psycopg

    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_database(parsed: urllib.parse.ParseResult, name: str) -> None:
    import psycopg

    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the work inside a Django process (python -c "from bench import funds; funds._child()") ---------------------


def _run_child(env: dict[str, str], command: str, **args) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", "from bench import funds; funds._child()", command, json.dumps(args)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"funds benchmark child '{command}' failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _child() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    command, args = sys.argv[1], json.loads(sys.argv[2])
    result = {"measure": _measure}[command](**args)
    print(json.dumps(result))


def _make_project(code: str, name: str, units: int, *, district, subdistrict):
    from decimal import Decimal

    from pmip.registry.models import Building, Project, Unit

    project = Project.objects.create(
        code=code, name=name, address=f"深圳市基准区{name}", district=district, subdistrict=subdistrict
    )
    per_building = min(100, units)
    buildings = Building.objects.bulk_create(
        [Building(project=project, number=str(b + 1), floors=30) for b in range(-(-units // per_building))]
    )
    Unit.objects.bulk_create(
        [
            Unit(
                project=project,
                building=buildings[i // per_building],
                number=f"{1 + (i % per_building) // 4:02d}{1 + i % 4:02d}",
                floor=1 + (i % per_building) // 4,
                area=Decimal("60.00") + Decimal(i % 97) + Decimal(i % 7) / 4,
            )
            for i in range(units)
        ]
    )
    return project


def _interleaved(cases: dict[str, dict], repeats: int) -> dict[str, dict]:
    """Latency of every (case, read) in rounds — each round runs every read once, in turn — so that a change of
    load on the machine during the run affects the small and the large project alike."""
    import statistics

    samples: dict[tuple[str, str], list[float]] = {}
    for label, reads in cases.items():
        for what, fn in reads.items():
            fn()  # warm
            samples[(label, what)] = []
    for _ in range(repeats):
        for label, reads in cases.items():
            for what, fn in reads.items():
                start = time.perf_counter()
                fn()
                samples[(label, what)].append((time.perf_counter() - start) * 1000)
    out: dict[str, dict] = {label: {} for label in cases}
    for (label, what), values in samples.items():
        values.sort()
        out[label][what] = {
            "p50_ms": round(statistics.median(values), 3),
            "p95_ms": round(values[min(len(values) - 1, int(len(values) * 0.95))], 3),
            "mean_ms": round(statistics.fmean(values), 3),
        }
    return out


def _measure(
    *, large_units: int, postings: int, small_entries: int, import_units: int, import_months: int
) -> dict:
    import datetime as dt
    import io

    from django.db import connection

    from pmip.funds import importing, selectors, services
    from pmip.funds.models import LedgerEntry
    from pmip.funds.reconcile import reconcile
    from pmip.identity.models import Account, AccountKind, ScopeLevel, StaffRole
    from pmip.registry.models import District, Subdistrict, Unit

    district = District.objects.create(code="440399", name="基准区")
    sub = Subdistrict.objects.create(district=district, name="基准街道")
    clerk = Account.objects.create_user(username="bench_funds_city", password=None, kind=AccountKind.STAFF)
    StaffRole.objects.create(account=clerk, level=ScopeLevel.CITY, can_edit=True)
    large = _make_project("440399001", "基准花园", large_units, district=district, subdistrict=sub)
    small = _make_project("440399002", "小样花园", large_units, district=district, subdistrict=sub)
    target = _make_project("440399003", "导入花园", import_units, district=district, subdistrict=sub)

    # --- posting throughput: fill the large project through the posting services -------------------------------
    periods = [f"{2020 + k // 12}-{k % 12 + 1:02d}" for k in range(postings - 1)]
    start = time.perf_counter()
    first = services.post_first_deposits(actor=clerk, project=large, occurred_on=dt.date(2019, 12, 1))
    posted = first.count
    per_call = []
    for period in periods:
        t0 = time.perf_counter()
        posted += services.post_monthly_contributions(actor=clerk, project=large, period=period).count
        per_call.append(time.perf_counter() - t0)
    fill_seconds = time.perf_counter() - start
    large_entries = LedgerEntry.objects.filter(project=large).count()

    # --- the small project: as many units, but only 10 entries (first deposits of 10 units) -------------------
    services.post_first_deposits(
        actor=clerk,
        project=small,
        unit_ids=list(
            Unit.objects.filter(project=small).order_by("id").values_list("pk", flat=True)[:small_entries]
        ),
        occurred_on=dt.date(2019, 12, 1),
    )
    small_count = LedgerEntry.objects.filter(project=small).count()

    # --- reads ---------------------------------------------------------------------------------------------------
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    large_unit = Unit.objects.filter(project=large).order_by("id")[large_units // 2]
    small_unit = Unit.objects.filter(project=small).order_by("id").first()  # one of the 10 with an entry
    reader = Account.objects.get(
        pk=clerk.pk
    )  # a fresh object: roles are read once and cached, as in a request

    cases = {
        label: {
            "unit_overview": lambda u=unit: selectors.unit_overview(actor=reader, unit_id=u.pk),
            "project_overview": lambda p=project: selectors.project_overview(actor=reader, project=p),
        }
        for label, project, unit in (("small", small, small_unit), ("large", large, large_unit))
    }
    timings = _interleaved(cases, READ_REPEATS)
    reads = {
        label: {
            "project_entries": LedgerEntry.objects.filter(project=project).count(),
            "unit_entries": LedgerEntry.objects.filter(unit=unit).count(),
            "units": Unit.objects.filter(project=project).count(),
            **timings[label],
        }
        for label, project, unit in (("small", small, small_unit), ("large", large, large_unit))
    }

    # --- repair charges over the whole large project (after the reads: the read ran at 100,000 entries) -----
    repair_seconds = 0.0
    repair_entries = 0
    for k in range(REPAIRS):
        repair = services.create_repair(
            actor=clerk,
            project=large,
            title=f"全小区维修{k + 1}",
            amount="123456.78",
            scope_kind="project",
            decision_ref=f"BENCH-{k + 1}",
        )
        t0 = time.perf_counter()
        result = services.charge_repair(actor=clerk, repair_id=repair.pk, occurred_on=dt.date(2024, 6, 1))
        repair_seconds += time.perf_counter() - t0
        repair_entries += len(result.entries)
        if result.total != sum((e.amount for e in result.entries), 0) * -1:
            raise RuntimeError("repair shares do not add up to the bill")

    # --- import throughput: a fund-centre file of import_units × import_months monthly rows ---------------------
    units = list(Unit.objects.filter(project=target).select_related("building").order_by("id"))
    lines = ["业务流水号,物业项目编号,楼栋号,房号,业务类型,金额,发生日期,所属期间,原流水号,摘要"]
    for m in range(import_months):
        day = dt.date(2021, 1, 28) + dt.timedelta(days=30 * m)
        for u in units:
            lines.append(
                f"FCB{m:03d}{u.pk:08d},{target.code},{u.building.number},{u.number},日常,{u.area / 4:.2f},"
                f"{day.isoformat()},{day.year}-{day.month:02d},,"
            )
    data = ("\n".join(lines) + "\n").encode()
    t0 = time.perf_counter()
    rows = importing.read_table(io.BytesIO(data), filename="bench.csv")
    imported = importing.import_fund_entries(actor=clerk, rows=rows, source="bench.csv")
    import_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = importing.import_fund_entries(
        actor=clerk, rows=importing.read_table(io.BytesIO(data), filename="bench.csv"), source="bench.csv"
    )
    reimport_seconds = time.perf_counter() - t0
    if sum(again.created.values()) != 0 or again.unchanged != len(rows):
        raise RuntimeError("re-importing the same file changed the ledger")

    t0 = time.perf_counter()
    mismatches = reconcile()
    reconcile_seconds = time.perf_counter() - t0
    return {
        "large_entries_after_fill": large_entries,
        "small_entries": small_count,
        "fill": {
            "entries": posted,
            "calls": 1 + len(periods),
            "seconds": round(fill_seconds, 3),
            "entries_per_s": round(posted / fill_seconds, 1),
            "per_call_ms_p50": round(sorted(per_call)[len(per_call) // 2] * 1000, 1),
        },
        "repair": {
            "charges": REPAIRS,
            "entries": repair_entries,
            "seconds": round(repair_seconds, 3),
            "entries_per_s": round(repair_entries / repair_seconds, 1),
        },
        "import": {
            "rows": len(rows),
            "entries": sum(imported.created.values()),
            "seconds": round(import_seconds, 3),
            "entries_per_s": round(sum(imported.created.values()) / import_seconds, 1),
            "reimport_seconds": round(reimport_seconds, 3),
        },
        "reads": reads,
        "reconcile": {"mismatches": len(mismatches), "seconds": round(reconcile_seconds, 3)},
    }


# --- pgbench ---------------------------------------------------------------------------------------------------


def _pg_args(parsed: urllib.parse.ParseResult, database: str) -> list[str]:
    return [
        "-h",
        parsed.hostname or "127.0.0.1",
        "-p",
        str(parsed.port or 5432),
        "-U",
        parsed.username or "postgres",
        database,
    ]


def run_pgbench(parsed: urllib.parse.ParseResult, database: str) -> dict:
    """pgbench's built-in TPC-B-like test: `-i -s 1` (100,000 accounts), then 4 clients for 5 seconds."""
    env = {**os.environ, **({"PGPASSWORD": parsed.password} if parsed.password else {})}
    subprocess.run(
        ["pgbench", "-i", "-s", "1", "-q", *_pg_args(parsed, database)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    proc = subprocess.run(
        [
            "pgbench",
            "-c",
            str(PGBENCH_CLIENTS),
            "-j",
            str(min(PGBENCH_CLIENTS, os.cpu_count() or 1)),
            "-T",
            str(PGBENCH_SECONDS),
            *_pg_args(parsed, database),
        ],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    tps = float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", proc.stdout).group(1))
    lat = re.search(r"latency average = ([0-9.]+) ms", proc.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", proc.stdout)
    return {
        "tps": round(tps, 1),
        "latency_avg_ms": float(lat.group(1)) if lat else None,
        "failed": int(failed.group(1)) if failed else 0,
        "clients": PGBENCH_CLIENTS,
        "seconds": PGBENCH_SECONDS,
        "scale": 1,
    }


# --- the benchmark ---------------------------------------------------------------------------------------------


def run(*, scale: str, seconds: float, clients: int) -> dict:
    """`scale`, `seconds` and `clients` of the other benchmarks do not apply: the sizes are fixed (see above)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        reason = (
            "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> "
            "(postings lock rows and the baseline is pgbench)"
        )
        print(f"\nfunds benchmark skipped: {reason}")
        return {"skipped": reason}
    started = time.perf_counter()
    parsed, bench_name, pgbench_name = _bench_urls(url)
    _recreate_database(parsed, bench_name)
    env = bench_env("funds")
    env["DATABASE_URL"] = parsed._replace(path="/" + bench_name).geturl()
    env["PMIP_VAR_DIR"] = str(ROOT / "var" / "bench" / f"pg-{bench_name}")
    os.makedirs(env["PMIP_VAR_DIR"], exist_ok=True)
    env["PMIP_TASKS_BACKEND"] = "django.tasks.backends.dummy.DummyBackend"  # nothing scheduled during the run
    manage(env, "migrate", "--noinput", "-v", "0")
    measured = _run_child(
        env,
        "measure",
        large_units=LARGE_UNITS,
        postings=LARGE_POSTINGS,
        small_entries=SMALL_ENTRIES,
        import_units=IMPORT_UNITS,
        import_months=IMPORT_MONTHS,
    )
    _recreate_database(parsed, pgbench_name)
    try:
        pgbench = run_pgbench(parsed, pgbench_name)
    finally:
        _drop_database(parsed, pgbench_name)
    if measured["reconcile"]["mismatches"]:
        raise RuntimeError(f"reconciliation found {measured['reconcile']['mismatches']} mismatches")

    small, large = measured["reads"]["small"], measured["reads"]["large"]
    tps = pgbench["tps"] or None
    ratios = {
        "unit_read_100k_vs_10_entries": round(
            large["unit_overview"]["p50_ms"] / small["unit_overview"]["p50_ms"], 3
        ),
        "project_read_100k_vs_10_entries": round(
            large["project_overview"]["p50_ms"] / small["project_overview"]["p50_ms"], 3
        ),
        "monthly_posting_entries_per_pgbench_tx": round(measured["fill"]["entries_per_s"] / tps, 3)
        if tps
        else None,
        "repair_charge_entries_per_pgbench_tx": round(measured["repair"]["entries_per_s"] / tps, 3)
        if tps
        else None,
        "import_entries_per_pgbench_tx": round(measured["import"]["entries_per_s"] / tps, 3) if tps else None,
    }
    info = machine()
    elapsed = round(time.perf_counter() - started, 1)
    print(
        f"\nfunds benchmark — PostgreSQL database {bench_name}, {info['nproc']} CPUs, {info['memory_gib']} GiB, "
        f"{info['date']}"
    )
    print(f"{'reads (selectors, in-process, alternating)':50s} {'entries':>9s} {'p50 ms':>8s} {'p95 ms':>8s}")
    for label in ("small", "large"):
        r = measured["reads"][label]
        for what in ("unit_overview", "project_overview"):
            name = f"{what}, {r['units']:,} units, {r['project_entries']:,} entries"
            print(f"{name:50s} {r['project_entries']:9d} {r[what]['p50_ms']:8.3f} {r[what]['p95_ms']:8.3f}")
    print(f"\n{'postings':50s} {'entries':>9s} {'seconds':>8s} {'per s':>9s}")
    for label, key in (
        (f"monthly contributions ({LARGE_UNITS} units × {LARGE_POSTINGS})", "fill"),
        (f"repair charges over {LARGE_UNITS} units × {REPAIRS}", "repair"),
        (f"fund-centre import, {IMPORT_UNITS * IMPORT_MONTHS:,} rows", "import"),
    ):
        m = measured[key]
        print(f"{label:50s} {m['entries']:9d} {m['seconds']:8.2f} {m['entries_per_s']:9.1f}")
    print(
        f"{'pgbench TPC-B-like (-s 1, -c 4, -T 5): transactions':50s} {'':>9s} {PGBENCH_SECONDS:8d} "
        f"{pgbench['tps']:9.1f}"
    )
    print(
        f"\nre-import of the same file: {measured['import']['reimport_seconds']} s, nothing written; "
        f"reconciliation of every balance: {measured['reconcile']['mismatches']} mismatches "
        f"({measured['reconcile']['seconds']} s)"
    )
    print("\nratios (same run, same machine):")
    for key, value in ratios.items():
        print(f"  {key:42s} {value}")
    print(f"  (whole benchmark {elapsed}s)")
    return {
        "benchmark": "funds",
        "database": "postgresql",
        "machine": info,
        "measured": measured,
        "pgbench": pgbench,
        "ratios": ratios,
        "elapsed_seconds": elapsed,
    }
