"""One tick of the scheduler (`manage.py periodic`): enqueue each periodic task that is due, as the lease holder.

When a task last ran is kept in the database (`PeriodicRun`), not in the process: a restarted scheduler, or another
node taking over the lease, enqueues a nightly task when its day is up, not again at once, and skips nothing
either (a task whose time passed while no scheduler ran is due at the next tick). The lease is held, the due tasks
enqueued and their times written in one transaction, so a holder whose lease was taken over while it was paused
can neither enqueue nor move the times. Times are the nodes' clocks (`pmip.core.clock`): a few seconds of skew
between nodes shift a run by those seconds, nothing more.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import transaction

from pmip.core import clock
from pmip.ops import leases
from pmip.ops.models import PeriodicRun

log = logging.getLogger(__name__)
LEASE = "scheduler"


@dataclass(frozen=True)
class Periodic:
    path: str  # dotted path, as in settings.PMIP_PERIODIC_TASKS (the key of its PeriodicRun row)
    every: dt.timedelta
    enqueue: Callable[[], object]


@dataclass
class Tick:
    holds: bool  # this process holds the scheduler lease
    enqueued: list[str] = field(default_factory=list)
    next_due: dt.datetime | None = None  # the earliest time a task is due again (None: not the holder)


def tick(schedule: Sequence[Periodic], *, holder: str, lease_seconds: float, force: bool = False) -> Tick:
    """Enqueue the tasks that are due (all of them with `force`) if `holder` holds or takes the lease."""
    with transaction.atomic():
        if not leases.hold(LEASE, holder, lease_seconds):
            return Tick(holds=False)
        now = clock.now()
        last = dict(
            PeriodicRun.objects.select_for_update()
            .filter(task__in=[p.path for p in schedule])
            .values_list("task", "last_enqueued_at")
        )
        result = Tick(holds=True)
        for periodic in schedule:
            previous = last.get(periodic.path)
            if force or previous is None or now >= previous + periodic.every:
                try:
                    with transaction.atomic():
                        periodic.enqueue()
                except Exception:  # a broken task must not stop the others (tried again when next due)
                    log.exception("could not enqueue %s", periodic.path)
                else:
                    result.enqueued.append(periodic.path)
                PeriodicRun.objects.update_or_create(task=periodic.path, defaults={"last_enqueued_at": now})
                previous = now
            assert previous is not None
            due = previous + periodic.every
            result.next_due = due if result.next_due is None else min(result.next_due, due)
        return result
