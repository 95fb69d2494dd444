"""Owner inbox API, /api/v1/me/messages: session auth, CSRF on writes, problem bodies, only one's own messages."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from pmip.notifications.models import ChannelPreference, Notification
from tests import factories
from tests.portal_inbox.conftest import message

API = "/api/v1/me/messages"


@pytest.fixture
def api(client, owner):
    client.force_login(owner)
    return client


def put(client, path, data, **extra):
    return client.put(API + path, json.dumps(data), content_type="application/json", **extra)


def test_anonymous_gets_401_problem(client, db):
    response = client.get(API)
    assert response.status_code == 401
    assert response.json() == {"code": "unauthenticated", "message": "请先登录业主账号。", "status": 401}


def test_list_is_paginated_with_the_unread_count(api, owner, other):
    made = [message(owner, n, read=n < 5) for n in range(25)]
    message(other, 99)
    first = api.get(API).json()
    assert (first["count"], first["unread"], first["page"], first["page_size"], first["num_pages"]) == (
        25,
        20,
        1,
        20,
        2,
    )
    assert [i["id"] for i in first["items"]] == [m.pk for m in reversed(made[5:])]
    second = api.get(API + "?page=2").json()
    assert [i["id"] for i in second["items"]] == [m.pk for m in reversed(made[:5])]
    assert all(i["is_read"] for i in second["items"])
    unread = api.get(API + "?unread_only=true").json()
    assert unread["count"] == 20


def test_list_has_no_n_plus_one(api, owner, django_assert_max_num_queries):
    message(owner, 0)
    with django_assert_max_num_queries(8) as small:
        api.get(API)
    for n in range(1, 30):
        message(owner, n)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(api.get(API).json()["items"]) == 20


def test_read_one_marks_it_read(api, owner):
    n = message(owner, 1, link="/me/binding/")
    body = api.get(f"{API}/{n.pk}").json()
    assert (body["id"], body["title"], body["link"], body["is_read"]) == (n.pk, "消息1", "/me/binding/", True)
    n.refresh_from_db()
    assert n.read_at is not None
    assert api.get(API).json()["unread"] == 0


def test_another_owners_message_is_404_and_stays_unread(api, other):
    theirs = message(other, 1)
    response = api.get(f"{API}/{theirs.pk}")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "未找到该消息。", "status": 404}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all(api, owner, other):
    for n in range(3):
        message(owner, n)
    theirs = message(other, 9)
    assert api.post(API + "/read-all").json() == {"marked": 3, "unread": 0}
    assert api.post(API + "/read-all").json() == {"marked": 0, "unread": 0}
    assert Notification.objects.filter(recipient=owner, read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_preferences_get_and_set(api, owner):
    assert api.get(API + "/preferences").json() == {
        "in_app": True,
        "wechat": True,
        "sms": False,
        "sms_available": True,
    }
    body = put(api, "/preferences", {"wechat": False, "sms": True}).json()
    assert (body["wechat"], body["sms"]) == (False, True)
    preference = ChannelPreference.objects.get(account=owner)
    assert (preference.wechat, preference.sms) == (False, True)


def test_sms_needs_a_mobile(client, db):
    client.force_login(factories.account("owner3"))
    assert client.get(API + "/preferences").json()["sms_available"] is False
    response = put(client, "/preferences", {"wechat": True, "sms": True})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert response.json()["message"] == "请先绑定手机号，再开启短信通知。"
    assert not ChannelPreference.objects.exists()


def test_writes_need_the_csrf_token(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    message(owner, 1)
    refused = client.post(API + "/read-all")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    refused = put(client, "/preferences", {"wechat": False, "sms": False})
    assert refused.status_code == 403
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    assert not ChannelPreference.objects.exists()
    client.get("/me/messages/")
    token = client.cookies["csrftoken"].value
    assert client.post(API + "/read-all", HTTP_X_CSRFTOKEN=token).json() == {"marked": 1, "unread": 0}
    assert (
        put(client, "/preferences", {"wechat": False, "sms": False}, HTTP_X_CSRFTOKEN=token).status_code
        == 200
    )
