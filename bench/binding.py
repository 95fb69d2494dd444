"""House binding (业主身份绑定) at city scale: the title look-up, and a flood of look-ups against a slow registry.

(a) In process (Django set up here with the benchmark's environment): the latency of the platform's binding
    look-up (`platform_lookup`: the configured, guarded registry and the units it names, as `lookup_units` runs it)
    for real holders (a sample of current title records, decrypted here) as a ratio to `Unit.objects.get(pk=…)`,
    measured interleaved in the same run (the embedded registry's call alone is reported too); plus the plan of the
    look-up query (it must use the (id_type, id_number_hash) index, not scan 3 million title records).
(b) Over HTTP: the platform under granian with `PMIP_TITLE_REGISTRY_BACKEND=http` pointing at a local fake registry
    that takes `--registry-delay` (1 s) per answer, `PMIP_TITLE_REGISTRY_MAX_CONCURRENCY=2` per process. Owner
    accounts with face-verified identities (made here with the ORM) flood `POST /api/v1/me/binding/lookup` from many
    client threads while 8 clients read the project detail page. Reported: the detail page's throughput during the
    flood as a ratio to the same page without it (measured just before, in the same run), and how the flood was
    answered — refused at once with "查询产权数据错误：系统繁忙，请稍后再试" (503) or served by the registry.
    Then, in process, the server time of one refused look-up through each door — the API and the owner page's
    添加房屋绑定 form post — as a ratio to one detail-page read (`refusal_cost`).

Each owner account is used at most `PMIP_BINDING_LOOKUP_LIMIT` (10 unless settings say otherwise) times, so the
per-account hourly limit never answers instead of the concurrency guard.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench import http_load
from bench.server import bench_env, database_label, machine, prepare_city, serve, setup_django

FLOOD_PATH = "/api/v1/me/binding/lookup"
PAGE_LOOKUP_PATH = "/me/binding/add/"
# The flood comes from one loopback address: the per-IP limit (PMIP_BINDING_LOOKUP_IP_LIMIT, 120 per hour by default)
# would answer it with 429 before the registry guard is reached. Raised here so the guard is what is measured.
IP_LIMIT = str(10**7)
MSG_BUSY = "查询产权数据错误：系统繁忙，请稍后再试"
HOLDERS = 200
FLOOD_ACCOUNTS = 400
FLOOD_CLIENTS = 32
REGISTRY_DELAY = 1.0
MAX_CONCURRENCY = 2
WORKERS = 2  # granian as scripts/serve.sh runs it
BLOCKING_THREADS = 4
ACCOUNT_PREFIX = "bench_flood_"
CSRF_TOKEN = "benchcsrf0123456789abcdefABCDEF0"  # 32 characters: a valid unmasked CSRF secret


@dataclass(frozen=True)
class Holder:
    name: str
    id_type: str
    id_number: str


def _stats(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 3) if values else 0.0,
        "p95_ms": round(http_load.percentile(values, 0.95), 3),
    }


# --------------------------------------------------------------------------------------------------- (a) look-up


def sample_holders(count: int, *, seed: int = 1) -> list[Holder]:
    """`count` distinct current holders, from title records picked at random over the whole table."""
    from django.db.models import Max, Min

    from pmip.registry.models import TitleRecord

    rng = random.Random(seed)
    bounds = TitleRecord.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        raise RuntimeError("no title records: load a demo city first")
    holders: dict[tuple[str, str], Holder] = {}
    for _attempt in range(20):
        ids = rng.sample(
            range(bounds["lo"], bounds["hi"] + 1), min(count * 2, bounds["hi"] - bounds["lo"] + 1)
        )
        records = TitleRecord.objects.filter(pk__in=ids, ended_on__isnull=True).only(
            "holder_name", "id_type", "id_number_enc", "id_number_hash"
        )
        for record in records:
            holders.setdefault(
                (record.id_type, record.id_number_hash),
                Holder(record.holder_name, record.id_type, record.reveal_id_number()),
            )
            if len(holders) >= count:
                return list(holders.values())
    return list(holders.values())


def platform_lookup():
    """The binding look-up as the platform runs it (pmip.identity.binding.lookup.lookup_units between its admission
    and its audit entry): the configured registry (`get_title_registry()`, guarded), one of its slots held, the
    registry's answer resolved to local units (`find_units`)."""
    from pmip.core import crypto
    from pmip.identity.binding.lookup import find_units
    from pmip.integrations.title_registry import get_title_registry, reserved

    def lookup(holder: Holder) -> int:
        with reserved(get_title_registry()) as registry:
            resolved = find_units(
                registry,
                name=holder.name,
                id_type=holder.id_type,
                id_number=holder.id_number,
                id_hash=crypto.id_number_hash(holder.id_type, holder.id_number),
            )
        return len(resolved.found)

    return lookup


