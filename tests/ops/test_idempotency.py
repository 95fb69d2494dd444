"""Idempotency-Key on API writes: same key + same body = the first answer; another body = 422; kept per account."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from pmip.notifications.models import Notification
from pmip.ops.models import IdempotencyRecord
from tests import factories
from tests.portal_inbox.conftest import message, quiet_channels  # noqa: F401 - autouse fixture

READ_ALL = "/api/v1/me/messages/read-all"
PREFS = "/api/v1/me/messages/preferences"


@pytest.fixture
def owner(db):
    return factories.account("idem_owner", mobile="+8613800003333", name="赵六")


@pytest.fixture
def api(client, owner):
    client.force_login(owner)
    return client


def post(client, path, data=None, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(path, json.dumps(data or {}), content_type="application/json", **extra)


def test_same_key_and_body_returns_the_first_answer_without_a_second_write(api, owner):
    for n in range(3):
        message(owner, n)
    first = post(api, READ_ALL, key="k-1")
    assert first.status_code == 200 and first.json()["marked"] == 3
    message(owner, 9)  # a new unread message: a second real run would mark it
    again = post(api, READ_ALL, key="k-1")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Notification.objects.filter(recipient=owner, read_at__isnull=True).count() == 1
    fresh = post(api, READ_ALL, key="k-2")
    assert fresh.json()["marked"] == 1


def test_same_key_with_another_body_is_refused(api):
    ok = api.put(
        PREFS,
        json.dumps({"wechat": True, "sms": False}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="prefs-1",
    )
    assert ok.status_code == 200
    other = api.put(
        PREFS,
        json.dumps({"wechat": False, "sms": True}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="prefs-1",
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert api.get(PREFS).json()["sms"] is False  # the refused request changed nothing


def test_keys_are_per_account(api, owner, db):
    message(owner, 1)
    assert post(api, READ_ALL, key="shared").json()["marked"] == 1
    other = factories.account("idem_other", mobile="+8613800004444")
    message(other, 2)
    client = Client()
    client.force_login(other)
    answer = post(client, READ_ALL, key="shared")
    assert answer.json()["marked"] == 1 and not answer.has_header("Idempotent-Replayed")
    assert IdempotencyRecord.objects.filter(key="shared").count() == 2


def test_bad_key_is_a_clear_422(api):
    answer = post(api, READ_ALL, key="x" * 256)
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_idempotency_key"
    assert post(api, READ_ALL, key="空格 不行").status_code == 422


def test_failed_request_is_not_kept_and_rolls_back(api, owner, monkeypatch):
    from pmip.notifications import services

    message(owner, 1)
    real = services.mark_all_read

    def broken(*, actor):
        real(actor=actor)  # writes, then fails: the write must be rolled back with the key
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "mark_all_read", broken)
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    assert post(client, READ_ALL, key="retry-me").status_code == 500
    assert not IdempotencyRecord.objects.filter(key="retry-me").exists()
    assert Notification.objects.filter(recipient=owner, read_at__isnull=True).count() == 1
    monkeypatch.setattr(services, "mark_all_read", real)
    assert post(client, READ_ALL, key="retry-me").json()["marked"] == 1


def test_unauthenticated_answer_is_not_kept(client, owner):
    assert post(client, READ_ALL, key="anon").status_code == 401
    client.force_login(owner)
    assert post(client, READ_ALL, key="anon").status_code == 200


def test_expired_key_runs_again(api, owner):
    import datetime as dt

    from pmip.core import clock

    message(owner, 1)
    post(api, READ_ALL, key="old")
    IdempotencyRecord.objects.filter(key="old").update(expires_at=clock.now() - dt.timedelta(seconds=1))
    message(owner, 2)
    assert post(api, READ_ALL, key="old").json()["marked"] == 1


def test_purge_task_deletes_expired_records(api, owner):
    import datetime as dt

    from pmip.core import clock
    from pmip.ops.tasks import purge_idempotency_records

    post(api, READ_ALL, key="a")
    post(api, READ_ALL, key="b")
    IdempotencyRecord.objects.filter(key="a").update(expires_at=clock.now() - dt.timedelta(seconds=1))
    assert purge_idempotency_records.call() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["b"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_write_once(owner):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    for n in range(5):
        message(owner, n)
    answers, barrier = [], threading.Barrier(6)

    def run():
        client = Client()
        client.force_login(owner)
        barrier.wait()
        answers.append(post(client, READ_ALL, key="race"))
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {a.status_code for a in answers} == {200}
    assert {a.json()["marked"] for a in answers} == {5}
    assert sum(not a.has_header("Idempotent-Replayed") for a in answers) == 1
