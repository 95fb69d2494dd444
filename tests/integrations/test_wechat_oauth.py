"""WeChat web authorisation (snsapi_base) against a fake open.weixin.qq.com / api.weixin.qq.com."""

from __future__ import annotations

import logging
import socket

import httpx
import pytest

from pmip.integrations import wechat
from pmip.integrations.wechat import WechatAuthError, WechatIdentity, WechatUnavailable
from tests.integrations.fakes import FakeWechat

CALLBACK = "https://pmip.example/portal/wechat/callback?next=%2Fportal%2F"


@pytest.fixture
def fake(settings):
    with FakeWechat(app_id="wx1234567890abcd", app_secret="very-secret-app-secret") as server:
        settings.PMIP_WECHAT_OAUTH_BACKEND = "wechat"
        settings.PMIP_WECHAT_APP_ID = server.app_id
        settings.PMIP_WECHAT_APP_SECRET = server.app_secret
        settings.PMIP_WECHAT_OAUTH_URL = server.url
        settings.PMIP_WECHAT_API_URL = server.url
        settings.PMIP_WECHAT_TIMEOUT = 2
        yield server


def test_authorize_url_has_the_documented_shape(fake):
    url = wechat.get_oauth().authorize_url(CALLBACK, "abc123")
    assert url == (
        f"{fake.url}/connect/oauth2/authorize?appid=wx1234567890abcd"
        "&redirect_uri=https%3A%2F%2Fpmip.example%2Fportal%2Fwechat%2Fcallback%3Fnext%3D%252Fportal%252F"
        "&response_type=code&scope=snsapi_base&state=abc123#wechat_redirect"
    )


def test_the_round_trip_through_the_authorise_page_yields_the_openid(fake):
    oauth = wechat.get_oauth()
    fake.next_user = {"openid": "oPMIP_owner_0001", "is_snapshotuser": 0}
    page = httpx.get(oauth.authorize_url(CALLBACK, "s7ate"), follow_redirects=False)
    assert page.status_code == 302
    back = httpx.URL(page.headers["location"])
    assert back.params["state"] == "s7ate"
    assert back.params["next"] == "/portal/"
    identity = oauth.exchange_code(back.params["code"])
    assert identity == WechatIdentity(
        openid="oPMIP_owner_0001", is_snapshotuser=False, unionid="", scope="snsapi_base"
    )
    exchange = fake.requests_to("/sns/oauth2/access_token")[-1]
    assert exchange.query == {
        "appid": "wx1234567890abcd",
        "secret": "very-secret-app-secret",
        "code": back.params["code"],
        "grant_type": "authorization_code",
    }


def test_a_code_works_once(fake):
    fake.add_code("CODE1", "oPMIP_owner_0002")
    oauth = wechat.get_oauth()
    assert oauth.exchange_code("CODE1").openid == "oPMIP_owner_0002"
    with pytest.raises(WechatAuthError) as caught:
        oauth.exchange_code("CODE1")
    assert (caught.value.errcode, caught.value.message) == (
        40163,
        "微信授权码已被使用，请返回后重新进入页面。",
    )


def test_an_invalid_code_is_refused(fake):
    with pytest.raises(WechatAuthError) as caught:
        wechat.get_oauth().exchange_code("forged")
    assert (caught.value.errcode, caught.value.message) == (40029, "微信授权码无效，请返回后重新进入页面。")


def test_a_snapshot_mode_user_is_refused(fake):
    fake.add_code("SNAP", "virtual-openid", snapshot=True)
    with pytest.raises(WechatAuthError) as caught:
        wechat.get_oauth().exchange_code("SNAP")
    assert caught.value.message == "请在微信中打开并授权后使用"
    assert caught.value.code == "wechat_snapshot_user"


def test_a_wrong_secret_is_a_configuration_error_for_the_owner(fake, settings):
    settings.PMIP_WECHAT_APP_SECRET = "stale-secret"
    fake.add_code("CODE2", "oPMIP_owner_0003")
    with pytest.raises(WechatAuthError) as caught:
        wechat.get_oauth().exchange_code("CODE2")
    assert (caught.value.errcode, caught.value.message) == (40125, "微信授权配置有误，请联系客服。")
    assert "CODE2" not in fake.used_codes


def test_an_unknown_errcode_keeps_its_number(fake):
    class Odd(FakeWechat):
        def _oauth_token(self, request):
            return self._err(40999, "something new")

    with Odd() as odd:
        oauth = wechat.WechatOAuthClient(app_id=odd.app_id, app_secret=odd.app_secret, api_url=odd.url)
        with pytest.raises(WechatAuthError) as caught:
            oauth.exchange_code("X")
    assert caught.value.message == "微信授权失败（错误码40999），请返回后重新进入页面。"


def test_unreachable_wechat_is_unavailable(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    oauth = wechat.WechatOAuthClient(
        app_id="wx", app_secret="s", api_url=f"http://127.0.0.1:{port}", timeout=1
    )
    with pytest.raises(WechatUnavailable) as caught:
        oauth.exchange_code("X")
    assert caught.value.status == 503


def test_neither_the_secret_nor_the_code_is_logged(fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.add_code("CODE-SHOULD-NOT-LOG", "oPMIP_owner_0004")
    oauth = wechat.get_oauth()
    oauth.exchange_code("CODE-SHOULD-NOT-LOG")
    with pytest.raises(WechatAuthError):
        oauth.exchange_code("CODE-SHOULD-NOT-LOG")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "very-secret-app-secret" not in logged
    assert "CODE-SHOULD-NOT-LOG" not in logged
    assert "very-secret-app-secret" not in repr(oauth)


def test_state_must_be_letters_and_digits(fake):
    with pytest.raises(ValueError):
        wechat.get_oauth().authorize_url(CALLBACK, "a b&c")
