#!/usr/bin/env python3
"""The production shape on one machine: `make cluster`, `make cluster-stop`, `make cluster-test`.

Everything lives under var/cluster/ of the checkout, on its own ports (CLUSTER_BASE_PORT, default 18000), never the
machine's own PostgreSQL or Redis:

  base+0   HAProxy (health checks on /readyz, retries only idempotent requests)   base+1  HAProxy statistics
  base+11… app nodes (granian, one per node)                                       base+32 PostgreSQL primary
  base+33  PostgreSQL hot-standby replica (pg_basebackup, streaming)               base+79 Redis

plus 2 task workers (`db_worker`) and 1 scheduler (`periodic`). A supervisor process (`cluster.py supervise`) owns
the app nodes, workers, scheduler and HAProxy and restarts any that exits (as systemd or Kubernetes would).

`test` drives a vote flood (owner API, Idempotency-Key, retries) and a notification fan-out through the cluster
while it kills -9 an app node and a worker, stops and restarts the replica, and finally switches over to the
replica (the primary is stopped, the replica promoted); then, once the workers have delivered the messages and
sealed the audit entries, it verifies and prints one line
`acknowledged=N stored=N lost=0 duplicates=0 counters=exact outbox_duplicates=0 audit=ok unavailable_s=X` and exits
non-zero on any loss (audit=ok: every entry sealed and the chain verifies). `--light` is the CI size.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "cluster"
RUN = VAR / "run"
LOG = VAR / "log"
PIDS = VAR / "pids"
BASE = int(os.environ.get("CLUSTER_BASE_PORT", "18000"))
NODES = int(os.environ.get("CLUSTER_NODES", "2"))
WORKERS = int(os.environ.get("CLUSTER_WORKERS", "2"))
HAPROXY, STATS = BASE, BASE + 1
NODE_PORTS = [BASE + 11 + i for i in range(NODES)]
PG_PRIMARY, PG_REPLICA = BASE + 32, BASE + 33
REDIS = BASE + 79
PY = str(ROOT / ".venv" / "bin" / "python")
GRANIAN = str(ROOT / ".venv" / "bin" / "granian")
DB = "pmip"


def say(*args) -> None:
    print("[cluster]", *args, flush=True)


# --- binaries ---------------------------------------------------------------------------------------------------


def pg_bin(name: str) -> str:
    for version in sorted(Path("/usr/lib/postgresql").glob("*"), reverse=True):
        candidate = version / "bin" / name
        if candidate.exists():
            return str(candidate)
    raise SystemExit(f"PostgreSQL's {name} not found")


def ensure_binaries() -> None:
    """Install what is missing from Debian's packages (CI is a fresh machine)."""
    missing = []
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        missing.append("postgresql")
    if not shutil.which("redis-server"):
        missing.append("redis-server")
    if not shutil.which("haproxy") and not Path("/usr/sbin/haproxy").exists():
        missing.append("haproxy")
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"missing {' '.join(missing)}: install them with apt-get (needs root)")
    say("installing", *missing)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", *missing], check=True, env=env, stdout=subprocess.DEVNULL
    )


