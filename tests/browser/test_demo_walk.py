"""The demo walk (issue 12), at phone size, with the real clock: a database loaded by `demo_city` (tiny scale, as
`make run` loads small), the demo owner 张伟明 logs in with his phone number — the picture code and the SMS code read
from the development pages, as docs/demo.md tells a new user — votes in the meeting open now, and reads the results
of the meeting whose results are published. No clock is moved: the demo's meetings are relative to its load time."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import expect

from pmip.decisions.models import Ballot, Meeting, RollEntry
from pmip.identity.models import Account

pytestmark = pytest.mark.browser

SHOTS = "/tmp/pmip-demo-{}.png"
FLAGSHIP = "4403040001"
PHONE = "+8613900000001"  # 张伟明 (docs/demo.md)


@pytest.fixture(autouse=True)
def stand_ins(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PMIP_SMS_OUTBOX_FILE = tmp_path / "sms-outbox.log"
    settings.PMIP_SMS_BACKEND = "embedded"
    settings.PMIP_STANDIN_DIR = tmp_path / "standins"
    with override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}):
        yield


@pytest.fixture
def phone_browser_page(browser):
    """A phone-sized page in an ordinary mobile browser (not WeChat: there the log-in goes through WeChat's
    authorisation; the phone number and SMS code log-in is the one for other browsers)."""
    from tests.browser.conftest import PHONE as SIZE

    context = browser.new_context(
        viewport=SIZE,
        screen=SIZE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(30_000)  # the demo database is larger than a walk's own few rows
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    try:
        yield page
    finally:
        context.close()


def assert_fits_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width}px wide"


def shot(page, name: str):
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format(name), full_page=True)


def test_a_demo_owner_logs_in_votes_now_and_reads_published_results(site, phone_browser_page):
    call_command(
        "demo_city", "--scale", "tiny", "--seed", "1", "--no-progress", "--no-funds", stdout=io.StringIO()
    )
    real = Meeting.objects.filter(project__code=FLAGSHIP, rehearsal=False)
    open_meeting, closed = real.get(state="open"), real.get(state="published")
    first = open_meeting.matters.order_by("order").first()
    owner = Account.objects.get(mobile=PHONE)
    unit_id = RollEntry.objects.filter(meeting=open_meeting, principal=owner).values_list(
        "unit_id", flat=True
    )[0]
    others = Ballot.objects.filter(meeting=open_meeting).count()
    assert others > 0  # other owners have voted already

    # --- log in with the phone: the picture code and the SMS code come from the development pages ------------------
    page = phone_browser_page
    page.goto(site + "/me/login/")
    page.locator("#id_mobile").fill("13900000001")
    captcha = re.search(r"图形验证码为\s*(\S+)", page.locator("body").inner_text())
    page.locator("#id_captcha_1").fill(captcha.group(1) if captcha else "PASSED")
    page.locator("#sms-btn").tap()
    expect(page.locator("#sms-status")).to_contain_text("验证码已发送")
    shot(page, "1-login")
    page.locator("a[href='/dev/inbox/']").first.click()
    expect(page).to_have_url(site + "/dev/inbox/")
    message = page.locator(".pm-standin-item", has_text=PHONE).first
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", message.inner_text()).group(1)
    shot(page, "2-inbox")
    page.go_back()
    page.locator("#id_mobile").fill("13900000001")
    page.locator("#id_sms_code").fill(code)
    page.get_by_role("button", name="登录").tap()
    expect(page).not_to_have_url(re.compile(r"/me/login/"))

    # --- 业主决策 → 参与投票: the meeting open now ----------------------------------------------------------------------
    page.goto(site + "/property/service/")
    page.locator(".pm-grid", has_text="业主决策").tap()
    expect(page).to_have_url(re.compile(r"/decisions/"))
    expect(page.locator("#project-bar")).to_contain_text("莲花山庄")
    page.locator("#entry-votes").tap()
    row = page.locator(f"#vote-list [data-matter='{first.pk}']")
    expect(row).to_have_attribute("data-state", "pending")
    shot(page, "3-votes")
    row.tap()
    expect(page).to_have_url(site + f"/decisions/matters/{first.pk}/")
    slot = page.locator(f"[data-slot='{unit_id}']")
    slot.locator("label.weui-check__label", has_text="同意").tap()
    slot.locator("input[type=checkbox]").check()
    shot(page, "4-matter")
    slot.get_by_role("button", name="立即投票").tap()
    expect(page.locator("#confirm")).to_contain_text("请确认您的投票")
    page.get_by_role("button", name="确认提交").tap()
    expect(page).to_have_url(site + f"/decisions/matters/{first.pk}/receipt/{unit_id}/")
    expect(page.locator("#receipt")).to_be_visible()
    shot(page, "5-receipt")
    assert Ballot.objects.filter(meeting=open_meeting).count() == others + 1

    # --- the meeting whose results are published ------------------------------------------------------------------------
    page.goto(site + "/decisions/")
    page.locator("#entry-votes").tap()
    page.locator("#vote-tabs [data-tab='counted']").tap()
    closed_matter = closed.matters.order_by("order").first()
    counted = page.locator(f"#vote-list [data-matter='{closed_matter.pk}']")
    expect(counted.locator("[data-outcome]")).to_have_text("通过")
    counted.tap()
    page.locator("#link-results").tap()
    expect(page).to_have_url(site + f"/decisions/meetings/{closed.pk}/results/")
    expect(page.locator("[data-field=conclusion]").first).to_contain_text("通过")
    expect(page.locator("[data-field=counts]").first).to_contain_text("参与表决")
    shot(page, "6-results")
    assert page.js_errors == []
