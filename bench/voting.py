"""Owners' decisions (业主决策): casting throughput and result-read latency, as ratios measured in the same run.

PostgreSQL only (casting takes row locks; SQLite serialises writers, so the figures would mean nothing): with any
other DATABASE_URL the benchmark prints why it is skipped and returns {"skipped": ...}. It works in its own database
`<name of DATABASE_URL's database>_bench_voting` on the same (loopback) server, dropped and created again each run.

Cases (casting = one ballot on one matter through the owner API, POST /api/v1/decisions/meetings/{id}/ballots, with
a real owner session and CSRF token, under granian):
- cast throughput at `clients` (8) connections / the bare endpoint /healthz at the same concurrency (how much of the
  web stack's capacity one ballot costs): the two alternate ROUNDS (3) times and the ratio is the median of the
  rounds' ratios (on a 2-CPU machine one 5-second run swings by ±15 %);
- the median cast throughput / the median of ROUNDS runs of `pgbench -n -f script -c 8 -T 5` running the ballot's
  SQL alone (take the meeting's sequence number under its row lock, insert the ballot, add it to the count row — one
  transaction): what Django, the service's checks and the audit entry add over the bare writes;
- cast throughput at 64 connections / at 8, run right after it in each round, median of the rounds (every ballot of a meeting takes the meeting's row lock, so more clients
  must not collapse throughput — nor can they raise it much). 64 clients are more than the server admits (2 workers
  × (4 admitted + 8 waiting)), so some are refused with 503 + Retry-After; such a client sends the same ballot
  again after Retry-After, as an owner told "系统繁忙，请稍后再试" would, instead of burning ballots in a refusal
  storm (the refusals are counted in the statuses);
- tally-sheet read latency (`selectors.tally_sheet`, the results page's selector) of a meeting with 1,000,000
  ballots / one with 1,000: results are read from the running counters, so the ratio should stay near 1.
  The ballots and counters of the two read meetings are bulk-loaded with plain SQL (INSERT … SELECT generate_series,
  with the ballot table's indexes and constraints dropped and rebuilt around it — benchmark setup, not business
  writes; the roll of those meetings is not loaded, as the tally sheet never reads it).

A sealer process (`Sealer`) chains the audit entries every second during the casting runs, as the task workers do
in production, and the chain is verified afterwards.

Owners, sessions and the casting meeting are made with the ORM and the decisions services (a frozen clock for the
15-day notice); every ballot cast over HTTP goes through `services.cast_ballots`. After the runs the counters of the
casting meeting are checked against a full recount (they must be exact).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

from bench import http_load
from bench.server import ROOT, bench_env, machine, manage, serve

OWNERS = 600  # each owner casts once per matter
MATTERS = 30  # → 18,000 ballots available for the casting runs
ROUNDS = (
    3  # /healthz, casting at 8 and at 64 clients follow each other this often; the ratios are the medians
)
READ_SIZES = (1_000, 1_000_000)
READ_REPEATS = 200
HIGH_CLIENTS = 64
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


# --- database ------------------------------------------------------------------------------------------------


def _bench_database_url(url: str) -> tuple[str, str, urllib.parse.ParseResult]:
    parsed = urllib.parse.urlparse(url)
    if parsed.hostname not in LOOPBACK:
        raise SystemExit(
            f"voting benchmark: DATABASE_URL must point to a loopback server, not {parsed.hostname}"
        )
    name = parsed.path.lstrip("/") or "pmip"
    bench_name = f"{name}_bench_voting"
    return parsed._replace(path="/" + bench_name).geturl(), bench_name, parsed


def _recreate_database(parsed: urllib.parse.ParseResult, name: str) -> None:
    import psycopg

    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


# --- work done inside a Django process (python -c "from bench import voting; voting._child()") ------------------


def _run_child(env: dict[str, str], command: str, **args) -> dict:
    code = "from bench import voting; voting._child()"
    proc = subprocess.run(
        [sys.executable, "-c", code, command, json.dumps(args)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"voting benchmark: step {command!r} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _child() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    command, args = sys.argv[1], json.loads(sys.argv[2])
    commands = {
        "setup": _setup,
        "load_reads": _load_reads,
        "read_latency": _read_latency,
        "verify": _verify,
        "seal_loop": _seal_loop,
    }
    result = commands[command](**args)
    print(json.dumps(result))


def _setup(*, owners: int, matters: int) -> dict:
    """A project with `owners` bound and verified owners (one unit each), a meeting open for voting now with
    `matters` questions, an owner session for each; a meeting for pgbench; two closed meetings for the reads."""
    import datetime as dt
    from decimal import Decimal

    from django.utils.crypto import get_random_string

    from pmip.core import clock
    from pmip.core.idnumbers import make_mainland_number
    from pmip.decisions import services
    from pmip.decisions.models import MatterCount
    from pmip.identity.middleware import SEEN, STARTED
    from pmip.identity.models import (
        Account,
        AccountKind,
        BindingStatus,
        HouseBinding,
        OwnerIdentity,
        ScopeLevel,
        StaffRole,
        VerificationMethod,
    )
    from pmip.ops.sessions import SessionStore  # settings.SESSION_ENGINE: sessions with their account
    from pmip.registry.models import Building, District, Project, Subdistrict, TitleRecord, Unit

    now = clock.now()
    district = District.objects.create(code="440399", name="基准区")
    sub = Subdistrict.objects.create(district=district, name="基准街道")
    project = Project.objects.create(
        code="440399001",
        name="基准花园",
        address="深圳市基准区基准街道1号",
        district=district,
        subdistrict=sub,
    )
    buildings = Building.objects.bulk_create(
        [Building(project=project, number=str(b + 1), floors=30) for b in range(max(1, owners // 100))]
    )
    units = Unit.objects.bulk_create(
        [
            Unit(
                project=project,
                building=buildings[i % len(buildings)],
                number=f"{1 + i // len(buildings):04d}",
                floor=1,
                area=Decimal("80.00") + Decimal(i % 50),
            )
            for i in range(owners)
        ]
    )
    accounts = Account.objects.bulk_create(
        [
            Account(
                username=f"bench_owner_{i:05d}", kind=AccountKind.OWNER, mobile=f"+86137{i:08d}", password="!"
            )
            for i in range(owners)
        ]
    )
    identities, titles = [], []
    for i, (account, unit) in enumerate(zip(accounts, units, strict=True)):
        number = make_mainland_number("440304", dt.date(1960, 1, 1) + dt.timedelta(days=i), i % 1000)
        identity = OwnerIdentity(
            account=account,
            holder_name=f"业主{i}",
            mobile=account.mobile,
            agreement_accepted_at=now,
            verification=VerificationMethod.FACE,
            verified_at=now,
            created_at=now,
            updated_at=now,
        )
        identity.set_id_number("mainland", number)
        identities.append(identity)
        title = TitleRecord(
            unit=unit, holder_name=f"业主{i}", share=Decimal("1"), registered_on=dt.date(2015, 6, 1)
        )
        title.set_id_number("mainland", number)
        titles.append(title)
    OwnerIdentity.objects.bulk_create(identities)
    titles = TitleRecord.objects.bulk_create(titles)
    HouseBinding.objects.bulk_create(
        [
            HouseBinding(
                account=a, unit=u, project=project, title_record=t, status=BindingStatus.ACTIVE, bound_at=now
            )
            for a, u, t in zip(accounts, units, titles, strict=True)
        ]
    )
    convener = Account.objects.create_user(username="bench_convener", password=None, kind=AccountKind.STAFF)
    StaffRole.objects.create(account=convener, level=ScopeLevel.COMMITTEE, project=project, can_edit=True)
    reader = Account.objects.create_user(username="bench_city", password=None, kind=AccountKind.STAFF)
    StaffRole.objects.create(account=reader, level=ScopeLevel.CITY)

    def meeting(title: str, n_matters: int, *, starts, ends):
        with clock.frozen(now - dt.timedelta(days=20)):
            m = services.create_meeting(
                actor=convener,
                project_id=project.pk,
                convener_kind="committee",
                title=title,
                voting_starts_at=starts,
                voting_ends_at=ends,
            )
            for k in range(n_matters):
                services.add_matter(actor=convener, meeting_id=m.pk, title=f"议题{k + 1}", item=9)
            from django.core.files.uploadedfile import SimpleUploadedFile

            services.upload_publicity_file(
                actor=convener,
                meeting_id=m.pk,
                kind="meeting_notice",
                title="会议通知",
                upload=SimpleUploadedFile("n.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
            )
            services.publish_notice(actor=convener, meeting_id=m.pk)
        with clock.frozen(starts):
            services.open_voting(actor=convener, meeting_id=m.pk)
        return m

    casting = meeting(
        "投票基准", matters, starts=now - dt.timedelta(hours=1), ends=now + dt.timedelta(hours=6)
    )
    pg = meeting("pgbench基准", 1, starts=now - dt.timedelta(hours=1), ends=now + dt.timedelta(hours=6))
    pg_matter = pg.matters.get()
    reads = {}
    for size in READ_SIZES:
        m = meeting(f"读取基准{size}", 1, starts=now - dt.timedelta(days=3), ends=now - dt.timedelta(days=1))
        matter = m.matters.get()
        reads[str(size)] = {"meeting": m.pk, "matter": matter.pk}

    sessions = []
    for account, unit in zip(accounts, units, strict=True):
        store = SessionStore()
        store["_auth_user_id"] = str(account.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = account.get_session_auth_hash()
        # As a log-in leaves it (pmip.identity.middleware): started and last seen now. The last-seen time is written
        # back at most once a minute, so a cast more than a minute after this also saves its session once.
        store[STARTED] = store[SEEN] = now.timestamp()
        store.create()
        sessions.append({"session": store.session_key, "csrf": get_random_string(32), "unit": unit.pk})
    return {
        "meeting": casting.pk,
        "matters": list(casting.matters.order_by("order").values_list("pk", flat=True)),
        "sessions": sessions,
        "pgbench": {
            "meeting": pg.pk,
            "matter": pg_matter.pk,
            "count": MatterCount.objects.get(matter=pg_matter).pk,
            "account": convener.pk,
        },
        "reads": reads,
        "reader": reader.pk,
        "convener": convener.pk,
    }


def _drop_ballot_indexes(cursor) -> list[str]:
    """Drop the ballot table's secondary indexes, unique and foreign-key constraints (a bulk load is far faster
    without them) and return the statements that put every one of them back, unchanged."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = 'decisions_ballot'::regclass AND contype IN ('u', 'f', 'c')"
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'decisions_ballot'"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname"
        " AND c.conrelid = 'decisions_ballot'::regclass)"
    )
    indexes = cursor.fetchall()
    for name, _ in constraints:
        cursor.execute(f'ALTER TABLE decisions_ballot DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE decisions_ballot ADD CONSTRAINT "{name}" {definition}'
        for name, definition in constraints
    ]


