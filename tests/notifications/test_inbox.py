"""The inbox: only the recipient sees and reads a message; channel preferences are the account's own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.identity.models import AccountKind
from pmip.notifications import selectors
from pmip.notifications.models import ChannelPreference, Notification
from pmip.notifications.services import mark_all_read, mark_read, notify, set_channel_preference
from tests import factories
from tests.notifications.conftest import T0


def inbox_item(account, title: str, at: dt.datetime) -> Notification:
    with clock.frozen(at):
        return notify(recipient=account, kind="registry.project.updated", title=title, body="")


@pytest.fixture
def three(owner):
    return [inbox_item(owner, f"消息{i}", T0 + dt.timedelta(minutes=i)) for i in range(3)]


def test_inbox_newest_first_and_unread_filter(owner, other_owner, three):
    inbox_item(other_owner, "别人的消息", T0)
    assert [n.title for n in selectors.inbox_for(account=owner)] == ["消息2", "消息1", "消息0"]
    mark_read(actor=owner, notification_id=three[2].pk)
    assert [n.title for n in selectors.inbox_for(account=owner, unread_only=True)] == ["消息1", "消息0"]
    assert selectors.unread_count(account=owner) == 2
    assert selectors.unread_count(account=other_owner) == 1


def test_inbox_page_is_one_query(owner, three, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert len(list(selectors.inbox_for(account=owner)[:20])) == 3


def test_anonymous_has_no_inbox(three):
    assert list(selectors.inbox_for(account=AnonymousUser())) == []
    assert selectors.unread_count(account=AnonymousUser()) == 0


def test_mark_read_by_recipient(owner, three):
    with clock.frozen(T0 + dt.timedelta(hours=1)):
        notification = mark_read(actor=owner, notification_id=three[0].pk)
    assert notification.read_at == T0 + dt.timedelta(hours=1)
    three[0].refresh_from_db()
    assert three[0].read_at == T0 + dt.timedelta(hours=1)
    assert AuditEntry.objects.filter(action="notifications.notification.read", actor=owner).count() == 1
    # Reading again changes nothing.
    with clock.frozen(T0 + dt.timedelta(hours=2)):
        mark_read(actor=owner, notification_id=three[0].pk)
    three[0].refresh_from_db()
    assert three[0].read_at == T0 + dt.timedelta(hours=1)
    assert AuditEntry.objects.filter(action="notifications.notification.read").count() == 1


def test_someone_elses_message_does_not_exist_for_them(owner, other_owner, three):
    with pytest.raises(NotFound, match="未找到该消息"):
        mark_read(actor=other_owner, notification_id=three[0].pk)
    with pytest.raises(NotFound):
        selectors.get_notification(account=other_owner, notification_id=three[0].pk)
    with pytest.raises(NotFound):
        mark_read(actor=owner, notification_id=999_999)
    assert Notification.objects.filter(read_at__isnull=False).count() == 0
    assert AuditEntry.objects.filter(action__startswith="notifications.notification.read").count() == 0


def test_anonymous_cannot_mark_read(three):
    with pytest.raises(PermissionDenied):
        mark_read(actor=AnonymousUser(), notification_id=three[0].pk)
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_mark_all_read_only_touches_own_unread(owner, other_owner, three):
    theirs = inbox_item(other_owner, "别人的消息", T0)
    mark_read(actor=owner, notification_id=three[0].pk)
    assert mark_all_read(actor=owner) == 2
    assert selectors.unread_count(account=owner) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert AuditEntry.objects.get(action="notifications.notification.read_all").data == {"count": 2}
    assert mark_all_read(actor=owner) == 0
    assert AuditEntry.objects.filter(action="notifications.notification.read_all").count() == 1


# --- channel preferences ----------------------------------------------------------------------------------------


def test_default_preference_is_unsaved_wechat_on_sms_off(owner):
    preference = selectors.channel_preference_for(account=owner)
    assert (preference.pk, preference.wechat, preference.sms) == (None, True, False)


def test_opt_in_to_sms(owner):
    preference = set_channel_preference(actor=owner, wechat=True, sms=True)
    assert ChannelPreference.objects.get(account=owner) == preference
    assert (preference.wechat, preference.sms) == (True, True)
    entry = AuditEntry.objects.get(action="notifications.preference.updated")
    assert entry.data == {"before": {"wechat": True, "sms": False}, "after": {"wechat": True, "sms": True}}


def test_sms_needs_a_mobile(db):
    plain = factories.account("nomobile")
    with pytest.raises(ValidationFailed, match="请先绑定手机号"):
        set_channel_preference(actor=plain, wechat=True, sms=True)
    assert ChannelPreference.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_outbox_view_is_for_operators_only(owner, three):
    notify(
        recipient=owner,
        kind="identity.binding.approved",
        title="绑定已通过",
        body="",
        data={"house": "1栋101"},
    )
    operator = factories.account("ops", kind="operator")
    assert selectors.outbox_for(actor=operator).count() == 1
    assert selectors.outbox_for(actor=owner).count() == 0
    assert selectors.outbox_for(actor=AnonymousUser()).count() == 0


def test_the_operator_kind_is_identitys():
    """notifications names the operator kind without importing identity (it sits below it): the same value."""
    assert selectors.OPERATOR == AccountKind.OPERATOR
