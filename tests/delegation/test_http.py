"""委托管理 and 被委托人认证 through the owner portal and the JSON API (/api/v1/delegation)."""

from __future__ import annotations

import re

from django.urls import reverse

from pmip.audit.models import AuditEntry
from pmip.delegation import services
from pmip.delegation.models import Delegation
from pmip.integrations.sms import EmbeddedSmsBackend
from tests.delegation.conftest import DELEGATE_MOBILE, DELEGATE_NAME
from tests.portal.helpers import hrefs, text

API = "/api/v1/delegation"


def grant(owner, project, mobile="13700000001"):
    return services.grant_delegation(
        actor=owner, project=project, delegate_name=DELEGATE_NAME, delegate_mobile=mobile
    )


# --- portal ---------------------------------------------------------------------------------------------------


def test_menu_links_lead_to_the_pages(client, db):
    assert reverse("portal_delegation:index") in hrefs(client.get(reverse("portal:service")).content.decode())
    assert reverse("portal_delegation:delegate") in hrefs(client.get(reverse("portal:mine")).content.decode())
    for url in ("/delegation/", "/delegation/delegate/", "/delegation/grant/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "请先登录" in response.content.decode()
        assert f"/me/login/?next={url.replace('/', '%2F')}" in hrefs(response.content.decode())


def test_owner_grants_and_revokes_with_confirmation(client, city, owners):
    lianhua = city.projects["lianhua"]
    client.force_login(owners.li)
    page = client.get("/delegation/grant/")
    assert f'<option value="{lianhua.pk}">莲花山庄</option>' in page.content.decode()
    response = client.post(
        "/delegation/grant/",
        {"project": lianhua.pk, "delegate_name": "王五", "delegate_mobile": "137-0000-0001"},
    )
    assert response.status_code == 302 and response["Location"] == "/delegation/"
    d = Delegation.objects.get()
    assert (d.owner, d.project, d.delegate_name, d.delegate_mobile) == (
        owners.li,
        lianhua,
        "王五",
        DELEGATE_MOBILE,
    )
    body = client.get("/delegation/").content.decode()
    assert "被委托人：王五（137****0001）" in text(body)
    assert DELEGATE_MOBILE not in body
    revoke_url = f"/delegation/{d.pk}/revoke/"
    assert revoke_url in hrefs(body)

    confirm = client.get(revoke_url)
    assert confirm.status_code == 200
    assert "确认解除委托？" in confirm.content.decode()
    d.refresh_from_db()
    assert d.status == "active"  # the GET only asks
    assert client.post(revoke_url).status_code == 302
    d.refresh_from_db()
    assert d.status == "revoked"


def test_grant_errors_are_shown_on_the_form(client, city, owners):
    lianhua = city.projects["lianhua"]
    for owner in (owners.zhao, owners.qian, owners.sun):
        grant(owner, lianhua)
    client.force_login(owners.li)
    response = client.post(
        "/delegation/grant/",
        {"project": lianhua.pk, "delegate_name": "王五", "delegate_mobile": "13700000001"},
    )
    assert response.status_code == 422
    assert (
        "该被委托人在本小区已接受3位业主的委托，已达上限，不能再接受新的委托。" in response.content.decode()
    )
    response = client.post(
        "/delegation/grant/",
        {"project": city.projects["haian"].pk, "delegate_name": "王五", "delegate_mobile": "1"},
    )
    assert response.status_code == 422
    assert "请选择您已绑定房屋的小区。" in response.content.decode()
    assert Delegation.objects.filter(owner=owners.li).count() == 0


def test_someone_elses_delegation_is_404(client, city, owners):
    d = grant(owners.li, city.projects["lianhua"])
    client.force_login(owners.zhao)
    assert client.get(f"/delegation/{d.pk}/revoke/").status_code == 404
    assert client.post(f"/delegation/{d.pk}/revoke/").status_code == 404
    d.refresh_from_db()
    assert d.status == "active"


def test_delegate_verification_page(client, city, owners):
    grant(owners.li, city.projects["lianhua"])
    client.force_login(owners.delegate)
    response = client.post(
        "/delegation/delegate/",
        {"action": "send", "name": "王五", "mobile": "13700000001", "captcha_0": "k", "captcha_1": "PASSED"},
    )
    assert response.status_code == 200
    assert "验证码已发送至 137****0001，5分钟内有效。" in response.content.decode()
    code = EmbeddedSmsBackend.last_to(DELEGATE_MOBILE).params["code"]
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    response = client.post(
        "/delegation/delegate/", {"action": "verify", "name": "王五", "mobile": "13700000001", "code": wrong}
    )
    assert response.status_code == 422
    assert "验证码错误，还可尝试4次。" in response.content.decode()
    assert Delegation.objects.get().delegate_account is None
    response = client.post(
        "/delegation/delegate/", {"action": "verify", "name": "王五", "mobile": "13700000001", "code": code}
    )
    assert response.status_code == 302
    body = client.get("/delegation/delegate/").content.decode()
    assert "/property/projects/440304001/" in hrefs(body)
    assert "委托人：李*" in text(body)
    assert Delegation.objects.get().delegate_account == owners.delegate


# --- API ------------------------------------------------------------------------------------------------------


def test_api_needs_an_owner_session(client, staff, db):
    assert client.get(API).status_code == 401
    client.force_login(staff["committee"])
    assert client.get(API).status_code == 401


def test_api_grant_list_revoke(client, city, owners):
    client.force_login(owners.li)
    response = client.post(
        API,
        {"project_code": "440304001", "delegate_name": "王五", "delegate_mobile": "13700000001"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    d = Delegation.objects.get()
    assert body["id"] == d.pk
    assert (body["project_code"], body["delegate_name"], body["delegate_mobile"], body["status"]) == (
        "440304001",
        "王五",
        "137****0001",
        "active",
    )
    listing = client.get(API).json()
    assert [g["id"] for g in listing["given"]] == [d.pk]
    assert (listing["received"], listing["max_principals"]) == ([], 3)

    again = client.post(
        API,
        {"project_code": "440304001", "delegate_name": "王五", "delegate_mobile": "13700000001"},
        content_type="application/json",
    )
    assert again.status_code == 422
    assert again.json() == {
        "code": "delegation_exists",
        "message": "您在该小区已有生效中的委托，请先解除。",
        "status": 422,
        "field": "project",
    }
    missing = client.post(
        API,
        {"project_code": "999", "delegate_name": "王五", "delegate_mobile": "1"},
        content_type="application/json",
    )
    assert missing.status_code == 404

    client.force_login(owners.zhao)
    assert client.post(f"{API}/{d.pk}/revoke").status_code == 404
    client.force_login(owners.li)
    revoked = client.post(f"{API}/{d.pk}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"


def test_api_cap_error_code(client, city, owners):
    lianhua = city.projects["lianhua"]
    for owner in (owners.zhao, owners.qian, owners.sun):
        grant(owner, lianhua)
    client.force_login(owners.li)
    response = client.post(
        API,
        {"project_code": "440304001", "delegate_name": "王五", "delegate_mobile": "+86 137 0000 0001"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "delegation_cap_reached"
    assert Delegation.objects.filter(owner=owners.li).count() == 0


def test_api_delegate_verification(client, city, owners):
    d = grant(owners.li, city.projects["lianhua"])
    client.force_login(owners.delegate)
    sent = client.post(f"{API}/delegate/code", CODE_REQUEST, content_type="application/json")
    assert sent.status_code == 200
    assert sent.json()["masked_mobile"] == "137****0001"
    code = EmbeddedSmsBackend.last_to(DELEGATE_MOBILE).params["code"]
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    bad = client.post(
        f"{API}/delegate/verify",
        {"name": "王五", "mobile": "13700000001", "code": wrong},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert (bad.json()["code"], bad.json()["field"]) == ("sms_code_wrong", "code")
    ok = client.post(
        f"{API}/delegate/verify",
        {"name": "王五", "mobile": "13700000001", "code": code},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert ok.json()["linked"][0]["id"] == d.pk
    assert ok.json()["linked"][0]["principal"] == "李*"
    assert [r["project_code"] for r in client.get(API).json()["received"]] == ["440304001"]
    too_soon = client.post(f"{API}/delegate/code", CODE_REQUEST, content_type="application/json")
    assert too_soon.status_code == 429
    assert too_soon.json()["code"] == "sms_too_frequent"


def test_api_csrf_is_enforced(city, owners):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owners.li)
    response = client.post(
        API,
        {"project_code": "440304001", "delegate_name": "王五", "delegate_mobile": "13700000001"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Delegation.objects.count() == 0
    assert not AuditEntry.objects.filter(action="delegation.granted").exists()


def test_api_never_returns_full_delegate_mobiles(client, city, owners):
    grant(owners.li, city.projects["lianhua"])
    client.force_login(owners.li)
    assert not re.search(r"13700000001", client.get(API).content.decode())


CODE_REQUEST = {"mobile": "13700000001", "captcha_key": "k", "captcha_value": "PASSED"}


def test_delegate_code_needs_the_captcha(client, city, owners):
    """Issue 8, item 4: the delegate-code endpoint sent SMS to any number with no captcha."""
    client.force_login(owners.delegate)
    bare = client.post(f"{API}/delegate/code", {"mobile": "13700000001"}, content_type="application/json")
    assert bare.status_code in (400, 422)
    wrong = client.post(
        f"{API}/delegate/code",
        {"mobile": "13700000001", "captcha_key": "k", "captcha_value": "WRONG"},
        content_type="application/json",
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "captcha_invalid"
    page = client.post("/delegation/delegate/", {"action": "send", "name": "王五", "mobile": "13700000001"})
    assert "图形验证码错误" in page.content.decode()
    assert EmbeddedSmsBackend.last_to(DELEGATE_MOBILE) is None


def test_delegate_codes_are_limited_per_account(client, city, owners, settings):
    """Per account too: one account cannot spray codes over many numbers (each under its own phone limit)."""
    settings.PMIP_SMS_ACCOUNT_DAILY_LIMIT = 3
    settings.PMIP_SMS_IP_HOURLY_LIMIT = 100
    client.force_login(owners.delegate)
    answers = [
        client.post(
            f"{API}/delegate/code",
            {**CODE_REQUEST, "mobile": f"1370000{i:04d}"},
            content_type="application/json",
        )
        for i in range(10, 15)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert answers[-1].json()["code"] == "sms_account_limit"
