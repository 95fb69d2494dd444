"""Owner inbox pages: list, one message (marks read), 全部标为已读, 消息接收设置."""

from __future__ import annotations

import re

import pytest
from django.db import transaction

from pmip.audit.models import AuditEntry
from pmip.notifications.choices import Channel
from pmip.notifications.models import ChannelPreference, Notification, OutboxMessage
from pmip.notifications.services import notify
from tests import factories
from tests.portal_inbox.conftest import message

URL = "/me/messages/"
HOUSE = {"house": "莲花山庄1栋101"}


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def ids_on(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-id="(\d+)"', html)]


def test_anonymous_and_staff_are_sent_to_the_owner_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/me/login/?next=%2Fme%2Fmessages%2F"
    client.force_login(factories.account("clerk", kind="staff"))
    assert client.get(URL + "settings/").status_code == 302


def test_empty_inbox(owner_client):
    html = owner_client.get(URL).content.decode()
    assert "暂无消息" in html
    assert 'data-unread="0"' in html
    assert "全部标为已读" not in html


def test_list_shows_only_own_messages_newest_first_with_unread_marked(owner_client, owner, other):
    old = message(owner, 1, read=True)
    new = message(owner, 2)
    message(other, 3)
    html = owner_client.get(URL).content.decode()
    assert ids_on(html) == [new.pk, old.pk]
    assert f'data-id="{new.pk}" data-read="0"' in html
    assert f'data-id="{old.pk}" data-read="1"' in html
    assert 'data-unread="1"' in html
    assert "消息3" not in html


def test_pagination(owner_client, owner):
    made = [message(owner, n) for n in range(25)]
    first = owner_client.get(URL).content.decode()
    second = owner_client.get(URL + "?page=2").content.decode()
    assert ids_on(first) == [m.pk for m in reversed(made[5:])]
    assert ids_on(second) == [m.pk for m in reversed(made[:5])]
    assert "第 2 / 2 页" in second
    partial = owner_client.get(URL + "?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    assert ids_on(partial) == ids_on(second)


def test_list_has_no_n_plus_one(owner_client, owner, django_assert_max_num_queries):
    for n in range(3):
        message(owner, n)
    with django_assert_max_num_queries(9) as small:  # + the channel choice shown on the page
        owner_client.get(URL)
    for n in range(3, 40):
        message(owner, n)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = owner_client.get(URL)
    assert len(ids_on(response.content.decode())) == 20


def test_opening_a_message_marks_it_read_and_links_to_its_page(owner_client, owner):
    n = message(owner, 1, link="/me/binding/")
    html = owner_client.get(f"{URL}{n.pk}/").content.decode()
    n.refresh_from_db()
    assert n.read_at is not None
    assert 'href="/me/binding/" id="open-link"' in html
    assert "第1条消息内容" in html
    assert AuditEntry.objects.filter(action="notifications.notification.read", actor=owner).count() == 1
    owner_client.get(f"{URL}{n.pk}/")  # reading again changes nothing
    assert AuditEntry.objects.filter(action="notifications.notification.read").count() == 1


def test_another_owners_message_is_not_found_and_stays_unread(owner_client, other):
    theirs = message(other, 1)
    response = owner_client.get(f"{URL}{theirs.pk}/")
    assert response.status_code == 404
    assert "未找到该消息。" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert not AuditEntry.objects.filter(action="notifications.notification.read").exists()


def test_read_all_with_htmx_leaves_other_owners_alone(owner_client, owner, other):
    mine = [message(owner, n) for n in range(3)]
    theirs = message(other, 9)
    response = owner_client.post(URL + "read-all/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "已将 3 条消息标为已读。" in html
    assert 'data-unread="0"' in html
    assert Notification.objects.filter(pk__in=[m.pk for m in mine], read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_without_htmx_redirects(owner_client, owner):
    message(owner, 1)
    response = owner_client.post(URL + "read-all/")
    assert response.status_code == 302
    assert response["Location"] == URL
    assert owner_client.get(URL + "read-all/").status_code == 405


def test_badge_shows_the_unread_count(owner_client, owner, other):
    message(owner, 1)
    message(owner, 2)
    message(owner, 3, read=True)
    message(other, 4)
    html = owner_client.get(URL + "badge/").content.decode()
    assert 'id="inbox-unread" aria-label="未读 2 条">2</span>' in html


def test_settings_default_and_save(owner_client, owner):
    html = owner_client.get(URL + "settings/").content.decode()
    assert "始终开启" in html
    assert 'name="wechat" id="wechat" checked' in html
    assert 'name="sms" id="sms">' in html
    response = owner_client.post(URL + "settings/", {"sms": "on"})
    assert response.status_code == 302
    preference = ChannelPreference.objects.get(account=owner)
    assert (preference.wechat, preference.sms) == (False, True)


def test_sms_cannot_be_turned_on_without_a_mobile(client, db):
    nomobile = factories.account("owner3")
    client.force_login(nomobile)
    html = client.get(URL + "settings/").content.decode()
    assert "本账号未绑定手机号，无法开启短信通知。" in html
    assert 'name="sms" id="sms" disabled' in html
    response = client.post(URL + "settings/", {"wechat": "on", "sms": "on"})
    assert response.status_code == 422
    assert "请先绑定手机号，再开启短信通知。" in response.content.decode()
    assert not ChannelPreference.objects.exists()


def test_saved_preferences_decide_the_outbox(owner_client, owner):
    owner_client.post(URL + "settings/", {"sms": "on"})  # WeChat off, SMS on
    with transaction.atomic():
        first = notify(
            recipient=owner, kind="identity.binding.approved", title="绑定已通过", body="", data=HOUSE
        )
    assert list(OutboxMessage.objects.filter(notification=first).values_list("channel", flat=True)) == [
        Channel.SMS
    ]
    owner_client.post(URL + "settings/", {"wechat": "on"})  # WeChat on, SMS off
    with transaction.atomic():
        second = notify(
            recipient=owner, kind="identity.binding.approved", title="绑定已通过", body="", data=HOUSE
        )
    assert list(OutboxMessage.objects.filter(notification=second).values_list("channel", flat=True)) == [
        Channel.WECHAT_TEMPLATE
    ]
    owner_client.post(URL + "settings/", {})  # both off: the inbox only
    with transaction.atomic():
        third = notify(
            recipient=owner, kind="identity.binding.approved", title="绑定已通过", body="", data=HOUSE
        )
    assert not OutboxMessage.objects.filter(notification=third).exists()
    assert Notification.objects.filter(recipient=owner).count() == 3
