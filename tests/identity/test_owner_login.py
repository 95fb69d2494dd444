"""Owner log-in through the pages: WeChat web authorisation (embedded stand-in) and mobile + captcha + SMS code."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from captcha.models import CaptchaStore
from django.test import Client

from pmip.audit.models import AuditEntry
from pmip.identity.models import Account, AccountKind
from pmip.integrations import embedded_wechat
from pmip.integrations.sms import EmbeddedSmsBackend
from tests import factories
from tests.identity.binding_support import clean_stand_ins_fixture, last_code  # noqa: F401 - fixtures
from tests.portal.helpers import text

WECHAT_UA = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 MicroMessenger/8.0.50.2701 WeChat"
PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile Safari/604.1"


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def wechat_authorize(client: Client, *, next_path: str = "/me/binding/") -> dict[str, str]:
    """Follow /me/login/ in WeChat up to the stand-in's authorise page; return its query parameters."""
    first = client.get("/me/login/", {"next": next_path}, HTTP_USER_AGENT=WECHAT_UA)
    assert first.status_code == 302
    assert first["Location"] == f"/me/login/wechat/?next={next_path}"
    second = client.get(first["Location"])
    assert second.status_code == 302
    url = second["Location"]
    assert url.startswith("/me/wechat-standin/authorize?appid=wxpmipembedded00&redirect_uri=")
    assert url.endswith("#wechat_redirect")
    params = _query(url.split("#")[0])
    assert params["redirect_uri"] == "http://testserver/me/login/wechat/callback/"
    assert (params["response_type"], params["scope"]) == ("code", "snsapi_base")
    assert client.get(url.split("#")[0]).status_code == 200
    return params


def wechat_login(
    client: Client, name: str = "业主甲", *, snapshot: bool = False, next_path: str = "/me/binding/"
):
    params = wechat_authorize(client, next_path=next_path)
    data = {
        "redirect_uri": params["redirect_uri"],
        "state": params["state"],
        "appid": params["appid"],
        "name": name,
    }
    if snapshot:
        data["snapshot"] = "on"
    back = client.post("/me/wechat-standin/authorize", data)
    assert back.status_code == 302
    target = back["Location"]
    assert target.startswith("http://testserver/me/login/wechat/callback/?code=")
    assert _query(target)["state"] == params["state"]
    return client.get(target)


# --------------------------------------------------------------------------------------------------- WeChat


def test_a_new_owner_logs_in_through_the_wechat_stand_in(db):
    client = Client()
    client.get("/")  # an anonymous session exists before log-in
    before = client.session.session_key
    response = wechat_login(client)
    assert response.status_code == 302
    assert response["Location"] == "/me/binding/"
    account = Account.objects.get()
    assert (account.kind, account.wechat_openid, account.has_usable_password()) == (
        AccountKind.OWNER,
        embedded_wechat.openid_for("业主甲"),
        False,
    )
    assert client.session["_auth_user_id"] == str(account.pk)
    assert client.session.session_key != before
    assert list(AuditEntry.objects.filter(actor=account).order_by("id").values_list("action", "data")) == [
        ("identity.owner.account_created", {"via": "wechat"}),
        ("identity.owner.logged_in", {"method": "wechat"}),
    ]


def test_the_same_test_name_is_the_same_account(db):
    wechat_login(Client(), "业主甲")
    wechat_login(Client(), "业主甲")
    wechat_login(Client(), "业主乙")
    assert Account.objects.count() == 2
    assert embedded_wechat.openid_for("业主甲") != embedded_wechat.openid_for("业主乙")


def test_a_snapshot_mode_user_is_refused(db):
    client = Client()
    response = wechat_login(client, snapshot=True)
    assert response.status_code == 400
    assert "请在微信中打开并授权后使用" in text(response.content.decode())
    assert Account.objects.count() == 0
    assert "_auth_user_id" not in client.session


def test_a_state_that_does_not_match_the_session_is_refused(db):
    client = Client()
    params = wechat_authorize(client)
    code = embedded_wechat.issue_code(name="业主甲")
    state = params["state"]
    wrong = state[:-1] + (
        "1" if state.endswith("0") else "0"
    )  # a changed last character (it may have been "0")
    response = client.get("/me/login/wechat/callback/", {"code": code, "state": wrong})
    assert response.status_code == 400
    assert "授权状态校验失败，请从公众号菜单重新进入页面。" in text(response.content.decode())
    assert Account.objects.count() == 0
    # The nonce was used up by the failed attempt: the right state no longer works either.
    response = client.get("/me/login/wechat/callback/", {"code": code, "state": params["state"]})
    assert response.status_code == 400
    assert Account.objects.count() == 0


