"""What ADR 4 relies on in django-tasks-db: concurrent workers never claim the same task (SELECT … FOR UPDATE
SKIP LOCKED), and a claimed task whose worker died stays RUNNING and is not offered again by the backend."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from pmip.ops.tasks import purge_idempotency_records


def _claim_all(worker_id: str, claimed: list, barrier: threading.Barrier) -> None:
    barrier.wait()
    try:
        while True:
            with transaction.atomic():
                task = DBTaskResult.objects.ready().get_locked()  # the worker's own claim query
                if task is None:
                    return
                task.claim(worker_id)
            claimed.append((task.pk, worker_id))
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_workers_claim_each_task_once():
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL")
    ids = {purge_idempotency_records.enqueue().id for _ in range(200)}
    claimed: list = []
    barrier = threading.Barrier(4)
    workers = [threading.Thread(target=_claim_all, args=(f"w{i}", claimed, barrier)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    per_task = Counter(pk for pk, _ in claimed)
    assert {str(pk) for pk in per_task} == ids
    assert set(per_task.values()) == {1}  # every task claimed exactly once
    assert len({w for _, w in claimed}) > 1  # and the work was shared
    assert all(len(w) == 1 for w in DBTaskResult.objects.values_list("worker_ids", flat=True))


@pytest.mark.django_db
def test_a_dead_workers_task_stays_running_and_is_not_offered_again():
    result = purge_idempotency_records.enqueue()
    with transaction.atomic():
        task = DBTaskResult.objects.ready().get_locked()
        task.claim("worker-that-dies")
    # the worker is killed here: nothing marks the row finished, and the backend has no lease to take it back
    assert DBTaskResult.objects.get(pk=result.id).status == "RUNNING"
    assert not DBTaskResult.objects.ready().exists()


@pytest.mark.django_db
def test_finished_task_results_are_pruned_after_a_week_failed_ones_after_a_month():
    import datetime as dt

    from pmip.core import clock
    from pmip.ops.tasks import prune_task_results

    now = clock.now()
    kept_for = {}
    for status, age_days, kept in (
        ("SUCCESSFUL", 8, False),
        ("SUCCESSFUL", 6, True),
        ("FAILED", 8, True),
        ("FAILED", 31, False),
        ("RUNNING", 40, True),  # a task still running (or whose worker died) is not a finished result
    ):
        pk = purge_idempotency_records.enqueue().id
        DBTaskResult.objects.filter(pk=pk).update(
            status=status, finished_at=now - dt.timedelta(days=age_days)
        )
        kept_for[pk] = kept
    waiting = purge_idempotency_records.enqueue().id  # READY: never touched
    kept_for[waiting] = True
    assert prune_task_results.call() == 2
    assert {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)} == {
        pk for pk, kept in kept_for.items() if kept
    }
    assert ("pmip.ops.tasks.prune_task_results", 3600) in settings.PMIP_PERIODIC_TASKS
