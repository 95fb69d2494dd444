"""The audit chain's sealer under real concurrency (PostgreSQL): writers insert unsealed entries without a shared
lock while several sealers run at once; every committed entry is chained exactly once, in one gap-free chain, and
an entry whose transaction commits late is chained late rather than skipped.

SQLite serialises writers, so these tests only mean something on PostgreSQL.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from pmip.audit import chain
from pmip.audit.models import AuditEntry
from pmip.audit.services import record

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks and real concurrency"
    ),
]

WRITERS, PER_WRITER = 8, 25


class Rollback(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_make_one_gap_free_chain():
    committed: list[int] = []
    errors: list[BaseException] = []
    writers_done = threading.Event()
    lock = threading.Lock()

    def write(w: int) -> None:
        try:
            for i in range(PER_WRITER):
                try:
                    with transaction.atomic():
                        entry = record(actor=None, action="registry.project.updated", data={"w": w, "i": i})
                        if i % 5 == 4:
                            raise Rollback  # the business change failed: its entry must never be chained
                    with lock:
                        committed.append(entry.pk)
                except Rollback:
                    pass
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def sealer() -> None:
        try:
            while not writers_done.is_set():
                chain.seal(batch=7)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    sealers = [threading.Thread(target=sealer) for _ in range(3)]
    writers = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for thread in sealers + writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    writers_done.set()
    for thread in sealers:
        thread.join(timeout=120)
    assert errors == []
    chain.seal()

    assert len(committed) == WRITERS * PER_WRITER * 4 // 5
    stored = dict(AuditEntry.objects.values_list("pk", "seq"))
    assert sorted(stored) == sorted(committed)  # rolled-back entries never reached the log
    assert sorted(stored.values()) == list(range(1, len(committed) + 1))  # each once, no gap
    result = chain.verify()
    assert result.ok and result.checked == len(committed) and result.unsealed == 0


@pytest.mark.django_db(transaction=True)
def test_an_entry_committed_late_is_chained_late_not_skipped():
    started, release = threading.Event(), threading.Event()
    late: list[AuditEntry] = []

    def slow_transaction() -> None:
        try:
            with transaction.atomic():
                late.append(record(actor=None, action="registry.project.updated", data={"slow": True}))
                started.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_transaction)
    thread.start()
    assert started.wait(timeout=30)
    with transaction.atomic():
        quick = record(actor=None, action="registry.project.updated", data={"slow": False})
    assert late[0].pk < quick.pk  # the slow entry has the lower id...
    assert (
        chain.seal() == 1
    )  # ...but is not committed yet: the sealer does not wait for it, nor skip it for good
    release.set()
    thread.join(timeout=30)
    assert chain.seal() == 1
    seqs = dict(AuditEntry.objects.values_list("pk", "seq"))
    assert (seqs[quick.pk], seqs[late[0].pk]) == (1, 2)  # chained in commit order
    assert chain.verify().ok
