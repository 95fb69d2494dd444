"""Housekeeping tasks of the ops app (listed in settings.PMIP_PERIODIC_TASKS)."""

from __future__ import annotations

from django.tasks import task

from pmip.core import clock
from pmip.ops.models import IdempotencyRecord


@task
def purge_idempotency_records(limit: int = 10_000) -> int:
    """Delete expired Idempotency-Key answers (in bounded batches)."""
    ids = list(
        IdempotencyRecord.objects.filter(expires_at__lte=clock.now()).values_list("pk", flat=True)[:limit]
    )
    deleted, _ = IdempotencyRecord.objects.filter(pk__in=ids).delete()
    return deleted