def as_postgres(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres system user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def logfile(name: str):
    """An append handle for a child's output (the child keeps it; closed when the child exits)."""
    return open(LOG / f"{name}.log", "ab")  # noqa: SIM115


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


# --- environment of every Django process -----------------------------------------------------------------------


def django_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PMIP_", "REDIS_"))}
    env.update(
        DATABASE_URL=(
            f"postgres://postgres@127.0.0.1:{PG_PRIMARY},127.0.0.1:{PG_REPLICA}/{DB}"
            "?target_session_attrs=read-write&connect_timeout=2"
        ),
        DATABASE_REPLICA_URL=(
            f"postgres://postgres@127.0.0.1:{PG_REPLICA},127.0.0.1:{PG_PRIMARY}/{DB}"
            "?target_session_attrs=prefer-standby&connect_timeout=2"
        ),
        REDIS_URL=f"redis://127.0.0.1:{REDIS}/0",
        PMIP_VAR_DIR=str(VAR / "app"),
        PMIP_ENVIRONMENT="development",
        PMIP_EMBEDDED_WECHAT_LOG=str(VAR / "wechat-standin.jsonl"),
        PMIP_OUTBOX_SWEEP_SECONDS="5",
        PMIP_NOTIFY_LEASE_SECONDS="10",
        PMIP_NOTIFY_REDISPATCH_SECONDS="10",
        PMIP_NOTIFY_RETRY_BASE_SECONDS="2",
        PMIP_SCHEDULER_LEASE_SECONDS="10",
        DB_CONN_MAX_AGE="60",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="WARNING",
    )
    return env


def manage(*args: str, check: bool = True, capture: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=django_env(), check=check, capture_output=capture, text=True
    )


def django_child(step: str, *args: str, timeout: float = 900) -> dict:
    """Run one step of scripts/cluster_django.py in a Django process (cluster environment); its last line is JSON."""
    proc = subprocess.run(
        [PY, str(ROOT / "scripts" / "cluster_django.py"), step, *args],
        cwd=ROOT,
        env=django_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"cluster: step {step} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- PostgreSQL and Redis ----------------------------------------------------------------------------------------


def pg_ctl(data: Path, action: str, *extra: str, check: bool = True) -> int:
    cmd = as_postgres(
        [pg_bin("pg_ctl"), "-D", str(data), "-l", str(LOG / f"{data.name}.log"), "-w", action, *extra]
    )
    return subprocess.run(cmd, check=check, stdout=subprocess.DEVNULL).returncode


def pg_conf(data: Path, port: int) -> None:
    with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write(
            f"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{RUN}'\n"
            "wal_level = replica\nmax_wal_senders = 10\nhot_standby = on\nmax_connections = 200\n"
            "shared_buffers = 64MB\nwal_keep_size = 256MB\n"
        )


def start_databases() -> None:
    primary, replica = VAR / "pg-primary", VAR / "pg-replica"
    for d in (RUN, LOG):
        d.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        subprocess.run(["chown", "postgres", str(VAR), str(RUN), str(LOG)], check=True)
    say(f"PostgreSQL primary on {PG_PRIMARY}")
    subprocess.run(
        as_postgres(
            [pg_bin("initdb"), "-D", str(primary), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    pg_conf(primary, PG_PRIMARY)
    pg_ctl(primary, "start")
    subprocess.run(
        [pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(PG_PRIMARY), "-U", "postgres", DB], check=True
    )
    say(f"PostgreSQL hot-standby replica on {PG_REPLICA} (pg_basebackup, streaming)")
    subprocess.run(
        as_postgres(
            [
                pg_bin("pg_basebackup"),
                "-h", "127.0.0.1", "-p", str(PG_PRIMARY), "-U", "postgres",
                "-D", str(replica), "-R", "-X", "stream", "-c", "fast",
            ]
        ),
        check=True,
    )  # fmt: skip
    with open(replica / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write(f"\nport = {PG_REPLICA}\n")
    pg_ctl(replica, "start")


def start_redis() -> None:
    say(f"Redis on {REDIS}")
    proc = subprocess.Popen(
        ["redis-server", "--port", str(REDIS), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(VAR)],
        stdout=logfile("redis"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    (PIDS / "redis.pid").write_text(str(proc.pid))


# --- supervised processes ----------------------------------------------------------------------------------------


def components() -> dict[str, list[str]]:
    out = {}
    for i, port in enumerate(NODE_PORTS, 1):
        out[f"node{i}"] = [
            GRANIAN, "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
            "--blocking-threads", "16", "config.wsgi:application",  # 2 x admission + queue length, as serve.sh
        ]  # fmt: skip
    for i in range(1, WORKERS + 1):
        out[f"worker{i}"] = [PY, "manage.py", "db_worker", "--worker-id", f"worker{i}", "--interval", "0.2"]
    out["scheduler"] = [PY, "manage.py", "periodic"]
    out["haproxy"] = [shutil.which("haproxy") or "/usr/sbin/haproxy", "-f", str(VAR / "haproxy.cfg")]
    return out


def haproxy_config() -> str:
    servers = "\n".join(f"  server node{i} 127.0.0.1:{port} check" for i, port in enumerate(NODE_PORTS, 1))
    return f"""global
  maxconn 2000

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout queue 10s
  retries 3
  option redispatch 1
  # Layer-7 retries (after the request was sent) only for idempotent methods; POST/PATCH are never replayed here
  # (clients retry those with an Idempotency-Key). Connection failures are retried for every method.
  retry-on conn-failure empty-response response-timeout 502 503 504

frontend pmip
  bind 127.0.0.1:{HAPROXY}
  # when the proxy received the request: a node's admission gate counts the queue time from here
  http-request set-header X-Request-Start t=%[date(0,us)]
  default_backend app

backend app
  balance roundrobin
  http-request disable-l7-retry if !METH_GET !METH_HEAD !METH_OPTIONS !{{ method PUT }} !{{ method DELETE }}
  option httpchk
  http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host 127.0.0.1
  http-check expect status 200
  default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 1
{servers}

frontend stats
  bind 127.0.0.1:{STATS}
  stats enable
  stats uri /
  stats refresh 2s
"""


def supervise() -> None:
    """Start every component and restart any that exits (1 s back-off). SIGTERM stops them all."""
    specs = components()
    env = django_env()
    procs: dict[str, subprocess.Popen] = {}
    stopping = threading.Event()

    def start(name: str) -> None:
        prom = VAR / "prometheus" / name
        shutil.rmtree(prom, ignore_errors=True)
        prom.mkdir(parents=True)
        proc = subprocess.Popen(
            specs[name],
            cwd=ROOT,
            env={**env, "PROMETHEUS_MULTIPROC_DIR": str(prom)},
            stdout=logfile(name),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        procs[name] = proc
        (PIDS / f"{name}.pid").write_text(str(proc.pid))

    def stop(*_):
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for name in specs:
        start(name)
    while not stopping.is_set():
        for name, proc in list(procs.items()):
            if proc.poll() is not None and not stopping.is_set():
                with open(LOG / "supervisor.log", "a", encoding="utf-8") as log:
                    log.write(f"{time.strftime('%H:%M:%S')} {name} exited ({proc.returncode}); restarting\n")
                stopping.wait(1.0)
                start(name)
        stopping.wait(0.2)
    for proc in procs.values():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.time() + 10
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


# --- up / down ---------------------------------------------------------------------------------------------------


def http_get(port: int, path: str, timeout: float = 2.0) -> int:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
        status = conn.getresponse().status
        conn.close()
        return status
    except OSError:
        return 0


def wait_for(what: str, check, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise SystemExit(f"cluster: {what} did not come up in {timeout:.0f} s (logs: {LOG})")


def up(*, demo_scale: str = "small", static: bool = True) -> None:
    if (PIDS / "supervisor.pid").exists():
        say("a cluster is already running; stopping it first")
        down()
    ensure_binaries()
    busy = [p for p in [HAPROXY, STATS, *NODE_PORTS, PG_PRIMARY, PG_REPLICA, REDIS] if not port_free(p)]
    if busy:
        raise SystemExit(f"cluster: ports in use: {busy} (set CLUSTER_BASE_PORT)")
    shutil.rmtree(VAR, ignore_errors=True)
    for d in (VAR, RUN, LOG, PIDS, VAR / "app"):
        d.mkdir(parents=True, exist_ok=True)
    start_databases()
    start_redis()
    say("migrating and loading the demo city", f"({demo_scale})")
    manage("migrate", "--noinput", "-v", "0")
    manage("demo_city", "--scale", demo_scale, "--seed", "1", "--if-empty")
    if static:  # the chaos test drives the API only
        manage("collectstatic", "--noinput", "-v", "0")
    (VAR / "haproxy.cfg").write_text(haproxy_config())
    sup = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "supervise"],
        cwd=ROOT,
        stdout=logfile("supervisor"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    (PIDS / "supervisor.pid").write_text(str(sup.pid))
    wait_for("the app nodes", lambda: all(http_get(p, "/readyz") == 200 for p in NODE_PORTS))
    wait_for("HAProxy", lambda: http_get(HAPROXY, "/readyz") == 200)
    say("up:")
    print(f"  site (through HAProxy)   http://127.0.0.1:{HAPROXY}/")
    print(f"  back office              http://127.0.0.1:{HAPROXY}/office/")
    print(f"  API docs                 http://127.0.0.1:{HAPROXY}/api/v1/docs")
    print(f"  HAProxy statistics       http://127.0.0.1:{STATS}/")
    for i, port in enumerate(NODE_PORTS, 1):
        print(f"  node{i}                    http://127.0.0.1:{port}/readyz  /metrics")
    print(f"  PostgreSQL primary       postgres://postgres@127.0.0.1:{PG_PRIMARY}/{DB}")
    print(f"  PostgreSQL replica       postgres://postgres@127.0.0.1:{PG_REPLICA}/{DB} (hot standby)")
    print(f"  Redis                    redis://127.0.0.1:{REDIS}/0")
    print(f"  logs                     {LOG}/   stop: make cluster-stop")


def _kill_pidfile(name: str, sig=signal.SIGTERM) -> None:
    path = PIDS / f"{name}.pid"
    if not path.exists():
        return
    with contextlib.suppress(ProcessLookupError, ValueError, PermissionError):
        os.killpg(int(path.read_text()), sig)
    path.unlink(missing_ok=True)


def down() -> None:
    sup = PIDS / "supervisor.pid"
    if sup.exists():
        pid = int(sup.read_text())
        _kill_pidfile("supervisor")
        for _ in range(150):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
    for name in components():
        _kill_pidfile(name, signal.SIGKILL)  # anything the supervisor did not stop
    for data in (VAR / "pg-primary", VAR / "pg-replica"):
        if (data / "postmaster.pid").exists():
            pg_ctl(data, "stop", "-m", "fast", check=False)
    _kill_pidfile("redis")
    say("stopped")


# --- the chaos test ----------------------------------------------------------------------------------------------


class Flood:
    """Owner clients casting one ballot per (owner, matter) through HAProxy, retrying with the same key."""

    def __init__(self, setup: dict, clients: int):
        self.meeting = setup["meeting"]
        self.items = [(s, m) for m in setup["matters"] for s in setup["sessions"]]
        random.Random(1).shuffle(self.items)
        self.clients = clients
        self.acknowledged: list[str] = []
        self.refused: list[tuple[int, str]] = []
        self.attempts = 0
        self.lock = threading.Lock()

    def cast(self, session: dict, matter: int) -> None:
        body = json.dumps(
            {
                "unit_id": session["unit"],
                "answers": {str(matter): random.choice(["yes", "no", "abstain"])},
                "agreement_accepted": True,
            }
        )
        headers = {
            "Host": "127.0.0.1",
            "Content-Type": "application/json",
            "Cookie": f"sessionid={session['session']}; csrftoken={session['csrf']}",
            "X-CSRFToken": session["csrf"],
            "Idempotency-Key": f"cast-{session['unit']}-{matter}",
        }
        delay = 0.2
        for _ in range(400):
            with self.lock:
                self.attempts += 1
            try:
                conn = http.client.HTTPConnection("127.0.0.1", HAPROXY, timeout=30)
                conn.request("POST", f"/api/v1/decisions/meetings/{self.meeting}/ballots", body, headers)
                response = conn.getresponse()
                payload = response.read()
                conn.close()
            except OSError:
                time.sleep(delay)
                delay = min(delay * 1.5, 2.0)
                continue
            if response.status == 201:
                with self.lock:
                    self.acknowledged.extend(b["receipt"] for b in json.loads(payload))
                return
            if response.status >= 500 or response.status in (408, 429):
                time.sleep(delay)
                delay = min(delay * 1.5, 2.0)
                continue
            with self.lock:
                self.refused.append((response.status, payload[:200].decode(errors="replace")))
            return
        with self.lock:
            self.refused.append((0, "gave up after 400 attempts"))

    def run(self, chaos_done: threading.Event, pace: float) -> None:
        """Four fifths of the ballots paced over the chaos (each client waits `pace` s between casts while it
        lasts), the last fifth only after the fail-over: the flood keeps going on the new primary."""
        cut = len(self.items) * 4 // 5
        before, after = list(self.items[:cut]), list(self.items[cut:])
        lock = threading.Lock()

        def client() -> None:
            while True:
                with lock:
                    item = before.pop() if before else None
                if item is None:
                    break
                self.cast(*item)
                if not chaos_done.is_set():
                    chaos_done.wait(pace)
            chaos_done.wait()
            while True:
                with lock:
                    item = after.pop() if after else None
                if item is None:
                    return
                self.cast(*item)

        with concurrent.futures.ThreadPoolExecutor(self.clients) as pool:
            for future in [pool.submit(client) for _ in range(self.clients)]:
                future.result()


class Prober(threading.Thread):
    """Asks HAProxy every 100 ms; sums the time during which no node answered."""

    def __init__(self):
        super().__init__(daemon=True)
        self.down_s = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        last = time.monotonic()
        while not self.stop.is_set():
            ok = http_get(HAPROXY, "/healthz", timeout=1.0) == 200
            now = time.monotonic()
            if not ok:
                self.down_s += now - last
            last = now
            self.stop.wait(0.1)


def metric_seen(port: int) -> bool:
    """The node's /metrics (summed over its granian workers) has counted answered ballots."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/metrics", headers={"Host": "127.0.0.1"})
        text = conn.getresponse().read().decode()
        conn.close()
    except OSError:
        return False
    series = 'pmip_http_requests_total{method="POST",route="/api/v1/decisions/meetings/<meeting_id>/ballots",status="2xx"}'
    return any(line.startswith(series) and float(line.rsplit(" ", 1)[1]) > 0 for line in text.splitlines())


def pid_of(name: str) -> int:
    return int((PIDS / f"{name}.pid").read_text())


def kill9_and_wait_restart(name: str) -> None:
    old = pid_of(name)
    say(f"kill -9 {name} (pid {old})")
    os.killpg(old, signal.SIGKILL)
    wait_for(f"{name} restart", lambda: (PIDS / f"{name}.pid").exists() and pid_of(name) != old, timeout=30)
    say(f"{name} restarted (pid {pid_of(name)})")


def chaos(light: bool) -> None:
    replica, primary = VAR / "pg-replica", VAR / "pg-primary"
    pause = 2 if light else 5
    time.sleep(pause)
    kill9_and_wait_restart("node1")
    wait_for("node1 ready", lambda: http_get(NODE_PORTS[0], "/readyz") == 200, timeout=60)
    time.sleep(pause)
    kill9_and_wait_restart("worker1")
    time.sleep(pause)
    say("stopping the replica")
    pg_ctl(replica, "stop", "-m", "fast")
    time.sleep(pause)
    say("starting the replica again")
    pg_ctl(replica, "start")
    time.sleep(pause)
    say("fail-over: stopping the primary, promoting the replica")
    pg_ctl(
        primary, "stop", "-m", "fast"
    )  # a clean stop sends every committed WAL record to the standby first
    subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", str(replica), "-w", "promote"]), check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    say(f"the replica on {PG_REPLICA} is the primary now")


def test(*, light: bool) -> int:
    # owners, matters, client threads, seconds the chaos takes about (to pace the flood and the fan-out over it)
    owners, matters, clients, chaos_s = (60, 2, 6, 40) if light else (240, 4, 12, 70)
    up(demo_scale="tiny" if light else "small", static=False)
    try:
        say(f"setting up {owners} voting owners, {matters} matters")
        setup = django_child("setup", str(owners), str(matters))
        flood = Flood(setup, clients)
        prober = Prober()
        prober.start()
        fanout_result: dict = {}
        fanout = threading.Thread(
            target=lambda: fanout_result.update(django_child("fanout", "5", f"{chaos_s / (owners / 5):.2f}")),
            daemon=True,
        )
        started = time.monotonic()
        fanout.start()
        chaos_done = threading.Event()

        def run_chaos() -> None:
            try:
                chaos(light)
            finally:
                chaos_done.set()

        chaos_thread = threading.Thread(target=run_chaos, daemon=True)
        chaos_thread.start()
        pace = clients * chaos_s / max(1, len(flood.items) * 4 // 5)
        flood_thread = threading.Thread(target=flood.run, args=(chaos_done, pace), daemon=True)
        flood_thread.start()
        chaos_thread.join()
        # keep going after the fail-over: the flood and the fan-out must finish on the new primary
        flood_thread.join(timeout=600)
        fanout.join(timeout=300)
        deadline = time.time() + 180
        while time.time() < deadline:
            if django_child("work_left")["left"] == 0:
                break
            time.sleep(2)
        prober.stop.set()
        prober.join()
        elapsed = time.monotonic() - started
        ack_file = VAR / "acknowledged.json"
        ack_file.write_text(json.dumps(flood.acknowledged))
        result = django_child(
            "verify", str(setup["meeting"]), str(ack_file), str(VAR / "wechat-standin.jsonl")
        )
        expected = len(flood.items)
        say(
            f"{expected} ballots in {elapsed:.0f} s, {flood.attempts} attempts, refused {len(flood.refused)}, "
            f"fan-out {fanout_result}, outbox {result['outbox_total']} messages, undelivered "
            f"{result['outbox_undelivered']}; tasks {result['tasks']}, claimed more than once "
            f"{result['tasks_claimed_more_than_once']}"
        )
        metrics_ok = all(metric_seen(port) for port in NODE_PORTS)
        say("every node's /metrics counts its ballots:", "yes" if metrics_ok else "NO")
        for status, text in flood.refused[:5]:
            say("refused:", status, text)
        line = (
            f"acknowledged={len(flood.acknowledged)} stored={result['stored']} lost={result['lost']} "
            f"duplicates={result['duplicates']} counters={result['counters']} "
            f"outbox_duplicates={result['outbox_duplicates']} audit={result['audit']} "
            f"unavailable_s={prober.down_s:.1f}"
        )
        print(line, flush=True)
        failed = (
            result["lost"]
            or result["duplicates"]
            or result["counters"] != "exact"
            or result["audit"] != "ok"
            or result["outbox_duplicates"]
            or result["outbox_undelivered"]
            or flood.refused
            or len(flood.acknowledged) != expected
            or result["stored"] != len(flood.acknowledged)
            or fanout_result.get("notified") != owners
            or result["notifications"] != owners
            or not metrics_ok
        )
        return 1 if failed else 0
    finally:
        if not os.environ.get("CLUSTER_KEEP"):
            down()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up")
    sub.add_parser("down")
    sub.add_parser("supervise")
    t = sub.add_parser("test")
    t.add_argument("--light", action="store_true", help="the CI size")
    args = parser.parse_args()
    os.chdir(ROOT)
    if args.command == "up":
        up(demo_scale=os.environ.get("DEMO_SCALE", "small"))
    elif args.command == "down":
        down()
    elif args.command == "supervise":
        supervise()
    else:
        sys.exit(test(light=args.light))


if __name__ == "__main__":
    main()
