"""Walk: an owners' meeting from the convener's desk to the owners' phones and back.

The committee of 东门花园 logs in to the back office (password, then SMS code) → 业主决策 → 新建会议 → adds a matter (Art.
278 item 4) → uploads the meeting notice → publishes the notice (confirmation step) → the two co-owners of 1-101
nominate 张三 on their phones (推选投票人; effective when both named him) → voting opens (confirmation step; roll
frozen) → 张三, 王五 and 赵六 vote on their phones and get receipts → the convener watches turnout (participation only)
→ two clerks enter the developer's paper ballot (double entry) → voting closes → the tally sheet → the per-matter
export is downloaded and recounted with pmip-verify (library and command line) → the results are published → 张三
sees the results and finds his receipt in the bulletin.

Time: the notice must go out at least 15 days (the meeting's setting, at least 1) before voting starts, so the real
clock cannot carry this walk. The test freezes `pmip.core.clock` (module state, shared with the live server's thread
in this process) and moves it forward between the phases: notice at T0, nominations at T0 + 1 day, voting opens at
T_START (T0 + 16 days), votes at T_VOTE, close at T_END. Session idle/absolute limits are raised for the walk, since
they follow the same clock.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys

import pytest
from django.test import Client
from playwright.sync_api import expect

from pmip.core import clock
from pmip.decisions.models import Ballot, Matter, Meeting, PaperBallotEntry, VoterNomination
from pmip.integrations.sms import EmbeddedSmsBackend
from pmip_verify import tally as verify_tally
from pmip_verify.__main__ import load_document
from tests import factories
from tests.decisions import factories as f

pytestmark = pytest.mark.browser

SHOTS = "/tmp/pmip-office-voting-{}.png"
DESKTOP = {"width": 1280, "height": 900}
DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def walk_settings(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PMIP_SMS_OUTBOX_FILE = tmp_path / "sms-outbox.log"
    settings.PMIP_SMS_BACKEND = "embedded"
    settings.TASKS = DUMMY_TASKS
    settings.PMIP_SESSION_IDLE_SECONDS = settings.PMIP_SESSION_ABSOLUTE_SECONDS = 400 * 24 * 3600
    EmbeddedSmsBackend.sent.clear()
    yield settings
    EmbeddedSmsBackend.sent.clear()


def owner_cookie(account, site: str) -> dict:
    """A real owner session (the owner log-in is another feature's walk), handed to the browser as its cookie."""
    client = Client()
    client.force_login(account)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}


def assert_fits_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width}px wide"


