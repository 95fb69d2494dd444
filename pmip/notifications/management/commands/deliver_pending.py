"""`manage.py deliver_pending`: the outbox sweeper. Run it every minute (cron, systemd timer) or with `--every 60`.

It hands every due outbox row to the task queue again: rows whose retry time has come, rows never delivered
(e.g. the enqueue after commit failed), and rows left `sending` past their lease by a worker that died. With
`--inline` it delivers in this process instead (when no `db_worker` runs).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from pmip.notifications import services


class Command(BaseCommand):
    help = "Re-enqueue due outbox messages (pending, failed past their back-off, sending past their lease)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=500, help="at most this many rows per sweep")
        parser.add_argument("--inline", action="store_true", help="deliver here instead of enqueueing")
        parser.add_argument("--every", type=float, default=0, help="keep sweeping every N seconds")

    def handle(self, *args, limit: int, inline: bool, every: float, **options) -> None:
        while True:
            count = services.requeue_due(limit=limit, inline=inline)
            if count or options["verbosity"] > 1:
                verb = "processed here" if inline else "enqueued"
                self.stdout.write(f"deliver_pending: {count} message(s) {verb}")
            if every <= 0:
                return
            time.sleep(every)