def measure_lookup(holders: list[Holder], *, seconds: float, seed: int = 1) -> dict:
    """Interleaved look-ups and primary-key reads; the first pass (cold caches) is reported apart. "lookup" is the
    platform's look-up (`platform_lookup`: registry and units); "registry_only" the embedded registry's call alone
    (what this benchmark timed before session 5 of issue 13)."""
    from pmip.registry.models import Unit
    from pmip.registry.title_lookup import EmbeddedTitleRegistry

    rng = random.Random(seed)
    hi = Unit.objects.order_by("-pk").values_list("pk", flat=True).first()
    unit_ids = list(
        Unit.objects.filter(pk__in=rng.sample(range(1, hi + 1), min(hi, 4 * len(holders)))).values_list(
            "pk", flat=True
        )
    )
    registry = EmbeddedTitleRegistry()
    lookup = platform_lookup()
    steps = {
        "pk_get": lambda holder, unit_id: Unit.objects.get(pk=unit_id),
        "lookup": lambda holder, unit_id: lookup(holder),
        "registry_only": lambda holder, unit_id: registry.lookup(
            holder.name, holder.id_type, holder.id_number
        ),
    }
    passes: list[dict[str, list[float]]] = []
    hits_per_holder: list[int] = []
    deadline = time.perf_counter() + seconds
    while len(passes) < 3 or (time.perf_counter() < deadline and len(passes) < 50):
        order = holders[:]
        rng.shuffle(order)
        timings: dict[str, list[float]] = {name: [] for name in steps}
        for n, holder in enumerate(order):
            unit_id = unit_ids[(n + len(passes)) % len(unit_ids)]
            names = list(steps)
            rng.shuffle(names)  # vary which goes first
            for name in names:
                started = time.perf_counter()
                answer = steps[name](holder, unit_id)
                timings[name].append((time.perf_counter() - started) * 1000)
                if name == "lookup" and not passes:
                    hits_per_holder.append(answer)
        passes.append(timings)
    if min(hits_per_holder) < 1:
        raise RuntimeError("a sampled holder was not found by the look-up")
    warm = {name: _stats([v for p in passes[1:] for v in p[name]]) for name in steps}
    cold = {name: _stats(passes[0][name]) for name in steps}
    for block in (warm, cold):
        block["p50_ratio"] = round(block["lookup"]["p50_ms"] / (block["pk_get"]["p50_ms"] or 1e-9), 2)
        block["p95_ratio"] = round(block["lookup"]["p95_ms"] / (block["pk_get"]["p95_ms"] or 1e-9), 2)
        block["registry_only_p50_ratio"] = round(
            block["registry_only"]["p50_ms"] / (block["pk_get"]["p50_ms"] or 1e-9), 2
        )
    return {
        "holders": len(holders),
        "passes": len(passes),
        "units_per_holder": {"min": min(hits_per_holder), "max": max(hits_per_holder)},
        "warm": warm,
        "cold_first_pass": cold,
    }


