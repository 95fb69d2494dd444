"""Real concurrency on PostgreSQL: two workers delivering the same message at once send it exactly once.

SQLite has no row locks (SELECT … FOR UPDATE SKIP LOCKED is a no-op there and writers are serialised), so these
tests only mean something on PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/pmip.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from pmip.notifications import channels, services
from pmip.notifications.models import OutboxMessage
from pmip.notifications.services import notify

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks (SKIP LOCKED); SQLite serialises writers, so no real race happens",
    ),
]


class SlowCountingSender:
    """Counts every call that reaches the 'provider' (no de-duplication here: we test the claim, not the key)."""

    def __init__(self, delay: float = 0.2):
        self.delay = delay
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def send(self, message):
        with self.lock:
            self.calls.append(message.idempotency_key)
        time.sleep(self.delay)
        return f"provider-{message.pk}"


def queue_messages(owner, n: int) -> list[int]:
    with transaction.atomic():
        for i in range(n):
            notify(
                recipient=owner,
                kind="identity.binding.approved",
                title=f"绑定已通过{i}",
                body="",
                data={"house": f"1栋10{i}"},
            )
    return list(OutboxMessage.objects.order_by("id").values_list("pk", flat=True))


def run_in_threads(targets) -> list:
    barrier = threading.Barrier(len(targets))
    results: list = [None] * len(targets)
    errors: list[BaseException] = []

    def run(i, target):
        try:
            barrier.wait()
            results[i] = target()
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    return results


def test_two_workers_racing_for_the_same_message_send_it_once(transactional_db, owner, monkeypatch):
    sender = SlowCountingSender()
    monkeypatch.setattr(channels, "get_sender", lambda channel: sender)
    ids = queue_messages(owner, 5)
    for message_id in ids:
        outcomes = run_in_threads(
            [lambda m=message_id: services.deliver_message(message_id=m) for _ in range(2)]
        )
        assert sorted(outcomes) == ["sent", "skipped"]
    assert sorted(sender.calls) == sorted(OutboxMessage.objects.values_list("idempotency_key", flat=True))
    assert len(sender.calls) == 5
    assert set(OutboxMessage.objects.values_list("state", "attempts")) == {("sent", 1)}


def test_a_locked_row_is_skipped_not_waited_for(transactional_db, owner, monkeypatch):
    sender = SlowCountingSender(delay=0)
    monkeypatch.setattr(channels, "get_sender", lambda channel: sender)
    [message_id] = queue_messages(owner, 1)
    with transaction.atomic():
        OutboxMessage.objects.select_for_update().get(pk=message_id)  # another worker holds the row
        started = time.monotonic()
        [outcome] = run_in_threads([lambda: services.deliver_message(message_id=message_id)])
        assert outcome == "skipped"
        assert time.monotonic() - started < 2  # SKIP LOCKED: no waiting for our lock
    assert sender.calls == []
    assert services.deliver_message(message_id=message_id) == "sent"
    assert len(sender.calls) == 1
