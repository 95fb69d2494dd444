"""Background tasks (Django tasks framework; the database backend runs them in `manage.py db_worker`)."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from pmip.core import clock
from pmip.notifications import fanout, services


@task
def deliver_outbox(message_id: int) -> str:
    """Deliver one outbox row once: see `services.deliver_message`. Safe to run twice or concurrently."""
    return services.deliver_message(message_id=message_id)


@task
def sweep_outbox(limit: int = 500) -> int:
    """Hand out due rows again (retries whose time has come, rows abandoned past their lease)."""
    return services.requeue_due(limit=limit)


@task
def deliver_outbox_batch(message_ids: list[int]) -> dict[str, int]:
    """Deliver the rows of one rate slot of a broadcast, one after the other (each exactly once)."""
    outcome: dict[str, int] = {}
    for message_id in message_ids[:5000]:
        result = services.deliver_message(message_id=message_id)
        outcome[result] = outcome.get(result, 0) + 1
    return outcome


@task
def expand_broadcast(broadcast_id: int) -> bool:
    """Expand one broadcast for a while; re-enqueue itself when there is more (short tasks, fair queue)."""
    finished = fanout.expand(broadcast_id)
    if not finished:
        delay = fanout.resume_delay()
        task = expand_broadcast
        if delay > 0 and task.get_backend().supports_defer:
            task = task.using(run_after=clock.now() + dt.timedelta(seconds=delay))
        task.enqueue(broadcast_id)
    return finished


@task
def resume_broadcasts() -> int:
    """Periodic: restart expansions whose worker died (heartbeat too old). Harmless when one is still running."""
    ids = fanout.stalled_broadcasts()
    for broadcast_id in ids:
        expand_broadcast.enqueue(broadcast_id)
    return len(ids)
