"""Fan-out: the request records one event; batches expand it exactly once per recipient, resumable, rate-spread."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.identity.models import Account
from pmip.integrations.wechat import EmbeddedTemplateSender
from pmip.notifications import fanout
from pmip.notifications.choices import Channel, OutboxState
from pmip.notifications.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastState,
    ChannelPreference,
    Notification,
    OutboxMessage,
)
from tests import factories
from tests.notifications.conftest import T0

pytestmark = pytest.mark.django_db

fanout.register_audience("tests.prefix", lambda p: Account.objects.filter(username__startswith=p["prefix"]))


@pytest.fixture
def crowd(db):
    """23 accounts: every other one has a WeChat openid; three opted in to SMS."""
    people = []
    for i in range(23):
        a = factories.account(f"crowd{i:02d}", mobile=f"+86139{i:08d}", name=f"业主{i}")
        if i % 2 == 0:
            a.wechat_openid = f"o-crowd-{i}"
            a.save()
        if i in (1, 2, 3):
            ChannelPreference.objects.create(account=a, wechat=True, sms=True)
        people.append(a)
    return people


def _record(key="tests.event.1", **kw):
    with transaction.atomic():
        return fanout.record_broadcast(
            key=key,
            kind="decisions.meeting.notice",
            title="会议公告：测试",
            body="内容",
            link="/decisions/meetings/1/",
            data={"project": "莲花山庄", "subject": "测试会议"},
            audience_name="tests.prefix",
            params={"prefix": "crowd"},
            **kw,
        )


def test_request_records_only_and_enqueues_the_expansion(crowd, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        broadcast, created = _record()
    assert created and broadcast.state == BroadcastState.PENDING
    assert not Notification.objects.exists()
    assert ("expand_broadcast", [broadcast.pk]) in [(n.rsplit(".", 1)[-1], a) for n, a in enqueued()]
    again, created = _record()
    assert not created and again.pk == broadcast.pk
    assert Broadcast.objects.count() == 1


def test_expansion_in_batches_tells_everyone_once(crowd, settings):
    settings.PMIP_FANOUT_BATCH = 5
    broadcast, _ = _record()
    added = [fanout.expand_batch(broadcast.pk) for _ in range(6)]
    assert added == [5, 5, 5, 5, 3, 0]
    broadcast.refresh_from_db()
    assert broadcast.state == BroadcastState.DONE and broadcast.recipients == 23
    assert Notification.objects.count() == 23
    assert BroadcastRecipient.objects.count() == 23
    assert OutboxMessage.objects.filter(channel=Channel.WECHAT_TEMPLATE).count() == 12
    assert set(
        OutboxMessage.objects.filter(channel=Channel.SMS).values_list(
            "notification__recipient__username", flat=True
        )
    ) == {"crowd01", "crowd02", "crowd03"}
    assert fanout.expand_batch(broadcast.pk) == 0  # finished stays finished
    assert AuditEntry.objects.filter(action="notifications.broadcast.done").count() == 1


def test_a_crash_mid_batch_is_redone_without_duplicates(crowd, settings, monkeypatch):
    settings.PMIP_FANOUT_BATCH = 10
    broadcast, _ = _record()
    assert fanout.expand_batch(broadcast.pk) == 10
    real = fanout._write_batch

    def crash(*args, **kwargs):
        real(*args, **kwargs)  # rows written …
        raise SystemExit("worker killed")  # … and the worker dies before commit

    monkeypatch.setattr(fanout, "_write_batch", crash)
    with pytest.raises(SystemExit):
        fanout.expand_batch(broadcast.pk)
    assert Notification.objects.count() == 10  # the second batch rolled back whole
    monkeypatch.setattr(fanout, "_write_batch", real)
    assert fanout.expand(broadcast.pk)
    assert Notification.objects.count() == 23
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(a.pk for a in crowd)


def test_the_database_refuses_a_second_delivery_to_the_same_recipient(crowd):
    broadcast, _ = _record()
    fanout.expand(broadcast.pk)
    first = BroadcastRecipient.objects.first()
    extra = Notification.objects.create(recipient_id=first.account_id, kind="x.y", title="t")
    with pytest.raises(IntegrityError), transaction.atomic():
        BroadcastRecipient.objects.create(
            broadcast=broadcast, account_id=first.account_id, notification=extra
        )


def test_outbox_rows_are_spread_within_the_channel_rate(crowd, settings):
    settings.PMIP_NOTIFY_RATES = {Channel.WECHAT_TEMPLATE: 4}
    with clock.frozen(T0):
        first, _ = _record("tests.event.a")
        fanout.expand(first.pk)
        second, _ = _record("tests.event.b")
        fanout.expand(second.pk)
    times = list(
        OutboxMessage.objects.filter(channel=Channel.WECHAT_TEMPLATE)
        .order_by("id")
        .values_list("next_attempt_at", flat=True)
    )
    assert len(times) == 24
    per_second: dict[dt.datetime, int] = {}
    for t in times:
        per_second[t] = per_second.get(t, 0) + 1
    assert max(per_second.values()) <= 4
    assert min(times) == T0
    assert max(times) == T0 + dt.timedelta(seconds=5)  # 24 messages at 4/s: six one-second slots, both events


def test_delivery_goes_through_the_outbox(crowd, immediate_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        broadcast, _ = _record()
    broadcast.refresh_from_db()
    assert broadcast.state == BroadcastState.DONE
    assert OutboxMessage.objects.filter(channel=Channel.WECHAT_TEMPLATE, state=OutboxState.SENT).count() == 12
    assert len(EmbeddedTemplateSender.sent) == 12


def test_stalled_expansions_are_found(crowd, settings):
    settings.PMIP_FANOUT_BATCH = 5
    with clock.frozen(T0):
        broadcast, _ = _record()
        fanout.expand_batch(broadcast.pk)
    with clock.frozen(T0 + dt.timedelta(seconds=30)):
        assert fanout.stalled_broadcasts() == []
    with clock.frozen(T0 + dt.timedelta(minutes=5)):
        assert fanout.stalled_broadcasts() == [broadcast.pk]


def test_bad_events_are_refused_before_anything_is_written(crowd):
    with pytest.raises(ValueError):
        _record(key="")
    with pytest.raises(ValueError), transaction.atomic():
        fanout.record_broadcast(
            key="k",
            kind="decisions.meeting.notice",
            title="t",
            link="https://evil.example/",
            data={"project": "p", "subject": "s"},
            audience_name="tests.prefix",
            params={"prefix": "crowd"},
        )
    with pytest.raises(ValueError), transaction.atomic():
        fanout.record_broadcast(
            key="k",
            kind="decisions.meeting.notice",
            title="t",
            data={"project": "p", "subject": "s"},
            audience_name="nobody",
            params={},
        )
    with pytest.raises(ValueError):
        fanout.record_broadcast(
            key="k", kind="decisions.meeting.notice", title="t", data={}, audience_name="tests.prefix"
        )
    assert not Broadcast.objects.exists()


def test_expansion_pauses_when_it_runs_ahead_of_the_provider_rate(crowd, settings):
    settings.PMIP_FANOUT_BATCH = 10
    settings.PMIP_NOTIFY_RATES = {Channel.WECHAT_TEMPLATE: 1}
    settings.PMIP_FANOUT_LEAD_SECONDS = 2
    with clock.frozen(T0):
        broadcast, _ = _record()
        assert not fanout.expand(
            broadcast.pk
        )  # one batch: 5 WeChat messages = 5 s of slots, 3 s past the lead
        assert Notification.objects.count() == 10
        assert fanout.resume_delay() == 3.0
    with clock.frozen(T0 + dt.timedelta(seconds=3)):
        assert fanout.resume_delay() == 0.0
        assert not fanout.expand(broadcast.pk)
        assert Notification.objects.count() == 20
