"""Background tasks (Django tasks framework; the database backend runs them in `manage.py db_worker`)."""

from __future__ import annotations

from django.tasks import task

from pmip.notifications import services


@task
def deliver_outbox(message_id: int) -> str:
    """Deliver one outbox row once: see `services.deliver_message`. Safe to run twice or concurrently."""
    return services.deliver_message(message_id=message_id)


@task
def sweep_outbox(limit: int = 500) -> int:
    """Hand out due rows again (retries whose time has come, rows abandoned past their lease)."""
    return services.requeue_due(limit=limit)