def _load_reads(*, reads: dict, convener: int) -> dict:
    """Insert `size` ballots into each read meeting in one SQL statement (generate_series), set its counters to
    the sums of those ballots, and mark it closed. Returns the seconds each load took."""
    from django.db import connection

    from pmip.core import clock

    now = clock.now()
    loaded = {}
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        restore = _drop_ballot_indexes(cursor)
        for size, ids in reads.items():
            started = time.perf_counter()
            params = {"meeting": ids["meeting"], "matter": ids["matter"], "account": convener, "n": int(size)}
            cursor.execute(
                """
                INSERT INTO decisions_ballot (meeting_id, matter_id, owner_token, area, choices, channel, by_delegate,
                                              sequence, nonce, receipt, cast_at)
                SELECT %(meeting)s, %(matter)s, 'bench:' || i, 5000 + (i::bigint * 7919) %% 10000,
                       (ARRAY['{"matter": "abstain"}', '{"matter": "yes"}', '{"matter": "no"}'])[i %% 3 + 1]::jsonb,
                       'online', false, i, md5(i::text),
                       encode(sha256((%(meeting)s::text || '-' || i::text)::bytea), 'hex'), now()
                FROM generate_series(1, %(n)s) AS i
                """,
                params,
            )
            cursor.execute(
                "SELECT choices->>'matter', count(*), sum(area) FROM decisions_ballot WHERE matter_id = %s GROUP BY 1",
                [ids["matter"]],
            )
            sums = {choice: (int(n), int(area)) for choice, n, area in cursor.fetchall()}
            owners = sum(v[0] for v in sums.values())
            area = sum(v[1] for v in sums.values())
            cursor.execute(
                "UPDATE decisions_mattercount SET total_owners = %s, total_area = %s, yes_owners = %s, yes_area = %s,"
                " no_owners = %s, no_area = %s, abstain_owners = %s, abstain_area = %s WHERE matter_id = %s",
                [
                    owners + owners // 4,  # a fifth of the roll did not vote
                    area + area // 4,
                    *sums["yes"],
                    *sums["no"],
                    *sums["abstain"],
                    ids["matter"],
                ],
            )
            cursor.execute(
                "UPDATE decisions_meeting SET state = 'closed', closed_at = %s, ballot_sequence = %s WHERE id = %s",
                [now, int(size), ids["meeting"]],
            )
            loaded[size] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        for statement in restore:
            cursor.execute(statement)
        loaded["rebuild indexes and constraints"] = round(time.perf_counter() - started, 1)
        cursor.execute("ANALYZE decisions_ballot")
        cursor.execute("ANALYZE decisions_mattercount")
    return loaded


