"""notify(): inbox and outbox rows in the caller's transaction, delivery enqueued only on commit."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.notifications.models import ChannelPreference, Notification, OutboxMessage
from pmip.notifications.services import idempotency_key, notify
from tests import factories
from tests.notifications.conftest import T0, wechat_messages

BINDING = dict(
    kind="identity.binding.approved",
    title="业主身份绑定已通过",
    body="您提交的莲花山庄1栋101房屋绑定申请已审核通过。",
    link="/portal/houses/",
    data={"house": "莲花山庄1栋101"},
)


class Boom(Exception):
    pass


def test_notify_writes_inbox_and_outbox_and_enqueues_on_commit(
    owner, enqueued, django_capture_on_commit_callbacks
):
    # Inner contexts exit first: the transaction commits, then the captured on-commit callbacks run.
    with (
        clock.frozen(T0),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        notification = notify(recipient=owner, **BINDING)
        assert enqueued() == []  # nothing leaves before the business transaction commits
    message = OutboxMessage.objects.get()
    assert len(callbacks) == 1
    assert enqueued() == [("deliver_outbox", [message.pk])]
    assert Notification.objects.get() == notification
    assert (notification.recipient, notification.kind, notification.title, notification.link) == (
        owner,
        "identity.binding.approved",
        "业主身份绑定已通过",
        "/portal/houses/",
    )
    assert notification.created_at == T0
    assert notification.read_at is None
    assert message.notification == notification
    assert message.channel == "wechat_template"
    assert message.state == "pending"
    assert message.attempts == 0
    assert message.next_attempt_at == T0
    assert message.idempotency_key == f"{notification.uuid.hex[:24]}-wx"
    assert message.payload == {
        "template": "binding_result",
        "data": {
            "thing1": "业主身份绑定",
            "thing2": "莲花山庄1栋101",
            "phrase3": "已通过",
            "time4": "2026年03月01日 10:00",
            "thing5": "点击查看详情",
        },
        "link": "/portal/houses/",
    }
    entry = AuditEntry.objects.get(action="notifications.notification.created")
    assert entry.object_id == str(notification.pk)
    assert entry.data == {
        "kind": "identity.binding.approved",
        "recipient_id": owner.pk,
        "channels": ["wechat_template"],
    }


def test_rollback_of_business_transaction_writes_and_enqueues_nothing(
    owner, enqueued, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        notify(recipient=owner, **BINDING)
        raise Boom
    assert callbacks == []
    assert enqueued() == []
    assert Notification.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert AuditEntry.objects.filter(action__startswith="notifications.").count() == 0


@pytest.mark.django_db(transaction=True)
def test_real_commit_delivers_and_real_rollback_sends_nothing(owner, immediate_tasks, wechat_provider):
    """With real transactions (no test wrapper) and a task backend that runs at once."""
    with pytest.raises(Boom), transaction.atomic():
        notify(recipient=owner, **BINDING)
        raise Boom
    assert Notification.objects.count() == 0
    assert wechat_provider.calls == []

    with transaction.atomic():
        notification = notify(recipient=owner, **BINDING)
        assert wechat_messages() == []  # still inside: not sent yet
    message = OutboxMessage.objects.get()
    assert message.state == "sent"
    assert wechat_provider.calls == [idempotency_key(notification, "wechat_template")]
    [sent] = wechat_messages()
    assert sent.touser == "o-owner1-openid"
    assert sent.template_id == "pmip-binding-result"
    assert sent.client_msg_id == message.idempotency_key
    assert sent.checked["phrase3"] == "已通过"
    assert message.provider_message_id != ""


@pytest.mark.django_db(transaction=True)
def test_notify_outside_a_transaction_is_refused(owner):
    with pytest.raises(ValueError, match="inside the business transaction"):
        notify(recipient=owner, **BINDING)
    assert Notification.objects.count() == 0


# --- channels chosen by preference and address -----------------------------------------------------------------


def channels_of(notification) -> list[str]:
    return sorted(notification.outbox.values_list("channel", flat=True))


def test_default_preference_is_wechat_only(owner):
    notification = notify(recipient=owner, **BINDING)
    assert channels_of(notification) == ["wechat_template"]


def test_sms_only_after_opting_in(owner):
    ChannelPreference.objects.create(account=owner, wechat=True, sms=True)
    notification = notify(recipient=owner, **BINDING)
    assert channels_of(notification) == ["sms", "wechat_template"]
    sms = notification.outbox.get(channel="sms")
    assert sms.payload == {"template": "notification", "params": {"title": "业主身份绑定已通过"}}
    assert sms.idempotency_key == f"{notification.uuid.hex[:24]}-sms"


def test_no_outside_channel_when_both_off_but_inbox_still_written(owner):
    ChannelPreference.objects.create(account=owner, wechat=False, sms=False)
    notification = notify(recipient=owner, **BINDING)
    assert channels_of(notification) == []
    assert Notification.objects.filter(recipient=owner).count() == 1


def test_no_wechat_row_without_openid_and_no_sms_without_mobile(db):
    plain = factories.account("nobody")
    ChannelPreference.objects.create(account=plain, wechat=True, sms=True)
    notification = notify(recipient=plain, **BINDING)
    assert channels_of(notification) == []


def test_kind_without_template_is_inbox_only(owner):
    ChannelPreference.objects.create(account=owner, wechat=True, sms=True)
    notification = notify(recipient=owner, kind="registry.project.updated", title="项目信息已更新", body="")
    assert channels_of(notification) == []
    assert notification.kind == "registry.project.updated"


def test_explicit_template_overrides_kind(owner):
    notification = notify(
        recipient=owner,
        kind="delegation.reminder",
        title="委托即将到期",
        body="",
        template="delegation.revoked",
        data={"project": "莲花山庄", "party": "王*"},
    )
    message = notification.outbox.get()
    assert message.payload["template"] == "delegation"
    assert message.payload["data"]["phrase3"] == "已撤销"
    assert message.payload["data"]["thing2"] == "王*"


# --- refused input: nothing written -----------------------------------------------------------------------------


def assert_nothing_written():
    assert Notification.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert AuditEntry.objects.filter(action__startswith="notifications.").count() == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"data": {}}, "缺少字段 house"),
        ({"data": {"house": "1栋101", "colour": "红"}}, "没有字段：colour"),
        ({"data": {"house": "1栋101", "result": "已驳回"}}, "由消息类型决定"),
        ({"link": "https://evil.example.com/"}, "相对地址"),
        ({"link": "//evil.example.com/"}, "相对地址"),
        ({"title": ""}, "消息标题"),
        ({"title": "题" * 101}, "消息标题"),
        ({"kind": "Binding Approved"}, "bad notification kind"),
        ({"template": "no.such.template"}, "no notification template"),
    ],
)
def test_bad_calls_are_refused_and_write_nothing(owner, changes, message):
    with pytest.raises(ValueError, match=message):
        notify(recipient=owner, **{**BINDING, **changes})
    assert_nothing_written()


@pytest.mark.parametrize("where", ["title", "body", "link", "data"])
def test_id_numbers_are_refused_anywhere(owner, where):
    number = factories.mainland_id(3)
    call = dict(BINDING)
    if where == "data":
        call["data"] = {"house": number}
    elif where == "link":
        call["link"] = f"/portal/?q={number}"
    else:
        call[where] = f"证件号码{number}"
    with pytest.raises(ValueError, match="不能包含证件号码"):
        notify(recipient=owner, **call)
    assert_nothing_written()


def test_masked_id_numbers_and_other_long_digits_are_fine(owner):
    notification = notify(
        recipient=owner, **{**BINDING, "body": "证件440***********123X，流水号123456789012345678。"}
    )
    assert notification.body.endswith("流水号123456789012345678。")  # 18 digits with a wrong check digit


def test_long_free_text_is_shortened_for_wechat(owner):
    notification = notify(
        recipient=owner, **{**BINDING, "data": {"house": "深圳市福田区莲花街道莲花山庄二期12栋2单元1501"}}
    )
    assert notification.outbox.get().payload["data"]["thing2"] == "深圳市福田区莲花街道莲花山庄二期12栋…"


# --- database constraints ---------------------------------------------------------------------------------------


def test_idempotency_key_is_unique_in_the_database(owner):
    first = notify(recipient=owner, **BINDING)
    second = notify(recipient=owner, **BINDING)
    key = first.outbox.get().idempotency_key
    with pytest.raises(IntegrityError, match="idempotency_key"), transaction.atomic():
        OutboxMessage.objects.create(notification=second, channel="sms", idempotency_key=key)
    assert OutboxMessage.objects.count() == 2


def test_attempts_cannot_be_negative(owner):
    notification = notify(recipient=owner, **BINDING)
    with pytest.raises(IntegrityError, match="outbox_attempts_not_negative|CHECK"), transaction.atomic():
        OutboxMessage.objects.create(
            notification=notification, channel="sms", idempotency_key="k-1", attempts=-1
        )
    assert OutboxMessage.objects.count() == 1