def test_a_callback_without_a_started_authorisation_is_refused(db):
    code = embedded_wechat.issue_code(name="业主甲")
    response = Client().get("/me/login/wechat/callback/", {"code": code, "state": "abc123"})
    assert response.status_code == 400
    assert Account.objects.count() == 0


def test_a_code_works_once_and_answers_like_wechat(db):
    code = embedded_wechat.issue_code(name="业主甲")
    first = embedded_wechat.exchange(code)
    assert set(first) == {"access_token", "expires_in", "refresh_token", "openid", "scope", "is_snapshotuser"}
    assert (first["openid"], first["scope"], first["is_snapshotuser"]) == (
        embedded_wechat.openid_for("业主甲"),
        "snsapi_base",
        0,
    )
    assert embedded_wechat.exchange(code) == {"errcode": 40029, "errmsg": "invalid code"}
    assert embedded_wechat.exchange("") == {"errcode": 41008, "errmsg": "missing code"}


def test_the_stand_in_only_redirects_to_this_site(db):
    response = Client().get(
        "/me/wechat-standin/authorize",
        {"redirect_uri": "https://evil.example/cb", "state": "abc", "appid": "x"},
    )
    assert response.status_code == 404


def test_the_stand_in_page_is_off_with_the_real_backend(db, settings):
    settings.PMIP_WECHAT_OAUTH_BACKEND = "wechat"
    response = Client().get(
        "/me/wechat-standin/authorize",
        {"redirect_uri": "http://testserver/me/login/wechat/callback/", "state": "a"},
    )
    assert response.status_code == 404


def test_a_staff_openid_cannot_log_in_as_owner(db, staff, city):
    staff["city"].wechat_openid = embedded_wechat.openid_for("科员")
    staff["city"].save()
    client = Client()
    response = wechat_login(client, "科员")
    assert response.status_code == 403
    assert "该微信账号无法登录业主服务，请联系客服。" in text(response.content.decode())
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_an_unsafe_next_goes_home(db, unsafe):
    client = Client()
    first = client.get("/me/login/wechat/", {"next": unsafe})
    params = _query(first["Location"].split("#")[0])
    back = client.post(
        "/me/wechat-standin/authorize",
        {"redirect_uri": params["redirect_uri"], "state": params["state"], "name": "业主甲"},
    )
    response = client.get(back["Location"])
    assert response["Location"] == "/"


def test_owner_pages_send_to_the_log_in_with_next(db):
    response = Client().get("/me/binding/units/")
    assert response.status_code == 302
    assert response["Location"] == "/me/login/?next=%2Fme%2Fbinding%2Funits%2F"


def test_staff_sessions_are_not_owner_sessions(db, staff, city):
    client = Client()
    client.force_login(staff["city"])
    assert client.get("/me/binding/units/")["Location"] == "/me/login/?next=%2Fme%2Fbinding%2Funits%2F"
    entry = client.get("/me/binding/")
    assert entry.status_code == 200
    assert "工作人员账号不能办理业主身份绑定" in text(entry.content.decode())


def test_the_binding_entry_offers_the_log_in(db):
    page = Client().get("/me/binding/", HTTP_USER_AGENT=PHONE_UA)
    assert page.status_code == 200
    body = page.content.decode()
    assert "请先登录" in text(body)
    assert 'href="/me/login/?next=%2Fme%2Fbinding%2F"' in body
    # In WeChat the authorisation is silent: straight to the log-in.
    in_wechat = Client().get("/me/binding/", HTTP_USER_AGENT=WECHAT_UA)
    assert in_wechat["Location"] == "/me/login/?next=%2Fme%2Fbinding%2F"


# --------------------------------------------------------------------------------------------------- mobile


def _send(client: Client, mobile: str, answer: str = "PASSED", *, key: str | None = None):
    return client.post(
        "/me/login/",
        {
            "action": "send_code",
            "mobile": mobile,
            "captcha_0": key or CaptchaStore.generate_key(),
            "captcha_1": answer,
        },
        HTTP_HX_REQUEST="true",
        HTTP_USER_AGENT=PHONE_UA,
    )


def test_outside_wechat_the_log_in_page_offers_the_phone_form(db):
    page = Client().get("/me/login/", HTTP_USER_AGENT=PHONE_UA)
    assert page.status_code == 200
    body = page.content.decode()
    for label in ("微信授权登录", "手机号码", "图形验证码", "短信验证码", "获取验证码", "登录"):
        assert label in body
    assert 'src="/captcha/image/' in body