def _read_latency(*, reads: dict, reader: int, repeats: int) -> dict:
    from pmip.decisions import selectors
    from pmip.identity.models import Account

    actor = Account.objects.get(pk=reader)
    times: dict[str, list[float]] = {size: [] for size in reads}
    outcome = {}
    for size, ids in reads.items():  # warm-up
        for _ in range(20):
            sheet = selectors.tally_sheet(actor=actor, meeting_id=ids["meeting"])
        outcome[size] = sheet.matters[0].results[0].document["participating_owners"]
    for _ in range(repeats):
        for size, ids in reads.items():
            started = time.perf_counter()
            selectors.tally_sheet(actor=actor, meeting_id=ids["meeting"])
            times[size].append((time.perf_counter() - started) * 1000)
    out = {}
    for size, values in times.items():
        ordered = sorted(values)
        out[size] = {
            "p50_ms": round(statistics.median(ordered), 3),
            "p95_ms": round(ordered[int(len(ordered) * 0.95)], 3),
            "participating_owners": outcome[size],
        }
    return out


def _verify(*, meeting: int) -> dict:
    """After the casting runs: the valid ballots, whether the counters equal a recount from the ballots, and whether
    the audit chain (what the sealer left, sealed now) verifies."""
    from pmip.audit import chain
    from pmip.decisions.models import Ballot, Meeting
    from pmip.decisions.selectors import count_discrepancies

    m = Meeting.objects.get(pk=meeting)
    left = chain.seal()
    audit = chain.verify()
    return {
        "ballots": Ballot.objects.filter(meeting=m, superseded_at__isnull=True).count(),
        "discrepancies": len(count_discrepancies(m)),
        "audit_ok": audit.ok,
        "audit_entries": audit.checked,
        "audit_left_for_the_last_seal": left,
    }