def office_login(browser, site: str, account):
    context = browser.new_context(
        viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.goto(site + "/office/login/")
    page.locator("#id_username").fill(account.username)
    page.locator("#id_password").fill(factories.STAFF_PASSWORD)
    page.get_by_role("button", name="下一步").click()
    expect(page).to_have_url(site + "/office/login/verify/")
    page.locator("#id_code").fill(EmbeddedSmsBackend.last_to(account.mobile).params["code"])
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(site + "/office/")
    return context, page


def phone_for(browser, site: str, account, phone_page=None):
    from tests.browser.conftest import PHONE, WECHAT_UA

    if phone_page is not None:
        page = phone_page
    else:
        context = browser.new_context(
            viewport=PHONE,
            screen=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            user_agent=WECHAT_UA,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.context.add_cookies([owner_cookie(account, site)])
    return page


def vote_on_phone(page, site: str, matter: Matter, choice: str, shot: str) -> str:
    page.goto(f"{site}/decisions/matters/{matter.pk}/")
    expect(page.locator("[data-field=state]")).to_be_visible()
    form = page.locator("form.pv-vote")
    radio_id = form.locator(f"input[type=radio][value={choice}]").get_attribute("id")
    form.locator(f"label[for='{radio_id}']").tap()  # WeUI hides the radio itself; people tap the row
    expect(form.locator(f"#{radio_id}")).to_be_checked()
    form.locator("input[type=checkbox][name$=agreement]").check()
    assert_fits_phone(page)
    form.locator("button[type=submit]").tap()
    expect(page.locator("#confirm")).to_contain_text("请确认您的投票")
    page.get_by_role("button", name="确认提交").tap()
    receipt = page.locator("#receipt")
    expect(receipt).to_be_visible()
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format(shot), full_page=True)
    return receipt.get_attribute("data-receipt")


def test_voting_walk(site, browser, phone_page, walk_settings, tmp_path):
    where = f.place()
    project = where.project
    convener = f.committee_staff(project, "dongmen_committee")
    clerk = f.committee_staff(project, "dongmen_clerk")
    zhang, li, wang, zhao = f.person("张三"), f.person("李四"), f.person("王五"), f.person("赵六")
    units = {
        "1-101": f.unit(project, "1-101", "90.00"),
        "1-102": f.unit(project, "1-102", "80.00"),
        "2-101": f.unit(project, "2-101", "60.00"),
        "2-102": f.unit(project, "2-102", "70.00", developer_held=True),
    }
    f.co_own(units["1-101"], [zhang, li])
    f.own(units["1-102"], wang)
    f.own(units["2-101"], zhao)

    with clock.frozen(f.T0 - dt.timedelta(hours=2)) as now:
        context, office = office_login(browser, site, convener)
        try:
            # --- the convener creates the meeting, a matter and the notice file ---------------------------------
            office.get_by_role("link", name="业主决策").click()
            expect(office).to_have_url(site + "/office/decisions/")
            expect(office.locator(".empty")).to_contain_text("还没有业主大会会议")
            office.get_by_role("link", name="新建会议").click()
            office.locator("#id_title").fill("2026年第一次临时业主大会")
            office.locator("#id_voting_starts_at").fill("2026-05-17T10:00")
            office.locator("#id_voting_ends_at").fill("2026-05-24T10:00")
            expect(office.locator("#id_notice_days")).to_have_value("15")
            office.screenshot(path=SHOTS.format("01-office-new-meeting"), full_page=True)
            office.get_by_role("button", name="创建会议").click()
            expect(office.locator(".msg-success")).to_have_text(
                "会议已创建（草稿）。请添加表决事项并上传会议通知文件。"
            )
            meeting = Meeting.objects.get()
            assert (meeting.voting_starts_at, meeting.voting_ends_at) == (f.T_START, f.T_END)

            office.get_by_role("link", name="添加议题").first.click()
            office.locator("#id_title").fill("续聘深圳市东门物业服务有限公司")
            office.locator("#id_item").select_option("4")
            expect(office.locator("#election-fields")).to_be_hidden()  # shown only for an election
            office.screenshot(path=SHOTS.format("02a-office-matter"), full_page=True)
            office.get_by_role("button", name="添加议题").click()
            expect(office.locator(".msg-success")).to_have_text(
                "已添加议题1：续聘深圳市东门物业服务有限公司（一般事项）。"
            )
            office.get_by_role("link", name="上传公示文件").first.click()
            notice_pdf = tmp_path / "会议通知.pdf"
            notice_pdf.write_bytes(f.PDF)
            office.locator("#id_title").fill("2026年第一次临时业主大会会议通知")
            office.locator("#id_upload").set_input_files(str(notice_pdf))
            office.get_by_role("button", name="上传").click()
            expect(office.locator(".msg-success")).to_have_text(
                "已上传会议通知：2026年第一次临时业主大会会议通知。"
            )
            expect(office.locator("#binding tbody tr")).to_have_count(2)
            office.screenshot(path=SHOTS.format("02-office-draft"), full_page=True)

            # --- the notice, with its confirmation step --------------------------------------------------------
            now.advance(hours=2)  # T0: 16 days before voting starts
            office.get_by_role("link", name="发布会议通知…").click()
            expect(office.locator(".tag-ok")).to_have_text("符合")
            office.get_by_role("button", name="确认发布会议通知").click()
            expect(office.locator(".field-check .error")).to_have_text("请先勾选确认。")
            office.locator("#id_confirm").check()
            office.screenshot(path=SHOTS.format("03-office-confirm-notice"), full_page=True)
            office.get_by_role("button", name="确认发布会议通知").click()
            expect(office.locator("h1 [data-state]")).to_have_text("公示中")
            expect(office.locator("#matters")).not_to_contain_text("修改")
            matter = Matter.objects.get()

            # --- the co-owners of 1-101 nominate 张三 on their phones -------------------------------------------
            now.advance(days=1)
            for who in (zhang, li):
                page = phone_for(browser, site, who.account, phone_page if who is zhang else None)
                page.goto(f"{site}/decisions/nominate/")
                page.locator("#nominate-form label", has_text="张*").tap()
                page.get_by_role("button", name="提交推选").tap()
                expect(page.locator("#co-owners")).to_be_visible()
                if who is li:
                    expect(page.locator("#nomination-status")).to_have_text("推选已生效：投票人为 张*")
                    assert_fits_phone(page)
                    page.screenshot(path=SHOTS.format("04-phone-nominated"), full_page=True)
                    page.context.close()
            assert VoterNomination.objects.filter(ended_at__isnull=True, nominee=zhang.account).count() == 2

            # --- voting opens (roll frozen) ----------------------------------------------------------------------
            now.advance(days=15)  # T_START
            office.reload()
            office.get_by_role("link", name="开始投票…").click()
            office.locator("#id_confirm").check()
            office.get_by_role("button", name="确认开始投票").click()
            expect(office.locator(".msg-success")).to_have_text("投票已开始，投票人名册已冻结。")
            expect(office.locator("h1 [data-state]")).to_have_text("投票中")
            office.screenshot(path=SHOTS.format("05-office-open"), full_page=True)

            # --- owners vote on their phones and keep their receipts --------------------------------------------
            now.advance(days=1)  # T_VOTE
            receipts = {"张三": vote_on_phone(phone_page, site, matter, "yes", "06-phone-receipt-zhang")}
            for who, choice in ((wang, "yes"), (zhao, "no")):
                page = phone_for(browser, site, who.account)
                receipts[who.name] = vote_on_phone(page, site, matter, choice, f"07-phone-receipt-{who.name}")
                page.context.close()
            assert set(receipts.values()) == set(Ballot.objects.values_list("receipt", flat=True))

            # --- turnout: participation only ---------------------------------------------------------------------
            office.get_by_role("link", name="查看参与情况").click()
            panel = office.locator("#turnout")
            expect(panel).to_have_attribute("hx-trigger", "every 30s")
            expect(panel.locator("tr[data-k=owners] td").nth(1)).to_have_text("3")
            expect(panel.locator("tr[data-k=area] td").nth(1)).to_have_text("230.00 ㎡")
            expect(panel.locator("h2 .tag")).to_have_text("参与已达三分之二")
            for word in ("同意", "反对", "弃权"):
                assert word not in panel.inner_text()
            office.screenshot(path=SHOTS.format("08-office-turnout"), full_page=True)

            # --- the developer's paper ballot, entered by two clerks ---------------------------------------------
            office.get_by_role("link", name="书面表决票", exact=True).click()
            card = office.locator(f"#paper-{matter.pk}")
            card.locator("input[name$=unit]").fill("2-102")
            card.locator("input[name$=form_number]").fill("No.0001")
            card.locator("input[type=radio][value=yes]").check()
            card.get_by_role("button", name="录入").click()
            expect(office.locator(".msg-success")).to_contain_text("第一次录入已保存：2-102，议题1。")
            clerk_context, clerk_page = office_login(browser, site, clerk)
            try:
                clerk_page.goto(f"{site}/office/decisions/{meeting.pk}/paper/")
                card = clerk_page.locator(f"#paper-{matter.pk}")
                card.locator("input[name$=unit]").fill("2栋102")
                card.locator("input[name$=form_number]").fill("No.0001")
                card.locator("input[type=radio][value=yes]").check()
                card.get_by_role("button", name="录入").click()
                expect(clerk_page.locator(".msg-success")).to_have_text(
                    "两次录入一致，2-102的书面表决票已计入（议题1）。"
                )
                expect(clerk_page.locator("#paper-entries tbody tr").first).to_contain_text("已确认")
                clerk_page.screenshot(path=SHOTS.format("09-office-paper"), full_page=True)
                assert clerk_page.js_errors == []
            finally:
                clerk_context.close()
            assert PaperBallotEntry.objects.get().state == "confirmed"

            # --- close, tally sheet, export recounted by pmip-verify, publish ------------------------------------
            now.advance(days=6)  # T_END
            office.goto(f"{site}/office/decisions/{meeting.pk}/")
            office.get_by_role("link", name="截止投票…").click()
            office.locator("#id_confirm").check()
            office.get_by_role("button", name="确认截止投票").click()
            expect(office.locator("h1 [data-state]")).to_have_text("已截止（计票中）")
            office.get_by_role("link", name="查看计票结果").click()
            result = office.locator(f"[data-result='{matter.pk}-']")
            expect(result.locator("[data-k=participating_owners]")).to_have_text("4")
            expect(result.locator("[data-k=yes_owners]")).to_have_text("3")
            expect(result.locator("[data-k=yes_area]")).to_have_text("240.00 ㎡")
            expect(result.locator("[data-outcome]")).to_have_text("结论：通过")
            expect(result.locator("tr[data-test=quorum_owners] .formula")).to_have_text("3 × 4 ≥ 2 × 4")
            expect(office.locator("#verify pre")).to_contain_text("pmip-verify tally")
            office.screenshot(path=SHOTS.format("10-office-tally"), full_page=True)

            with office.expect_download() as download_info:
                office.locator(f"[data-export='{matter.pk}-']").click()
            download = download_info.value
            exported = tmp_path / download.suggested_filename
            download.save_as(exported)
            assert download.suggested_filename == f"meeting-{meeting.pk}-matter-1.json"
            recount = verify_tally(load_document(exported.read_text(encoding="utf-8")))
            from pmip.decisions.selectors import tally_sheet

            platform = tally_sheet(actor=convener, meeting_id=meeting.pk).matters[0].results[0].document
            assert recount == platform
            assert (recount["participating_owners"], recount["yes_area"], recount["outcome"]) == (
                4,
                "240.00",
                "passed",
            )
            cli = subprocess.run(
                [sys.executable, "-m", "pmip_verify", "tally", str(exported)],
                capture_output=True,
                text=True,
                check=True,
            )
            assert json.loads(cli.stdout) == platform

            office.get_by_role("link", name="公布表决结果…").click()
            office.locator("#id_confirm").check()
            office.get_by_role("button", name="确认公布表决结果").click()
            expect(office.locator(".msg-success")).to_have_text(
                "表决结果已公布，本小区业主现在可以查看计票结果。"
            )
            expect(office.locator("h1 [data-state]")).to_have_text("结果已公布")
            office.get_by_role("link", name="操作记录").click()
            expect(office.locator("#audit tbody tr").first).to_contain_text("公布表决结果")
            expect(office.locator("[data-k=ballots]")).to_have_text("3")
            office.screenshot(path=SHOTS.format("11-office-audit"), full_page=True)
            assert office.js_errors == []
        finally:
            context.close()

        # --- 张三 reads the results and finds his receipt in the bulletin ----------------------------------------
        phone_page.goto(f"{site}/decisions/meetings/{meeting.pk}/results/")
        expect(
            phone_page.locator(f"section[data-matter='{matter.pk}'] [data-field=conclusion]")
        ).to_contain_text("通过")
        assert_fits_phone(phone_page)
        phone_page.screenshot(path=SHOTS.format("12-phone-results"), full_page=True)
        phone_page.goto(f"{site}/decisions/meetings/{meeting.pk}/bulletin/?q={receipts['张三'][:8]}")
        mine = phone_page.locator(f"[data-receipt='{receipts['张三']}']")
        expect(mine.locator("[data-field=mine]")).to_have_text("这是您投出的选票")
        assert re.search(r"1栋101|1-101", mine.inner_text())
        assert "张" not in mine.inner_text()
        assert_fits_phone(phone_page)
        phone_page.screenshot(path=SHOTS.format("13-phone-bulletin"), full_page=True)
        assert phone_page.js_errors == []

    meeting.refresh_from_db()
    assert (meeting.state, meeting.count_mismatch) == ("published", False)
