"""Profile single requests end to end, in process: where the server time of one cast (and of a few reads) goes.

`python -m bench profile [--seconds 5]` — not a throughput benchmark: it runs the whole Django stack (every
middleware, the session and account loading, CSRF, ninja's parsing, the service, the response) through Django's
test client with the production settings (`config.settings`, admission control and all), so the figures are server
CPU per request without granian, the network or the load generator. PostgreSQL when DATABASE_URL is set (database
`<name>_bench_profile`, dropped and created again), else a SQLite file under `var/bench/profile/`.

For each case: requests timed one after the other for `--seconds` (after a warm-up), p50 ms per request, and the
statements per request (Django's query log); for the cast, pyinstrument's call tree when pyinstrument is installed
(`pip install pyinstrument`; a profiling aid, not a dependency of the project), cProfile's top functions otherwise.
The call trees go to `bench/results/profile-<case>-<time>.txt`.

Cases: `GET /healthz` (the bare baseline), `POST /api/v1/decisions/meetings/{id}/ballots` (one owner's ballot on one
question, each (owner, matter) pair once, with the owner's session cookie and CSRF token), `GET /api/v1/projects/{code}`
(API project detail), `GET /property/projects/{code}/` (owner detail page), `GET /property/projects/?q=基准`
(owner search page). The project is the benchmark's one project (a few hundred units), so the reads measure the
per-request overhead, not city-scale queries (`python -m bench registry --scale city` does that).
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

from bench.server import ROOT, bench_env, machine, manage

OWNERS = 600
MATTERS = 10


def _database(env: dict[str, str]) -> str:
    url = env.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        var = ROOT / "var" / "bench" / "profile"
        var.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):  # the file config.settings names under PMIP_VAR_DIR
            Path(f"{var / 'pmip.sqlite3'}{suffix}").unlink(missing_ok=True)
        env["PMIP_VAR_DIR"] = str(var)
        env.pop("DATABASE_URL", None)
        return "sqlite"
    from bench.voting import _recreate_database

    parsed = urllib.parse.urlparse(url)
    name = f"{parsed.path.lstrip('/') or 'pmip'}_bench_profile"
    _recreate_database(parsed, name)
    env["DATABASE_URL"] = parsed._replace(path="/" + name).geturl()
    env["PMIP_VAR_DIR"] = str(ROOT / "var" / "bench" / f"pg-{name}")
    os.makedirs(env["PMIP_VAR_DIR"], exist_ok=True)
    return f"postgresql:{name}"


def _child() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    args = json.loads(sys.argv[1])
    print(json.dumps(_profile(**args)))


def _profile(*, setup: dict, seconds: float, out_prefix: str) -> dict:
    from django.db import connection, connections, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from pmip.registry.models import Project

    code = Project.objects.values_list("code", flat=True).get(name="基准花园")
    sessions = setup["sessions"]
    pairs = [(s, m) for m in setup["matters"] for s in sessions]
    meeting = setup["meeting"]
    # One client (one handler: the middleware is loaded once, as in a server worker), the owner's cookies set
    # before each request.
    shared = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")

    def client_for(s: dict) -> Client:
        shared.cookies["sessionid"] = s["session"]
        shared.cookies["csrftoken"] = s["csrf"]
        return shared

    # The connection health check (`CONN_HEALTH_CHECKS`: a `SELECT 1` on a reused connection, sent on the psycopg
    # connection directly, so not in Django's query log) is a round trip too: counted here.
    health_checks = [0]
    wrapper = type(connections["default"])
    is_usable = wrapper.is_usable

    def counted_is_usable(self):
        health_checks[0] += 1
        return is_usable(self)

    wrapper.is_usable = counted_is_usable  # type: ignore[method-assign]

    anonymous = Client(HTTP_HOST="127.0.0.1")
    reader = Client(HTTP_HOST="127.0.0.1")
    reader.cookies["sessionid"] = sessions[0]["session"]

    def cast():
        s, matter = pairs.pop()
        body = {"unit_id": s["unit"], "answers": {str(matter): "yes"}, "agreement_accepted": True}
        response = client_for(s).post(
            f"/api/v1/decisions/meetings/{meeting}/ballots",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_X_CSRFTOKEN=s["csrf"],
        )
        assert response.status_code == 201, (response.status_code, response.content[:300])

    def get(client, path):
        def do():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return do

    cases = {
        "healthz": get(anonymous, "/healthz"),
        "cast": cast,
        "api_project_detail": get(anonymous, f"/api/v1/projects/{code}"),
        "owner_detail_page": get(reader, f"/property/projects/{code}/"),
        "owner_search_page": get(reader, "/property/projects/?q=基准"),
    }
    # As a server's handler does (Django's test client switches it off): before and after each request, connections
    # past their age or with errors are closed — with a pool, given back; with persistent connections, the next
    # request's first query is preceded by the health check.
    from django.db import close_old_connections

    def served(request):
        def do():
            close_old_connections()
            try:
                request()
            finally:
                close_old_connections()

        return do

    cases = {name: served(request) for name, request in cases.items()}

    def restamp(chosen: list[dict]) -> None:
        """The owners' sessions seen now: a session whose last-seen time is older than a minute is written back on
        its next request (pmip.identity.middleware), which would time a write the steady state does not have."""
        from importlib import import_module

        from django.conf import settings

        from pmip.core import clock
        from pmip.identity.middleware import SEEN

        store = import_module(settings.SESSION_ENGINE).SessionStore
        for s in chosen:
            session = store(s["session"])
            session[SEEN] = clock.now().timestamp()
            session.save()
        close_old_connections()

    out: dict[str, dict] = {}
    for name, do in cases.items():
        restamp(sessions if name == "cast" else sessions[:1])
        for _ in range(20):  # warm-up: imports, caches, connections
            do()
        checks_before = health_checks[0]
        with CaptureQueriesContext(connection) as queries:
            do()
        statements = [q["sql"] for q in queries.captured_queries]
        checks = health_checks[0] - checks_before
        times = []
        deadline = time.perf_counter() + seconds
        cpu_started = time.process_time()
        while time.perf_counter() < deadline and (name != "cast" or len(pairs) > 200):
            started = time.perf_counter()
            do()
            times.append((time.perf_counter() - started) * 1000)
        cpu_ms = (time.process_time() - cpu_started) * 1000 / len(times) if times else None
        tree_path = f"{out_prefix}-{name}.txt"
        profiled = 0
        try:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002)
            profiler.start()
            for _ in range(100):
                do()
                profiled += 1
            profiler.stop()
            text = profiler.output_text(unicode=True, color=False, show_all=False)
            tool = "pyinstrument"
        except ImportError:
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(100):
                do()
                profiled += 1
            prof.disable()
            buffer = io.StringIO()
            pstats.Stats(prof, stream=buffer).sort_stats("cumulative").print_stats(60)
            text = buffer.getvalue()
            tool = "cProfile"
        Path(tree_path).write_text(text, encoding="utf-8")
        reset_queries()
        out[name] = {
            "requests": len(times),
            "p50_ms": round(statistics.median(times), 3) if times else None,
            "mean_ms": round(statistics.fmean(times), 3) if times else None,
            "cpu_ms": round(cpu_ms, 3) if cpu_ms is not None else None,
            "statements": len(statements),
            "health_checks": checks,
            "sql": statements,
            "profile": {"tool": tool, "requests": profiled, "file": tree_path},
        }
    return out


def run(*, scale: str, seconds: float, clients: int) -> dict:
    from bench import voting

    env = bench_env("profile")
    database = _database(env)
    env["PMIP_SMS_BACKEND"] = "embedded"
    env["PMIP_TASKS_BACKEND"] = "django.tasks.backends.dummy.DummyBackend"
    load_at_start = round(os.getloadavg()[0], 2)
    manage(env, "migrate", "--noinput", "-v", "0")
    # the pages' {% static %} (manifest storage), as bench.server does
    manage(env, "collectstatic", "--noinput", "-v", "0")
    setup = voting._run_child(env, "setup", owners=OWNERS, matters=MATTERS)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    prefix = str(out_dir / f"profile-{time.strftime('%Y%m%d-%H%M%S')}")
    import subprocess

    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from bench import profile; profile._child()",
            json.dumps({"setup": setup, "seconds": seconds, "out_prefix": prefix}),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit("profile: the profiling process failed")
    cases = json.loads(proc.stdout.strip().splitlines()[-1])
    where = machine()
    base = cases["healthz"]["p50_ms"]
    print(
        f"\nprofile — {database}, in process (Django test client, production settings); {where['date']}, "
        f"{where['nproc']} CPUs, load average {load_at_start} → {where['load_average_1m']}"
    )
    print(
        f"{'case':24s} {'p50 ms':>8s} {'mean ms':>8s} {'CPU ms':>8s} {'× healthz':>10s} {'statements':>11s} "
        f"{'checks':>7s}  call tree"
    )
    for name, row in cases.items():
        ratio = row["p50_ms"] / base if base and row["p50_ms"] else 0
        print(
            f"{name:24s} {row['p50_ms']:8.3f} {row['mean_ms']:8.3f} {row['cpu_ms']:8.3f} {ratio:10.1f} "
            f"{row['statements']:11d} {row['health_checks']:7d}  {row['profile']['file']}"
        )
    return {
        "database": database,
        "seconds": seconds,
        "machine": {**where, "load_average_1m_at_start": load_at_start},
        "cases": cases,
    }
