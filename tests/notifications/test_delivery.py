"""deliver_outbox: one send per message, retries with back-off, dead letters, and the crash/lease sweeper."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.tasks import task_backends

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.integrations.sms import EmbeddedSmsBackend
from pmip.integrations.wechat import EmbeddedTemplateSender, WechatApiError, WechatUnavailable
from pmip.notifications import channels, services
from pmip.notifications.models import ChannelPreference, OutboxMessage
from pmip.notifications.services import notify
from pmip.notifications.tasks import deliver_outbox, sweep_outbox
from tests.notifications.conftest import T0, wechat_messages

BINDING = dict(
    kind="identity.binding.rejected",
    title="业主身份绑定未通过",
    body="产权信息与登记不一致，请核对后重新申请。",
    link="/portal/houses/",
    data={"house": "莲花山庄1栋101", "remark": "产权信息不一致"},
)
LEASE = dt.timedelta(seconds=120)


@pytest.fixture
def message(owner):
    with clock.frozen(T0):
        notify(recipient=owner, **BINDING)
    return OutboxMessage.objects.get()


def test_delivery_sends_once_and_records_it(message, wechat_provider, settings):
    settings.PMIP_WECHAT_TEMPLATE_BINDING_RESULT = "tpl-binding-2026"
    settings.PMIP_PUBLIC_BASE_URL = "https://wy.example.cn/"
    with clock.frozen(T0 + dt.timedelta(seconds=5)):
        assert deliver_outbox.call(message.pk) == "sent"
    message.refresh_from_db()
    [(msgid, sent)] = EmbeddedTemplateSender.sent
    assert message.state == "sent"
    assert message.attempts == 1
    assert message.sent_at == T0 + dt.timedelta(seconds=5)
    assert message.sending_until is None
    assert message.provider_message_id == msgid
    assert (sent.touser, sent.template_id, sent.url, sent.client_msg_id) == (
        "o-owner1-openid",
        "tpl-binding-2026",
        "https://wy.example.cn/portal/houses/",
        message.idempotency_key,
    )
    assert sent.checked == {
        "thing1": "业主身份绑定",
        "thing2": "莲花山庄1栋101",
        "phrase3": "未通过",
        "time4": "2026年03月01日 10:00",
        "thing5": "产权信息不一致",
    }
    entry = AuditEntry.objects.get(action="notifications.outbox.sent")
    assert entry.object_id == str(message.pk)
    assert entry.data == {
        "channel": "wechat_template",
        "attempts": 1,
        "notification_id": message.notification_id,
    }


def test_no_link_without_public_base_url(message, wechat_provider, settings):
    settings.PMIP_PUBLIC_BASE_URL = ""
    deliver_outbox.call(message.pk)
    assert wechat_messages()[0].url == ""


def test_running_delivery_twice_sends_once(message, wechat_provider):
    assert deliver_outbox.call(message.pk) == "sent"
    assert deliver_outbox.call(message.pk) == "skipped"
    assert services.requeue_due(inline=True) == 0
    assert wechat_provider.calls == [message.idempotency_key]  # the second run never reached the provider
    assert len(wechat_messages()) == 1
    message.refresh_from_db()
    assert message.attempts == 1
    assert AuditEntry.objects.filter(action="notifications.outbox.sent").count() == 1


def test_unknown_message_id_is_a_no_op(db, wechat_provider):
    assert deliver_outbox.call(999_999) == "skipped"
    assert wechat_provider.calls == []


# --- kill simulation --------------------------------------------------------------------------------------------


class DiesAfterProviderCall:
    """The provider accepts the message, then the worker dies before it can mark the row sent."""

    def __init__(self, inner, death):
        self.inner = inner
        self.death = death

    def send(self, message):
        self.inner.send(message)
        raise self.death("worker killed")


@pytest.mark.parametrize("death", [SystemExit, KeyboardInterrupt])
def test_crash_after_provider_call_is_redelivered_once_after_the_lease(
    message, wechat_provider, monkeypatch, immediate_tasks, death
):
    healthy = channels.get_sender
    monkeypatch.setattr(
        channels, "get_sender", lambda channel: DiesAfterProviderCall(healthy(channel), death)
    )
    with clock.frozen(T0) as frozen:
        with pytest.raises(death):
            deliver_outbox.call(message.pk)
        message.refresh_from_db()
        assert message.state == "sending"
        assert message.attempts == 1
        assert message.sending_until == T0 + LEASE
        assert len(wechat_messages()) == 1
        [(first_msgid, _sent)] = EmbeddedTemplateSender.sent

        monkeypatch.setattr(channels, "get_sender", healthy)  # a fresh worker
        frozen.advance(seconds=119)
        assert services.requeue_due() == 0  # still within the lease: nobody touches it
        assert deliver_outbox.call(message.pk) == "skipped"
        frozen.advance(seconds=2)  # lease passed
        assert services.requeue_due() == 1  # enqueued; the immediate backend runs it now

    message.refresh_from_db()
    assert message.state == "sent"
    assert message.attempts == 2
    # The provider was called twice with the same key and kept one message.
    assert wechat_provider.calls == [message.idempotency_key, message.idempotency_key]
    assert len(wechat_messages()) == 1
    assert message.provider_message_id == first_msgid


def test_sms_crash_after_send_is_deduplicated_by_our_key(owner, monkeypatch, immediate_tasks):
    ChannelPreference.objects.create(account=owner, wechat=False, sms=True)
    with clock.frozen(T0):
        notify(recipient=owner, **BINDING)
    message = OutboxMessage.objects.get(channel="sms")
    healthy = channels.get_sender
    monkeypatch.setattr(channels, "get_sender", lambda c: DiesAfterProviderCall(healthy(c), SystemExit))
    with clock.frozen(T0) as frozen:
        with pytest.raises(SystemExit):
            deliver_outbox.call(message.pk)
        monkeypatch.setattr(channels, "get_sender", healthy)
        frozen.advance(seconds=121)
        assert services.requeue_due() == 1
    message.refresh_from_db()
    assert message.state == "sent"
    assert [(m.mobile, m.template, m.text) for m in EmbeddedSmsBackend.sent] == [
        (
            "+8613800001111",
            "notification",
            "【深圳物业】业主身份绑定未通过。详情请登录深圳市物业管理信息平台查看。",
        )
    ]
    assert message.provider_message_id == "embedded-1"


def test_abandoned_row_on_its_last_attempt_goes_dead_not_resent(message, wechat_provider, settings):
    settings.PMIP_NOTIFY_MAX_ATTEMPTS = 1
    OutboxMessage.objects.filter(pk=message.pk).update(
        state="sending", attempts=1, sending_until=T0 + LEASE, last_error=""
    )
    with clock.frozen(T0 + LEASE + dt.timedelta(seconds=1)):
        assert deliver_outbox.call(message.pk) == "dead"
    message.refresh_from_db()
    assert message.state == "dead"
    assert message.last_error == "发送中断，且已达到最大尝试次数。"
    assert wechat_provider.calls == []


# --- failures, back-off, dead letters ---------------------------------------------------------------------------


class Failing:
    def __init__(self, error):
        self.error = error
        self.calls = 0

    def send(self, message):
        self.calls += 1
        raise self.error


def test_failures_retry_with_exponential_backoff_then_dead(
    message, monkeypatch, settings, enqueued, django_capture_on_commit_callbacks
):
    settings.PMIP_NOTIFY_MAX_ATTEMPTS = 3
    settings.PMIP_NOTIFY_RETRY_BASE_SECONDS = 60
    failing = Failing(WechatUnavailable())
    monkeypatch.setattr(channels, "get_sender", lambda channel: failing)
    with clock.frozen(T0) as frozen, django_capture_on_commit_callbacks(execute=True):
        assert deliver_outbox.call(message.pk) == "retry"
        message.refresh_from_db()
        assert (message.state, message.attempts, message.next_attempt_at) == (
            "failed",
            1,
            T0 + dt.timedelta(minutes=1),
        )
        assert message.last_error == "WechatUnavailable: 微信服务繁忙，请稍后再试。"
        assert deliver_outbox.call(message.pk) == "skipped"  # not due yet
        assert failing.calls == 1

        frozen.advance(seconds=60)
        assert services.requeue_due(inline=True) == 1
        message.refresh_from_db()
        assert (message.state, message.attempts) == ("failed", 2)
        assert message.next_attempt_at == T0 + dt.timedelta(minutes=1 + 2)

        frozen.advance(seconds=120)
        assert deliver_outbox.call(message.pk) == "dead"
        frozen.advance(days=1)
        assert services.requeue_due(inline=True) == 0
    message.refresh_from_db()
    assert (message.state, message.attempts, failing.calls) == ("dead", 3, 3)
    assert message.sending_until is None
    assert (
        AuditEntry.objects.filter(action="notifications.outbox.dead", object_id=str(message.pk)).count() == 1
    )
    # The database backend can defer: each retry was also enqueued for its time (the dummy backend can too).
    assert [args for name, args in enqueued() if name == "deliver_outbox"] == [[message.pk], [message.pk]]
    assert [r.task.run_after for r in task_backends["default"].results] == [
        T0 + dt.timedelta(minutes=1),
        T0 + dt.timedelta(minutes=3),
    ]


def test_backoff_is_capped(settings):
    settings.PMIP_NOTIFY_RETRY_BASE_SECONDS = 60
    settings.PMIP_NOTIFY_RETRY_MAX_SECONDS = 600
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3, 4, 5, 6)] == [60, 120, 240, 480, 600, 600]


def test_failure_then_success(message, monkeypatch, wechat_provider):
    healthy = channels.get_sender
    monkeypatch.setattr(channels, "get_sender", lambda channel: Failing(RuntimeError("connection reset")))
    with clock.frozen(T0) as frozen:
        assert deliver_outbox.call(message.pk) == "retry"
        monkeypatch.setattr(channels, "get_sender", healthy)
        frozen.advance(seconds=60)
        assert deliver_outbox.call(message.pk) == "sent"
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == ("sent", 2, "")
    assert len(wechat_messages()) == 1


def test_user_who_unfollowed_is_dead_at_once(message, monkeypatch):
    failing = Failing(WechatApiError(43004, "require subscribe"))
    monkeypatch.setattr(channels, "get_sender", lambda channel: channels.WechatTemplateChannel(failing))
    assert deliver_outbox.call(message.pk) == "dead"
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == ("dead", 1, "43004: require subscribe")


def test_recipient_without_openid_at_delivery_time_is_dead(message, owner, wechat_provider):
    owner.wechat_openid = None
    owner.save()
    assert deliver_outbox.call(message.pk) == "dead"
    message.refresh_from_db()
    assert message.last_error == "收件人未绑定微信。"
    assert wechat_provider.calls == []


# --- the sweeper: task and command ----------------------------------------------------------------------------


def test_sweeper_hands_out_only_due_rows_and_not_again_while_queued(owner, enqueued):
    with clock.frozen(T0):
        for _ in range(4):
            notify(recipient=owner, **BINDING)
    ids = list(OutboxMessage.objects.order_by("id").values_list("pk", flat=True))
    OutboxMessage.objects.filter(pk=ids[1]).update(state="sent", sent_at=T0)
    OutboxMessage.objects.filter(pk=ids[2]).update(state="failed", next_attempt_at=T0 + dt.timedelta(hours=1))
    OutboxMessage.objects.filter(pk=ids[3]).update(
        state="sending", sending_until=T0 + dt.timedelta(seconds=200)
    )
    with clock.frozen(T0) as frozen:
        assert sweep_outbox.call() == 0  # ids[0] was enqueued on commit a moment ago: left to the queue
        frozen.advance(seconds=120)
        assert sweep_outbox.call() == 1  # the queue had it for the redispatch interval: hand it out again
        assert sweep_outbox.call() == 0
        frozen.advance(seconds=81)  # ids[3]'s lease has passed
        assert sweep_outbox.call() == 1
    assert enqueued() == [("deliver_outbox", [ids[0]]), ("deliver_outbox", [ids[3]])]
    assert OutboxMessage.objects.get(pk=ids[0]).dispatched_at == T0 + dt.timedelta(seconds=120)


def test_deliver_pending_command_inline(message, wechat_provider, capsys):
    call_command("deliver_pending", "--inline")
    assert "1 message(s) processed here" in capsys.readouterr().out
    message.refresh_from_db()
    assert message.state == "sent"
    call_command("deliver_pending", "--inline")
    assert capsys.readouterr().out == ""
    assert len(wechat_messages()) == 1


def test_deliver_pending_command_enqueues(message, enqueued):
    with clock.frozen(T0 + dt.timedelta(minutes=5)):
        call_command("deliver_pending")
    assert enqueued() == [("deliver_outbox", [message.pk])]
