"""Walk at phone size, as a new owner in WeChat: 我的小区 → 业主身份绑定 → WeChat stand-in log-in → 温馨提示 →
form (captcha, htmx 获取验证码, SMS code) → 人脸识别信息确认 → face stand-in 通过 → units → 提交绑定 → bound page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pmip.identity.models import HouseBinding, OwnerIdentity
from pmip.integrations.sms import EmbeddedSmsBackend
from tests.factories import mainland_id

pytestmark = pytest.mark.browser

SHOTS = "/tmp/pmip-binding-{}.png"
ID_NUMBER = mainland_id(1)  # 张三's title: 莲花山庄 1栋101 (tests.factories.small_city)


@pytest.fixture(autouse=True)
def stand_ins(settings, tmp_path):
    settings.PMIP_SMS_OUTBOX_FILE = tmp_path / "sms-outbox.log"
    settings.PMIP_SMS_BACKEND = "embedded"
    settings.PMIP_STANDIN_DIR = tmp_path / "standins"
    settings.PMIP_FACEID_BACKEND = "embedded"
    settings.PMIP_WECHAT_OAUTH_BACKEND = "embedded"
    EmbeddedSmsBackend.sent.clear()
    yield
    EmbeddedSmsBackend.sent.clear()


def assert_fits_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width}px wide"


def test_a_new_owner_binds_a_house_in_wechat(phone_page, site, city):
    page = phone_page
    page.goto(site + "/property/mine/")
    page.locator(".pm-entry", has_text="业主身份绑定").tap()

    # WeChat web authorisation, played by the embedded stand-in.
    expect(page).to_have_url(re.compile(r"/me/wechat-standin/authorize\?appid="))
    page.screenshot(path=SHOTS.format("0-wechat"), full_page=True)
    page.locator("#id_name").fill("新业主")
    page.get_by_role("button", name="允许").tap()

    # 温馨提示 and 《用户协议》.
    expect(page).to_have_url(site + "/me/binding/notice/")
    expect(page.locator("#user-agreement")).to_contain_text("《用户协议》")
    page.get_by_role("button", name="下一步").tap()
    expect(page.locator(".pm-acc-error")).to_have_text("请先阅读并勾选“我已经阅读了《用户协议》”。")
    page.get_by_text("我已经阅读了《用户协议》", exact=True).tap()
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format("1-notice"), full_page=True)
    page.get_by_role("button", name="下一步").tap()

    # The form, in the manual's order.
    expect(page).to_have_url(site + "/me/binding/form/")
    labels = page.locator(".weui-cells_form .weui-label").all_inner_texts()
    assert labels == ["业主姓名", "证件类型", "证件号码", "图形验证码", "手机号码", "短信验证码"]
    page.locator("#id_holder_name").fill("张三")
    expect(page.locator("#id_id_type")).to_have_value("mainland")
    page.locator("#id_id_number").fill(ID_NUMBER)
    page.locator("#id_captcha_1").fill("PASSED")
    page.locator("#id_mobile").fill("13912340001")
    page.evaluate("window.__walkMarker = 'same-page'")
    page.locator("#sms-btn").tap()
    expect(page.locator("#sms-status")).to_have_text("验证码已发送至139****0001，5分钟内有效。")
    expect(page.locator("#sms-btn")).to_be_disabled()
    expect(page.locator("#sms-btn")).to_have_text(re.compile(r"^\d+秒后重发$"))
    assert page.evaluate("window.__walkMarker") == "same-page"  # htmx swapped only the SMS box
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format("2-form"), full_page=True)
    code = EmbeddedSmsBackend.last_to("+8613912340001").params["code"]
    page.locator("#id_sms_code").fill(code)
    page.get_by_role("button", name="下一步").tap()

    # Separate consent to face data, then the face stand-in.
    expect(page).to_have_url(site + "/me/binding/face/")
    expect(page.locator("article")).to_contain_text("不保存任何人脸图像或视频")
    page.get_by_text("我已阅读并同意《人脸识别信息处理告知》").tap()
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format("2-face-consent"), full_page=True)
    page.get_by_role("button", name="下一步").tap()
    expect(page).to_have_url(re.compile(r"/me/faceid-standin/verify\?token="))
    expect(page.locator(".weui-msg__desc")).to_contain_text("张*")
    page.get_by_role("button", name="通过", exact=True).tap()

    # The bindable units.
    expect(page).to_have_url(site + "/me/binding/units/")
    unit_row = page.locator("[data-unit-id]")
    expect(unit_row).to_have_count(1)
    expect(unit_row).to_contain_text("莲花山庄 1栋101")
    expect(unit_row).to_contain_text("产权人 张*")
    expect(unit_row).to_contain_text("面积 90.00 ㎡")
    unit_row.locator("input[type=checkbox]").check()
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format("3-units"), full_page=True)
    page.get_by_role("button", name="提交绑定").tap()

    # The bound page.
    expect(page).to_have_url(site + "/me/binding/")
    expect(page.locator("[data-field=holder]")).to_have_text("张*")
    expect(page.locator("[data-field=id_number]")).to_have_text(ID_NUMBER[:3] + "*" * 11 + ID_NUMBER[-4:])
    expect(page.locator("[data-field=mobile]")).to_have_text("139****0001")
    expect(page.locator("[data-status]")).to_have_text("已人脸认证")
    expect(page.locator("#bound-units")).to_contain_text("莲花山庄 1栋101")
    expect(page.get_by_role("button", name="添加房屋绑定")).to_be_visible()
    expect(page.get_by_role("link", name="解除所有绑定")).to_be_visible()
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format("4-bound"), full_page=True)

    identity = OwnerIdentity.objects.get()
    assert identity.verification == "face"
    assert HouseBinding.objects.get().unit.number == "101"
    assert page.js_errors == []
