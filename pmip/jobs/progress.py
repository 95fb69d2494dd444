"""Writing a running job's progress where the office page can read it while the job's business transaction is
still open.

The business write of an import is one transaction (all or nothing). Progress must not be part of it — it would
only become visible at the commit, and a failure would roll it back with the rest. So:
- outside any transaction (checking the rows, before the write) the update runs in autocommit: its own short
  transaction on the task's connection;
- inside the business transaction, on PostgreSQL, it runs on a second connection of its own (opened on first use,
  autocommit, closed by `close()`): one short transaction per update, committed at once, touching only the job's row
  (the business transaction never touches it, so neither waits for the other);
- inside the business transaction on SQLite nothing is written: SQLite has one writer at a time and the business
  transaction holds it. The bar then stays on its last value until the job finishes (development only).
Updates are throttled to about one a second (and always at a phase's end), so a 40,000-row file costs a few dozen
small updates.
"""

from __future__ import annotations

import logging
import time

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from pmip.core import clock
from pmip.jobs.models import OfficeJob

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 1.0


class Reporter:
    """`pmip.core.progress.Progress` for one job."""

    def __init__(self, job_id: int, *, interval: float | None = None) -> None:
        self.job_id = job_id
        self.interval = INTERVAL_SECONDS if interval is None else interval
        self.writes = 0
        self._last_at = float("-inf")
        self._last_phase: str | None = None
        self._side: BaseDatabaseWrapper | None = (
            None  # the second connection (PostgreSQL, inside the business transaction)
        )

    def __call__(self, done: int, total: int, *, phase: str = "") -> None:
        total = max(total, 0)
        done = min(max(done, 0), total) if total else 0
        now = time.monotonic()
        if phase == self._last_phase and done < total and now - self._last_at < self.interval:
            return
        self._last_at, self._last_phase = now, phase
        self.write(done=done, total=total, phase=phase[:40])

    def write(self, *, done: int, total: int, phase: str) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        if not _in_business_transaction(connection):
            OfficeJob.objects.filter(pk=self.job_id).update(
                done=done, total=total, phase=phase, updated_at=clock.now()
            )
            self.writes += 1
        elif connection.vendor == "postgresql":
            self._write_aside(done=done, total=total, phase=phase)

    def _write_aside(self, *, done: int, total: int, phase: str) -> None:
        try:
            if self._side is None:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
            side = self._side
            table = side.ops.quote_name(
                OfficeJob._meta.db_table
            )  # the model's table; the values are parameters
            sql = f"UPDATE {table} SET done = %s, total = %s, phase = %s, updated_at = %s WHERE id = %s"  # noqa: S608
            with side.cursor() as cursor:  # autocommit: this statement is its own transaction
                cursor.execute(sql, [done, total, phase, clock.now(), self.job_id])
            self.writes += 1
        except Exception:  # progress is a courtesy: never let it break the import
            log.warning("job %s: progress not written", self.job_id, exc_info=True)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def _in_business_transaction(connection) -> bool:
    """Inside a transaction the code opened (`transaction.atomic`). The one a test case wraps around each test
    does not count (Django marks it, as its own `durable=True` check does), so tests see what production does."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)