def _seal_loop(*, stop: str, every: float) -> dict:
    """The periodic sealer, as the task workers run it (every PMIP_AUDIT_SEAL_SECONDS; here more often, so its cost
    falls inside the measured runs), until the file `stop` appears. Reports what it sealed and how far behind it was."""
    from pmip.audit import chain
    from pmip.core import clock

    sealed, runs, max_wait = 0, 0, 0.0
    chain.seal()  # the setup's entries (written under a frozen clock): not part of the runs
    while not os.path.exists(stop):
        _, oldest = chain.unsealed()
        if oldest is not None:
            max_wait = max(max_wait, (clock.now() - oldest).total_seconds())
        sealed += chain.seal()
        runs += 1
        time.sleep(every)
    return {"sealed": sealed, "runs": runs, "max_wait_s": round(max_wait, 2)}


# --- casting load (POST, one ballot per request) -------------------------------------------------------------


@dataclass
class CastLoad:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    exhausted: bool = False

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


class Ballots:
    """Every (owner, matter) pair once, matter by matter; shared by the client threads of all runs."""

    def __init__(self, setup: dict):
        self.items = [(s, m) for m in setup["matters"] for s in setup["sessions"]]
        self.meeting = setup["meeting"]
        self.next = 0
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            if self.next >= len(self.items):
                return None
            item = self.items[self.next]
            self.next += 1
            return item


