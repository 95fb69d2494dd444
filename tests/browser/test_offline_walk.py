"""Walk: a Hong Kong owner (回乡证, no online face verification) applies for 线下认证 on the phone → the committee of
莲花山庄 logs in to the back office (password, then SMS code) → 线下认证 → types the ID number → opens the
application → uploads the three kinds of evidence → approves → the owner's page shows 已人脸认证（线下）."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from pmip.identity.models import OfflineEvidence, OfflineVerification
from pmip.integrations.sms import EmbeddedSmsBackend
from tests import factories
from tests.identity.factories_offline import (
    HK_NUMBER,
    PDF_BYTES,
    hk_owner,
    jpeg_bytes,
    offline_env,  # noqa: F401 - fixture
    png_bytes,
)

pytestmark = pytest.mark.browser

SHOTS = "/tmp/pmip-offline-{}.png"
DESKTOP = {"width": 1280, "height": 900}


def logged_in_cookie(account, site: str) -> dict:
    """A real session for `account` (the owner log-in is another feature), handed to the browser as its cookie.
    Staff get the session the two-step office log-in leaves (with the second-factor mark)."""
    client = Client()
    if account.kind == "owner":
        client.force_login(account)
    else:
        factories.login_staff(client, account)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}


def assert_fits_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width}px wide"


def test_offline_verification_walk(site, browser, phone_page, offline_env, tmp_path):  # noqa: F811
    city = factories.small_city()
    staff = factories.staff_accounts(city)
    owner, identity, _ = hk_owner(city)
    committee = staff["committee"]

    # --- the owner applies on the phone ---------------------------------------------------------------------
    phone = phone_page
    phone.context.add_cookies([logged_in_cookie(owner, site)])
    phone.goto(site + "/delegation/offline/")
    expect(phone.locator("[data-field=verification]")).to_have_text(
        "待线下认证"
    )  # as on 业主身份绑定 (one label)
    phone.locator("#id_project").select_option(label="莲花山庄")
    assert_fits_phone(phone)
    phone.screenshot(path=SHOTS.format("1-owner-apply"), full_page=True)
    phone.get_by_role("button", name="申请线下认证").tap()
    expect(phone.locator("#pending-tip")).to_contain_text("莲花山庄")
    expect(phone.locator(".pm-message")).to_contain_text("已提交线下认证申请")
    assert_fits_phone(phone)
    phone.screenshot(path=SHOTS.format("2-owner-pending"), full_page=True)
    application = OfflineVerification.objects.get()
    assert (application.account, application.project, application.status) == (
        owner,
        city.projects["lianhua"],
        "pending",
    )

    # --- the committee logs in to the back office (both steps) ----------------------------------------------
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    office = context.new_page()
    errors: list[str] = []
    office.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        office.goto(site + "/office/login/")
        office.locator("#id_username").fill(committee.username)
        office.locator("#id_password").fill(factories.STAFF_PASSWORD)
        office.get_by_role("button", name="下一步").click()
        expect(office).to_have_url(site + "/office/login/verify/")
        code = EmbeddedSmsBackend.last_to(committee.mobile).params["code"]
        office.locator("#id_code").fill(code)
        office.get_by_role("button", name="登录").click()
        expect(office).to_have_url(site + "/office/")

        # 线下认证 → ID number
        office.get_by_role("link", name="线下认证").click()
        expect(office).to_have_url(site + "/office/verification/offline/")
        expect(office.locator("[data-pending-count]")).to_have_text("1")
        office.locator("#id_id_number").fill(HK_NUMBER.lower())
        office.screenshot(path=SHOTS.format("3-office-search"), full_page=True)
        office.get_by_role("button", name="查询申请记录").click()
        row = office.locator(f"tr[data-application='{application.pk}']")
        expect(row).to_contain_text("陈**")
        expect(row).to_contain_text("H******78")
        expect(row).to_contain_text("待审核")
        assert HK_NUMBER not in office.content()
        assert HK_NUMBER not in office.url and HK_NUMBER.lower() not in office.url
        office.screenshot(path=SHOTS.format("4-office-results"), full_page=True)

        # the application: titles to check, upload, approve
        row.get_by_role("link", name="验证").click()
        expect(office).to_have_url(re.compile(rf"/office/verification/offline/{application.pk}/$"))
        expect(office.locator("#titles tbody tr")).to_have_count(1)
        expect(office.locator("#titles tbody tr")).to_contain_text("1栋102")
        expect(office.locator("#titles tbody tr")).to_contain_text("粤(2016)深圳市不动产权第0012345号")
        files = {
            "title_proof": ("产权证明.pdf", PDF_BYTES),
            "id_proof": ("回乡证.jpg", jpeg_bytes(size=(320, 200))),
            "holding_photo": ("手持证件.png", png_bytes(size=(240, 320))),
        }
        for field, (name, data) in files.items():
            path = tmp_path / name
            path.write_bytes(data)
            office.locator(f"#id_{field}").set_input_files(str(path))
        office.get_by_role("button", name="上传材料").click()
        expect(office.locator(".msg-success")).to_have_text(
            "已上传3个文件：产权证明、身份证件证明、本人手持证件照片。"
        )
        expect(office.locator("#evidence tbody tr")).to_have_count(3)
        office.screenshot(path=SHOTS.format("5-office-uploaded"), full_page=True)

        # a file opens through the checked view
        with office.expect_popup() as popup:
            office.locator("#evidence a", has_text="手持证件.png").click()
        shown = popup.value
        shown.wait_for_load_state()
        assert shown.url.startswith(site + "/office/verification/evidence/")
        shown.close()

        office.locator("#id_confirm").check()
        office.get_by_role("button", name="验证通过").click()
        expect(office.locator(".msg-success")).to_have_text(
            "线下认证已通过，业主的身份状态已更新为“已人脸认证（线下）”。"
        )
        expect(office.locator("[data-field=verification]")).to_have_text("已人脸认证（线下）")
        office.screenshot(path=SHOTS.format("6-office-approved"), full_page=True)
        assert errors == []
    finally:
        context.close()

    application.refresh_from_db()
    identity.refresh_from_db()
    assert (application.status, application.decided_by, identity.verification) == (
        "approved",
        committee,
        "offline",
    )
    assert OfflineEvidence.objects.filter(application=application).count() == 3

    # --- the owner's page ---------------------------------------------------------------------------------
    phone.goto(site + "/delegation/offline/")
    expect(phone.locator("[data-field=verification]")).to_have_text("已人脸认证（线下）")
    expect(phone.locator(f"[data-application='{application.pk}']")).to_contain_text("已通过")
    assert_fits_phone(phone)
    phone.screenshot(path=SHOTS.format("7-owner-verified"), full_page=True)
    assert phone.js_errors == []
