"""Housekeeping tasks of the ops app (listed in settings.PMIP_PERIODIC_TASKS)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.tasks import TaskResultStatus, task

from pmip.core import clock
from pmip.ops.models import IdempotencyRecord

KEEP_SUCCESSFUL = dt.timedelta(days=7)  # finished task results shown to operators this long
KEEP_FAILED = dt.timedelta(days=30)  # failures longer: their tracebacks are what an operator looks for


@task
def purge_idempotency_records(limit: int = 10_000) -> int:
    """Delete expired Idempotency-Key answers (in bounded batches)."""
    ids = list(
        IdempotencyRecord.objects.filter(expires_at__lte=clock.now()).values_list("pk", flat=True)[:limit]
    )
    deleted, _ = IdempotencyRecord.objects.filter(pk__in=ids).delete()
    return deleted


@task
def prune_task_results(limit: int = 10_000) -> int:
    """Delete finished results of the database task backend: successful ones after 7 days, failed ones after 30 (in
    bounded batches). The periodic tasks alone enqueue about 19,000 a day (the audit sealer every 5 s), and the
    backend keeps every result. Running and waiting tasks are never touched. The table stays at about a week of
    results, so the hourly read without an index on `finished_at` stays small."""
    from django_tasks_db.models import DBTaskResult

    now = clock.now()
    finished = Q(status=TaskResultStatus.SUCCESSFUL, finished_at__lte=now - KEEP_SUCCESSFUL) | Q(
        status=TaskResultStatus.FAILED, finished_at__lte=now - KEEP_FAILED
    )
    ids = list(DBTaskResult.objects.filter(finished).values_list("pk", flat=True)[:limit])
    deleted, _ = DBTaskResult.objects.filter(pk__in=ids).delete()
    return deleted
