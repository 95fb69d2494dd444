"""Notification fan-out (群发) at scale: expanding one event to many recipients, and the web during it.

(a) In process: synthetic owner accounts (`bench_fanout_NNNNNN`, half with a WeChat openid, made here with the
    ORM) and one broadcast per size (`--fanout-sizes`, default 1,000 / 4,000 / 16,000; the issue's 100,000:
    `--fanout-sizes 1000,10000,100000`, about 10 minutes with the paced web phase on the shared 2-CPU machine). Each broadcast is expanded with
    `pmip.notifications.fanout.expand` exactly as the task does (batches of `PMIP_FANOUT_BATCH`), delivery tasks
    only recorded (dummy task backend), so the figure is the expansion's own cost. Reported: seconds per 1,000
    recipients at each size and its ratio to the smallest size (constant ≈ 1.0 means linear: no batch gets slower
    as the broadcast grows).
(b) Over HTTP: granian as in production; 8 clients read owner project pages and `/healthz` for `--seconds`, first
    alone, then while this process expands a broadcast of the largest size the way the worker does (paced: it pauses
    when it runs `PMIP_FANOUT_LEAD_SECONDS` ahead of the providers' rate `PMIP_NOTIFY_RATES`). Reported: requests/s
    during the fan-out as a ratio to before (the issue asks ≥ 0.8), and how long the paced fan-out took.
"""

from __future__ import annotations

import threading
import time

from bench import http_load
from bench.server import bench_env, database_label, machine, prepare_city, serve, setup_django

PREFIX = "bench_fanout_"
DEFAULT_SIZES = (1000, 4000, 16000)


def ensure_accounts(n: int) -> None:
    from pmip.identity.models import Account, AccountKind

    have = Account.objects.filter(username__startswith=PREFIX).count()
    batch = []
    for i in range(have, n):
        batch.append(
            Account(
                username=f"{PREFIX}{i:06d}",
                kind=AccountKind.OWNER,
                wechat_openid=f"bench-fanout-openid-{i:06d}" if i % 2 == 0 else None,
                mobile="",
            )
        )
        if len(batch) >= 5000:
            Account.objects.bulk_create(batch)
            batch = []
    if batch:
        Account.objects.bulk_create(batch)


def _register() -> None:
    from pmip.identity.models import Account
    from pmip.notifications import fanout

    def resolver(params):
        return Account.objects.filter(username__startswith=PREFIX, username__lt=f"{PREFIX}{params['n']:06d}")

    fanout.register_audience("bench.fanout", resolver)


def record(n: int, tag: str) -> int:
    from django.db import transaction

    from pmip.notifications import fanout

    with transaction.atomic():
        broadcast, _ = fanout.record_broadcast(
            key=f"bench.fanout.{tag}.{n}.{time.time_ns()}",
            kind="decisions.meeting.notice",
            title="会议公告：基准测试",
            body="基准测试",
            link="/decisions/",
            data={"project": "基准小区", "subject": "基准会议"},
            audience_name="bench.fanout",
            params={"n": n},
        )
    return broadcast.pk


def expand_timed(n: int, tag: str) -> dict:
    """The expansion's own cost: no pacing (lead unlimited), as one long task."""
    from django.test import override_settings

    from pmip.notifications import fanout
    from pmip.notifications.models import Broadcast

    broadcast_id = record(n, tag)
    started = time.perf_counter()
    with override_settings(PMIP_FANOUT_LEAD_SECONDS=10**9):
        assert fanout.expand(broadcast_id, budget_seconds=10**9)
    elapsed = time.perf_counter() - started
    told = Broadcast.objects.get(pk=broadcast_id).recipients
    if told != n:
        raise RuntimeError(f"expanded {told} recipients, expected {n}")
    return {"recipients": n, "seconds": round(elapsed, 3), "seconds_per_1000": round(elapsed / n * 1000, 4)}


def run(*, scale: str, seconds: float, clients: int, sizes=DEFAULT_SIZES) -> dict:
    env = bench_env(scale)
    env["PMIP_TASKS_BACKEND"] = "django.tasks.backends.dummy.DummyBackend"
    prepared = prepare_city(env, scale)
    host_info = machine()
    setup_django(env)
    from django.conf import settings

    from pmip.registry.models import Project

    sizes = sorted(sizes)
    ensure_accounts(sizes[-1])
    _register()
    expand_timed(min(500, sizes[0]), "warmup")
    rows = [expand_timed(n, "size") for n in sizes]
    base = rows[0]["seconds_per_1000"]
    for row in rows:
        row["ratio_to_smallest"] = round(row["seconds_per_1000"] / base, 3)

    codes = list(Project.objects.order_by("code").values_list("code", flat=True)[:20])
    paths = [f"/property/projects/{c}/" for c in codes] + ["/healthz"]
    with serve(env) as (host, port):
        http_load.run(host, port, paths, clients=clients, seconds=1.0)  # warm-up
        before = http_load.run(host, port, paths, clients=clients, seconds=seconds)
        from pmip.notifications import fanout
        from pmip.notifications.models import ChannelSlot

        ChannelSlot.objects.all().delete()  # as if delivery had caught up with the sizes measured above
        broadcast_id = record(sizes[-1], "web")

        done = threading.Event()
        expand_seconds: list[float] = []

        def expand() -> None:
            # As the worker runs it: tasks of PMIP_FANOUT_TASK_SECONDS, each pausing when the expansion is
            # PMIP_FANOUT_LEAD_SECONDS ahead of the providers' rate (PMIP_NOTIFY_RATES).
            started = time.perf_counter()
            while not fanout.expand(broadcast_id):
                time.sleep(fanout.resume_delay())
            expand_seconds.append(time.perf_counter() - started)
            done.set()

        worker = threading.Thread(target=expand, daemon=True)
        worker.start()
        during = http_load.run(host, port, paths, clients=clients, seconds=seconds, stop=done)
        worker.join()
    ratio = during.rps / before.rps if before.rps else 0.0
    result = {
        "benchmark": "fanout",
        "scale": scale,
        "database": database_label(env),
        "projects": prepared["projects"],
        "batch": int(getattr(settings, "PMIP_FANOUT_BATCH", 500)),
        "lead_seconds": fanout.lead_seconds(),
        "wechat_rate_per_second": fanout.rate("wechat_template"),
        "machine": host_info,
        "expansion": rows,
        "web": {
            "before": before.summary(),
            "during": during.summary(),
            "ratio_during_to_before": round(ratio, 3),
            "fanout_recipients": sizes[-1],
            "fanout_seconds_while_loaded": round(expand_seconds[0], 2) if expand_seconds else None,
        },
    }
    print(f"\nfan-out ({database_label(env)}, batch {result['batch']})")
    print(f"{'recipients':>12} {'s total':>9} {'s / 1000':>9} {'ratio':>7}")
    for row in rows:
        print(
            f"{row['recipients']:>12,} {row['seconds']:>9.2f} {row['seconds_per_1000']:>9.3f} "
            f"{row['ratio_to_smallest']:>7.2f}"
        )
    print(
        f"web req/s before {before.rps:,.0f}, during fan-out {during.rps:,.0f}: ratio {ratio:.2f} "
        f"(fan-out of {sizes[-1]:,} took {result['web']['fanout_seconds_while_loaded']} s under load)"
    )
    return result
