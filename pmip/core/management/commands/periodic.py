"""`manage.py periodic`: the one scheduler. Enqueues each task of settings.PMIP_PERIODIC_TASKS when it is due.

The tasks run on the ordinary task workers (`manage.py db_worker`), so scaling out means more workers. Several
`periodic` processes (one per node) are safe: they share the database lease `scheduler` (pmip.ops.leases) and only
its holder enqueues; the others wait and take over within PMIP_SCHEDULER_LEASE_SECONDS of the holder's death. The
lease is checked and renewed in the same transaction as the enqueueing, so a paused holder cannot enqueue twice.
`--once` enqueues every task once and exits (for cron).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.module_loading import import_string

from pmip.core.conf import pmip_settings
from pmip.ops import leases

log = logging.getLogger(__name__)
LEASE = "scheduler"


class Command(BaseCommand):
    help = "Enqueue the periodic tasks (outbox sweep, meeting open/close, ...) when due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="enqueue every periodic task once, then exit")

    def handle(self, *args, once: bool, **options) -> None:
        schedule = [(import_string(path), float(every), path) for path, every in settings.PMIP_PERIODIC_TASKS]
        next_due = {path: 0.0 for _, _, path in schedule}
        holder = leases.default_holder()
        lease_seconds = pmip_settings().scheduler_lease_seconds
        leading = False
        while True:
            now = time.monotonic()
            try:
                with transaction.atomic():
                    holds = leases.hold(LEASE, holder, lease_seconds)
                    if holds:
                        for task, every, path in schedule:
                            if once or now >= next_due[path]:
                                try:
                                    with transaction.atomic():
                                        task.enqueue()
                                except Exception:  # a broken task must not stop the others
                                    log.exception("could not enqueue %s", path)
                                next_due[path] = now + every
            except Exception:  # the database is away (fail-over): keep trying
                log.exception("scheduler could not reach the database")
                holds = False
            if holds != leading:
                leading = holds
                log.info("scheduler %s %s", holder, "is the active scheduler" if holds else "stands by")
            if once:
                if holds:
                    self.stdout.write(f"enqueued {len(schedule)} periodic task(s)")
                else:
                    self.stdout.write("another scheduler holds the lease; nothing enqueued")
                return
            wait = lease_seconds / 3
            if holds:
                wait = min(wait, max(0.0, min(next_due.values()) - time.monotonic()))
            time.sleep(max(1.0, wait))