def test_an_unknown_phone_gets_an_account_after_the_right_code(db):
    client = Client()
    sent = _send(client, "13912349999")
    assert sent.status_code == 200
    fragment = sent.content.decode()
    assert "验证码已发送至139****9999，5分钟内有效。" in fragment
    assert 'data-countdown="60"' in fragment
    assert 'id="captcha-box" hx-swap-oob="true"' in fragment
    response = client.post(
        "/me/login/",
        {"mobile": "13912349999", "sms_code": last_code("+8613912349999"), "next": "/me/binding/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/me/binding/"
    account = Account.objects.get(mobile="+8613912349999")
    assert (account.kind, account.wechat_openid) == (AccountKind.OWNER, None)
    assert client.session["_auth_user_id"] == str(account.pk)


def test_known_and_unknown_phones_get_the_same_answer(db):
    known = factories.account("known", mobile="+8613912348888")
    known.display_name = ""
    known.save()
    # the development-only captcha answer (a fresh random picture each time) is not part of the answer
    answers = [
        re.sub(r"开发环境：图形验证码为 \w+", "", text(_send(Client(), phone).content.decode()))
        for phone in ("13912348888", "13912347777")
    ]
    assert answers[0].replace("8888", "XXXX") == answers[1].replace("7777", "XXXX")
    client = Client()
    client.post("/me/login/", {"mobile": "13912348888", "sms_code": last_code("+8613912348888")})
    assert client.session["_auth_user_id"] == str(known.pk)
    assert Account.objects.count() == 1


def test_a_wrong_captcha_sends_nothing(db):
    key = CaptchaStore.generate_key()
    answer = "WRONG" if CaptchaStore.objects.get(hashkey=key).response != "wrong" else "OTHER"
    response = _send(Client(), "13912346666", answer, key=key)
    assert "图形验证码错误，请重新输入。" in text(response.content.decode())
    assert EmbeddedSmsBackend.last_to("+8613912346666") is None


def test_a_wrong_sms_code_logs_nobody_in(db):
    client = Client()
    _send(client, "13912345555")
    code = last_code("+8613912345555")
    response = client.post(
        "/me/login/", {"mobile": "13912345555", "sms_code": f"{(int(code) + 1) % 1000000:06d}"}
    )
    assert response.status_code == 200
    assert "验证码错误，还可尝试4次。" in text(response.content.decode())
    assert Account.objects.count() == 0


def test_a_staff_phone_cannot_log_in_as_owner(db, staff, city):
    client = Client()
    phone = staff["city"].mobile
    _send(client, phone)
    response = client.post("/me/login/", {"mobile": phone, "sms_code": last_code(phone)})
    assert "该手机号无法登录业主服务，请使用微信登录或联系客服。" in text(response.content.decode())
    assert "_auth_user_id" not in client.session


# --------------------------------------------------------------------------------------------------- log-out


def test_log_out(db):
    client = Client()
    wechat_login(client)
    response = client.post("/me/logout/")
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="identity.owner.logged_out").count() == 1


def test_log_out_everywhere_ends_every_session(db):
    phone, laptop = Client(), Client()
    wechat_login(phone)
    wechat_login(laptop)
    assert laptop.get("/me/binding/").status_code == 302  # logged in: goes on to the notice page
    assert laptop.get("/me/binding/")["Location"] == "/me/binding/notice/"
    assert phone.get("/me/logout-all/").status_code == 200  # the confirmation step
    response = phone.post("/me/logout-all/")
    assert response["Location"] == "/"
    account = Account.objects.get()
    assert account.sessions_valid_after is not None
    assert laptop.get("/me/binding/notice/")["Location"] == "/me/login/?next=%2Fme%2Fbinding%2Fnotice%2F"
    assert phone.get("/me/binding/notice/")["Location"] == "/me/login/?next=%2Fme%2Fbinding%2Fnotice%2F"
    # A new log-in afterwards works.
    again = Client()
    wechat_login(again)
    assert again.get("/me/binding/")["Location"] == "/me/binding/notice/"


def test_log_out_everywhere_ends_a_session_that_made_no_request_since_log_in(db):
    phone, tablet = Client(), Client()
    wechat_login(phone)
    wechat_login(tablet)  # logs in and then makes no request at all
    phone.post("/me/logout-all/")
    assert tablet.get("/me/binding/notice/")["Location"] == "/me/login/?next=%2Fme%2Fbinding%2Fnotice%2F"
    # A new log-in afterwards works.
    again = Client()
    wechat_login(again)
    assert again.get("/me/binding/")["Location"] == "/me/binding/notice/"