def explain_lookup(holder: Holder) -> dict:
    """The plan of the look-up query for one real holder, and the indexes of the title table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pmip.registry.title_lookup import EmbeddedTitleRegistry

    with CaptureQueriesContext(connection) as captured:
        EmbeddedTitleRegistry().lookup(holder.name, holder.id_type, holder.id_number)
    sql = captured.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute(
                "select indexname, indexdef from pg_indexes where tablename = 'registry_titlerecord' order by 1"
            )
            indexes = [f"{name}: {definition}" for name, definition in cursor.fetchall()]
            cursor.execute("select reltuples::bigint from pg_class where relname = 'registry_titlerecord'")
            rows = cursor.fetchone()[0]
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
            cursor.execute(
                "select name, sql from sqlite_master where type = 'index' and tbl_name = 'registry_titlerecord'"
            )
            indexes = [f"{name}: {definition}" for name, definition in cursor.fetchall()]
            cursor.execute("select count(*) from registry_titlerecord")
            rows = cursor.fetchone()[0]
    scan = bool(re.search(r"Seq Scan on registry_titlerecord|\bSCAN registry_titlerecord\b", plan))
    return {
        "vendor": connection.vendor,
        "title_rows": rows,
        "sql_shape": _redact(sql, holder),
        "plan": _redact(plan, holder),
        "uses_title_id_lookup_idx": "title_id_lookup_idx" in plan,
        "full_scan_of_titles": scan,
        "indexes": indexes,
    }


def _redact(text: str, holder: Holder) -> str:
    """Results are printed and written to files: no holder name, ID number or blind index of a real holder."""
    from pmip.core import crypto

    blind = crypto.id_number_hash(holder.id_type, holder.id_number)
    return (
        text.replace(holder.name, "<name>").replace(holder.id_number, "<id>").replace(blind, "<blind index>")
    )


# --------------------------------------------------------------------------------------------------- (b) flood


class FakeTitleRegistry:
    """The registry's JSON look-up service (pmip.integrations.title_registry.HttpTitleRegistry's protocol) on
    127.0.0.1, answering each request after `delay` seconds; counts requests and the most it had in flight."""

    def __init__(self, answers: dict[tuple[str, str, str], list[dict]], *, delay: float):
        self.answers = answers
        self.delay = delay
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.requests = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):
                pass

            def do_POST(self):
                with fake.lock:
                    fake.in_flight += 1
                    fake.requests += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                    time.sleep(fake.delay)
                    key = (body["name"], body["id_type"], body["id_number"])
                    payload = json.dumps({"records": fake.answers.get(key, [])}, ensure_ascii=False).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                finally:
                    with fake.lock:
                        fake.in_flight -= 1

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/lookup"

    def __enter__(self) -> FakeTitleRegistry:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def registry_answers(holders: list[Holder]) -> dict[tuple[str, str, str], list[dict]]:
    """What the fake registry answers for each holder: the holder's current titles, as the registry would."""
    from pmip.registry.title_lookup import EmbeddedTitleRegistry

    registry = EmbeddedTitleRegistry()
    answers = {}
    for h in holders:
        answers[(h.name, h.id_type, h.id_number)] = [
            {
                "project_code": hit.project_code,
                "building_number": hit.building_number,
                "unit_number": hit.unit_number,
                "holder_name": hit.holder_name,
                "share": str(hit.share),
                "certificate_no": hit.certificate_no,
            }
            for hit in registry.lookup(h.name, h.id_type, h.id_number)
        ]
    return answers


