"""Walk at phone size: an owner in WeChat, voting open → 物业服务 → 业主决策 → 推选投票人 for the co-owned house
(切换房屋; a change during the vote applies to the next meeting) → 参与投票 (htmx tabs) → the matter: 同意, 《服务协议》
tick, 立即投票 → confirmation → 确认提交 → receipt. Then the committee closes and publishes (services) → the owner
reads the tally sheet and finds the receipt in the bulletin."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from playwright.sync_api import expect

from pmip.decisions.models import Ballot, VoterNomination
from tests.decisions import factories as f
from tests.portal_decisions.support import meeting_around_now, nominate, publish, vote

pytestmark = pytest.mark.browser

SHOTS = "/tmp/pmip-voting-{}.png"


@pytest.fixture(autouse=True)
def decisions_env(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    with override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}):
        yield


def logged_in_cookie(account, site: str) -> dict:
    """A real session for `account` (the owner log-in is its own walk), handed to the browser as its cookie."""
    client = Client()
    client.force_login(account)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}


def assert_fits_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width}px wide"


def shot(page, name: str):
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format(name), full_page=True)


def test_an_owner_nominates_votes_with_confirmation_and_finds_the_receipt(site, phone_page):
    # --- the project, its owners and an open meeting (services) -------------------------------------------------
    where = f.place()
    project = where.project
    convener = f.committee_staff(project, "committee_walk")
    wang, zhao, zhang, li = f.person("王五"), f.person("赵六"), f.person("张三"), f.person("李四")
    own_unit = f.unit(project, "1-103", "75.00")
    shared = f.unit(project, "2-102", "100.00")
    f.own(own_unit, wang)
    f.co_own(shared, [wang, zhao])
    zhang_unit, li_unit = f.unit(project, "1-101", "90.00"), f.unit(project, "1-102", "80.00")
    f.own(zhang_unit, zhang)
    f.own(li_unit, li)
    nominate(zhao, shared, zhao)  # 王五 has not nominated yet: 2-102 has no voter in this meeting
    meeting = meeting_around_now(
        convener, project, [f.question("续聘深圳市XX物业服务有限公司为本小区物业服务企业", item=4)]
    )
    matter = meeting.matters.get()

    page = phone_page
    page.context.add_cookies([logged_in_cookie(wang.account, site)])

    # --- 物业服务 → 业主决策 ---------------------------------------------------------------------------------------
    page.goto(site + "/property/service/")
    page.locator(".pm-grid", has_text="业主决策").tap()
    expect(page).to_have_url(site + "/decisions/")
    expect(page.locator("#project-bar")).to_contain_text("东门花园")
    expect(page.locator("#pending-count")).to_have_text("1")
    expect(page.locator("#notes")).to_contain_text("投票结束前，只能看到自己当前投票内容。")
    shot(page, "1-home")

    # --- 推选投票人: switch to the co-owned house and name 赵六 ----------------------------------------------------
    page.locator("#entry-nominate").tap()
    expect(page).to_have_url(re.compile(r"/decisions/nominate/\?project=\d+$"))
    expect(page.locator("#nomination-status")).to_have_text(
        "本房屋只有一位产权人，由产权人本人投票，无需推选"
    )
    page.locator("#switch-unit").tap()
    page.locator(f"a[data-unit='{shared.pk}']").tap()
    expect(page.locator("#unit-bar")).to_contain_text("2栋102")
    expect(page.locator("#nomination-status")).to_have_text("推选未生效：尚有共有人未推选投票人")
    expect(page.locator("#co-owners tbody tr")).to_have_count(2)
    page.locator("#nominate-form label", has_text="赵*").tap()
    page.get_by_role("button", name="提交推选").tap()
    expect(page.locator(".pm-message")).to_have_text("已提交推选。")
    expect(page.locator("#nomination-status")).to_have_text("推选已生效：投票人为 赵*")
    expect(page.locator("#frozen-note")).to_contain_text("无（不能投票）")
    expect(page.locator("#nomination-explanation")).to_contain_text(
        "在投票中变更推选人，下次业主大会才生效。"
    )
    assert "王五" not in page.content() and "赵六" not in page.content()
    shot(page, "2-nominated")
    assert set(
        VoterNomination.objects.filter(unit=shared, ended_at__isnull=True).values_list("nominee", flat=True)
    ) == {zhao.account.pk}

    # --- 参与投票: the tabs switch with htmx ---------------------------------------------------------------------
    page.goto(site + "/decisions/")
    page.locator("#entry-votes").tap()
    expect(page.locator(f"#vote-list [data-matter='{matter.pk}']")).to_have_attribute("data-state", "pending")
    page.evaluate("window.__walkMarker = 'same-page'")
    page.locator("#vote-tabs [data-tab='all']").tap()
    expect(page.locator("#vote-tabs [data-tab='all']")).to_have_attribute("aria-current", "page")
    expect(page).to_have_url(re.compile(r"tab=all"))
    page.locator("#vote-tabs [data-tab='voted']").tap()
    expect(page.locator("#vote-list")).to_contain_text("您还没有投过票。")
    page.locator("#vote-tabs [data-tab='pending']").tap()
    expect(page.locator(f"#vote-list [data-matter='{matter.pk}']")).to_be_visible()
    assert page.evaluate("window.__walkMarker") == "same-page"  # htmx swapped only the list
    shot(page, "3-votes")

    # --- the matter: one ballot for the own house; the co-owned house has no voter in this meeting -------------
    page.locator(f"#vote-list [data-matter='{matter.pk}']").tap()
    expect(page).to_have_url(site + f"/decisions/matters/{matter.pk}/")
    own = page.locator(f"[data-slot='{own_unit.pk}']")
    expect(own.locator("[data-field=rooms]")).to_have_text("本票覆盖：1栋103（75.00 ㎡），合计 75.00 ㎡")
    expect(page.locator(f"[data-slot='{shared.pk}'] [data-field=cannot]")).to_contain_text(
        "共有房屋未有效推选投票人"
    )
    expect(page.locator("#files")).to_contain_text("会议通知")
    own.locator("label.weui-check__label", has_text="同意").tap()
    own.get_by_role("button", name="立即投票").tap()
    expect(page.locator(".pv-error")).to_contain_text("请先阅读《服务协议》")
    assert Ballot.objects.count() == 0
    own = page.locator(f"[data-slot='{own_unit.pk}']")
    own.locator("label.weui-check__label", has_text="同意").tap()
    own.locator("input[type=checkbox]").check()
    shot(page, "4-matter")
    own.get_by_role("button", name="立即投票").tap()

    # --- confirmation, then the receipt ---------------------------------------------------------------------------
    expect(page.locator("#confirm")).to_contain_text("请确认您的投票")
    expect(page.locator("#confirm-choices tbody")).to_contain_text("同意")
    expect(page.locator("#final-note")).to_have_text("投票提交后不可更改。请核对无误后再提交。")
    assert Ballot.objects.count() == 0
    shot(page, "5-confirm")
    page.get_by_role("button", name="确认提交").tap()
    expect(page).to_have_url(site + f"/decisions/matters/{matter.pk}/receipt/{own_unit.pk}/")
    ballot = Ballot.objects.get()
    assert (ballot.choices, ballot.area, ballot.by_delegate) == ({"matter": "yes"}, 7500, False)
    expect(page.locator("#receipt")).to_have_attribute("data-receipt", ballot.receipt)
    expect(page.locator("#receipt")).to_have_text(re.compile(ballot.receipt[:8]))
    expect(page.locator("#how-to-check")).to_contain_text("选票公示")
    shot(page, "6-receipt")

    # others vote; the committee closes and publishes
    vote(zhang, meeting, zhang_unit, {matter.pk: "yes"})
    vote(li, meeting, li_unit, {matter.pk: "no"})
    publish(convener, meeting)

    # --- after publication: the tally sheet and the bulletin ----------------------------------------------------
    page.goto(site + f"/decisions/votes/?project={project.pk}&tab=counted")
    row = page.locator(f"#vote-list [data-matter='{matter.pk}']")
    expect(row.locator("[data-outcome]")).to_have_text("通过")
    row.tap()
    page.locator("#link-results").tap()
    expect(page).to_have_url(site + f"/decisions/meetings/{meeting.pk}/results/")
    # 4 owners (王五 1-103, 2-102 co-owned, 张三, 李四), 345.00 ㎡; 3 voted, 245.00 ㎡; yes 2 owners, 165.00 ㎡
    counts = page.locator("[data-field=counts] tbody tr")
    expect(counts.nth(0)).to_have_text(re.compile(r"表决范围内总数\s*4\s*345.00"))
    expect(counts.nth(1)).to_have_text(re.compile(r"参与表决\s*3\s*245.00"))
    expect(counts.nth(2)).to_have_text(re.compile(r"其中同意\s*2\s*165.00"))
    expect(counts.nth(3)).to_have_text(re.compile(r"其中反对\s*1\s*80.00"))
    expect(page.locator("[data-field=conclusion]")).to_contain_text("通过")
    expect(page.locator("[data-test=quorum_area]")).to_contain_text(
        "实际 245.00 m²，基数 345.00 m²，至少需要 230.00 m²"
    )
    expect(page.locator("[data-test=quorum_owners]")).to_contain_text("实际 3 人，基数 4 人，至少需要 3 人")
    expect(page.locator("[data-test=approval_owners]")).to_contain_text("2 × 2 > 3")
    expect(page.locator("#settings")).to_contain_text("未投票业主是否视为同意多数（从众）")
    shot(page, "7-results")

    page.locator("a", has_text="查看选票公示").tap()
    expect(page).to_have_url(site + f"/decisions/meetings/{meeting.pk}/bulletin/")
    expect(page.locator("[data-field=count]")).to_have_text("有效选票共 3 张")
    page.evaluate("window.__walkMarker = 'bulletin'")
    page.locator("#id_q").fill(ballot.receipt[:8].upper())
    expect(page.locator("[data-field=count]")).to_contain_text(
        f"回执码以“{ballot.receipt[:8]}”开头的选票共 1 张"
    )
    mine = page.locator(f"[data-receipt='{ballot.receipt}']")
    expect(mine.locator("[data-field=mine]")).to_have_text("这是您投出的选票")
    expect(mine).to_contain_text("1栋103（75.00 ㎡）")
    assert page.evaluate("window.__walkMarker") == "bulletin"
    assert "王五" not in page.content() and "王*" not in page.content()
    shot(page, "8-bulletin")
    assert page.js_errors == []