def cast_load(host: str, port: int, ballots: Ballots, *, clients: int, seconds: float) -> CastLoad:
    assert host in LOOPBACK or host.startswith("127."), "benchmarks only target loopback"
    path = f"/api/v1/decisions/meetings/{ballots.meeting}/ballots"
    result = CastLoad()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        lat: list[float] = []
        ok = err = 0
        statuses: dict[int, int] = {}
        pending = (
            None  # a ballot the server refused (503/429): sent again after Retry-After, as an owner would
        )
        while time.perf_counter() < deadline:
            item, pending = pending or ballots.take(), None
            if item is None:
                result.exhausted = True
                break
            s, matter = item
            body = json.dumps(
                {"unit_id": s["unit"], "answers": {str(matter): "yes"}, "agreement_accepted": True}
            ).encode()
            headers = {
                "Host": "127.0.0.1",
                "Content-Type": "application/json",
                "Cookie": f"sessionid={s['session']}; csrftoken={s['csrf']}",
                "X-CSRFToken": s["csrf"],
            }
            started = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                statuses[response.status] = statuses.get(response.status, 0) + 1
                if response.status == 201:
                    ok += 1
                elif response.status in (429, 503) and response.getheader("Retry-After", "").isdigit():
                    pending = item  # admission refused it before any work: wait as told, then the same ballot
                    time.sleep(
                        max(0.0, min(int(response.getheader("Retry-After")), deadline - time.perf_counter()))
                    )
                    continue
                else:
                    err += 1
            except (OSError, http.client.HTTPException):
                err += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
            lat.append((time.perf_counter() - started) * 1000)
        conn.close()
        with lock:
            result.requests += ok
            result.errors += err
            result.latencies_ms.extend(lat)
            for k, v in statuses.items():
                result.statuses[k] = result.statuses.get(k, 0) + v

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - started
    return result


class Sealer:
    """A sealer process beside the server for the casting runs; its report (a dict) is filled in on exit."""

    EVERY = 1.0  # seconds between seals (production default PMIP_AUDIT_SEAL_SECONDS=5: bigger, rarer batches)

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.report: dict = {}
        self.stop = os.path.join(tempfile.mkdtemp(prefix="pmip-sealer-"), "stop")
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        self.report.update(_run_child(self.env, "seal_loop", stop=self.stop, every=self.EVERY))

    def __enter__(self) -> dict:
        self.thread.start()
        return self.report

    def __exit__(self, *exc) -> None:
        open(self.stop, "w").close()
        self.thread.join()


# --- pgbench ---------------------------------------------------------------------------------------------------

PGBENCH_SCRIPT = """\\set area random(5000, 15000)
BEGIN;
UPDATE decisions_meeting SET ballot_sequence = ballot_sequence + 1 WHERE id = {meeting} RETURNING ballot_sequence AS seq \\gset
INSERT INTO decisions_ballot (meeting_id, matter_id, owner_token, area, choices, channel, by_delegate, sequence, nonce, receipt, cast_at) VALUES ({meeting}, {matter}, 'pgbench:' || :seq, :area, '{{"matter": "yes"}}', 'online', false, :seq, md5(random()::text), encode(sha256(('{meeting}-' || :seq || '-' || random()::text)::bytea), 'hex'), now());
UPDATE decisions_mattercount SET yes_area = yes_area + :area, yes_owners = yes_owners + 1 WHERE id = {count};
END;
"""


def run_pgbench(database_url: str, ids: dict, *, clients: int, seconds: int) -> dict:
    parsed = urllib.parse.urlparse(database_url)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as fh:
        fh.write(PGBENCH_SCRIPT.format(**ids))
        script = fh.name
    try:
        proc = subprocess.run(
            [
                "pgbench",
                "-n",
                "-f",
                script,
                "-c",
                str(clients),
                "-j",
                str(min(clients, os.cpu_count() or 1)),
                "-T",
                str(seconds),
                "-h",
                parsed.hostname or "127.0.0.1",
                "-p",
                str(parsed.port or 5432),
                "-U",
                parsed.username or "postgres",
                parsed.path.lstrip("/"),
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **({"PGPASSWORD": parsed.password} if parsed.password else {})},
        )
    finally:
        os.unlink(script)
    tps = float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", proc.stdout).group(1))
    failed = re.search(r"number of failed transactions: (\d+)", proc.stdout)
    lat = re.search(r"latency average = ([0-9.]+) ms", proc.stdout)
    return {
        "tps": round(tps, 1),
        "failed": int(failed.group(1)) if failed else 0,
        "latency_avg_ms": float(lat.group(1)) if lat else None,
    }


