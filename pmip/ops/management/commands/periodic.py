"""`manage.py periodic`: the one scheduler. Enqueues each task of settings.PMIP_PERIODIC_TASKS when it is due.

The tasks run on the ordinary task workers (`manage.py db_worker`), so scaling out means more workers. Several
`periodic` processes (one per node) are safe: they share the database lease `scheduler` (pmip.ops.leases) and only
its holder enqueues; the others wait and take over within PMIP_SCHEDULER_LEASE_SECONDS of the holder's death. The
lease is checked and renewed in the same transaction as the enqueueing, so a paused holder cannot enqueue twice.
When each task last ran is kept in the database (pmip.ops.scheduler), so a restart or a take-over neither runs
the nightly jobs again at once nor skips them. `--once` enqueues every task once and exits (for cron).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string

from pmip.core import clock
from pmip.core.conf import pmip_settings
from pmip.ops import leases, scheduler

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Enqueue the periodic tasks (outbox sweep, meeting open/close, ...) when due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="enqueue every periodic task once, then exit")

    def handle(self, *args, once: bool, **options) -> None:
        schedule = [
            scheduler.Periodic(
                path=path, every=dt.timedelta(seconds=float(every)), enqueue=import_string(path).enqueue
            )
            for path, every in settings.PMIP_PERIODIC_TASKS
        ]
        holder = leases.default_holder()
        lease_seconds = pmip_settings().scheduler_lease_seconds
        leading = False
        while True:
            try:
                result = scheduler.tick(schedule, holder=holder, lease_seconds=lease_seconds, force=once)
            except Exception:  # the database is away (fail-over): keep trying
                log.exception("scheduler could not reach the database")
                result = scheduler.Tick(holds=False)
            if result.holds != leading:
                leading = result.holds
                log.info("scheduler %s %s", holder, "is the active scheduler" if leading else "stands by")
            if once:
                if result.holds:
                    self.stdout.write(f"enqueued {len(result.enqueued)} periodic task(s)")
                else:
                    self.stdout.write("another scheduler holds the lease; nothing enqueued")
                return
            wait = lease_seconds / 3
            if result.next_due is not None:
                wait = min(wait, (result.next_due - clock.now()).total_seconds())
            time.sleep(max(1.0, wait))
