"""Start the platform under granian on a free loopback port, with its own database, for a benchmark run.

One demo city per database: with SQLite (default) each scale has its own var dir and file
(`var/bench/sqlite-<scale>/`); with `DATABASE_URL` set, the var dir is named after the database
(`var/bench/pg-<database>/`), because the field-encryption key in it belongs to the data loaded with it.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import platform
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_label(env: dict[str, str]) -> str:
    """'sqlite' or 'postgresql:<database>' (never the credentials)."""
    url = env.get("DATABASE_URL") or ""
    if not url:
        return "sqlite"
    parts = urlsplit(url)
    engine = "postgresql" if parts.scheme.startswith("postgres") else parts.scheme
    return f"{engine}:{parts.path.lstrip('/')}"


def bench_env(scale: str) -> dict[str, str]:
    """The benchmark's environment: the demo city's own var dir (and SQLite file) unless DATABASE_URL is set."""
    env = dict(os.environ)
    url = env.get("DATABASE_URL") or ""
    if url:
        database = re.sub(r"[^A-Za-z0-9_.-]", "_", urlsplit(url).path.lstrip("/")) or "default"
        var = ROOT / "var" / "bench" / f"pg-{database}"
    else:
        var = ROOT / "var" / "bench" / f"sqlite-{scale}"
    env["PMIP_VAR_DIR"] = str(var)
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.pop("PMIP_TESTING", None)
    var.mkdir(parents=True, exist_ok=True)
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        check=True,
        text=True,
        capture_output=capture,
    )
    return done.stdout if capture else ""


_PREPARE = """
from django.db import connection
from pmip.demo import SCALES
from pmip.registry.models import Project
analyzed = False
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute(
            "select count(*) from pg_stat_user_tables where relname like 'registry_%%' "
            "and last_analyze is null and last_autoanalyze is null and n_live_tup > 0"
        )
        if cursor.fetchone()[0]:
            cursor.execute("ANALYZE")
            analyzed = True
print(Project.objects.count(), SCALES[%r].projects, int(analyzed))
"""


def prepare_city(env: dict[str, str], scale: str) -> dict:
    """Migrate and load the demo city of this scale when the database has no projects.

    Refuses a database that holds a city of another size, so results are never labelled with the wrong scale. On
    PostgreSQL, runs ANALYZE when registry tables were never analysed (a fresh bulk load with autovacuum off or not
    yet run): the planner would otherwise plan with default estimates and the numbers would describe that instead.
    Returns {"projects": n, "analyzed_by_harness": bool}.
    """
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "demo_city", "--scale", scale, "--seed", "1", "--if-empty", "--no-progress")
    out = manage(env, "shell", "-v", "0", "-c", _PREPARE % scale, capture=True)
    found, expected, analyzed = (int(x) for x in out.split()[-3:])
    if found != expected:
        raise RuntimeError(
            f"the database ({database_label(env)}) holds {found} projects, the {scale!r} demo city has {expected}: "
            "use another database (DATABASE_URL) or scale"
        )
    if analyzed:
        print("registry tables had never been analysed: ran ANALYZE before measuring")
    return {"projects": found, "analyzed_by_harness": bool(analyzed)}


def machine() -> dict[str, str | int]:
    """Where the numbers were measured: date, CPUs, memory, Python."""
    mem_kb = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": os.cpu_count() or 0,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        # other work on the machine skews the ratios less than absolute numbers, but it does: say how busy it was
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


_django_var_dir: str | None = None


def setup_django(env: dict[str, str]) -> None:
    """Set Django up in this process with the benchmark's environment (once; the same environment every time)."""
    global _django_var_dir
    if _django_var_dir is not None:
        if _django_var_dir != env["PMIP_VAR_DIR"] or os.environ.get("DATABASE_URL", "") != env.get(
            "DATABASE_URL", ""
        ):
            raise RuntimeError("Django is already set up in this process for another benchmark database")
        return
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    _django_var_dir = env["PMIP_VAR_DIR"]


@contextlib.contextmanager
def serve(env: dict[str, str], *, workers: int = 2, blocking_threads: int = 16) -> Iterator[tuple[str, int]]:
    """granian as `scripts/serve.sh` runs it on this 2-CPU machine (2 workers, 16 blocking threads each — twice
    the admission limit of 4 plus the 8 waiting places), on a free loopback port.

    The server's output (warnings, request errors such as the 503s of a flood) goes to `<var dir>/granian.log`.
    """
    port = free_port()
    granian = str(Path(sys.executable).parent / "granian")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    log = open(Path(env["PMIP_VAR_DIR"]) / "granian.log", "w", encoding="utf-8")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            granian,
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--blocking-threads",
            str(blocking_threads),
            "--backpressure",
            str(blocking_threads),
            "--log-level",
            "warning",
            "config.wsgi:application",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120  # a loaded machine needs more than 30 s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"granian exited with code {proc.returncode}; see {log.name}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start within 120 s")
            time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