# --- the benchmark ---------------------------------------------------------------------------------------------


def run(*, scale: str, seconds: float, clients: int) -> dict:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        reason = "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> (casting takes row locks)"
        print(f"\nvoting benchmark skipped: {reason}")
        return {"skipped": reason}
    started = time.perf_counter()
    load_at_start = round(os.getloadavg()[0], 2)
    bench_url, bench_name, parsed = _bench_database_url(url)
    _recreate_database(parsed, bench_name)
    env = bench_env("voting")
    env["DATABASE_URL"] = bench_url
    env["PMIP_VAR_DIR"] = str(
        ROOT / "var" / "bench" / f"pg-{bench_name}"
    )  # its own key file, like its database
    os.makedirs(env["PMIP_VAR_DIR"], exist_ok=True)
    env["PMIP_SMS_BACKEND"] = "embedded"
    env["PMIP_TASKS_BACKEND"] = "django.tasks.backends.dummy.DummyBackend"  # nothing scheduled during the run
    phases: dict[str, float] = {}
    mark = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round(now - mark, 1)
        mark = now

    manage(env, "migrate", "--noinput", "-v", "0")
    phase("migrate")
    setup = _run_child(env, "setup", owners=OWNERS, matters=MATTERS)
    phase("setup")
    _run_child(env, "load_reads", reads=setup["reads"], convener=setup["convener"])
    phase("load 1,001,000 ballots (SQL)")
    reads = _run_child(
        env, "read_latency", reads=setup["reads"], reader=setup["reader"], repeats=READ_REPEATS
    )
    phase("read latency")

    ballots = Ballots(setup)
    rounds: list[tuple[http_load.LoadResult, CastLoad, CastLoad]] = []
    with serve(env) as (host, port):
        http_load.run(host, port, ["/healthz"], clients=clients, seconds=1.0)  # warm-up
        with Sealer(env) as sealer:  # the audit chain is sealed while the ballots come in, as in production
            for _ in range(ROUNDS):  # in turn, so a slow stretch of the machine hits every side alike
                rounds.append(
                    (
                        http_load.run(host, port, ["/healthz"], clients=clients, seconds=seconds),
                        cast_load(host, port, ballots, clients=clients, seconds=seconds),
                        cast_load(host, port, ballots, clients=HIGH_CLIENTS, seconds=seconds),
                    )
                )
    phase("HTTP runs")
    pgbenches = [
        run_pgbench(bench_url, setup["pgbench"], clients=clients, seconds=max(1, int(seconds)))
        for _ in range(ROUNDS)
    ]
    phase("pgbench")
    # the round with the median ratio to /healthz stands for the table; the ratios are medians over the rounds
    healthz, cast_low, cast_high = sorted(rounds, key=lambda r: r[1].rps / r[0].rps if r[0].rps else 0)[
        ROUNDS // 2
    ]
    casts = [c for _, c, _ in rounds] + [c for _, _, c in rounds]
    pgbench = sorted(pgbenches, key=lambda r: r["tps"])[ROUNDS // 2]
    check = _run_child(env, "verify", meeting=setup["meeting"])

    small, large = reads[str(READ_SIZES[0])], reads[str(READ_SIZES[1])]
    ratios = {
        "cast_vs_healthz": round(cast_low.rps / healthz.rps, 4) if healthz.rps else None,
        "cast_vs_pgbench": round(statistics.median(c.rps for _, c, _ in rounds) / pgbench["tps"], 4)
        if pgbench["tps"]
        else None,
        "cast_64_vs_8_clients": round(
            statistics.median(hi.rps / lo.rps for _, lo, hi in rounds if lo.rps), 3
        ),
        "read_1m_vs_1k_ballots": round(large["p50_ms"] / small["p50_ms"], 3) if small["p50_ms"] else None,
    }
    rows = {
        "baseline: bare Django endpoint /healthz": {
            "rate": round(healthz.rps, 1),
            "p50_ms": round(healthz.p50, 2),
            "p95_ms": round(healthz.p95, 2),
            "errors": healthz.errors,
            "clients": clients,
        },
        f"cast one ballot (owner API), {clients} clients": {
            "rate": round(cast_low.rps, 1),
            "p50_ms": round(cast_low.pct(0.5), 2),
            "p95_ms": round(cast_low.pct(0.95), 2),
            "errors": cast_low.errors,
            "clients": clients,
        },
        f"cast one ballot (owner API), {HIGH_CLIENTS} clients": {
            "rate": round(cast_high.rps, 1),
            "p50_ms": round(cast_high.pct(0.5), 2),
            "p95_ms": round(cast_high.pct(0.95), 2),
            "errors": cast_high.errors,
            "clients": HIGH_CLIENTS,
        },
        f"pgbench: the ballot's SQL alone, {clients} clients": {
            "rate": pgbench["tps"],
            "p50_ms": None,
            "p95_ms": None,
            "errors": pgbench["failed"],
            "clients": clients,
        },
    }
    where = machine()
    print(
        f"\nvoting benchmark — PostgreSQL database {bench_name}, {seconds}s per run; {where['date']}, "
        f"{where['nproc']} CPUs, {where['memory_gib']} GiB, load average {load_at_start} → {where['load_average_1m']}"
    )
    print(f"{'case':52s} {'per s':>9s} {'p50 ms':>8s} {'p95 ms':>8s} {'errors':>7s}")
    for label, row in rows.items():
        p50 = f"{row['p50_ms']:8.2f}" if row["p50_ms"] is not None else f"{'—':>8s}"
        p95 = f"{row['p95_ms']:8.2f}" if row["p95_ms"] is not None else f"{'—':>8s}"
        print(f"{label:52s} {row['rate']:9.1f} {p50} {p95} {row['errors']:7d}")
    for size in READ_SIZES:
        r = reads[str(size)]
        label = f"tally sheet read, {size:,} ballots"
        print(f"{label:52s} {'':>9s} {r['p50_ms']:8.3f} {r['p95_ms']:8.3f} {0:7d}")
    print(
        f"\ncast ballots stored: {check['ballots']} (201 answers: {sum(c.requests for c in casts)}); "
        f"counters vs recount: {'exact' if check['discrepancies'] == 0 else str(check['discrepancies']) + ' differences'}"
    )
    print(
        f"audit chain: sealed during the runs {sealer['sealed']} in {sealer['runs']} runs (an entry waited at most "
        f"{sealer['max_wait_s']} s), left for the last seal {check['audit_left_for_the_last_seal']}; "
        f"{check['audit_entries']} entries verify: {'yes' if check['audit_ok'] else 'NO'}"
    )
    print(
        f"rounds (/healthz, cast at {clients}, cast at {HIGH_CLIENTS} clients per s): "
        + ", ".join(f"{h.rps:.0f}/{lo.rps:.0f}/{hi.rps:.0f}" for h, lo, hi in rounds)
        + f"; pgbench {', '.join(str(r['tps']) for r in pgbenches)}"
    )
    print("\nratios (same run, same machine; medians of the rounds):")
    for key, value in ratios.items():
        print(f"  {key:28s} {value}")
    if any(c.exhausted for c in casts):
        print(f"  note: all {len(ballots.items)} prepared ballots were cast before the time ran out")
    elapsed = round(time.perf_counter() - started, 1)
    print(f"  (whole benchmark {elapsed}s: " + ", ".join(f"{k} {v}s" for k, v in phases.items()) + ")")
    return {
        "database": "postgresql",
        "seconds": seconds,
        "clients": clients,
        "high_clients": HIGH_CLIENTS,
        "machine": {**where, "load_average_1m_at_start": load_at_start},
        "rows": rows,
        "reads": reads,
        "ratios": ratios,
        "statuses": {"low": cast_low.statuses, "high": cast_high.statuses},
        "rounds": [
            {"healthz": round(h.rps, 1), "cast": round(lo.rps, 1), "cast_high": round(hi.rps, 1)}
            for h, lo, hi in rounds
        ],
        "pgbench_rounds": [r["tps"] for r in pgbenches],
        "exhausted": any(c.exhausted for c in casts),
        "cast_check": check,
        "sealer": sealer,
        "elapsed_seconds": elapsed,
        "phases_seconds": phases,
    }
