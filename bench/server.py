"""Start the platform under granian on a free loopback port, with its own database, for a benchmark run."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_env(name: str) -> dict[str, str]:
    """The benchmark's environment: its own var dir (and SQLite file) unless DATABASE_URL points elsewhere."""
    env = dict(os.environ)
    env["PMIP_VAR_DIR"] = str(ROOT / "var" / "bench" / name)
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    Path(env["PMIP_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True)


@contextlib.contextmanager
def serve(env: dict[str, str], *, workers: int = 2) -> Iterator[tuple[str, int]]:
    port = free_port()
    granian = str(Path(sys.executable).parent / "granian")
    manage(env, "collectstatic", "--noinput", "-v", "0")
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
            "4",
            "--log-level",
            "warning",
            "config.wsgi:application",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("server did not start")
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
