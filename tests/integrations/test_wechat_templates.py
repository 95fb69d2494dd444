"""WeChat template messages and the shared access_token, against a fake api.weixin.qq.com."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache
from django.test import override_settings

from pmip.integrations import wechat
from pmip.integrations.wechat import (
    AccessTokenProvider,
    EmbeddedTemplateSender,
    TemplateDataError,
    TemplateMessage,
    WechatApiError,
    WechatTemplateSender,
)
from tests.integrations.fakes import FakeWechat

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "wechat-test"}}


def notice(openid: str = "oPMIP_owner_0001", **overrides) -> TemplateMessage:
    fields = dict(
        touser=openid,
        template_id="TPL_vote_open",
        url="https://pmip.example/portal/decisions/17/",
        data={
            "thing1": "莲花山庄业主大会",
            "time2": "2026年3月1日 09:00~2026年3月15日 18:00",
            "character_string3": "D-2026-017",
        },
        client_msg_id="vote17-owner0001",
    )
    fields.update(overrides)
    return TemplateMessage(**fields)


@pytest.fixture
def fake(settings, db):
    with FakeWechat(app_id="wx1234567890abcd", app_secret="very-secret-app-secret") as server:
        settings.PMIP_WECHAT_MESSAGE_BACKEND = "wechat"
        settings.PMIP_WECHAT_APP_ID = server.app_id
        settings.PMIP_WECHAT_APP_SECRET = server.app_secret
        settings.PMIP_WECHAT_API_URL = server.url
        settings.PMIP_WECHAT_TIMEOUT = 2
        settings.PMIP_WECHAT_TOKEN_ENDPOINT = "stable"
        yield server


def test_several_sends_share_one_token(fake):
    sender = wechat.get_template_sender()
    ids = [sender.send(notice(client_msg_id=f"m{i}")) for i in range(3)]
    assert ids == ["1000", "1001", "1002"]
    [token_request] = fake.requests_to("/cgi-bin/stable_token")
    assert token_request.json() == {
        "grant_type": "client_credential",
        "appid": "wx1234567890abcd",
        "secret": "very-secret-app-secret",
        "force_refresh": False,
    }
    sends = fake.requests_to("/cgi-bin/message/template/send")
    assert {r.query["access_token"] for r in sends} == {fake.current_token}


def test_another_worker_uses_the_cached_token(fake):
    wechat.get_template_sender().send(notice(client_msg_id="a"))
    wechat.get_template_sender().send(notice(client_msg_id="b"))  # a new sender, as in another worker
    assert len(fake.requests_to("/cgi-bin/stable_token")) == 1


def test_the_payload_is_the_documented_shape_with_client_msg_id(fake):
    msgid = wechat.get_template_sender().send(notice())
    assert msgid == "1000"
    assert fake.delivered == [
        {
            "touser": "oPMIP_owner_0001",
            "template_id": "TPL_vote_open",
            "data": {
                "thing1": {"value": "莲花山庄业主大会"},
                "time2": {"value": "2026年3月1日 09:00~2026年3月15日 18:00"},
                "character_string3": {"value": "D-2026-017"},
            },
            "url": "https://pmip.example/portal/decisions/17/",
            "client_msg_id": "vote17-owner0001",
        }
    ]


def test_a_repeated_client_msg_id_is_delivered_once(fake):
    sender = wechat.get_template_sender()
    assert sender.send(notice()) == sender.send(notice()) == "1000"
    assert len(fake.delivered) == 1


def test_an_invalidated_token_is_refreshed_once_and_the_message_resent(fake):
    sender = wechat.get_template_sender()
    sender.send(notice(client_msg_id="first"))
    old = fake.current_token
    fake.expire_token()
    assert sender.send(notice(client_msg_id="second")) == "1001"
    token_requests = fake.requests_to("/cgi-bin/stable_token")
    assert [r.json()["force_refresh"] for r in token_requests] == [False, True]
    sends = fake.requests_to("/cgi-bin/message/template/send")
    assert [r.query["access_token"] for r in sends] == [old, old, fake.current_token]
    assert cache.get("pmip:wechat:access_token:wx1234567890abcd") == fake.current_token


def test_a_token_refused_twice_gives_up_after_one_refresh(fake):
    sender = wechat.get_template_sender()
    fake.always_reject_token = True
    with pytest.raises(WechatApiError) as caught:
        sender.send(notice())
    assert caught.value.errcode == 40001
    assert len(fake.requests_to("/cgi-bin/stable_token")) == 2
    assert len(fake.requests_to("/cgi-bin/message/template/send")) == 2
    assert fake.delivered == []


def test_the_classic_token_endpoint(fake, settings):
    settings.PMIP_WECHAT_TOKEN_ENDPOINT = "classic"
    sender = wechat.get_template_sender()
    sender.send(notice(client_msg_id="x1"))
    sender.send(notice(client_msg_id="x2"))
    [token_request] = fake.requests_to("/cgi-bin/token")
    assert token_request.query == {
        "grant_type": "client_credential",
        "appid": "wx1234567890abcd",
        "secret": "very-secret-app-secret",
    }


def test_a_user_who_does_not_follow_the_account_is_a_permanent_failure(fake):
    fake.send_errcode = 43004
    with pytest.raises(WechatApiError) as caught:
        wechat.get_template_sender().send(notice())
    assert (caught.value.errcode, caught.value.retryable) == (43004, False)


def test_a_wrong_secret_does_not_cache_anything(fake, settings):
    settings.PMIP_WECHAT_APP_SECRET = "stale"
    with pytest.raises(WechatApiError) as caught:
        wechat.get_template_sender().send(notice())
    assert caught.value.errcode == 40125
    assert cache.get("pmip:wechat:access_token:wx1234567890abcd") is None
    assert fake.requests_to("/cgi-bin/message/template/send") == []


@override_settings(CACHES=LOCMEM)
def test_the_token_is_cached_until_shortly_before_expiry(fake):
    cache.clear()  # the process-local cache outlives the test
    provider = AccessTokenProvider(
        app_id=fake.app_id, app_secret=fake.app_secret, api_url=fake.url, margin=300, timeout=2
    )
    token = provider.get()
    # The token must leave the cache 300 s before WeChat's 7200 s.
    internal_key = cache.make_and_validate_key(provider.cache_key)
    remaining = cache._expire_info[internal_key] - time.time()
    assert 6890 < remaining <= 6900
    assert provider.get() == token


# A thread stands in for the other worker; SQLite's in-memory test database is not shared between threads, so this
# test (about the lock protocol, not the cache backend) runs on a process-local cache.
@override_settings(CACHES=LOCMEM)
def test_a_worker_waits_for_another_workers_refresh_instead_of_fetching(fake):
    cache.clear()  # the process-local cache outlives the test
    provider = AccessTokenProvider(
        app_id=fake.app_id, app_secret=fake.app_secret, api_url=fake.url, timeout=2
    )
    cache.add(provider.lock_key, "1", timeout=30)  # another worker is fetching

    def other_worker_finishes():
        time.sleep(0.2)
        cache.set(provider.cache_key, "TOKEN_FROM_OTHER_WORKER", timeout=600)
        cache.delete(provider.lock_key)

    thread = threading.Thread(target=other_worker_finishes)
    thread.start()
    try:
        assert provider.get() == "TOKEN_FROM_OTHER_WORKER"
    finally:
        thread.join()
    assert fake.requests_to("/cgi-bin/stable_token") == []


def test_a_long_thing_is_shortened_to_twenty_characters(fake):
    title = "莲花山庄第二届业主大会第三次会议关于续聘物业服务企业的表决"
    wechat.get_template_sender().send(notice(data={"thing1": title}))
    sent = fake.delivered[-1]["data"]["thing1"]["value"]
    assert sent == title[:19] + "…"
    assert len(sent) == 20


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("character_string1", "编号中文"),
        ("number1", "12a"),
        ("phrase1", "超过五个汉字了"),
        ("amount1", "¥12345678901"),
        ("thing1", "两行\n文字"),
        ("weird1", "x"),
        ("thing", "no number"),
    ],
)
def test_values_that_do_not_fit_their_type_are_refused_before_sending(key, value):
    with pytest.raises(TemplateDataError):
        TemplateMessage(touser="o1", template_id="T", data={key: value})


def test_values_of_each_type_that_fit_are_accepted():
    message = TemplateMessage(
        touser="o1",
        template_id="T",
        data={
            "thing1": "维修资金使用公示",
            "number2": "12.5",
            "amount3": "¥1234.50元",
            "phone_number4": "0755-88881234",
            "phrase5": "已通过",
            "date6": "2026-03-01",
            "name7": "欧阳修",
        },
    )
    assert message.payload()["data"]["amount3"] == {"value": "¥1234.50元"}


def test_the_embedded_sender_records_and_deduplicates(settings):
    settings.PMIP_WECHAT_MESSAGE_BACKEND = "embedded"
    EmbeddedTemplateSender.clear()
    sender = wechat.get_template_sender()
    first = sender.send(notice("oA", client_msg_id="k1"))
    again = sender.send(notice("oA", client_msg_id="k1"))
    other = sender.send(notice("oB", client_msg_id="k1"))
    assert first == again
    assert other != first
    assert [m.touser for _id, m in EmbeddedTemplateSender.sent] == ["oA", "oB"]
    assert EmbeddedTemplateSender.last_to("oA") == notice("oA", client_msg_id="k1")
    assert EmbeddedTemplateSender.last_to("oC") is None
    EmbeddedTemplateSender.clear()


def test_the_real_sender_reads_its_configuration(fake):
    sender = wechat.get_template_sender()
    assert isinstance(sender, WechatTemplateSender)
    assert "very-secret-app-secret" not in repr(sender.tokens)