def flood_owners(holders: list[Holder], count: int, *, first: int = 0) -> list[str]:
    """`count` owner accounts with face-verified identities of real holders, each with a fresh session; their
    session keys. Benchmark set-up only (direct ORM, idempotent: the accounts are reused on the next run)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from pmip.core import clock
    from pmip.identity.models import Account, AccountKind, OwnerIdentity, VerificationMethod

    store = import_module(settings.SESSION_ENGINE).SessionStore
    now = clock.now()
    keys = []
    for n in range(first, first + count):
        holder = holders[n % len(holders)]
        account, created = Account.objects.get_or_create(
            username=f"{ACCOUNT_PREFIX}{n:04d}", defaults={"kind": AccountKind.OWNER}
        )
        if created:
            account.set_unusable_password()
            account.save(update_fields=["password"])
        identity = OwnerIdentity.objects.filter(account=account).first() or OwnerIdentity(
            account=account, created_at=now
        )
        identity.holder_name = holder.name
        identity.set_id_number(holder.id_type, holder.id_number)
        identity.mobile = f"+86139{n:08d}"
        identity.agreement_accepted_at = now
        identity.face_consent_at = now
        identity.verification = VerificationMethod.FACE
        identity.verified_at = now
        identity.updated_at = now
        identity.save()
        session = store()
        session[SESSION_KEY] = str(account.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = account.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys


def refusal_cost(holders: list[Holder], *, detail_path: str, repeats: int = 100, first_account: int) -> dict:
    """Server time of one refused look-up ("系统繁忙") and of one detail-page read, in process (Django test client,
    every registry slot of this process taken, logging muted): what each flood request costs the server. Both
    doors: the API (`POST /api/v1/me/binding/lookup`) and the owner page's 添加房屋绑定 (`POST /me/binding/add/`,
    a form post as a browser sends it), both refused in pmip.identity.flood before the session is read (the page
    with a small page of its own: 503, the manual's wording, 重新查询)."""
    import logging

    from django.conf import settings
    from django.test import Client

    from pmip.integrations.title_registry import process_slots

    keys = flood_owners(holders, repeats + 1, first=first_account)
    slots = process_slots(int(getattr(settings, "PMIP_TITLE_REGISTRY_MAX_CONCURRENCY", 8)))
    taken = 0
    while slots.acquire(blocking=False):
        taken += 1
    logging.disable(logging.CRITICAL)
    try:
        owner = Client(HTTP_HOST="127.0.0.1")
        anonymous = Client(HTTP_HOST="127.0.0.1")

        def refused(key: str) -> float:
            owner.cookies[settings.SESSION_COOKIE_NAME] = key
            started = time.perf_counter()
            response = owner.post(FLOOD_PATH, b'{"add": true}', content_type="application/json")
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 503 or _classify(503, response.content) != "busy":
                raise RuntimeError(f"expected a refused look-up, got {response.status_code}")
            return elapsed

        def refused_page(key: str) -> float:
            owner.cookies[settings.SESSION_COOKIE_NAME] = key
            owner.cookies[settings.CSRF_COOKIE_NAME] = CSRF_TOKEN
            started = time.perf_counter()
            response = owner.post(
                PAGE_LOOKUP_PATH,
                f"csrfmiddlewaretoken={CSRF_TOKEN}",
                content_type="application/x-www-form-urlencoded",
            )
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 503 or MSG_BUSY not in response.content.decode():
                raise RuntimeError(f"expected a refused page look-up, got {response.status_code}")
            return elapsed

        def detail() -> float:
            started = time.perf_counter()
            response = anonymous.get(detail_path)
            if response.status_code != 200:
                raise RuntimeError(f"{detail_path} answered {response.status_code}")
            return (time.perf_counter() - started) * 1000

        refused(keys[-1])
        refused_page(keys[-1])
        detail()  # warm-up
        refusals, page_refusals, details = [], [], []
        for key in keys[:repeats]:  # interleaved, so drift weighs on all alike
            refusals.append(refused(key))
            details.append(detail())
            page_refusals.append(refused_page(key))
    finally:
        logging.disable(logging.NOTSET)
        for _ in range(taken):
            slots.release()
    result = {
        "refused_lookup": _stats(refusals),
        "refused_page_lookup": _stats(page_refusals),
        "detail_page": _stats(details),
    }
    detail_p50 = result["detail_page"]["p50_ms"] or 1e-9
    result["p50_ratio"] = round(result["refused_lookup"]["p50_ms"] / detail_p50, 3)
    result["page_p50_ratio"] = round(result["refused_page_lookup"]["p50_ms"] / detail_p50, 3)
    return result


def _classify(status: int, body: bytes) -> str:
    if status == 503:
        try:
            message = json.loads(body).get("message", "")
        except (ValueError, AttributeError):
            message = ""
        return "busy" if message.startswith(MSG_BUSY) else "other_503"
    if status == 200:
        return "served"
    if status == 404:
        return "served_not_found"
    if status == 429:
        return "rate_limited"
    return f"other_{status}"


def run_flood(
    env: dict[str, str],
    holders: list[Holder],
    *,
    seconds: float,
    clients: int,
    flood_clients: int = FLOOD_CLIENTS,
    accounts: int = FLOOD_ACCOUNTS,
    delay: float = REGISTRY_DELAY,
    max_concurrency: int = MAX_CONCURRENCY,
    first_account: int = 0,
) -> dict:
    from django.conf import settings

    from pmip.registry.models import Project

    limit = int(getattr(settings, "PMIP_BINDING_LOOKUP_LIMIT", 10))
    keys = flood_owners(holders, accounts + 1, first=first_account)
    probe_key, keys = keys[-1], keys[:-1]
    per_client = max(1, len(keys) // flood_clients)
    all_codes = list(Project.objects.order_by("code").values_list("code", flat=True))
    codes = all_codes[:: max(1, len(all_codes) // 20)][:20]
    detail = [f"/property/projects/{c}/" for c in codes]

    def owner_headers(key: str) -> dict[str, str]:
        return {
            "Cookie": f"sessionid={key}; csrftoken={CSRF_TOKEN}",
            "X-CSRFToken": CSRF_TOKEN,
            "Content-Type": "application/json",
        }

    def flood_headers(client: int, i: int) -> dict[str, str]:
        return owner_headers(keys[client * per_client + i % per_client])

    with FakeTitleRegistry(registry_answers(holders), delay=delay) as fake:
        server_env = {
            **env,
            "PMIP_TITLE_REGISTRY_BACKEND": "http",
            "PMIP_TITLE_REGISTRY_URL": fake.url,
            "PMIP_TITLE_REGISTRY_TOKEN": "",
            "PMIP_TITLE_REGISTRY_TIMEOUT": str(delay + 4),
            "PMIP_TITLE_REGISTRY_MAX_CONCURRENCY": str(max_concurrency),
            "PMIP_TITLE_REGISTRY_ACQUIRE_TIMEOUT": "0",
        }
        with serve(server_env, workers=WORKERS, blocking_threads=BLOCKING_THREADS) as (host, port):
            for path in detail:
                status, body = http_load.fetch(host, port, path)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
            probe = http_load.run(
                host, port, [FLOOD_PATH], method="POST", body=b'{"add": true}', clients=1, seconds=30,
                max_requests=1, client_headers=lambda c, i: owner_headers(probe_key), classify=_classify,
            )  # fmt: skip
            if probe.outcomes.get("served") != 1:
                raise RuntimeError(f"a single look-up was not served: {dict(probe.statuses)}")
            http_load.run(host, port, detail, clients=clients, seconds=2.0)  # warm-up
            before = http_load.run(host, port, detail, clients=clients, seconds=seconds)
            stop = threading.Event()
            flood_box: dict[str, http_load.LoadResult] = {}
            fake_before = fake.requests

            def flood() -> None:
                flood_box["result"] = http_load.run(
                    host, port, [FLOOD_PATH], method="POST", body=b'{"add": true}', clients=flood_clients,
                    seconds=seconds + 60, client_headers=flood_headers, client_budget=per_client * limit,
                    ok_statuses=(200, 404), classify=_classify, stop=stop, timeout=delay + 20,
                )  # fmt: skip

            flood_thread = threading.Thread(target=flood, daemon=True)
            flood_started = time.perf_counter()
            flood_thread.start()
            time.sleep(1.0)  # let the flood fill the registry slots first
            during = http_load.run(host, port, detail, clients=clients, seconds=seconds)
            flood_still_on = flood_thread.is_alive()
            stop.set()
            flood_thread.join(timeout=delay + 30)
            flood_seconds = time.perf_counter() - flood_started
            after = http_load.run(host, port, detail, clients=clients, seconds=seconds)
        registry_requests = fake.requests - fake_before
        max_in_flight = fake.max_in_flight
    result = flood_box["result"]
    total = result.total or 1
    outcomes = {
        label: {
            "count": n,
            "share": round(n / total, 3),
            **_stats(result.outcome_latencies_ms.get(label, [])),
        }
        for label, n in sorted(result.outcomes.items())
    }
    base = before.rps or 1.0
    without = (before.rps + after.rps) / 2 or 1.0
    return {
        "settings": {
            "granian": f"{WORKERS} workers x {BLOCKING_THREADS} blocking threads",
            "PMIP_TITLE_REGISTRY_MAX_CONCURRENCY": max_concurrency,
            "registry_delay_s": delay,
            "PMIP_BINDING_LOOKUP_LIMIT": limit,
            "owner_accounts": len(keys),
            "flood_clients": flood_clients,
            "detail_clients": clients,
        },
        "detail_before": before.summary(),
        "detail_during_flood": during.summary(),
        "detail_after": after.summary(),
        "detail_ratio_during_to_without": round(
            during.rps / without, 3
        ),  # without = mean of before and after
        "detail_ratio_during_to_before": round(during.rps / base, 3),
        "detail_ratio_after_to_before": round(after.rps / base, 3),
        "flood": {
            "requests": result.total,
            "seconds": round(flood_seconds, 1),
            "rps": round(result.total / flood_seconds, 1) if flood_seconds else 0.0,
            "lasted_the_whole_measurement": flood_still_on,
            "outcomes": outcomes,
            "statuses": {str(k): v for k, v in sorted(result.statuses.items())},
        },
        "registry": {"requests": registry_requests, "max_in_flight": max_in_flight},
    }


# --------------------------------------------------------------------------------------------------- run


def run(*, scale: str, seconds: float, clients: int) -> dict:
    env = bench_env(scale)
    env["PMIP_BINDING_LOOKUP_IP_LIMIT"] = IP_LIMIT
    prepared = prepare_city(env, scale)
    projects = prepared["projects"]
    host_info = machine()
    setup_django(env)
    holders = sample_holders(HOLDERS)
    lookup = measure_lookup(holders, seconds=seconds)
    explained = explain_lookup(holders[0])
    # The guard as configured for the benchmark (2 slots, fewer than the 4 threads of a worker), then a cap as
    # large as the threads: the same flood can then hold every thread of a worker on the slow registry.
    floods = {}
    for n, (label, cap) in enumerate(
        (("guarded", MAX_CONCURRENCY), ("cap = blocking threads (no headroom)", BLOCKING_THREADS))
    ):
        floods[label] = run_flood(
            env, holders, seconds=seconds, clients=clients, max_concurrency=cap,
            first_account=n * (FLOOD_ACCOUNTS + 1),
        )  # fmt: skip
    from pmip.registry.models import Project

    refusal = refusal_cost(
        holders,
        detail_path=f"/property/projects/{Project.objects.order_by('code').values_list('code', flat=True)[0]}/",
        first_account=2 * (FLOOD_ACCOUNTS + 1),
    )
    database = database_label(env)

    w, c = lookup["warm"], lookup["cold_first_pass"]
    print(f"\nbinding benchmark — scale {scale} ({projects} projects), database {database}")
    print(
        f"(a) title look-up vs Unit.objects.get(pk=…), {lookup['holders']} real holders, {lookup['passes']} passes"
    )
    print(
        f"{'':24s} {'look-up p50':>12s} {'pk p50':>8s} {'ratio':>6s} {'look-up p95':>12s} {'pk p95':>8s} {'ratio':>6s}"
    )
    for label, block in (("warm", w), ("first pass (cold)", c)):
        print(
            f"{label:24s} {block['lookup']['p50_ms']:10.3f}ms {block['pk_get']['p50_ms']:6.3f}ms "
            f"{block['p50_ratio']:6.2f} {block['lookup']['p95_ms']:10.3f}ms {block['pk_get']['p95_ms']:6.3f}ms "
            f"{block['p95_ratio']:6.2f}"
        )
    print(
        f"    the embedded registry's call alone: p50 {w['registry_only']['p50_ms']:.3f} ms warm "
        f"(ratio {w['registry_only_p50_ratio']})"
    )
    print(
        f"    plan: uses title_id_lookup_idx: {explained['uses_title_id_lookup_idx']}, "
        f"full scan of {explained['title_rows']} title records: {explained['full_scan_of_titles']}"
    )
    print(explained["plan"])
    print(
        f"\n    in process: a refused look-up takes {refusal['refused_lookup']['p50_ms']} ms (p50) of server time "
        f"through the API, {refusal['refused_page_lookup']['p50_ms']} ms through the owner page (添加房屋绑定); "
        f"a detail-page read {refusal['detail_page']['p50_ms']} ms: ratio API {refusal['p50_ratio']}, "
        f"page {refusal['page_p50_ratio']} (target <= 0.2 each)"
    )
    for label, flood in floods.items():
        f = flood["flood"]
        print(
            f"\n(b) binding flood [{label}]: registry {flood['settings']['registry_delay_s']} s/answer, "
            f"max {flood['settings']['PMIP_TITLE_REGISTRY_MAX_CONCURRENCY']} look-ups per process "
            f"({flood['settings']['granian']}), {flood['settings']['flood_clients']} flood clients, "
            f"{clients} detail-page clients"
        )
        print(
            f"    detail page req/s: before {flood['detail_before']['rps']}, during flood "
            f"{flood['detail_during_flood']['rps']}, after {flood['detail_after']['rps']}: during / without = "
            f"{flood['detail_ratio_during_to_without']}; p95 during {flood['detail_during_flood']['p95_ms']} ms "
            f"(before {flood['detail_before']['p95_ms']} ms)"
        )
        print(f"    flood: {f['requests']} requests in {f['seconds']} s ({f['rps']} req/s)")
        for outcome, o in f["outcomes"].items():
            print(
                f"      {outcome:18s} {o['count']:6d} ({o['share']:.1%})  p50 {o['p50_ms']:.1f} ms  "
                f"p95 {o['p95_ms']:.1f} ms"
            )
        print(
            f"    registry: {flood['registry']['requests']} look-ups, "
            f"at most {flood['registry']['max_in_flight']} at once"
        )
    return {
        "benchmark": "binding",
        "machine": host_info,
        "scale": scale,
        "projects": projects,
        "analyzed_by_harness": prepared["analyzed_by_harness"],
        "database": database,
        "seconds": seconds,
        "clients": clients,
        "lookup": lookup,
        "explain": explained,
        "floods": floods,
        "refusal_cost_in_process": refusal,
    }
