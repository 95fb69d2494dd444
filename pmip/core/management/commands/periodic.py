"""`manage.py periodic`: the one scheduler. Enqueues each task of settings.PMIP_PERIODIC_TASKS when it is due.

The tasks run on the ordinary task workers (`manage.py db_worker`), so scaling out means more workers, not more
schedulers: run exactly one `periodic` per deployment. `--once` enqueues every task once and exits (for cron).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Enqueue the periodic tasks (outbox sweep, meeting open/close, ...) when due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="enqueue every periodic task once, then exit")

    def handle(self, *args, once: bool, **options) -> None:
        schedule = [(import_string(path), float(every), path) for path, every in settings.PMIP_PERIODIC_TASKS]
        next_due = {path: 0.0 for _, _, path in schedule}
        while True:
            now = time.monotonic()
            for task, every, path in schedule:
                if once or now >= next_due[path]:
                    try:
                        task.enqueue()
                    except Exception:  # a broken task must not stop the others
                        log.exception("could not enqueue %s", path)
                    next_due[path] = now + every
            if once:
                self.stdout.write(f"enqueued {len(schedule)} periodic task(s)")
                return
            time.sleep(max(1.0, min(next_due.values()) - time.monotonic()))
