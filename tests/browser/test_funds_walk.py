"""Walk at phone size: 物业服务 → 维修资金情况 → 莲花山庄 (charts) → 栋列表 (htmx) → 所在楼栋 1栋 → 房屋列表 → 1栋101
(the owner's own unit) → its sub-ledger and balance chart; another owner's unit answers 404."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pmip.registry.models import DataSharingBank, Unit
from tests import factories
from tests.browser.test_offline_walk import logged_in_cookie
from tests.portal_funds.builders import (
    bind,
    build_accounts,
    build_ledger,
    build_report,
    publish_disclosures,
)

pytestmark = pytest.mark.browser

SHOTS = "/tmp/pmip-funds-{}.png"


def assert_fits_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 376)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className)"
    )
    assert width <= 375, f"{page.url} is {width}px wide: {wide}"


def assert_charts_rendered(page, count: int):
    """Every chart on the page rendered an SVG of non-zero size and reported no error."""
    charts = page.locator("[data-chart]")
    expect(charts).to_have_count(count)
    for i in range(count):
        chart = charts.nth(i)
        expect(chart).to_have_attribute("data-chart-state", "ok")
        svg = chart.locator("svg").first
        box = svg.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 150, box
        # something was drawn: paths for the series and text for the axes
        assert chart.locator("svg path").count() > 3
        assert chart.locator("svg text").count() > 2


def test_owner_walks_from_the_menu_to_their_sub_ledger(site, phone_page):
    city = factories.small_city()
    staff = factories.staff_accounts(city)
    lianhua = city.projects["lianhua"]
    units = {
        f"{u.building.number}-{u.number}": u
        for u in Unit.objects.filter(project=lianhua).select_related("building")
    }
    build_ledger(lianhua, units, staff["city"])
    owner = factories.account("walk_owner", mobile="+8613900001111", name="张三")
    bind(owner, units["1-101"])

    page = phone_page
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type in ("error", "warning") else None)
    page.context.add_cookies([logged_in_cookie(owner, site)])

    # 物业服务 → 维修资金情况
    page.goto(site + "/property/service/")
    page.locator(".pm-grid", has_text="维修资金情况").tap()
    expect(page).to_have_url(site + "/funds/")
    expect(page.locator("[data-project-balance]")).to_have_text("20,024.78")
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format("1-index"), full_page=True)

    # → the project: figures and three charts
    page.locator("[data-project-link]").tap()
    expect(page).to_have_url(site + f"/funds/projects/{lianhua.pk}/")
    expect(page.locator("[data-field=balance]")).to_have_text("20,024.78")
    assert_charts_rendered(page, 3)
    page.locator("button[data-series=by_kind]").tap()
    expect(page.locator("#chart-repairs")).to_have_attribute("data-series", "by_kind")
    expect(page.locator("#chart-repairs svg text", has_text="一般维修")).to_have_count(1)
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format("2-project"), full_page=True)

    # 栋列表 through htmx: the page stays, the tab content changes, the URL follows
    page.evaluate("window.__walkMarker = 'same-page'")
    page.locator("[data-tab=buildings]").tap()
    expect(page.locator("[data-building-row]")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"\?tab=buildings$"))
    assert page.evaluate("window.__walkMarker") == "same-page"
    expect(page.locator("[data-building-row='1'] [data-building-balance]")).to_have_text("13,875.45")

    # 所在楼栋 → 1栋 → 房屋列表
    page.locator("#my-buildings [data-building='1']").tap()
    expect(page).to_have_url(site + f"/funds/buildings/{units['1-101'].building_id}/")
    expect(page.locator("[data-field=balance]")).to_have_text("13,875.45")
    page.locator("[data-tab=units]").tap()
    expect(page.locator("[data-unit-row]")).to_have_count(3)
    expect(page.locator("a[data-unit-row]")).to_have_count(1)  # only the owner's own unit opens
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format("3-building"), full_page=True)

    # → 1栋101: overview, 续筹, chart, sub-ledger
    page.locator("a[data-unit-row='1-101']").tap()
    expect(page).to_have_url(site + f"/funds/units/{units['1-101'].pk}/")
    expect(page.locator("[data-field=balance]")).to_have_text("4,195.11")
    expect(page.locator("#replenish")).to_contain_text("无需续筹")
    expect(page.locator("[data-field=line]")).to_contain_text("1,340.28 元")
    expect(page.locator("[data-ledger-entry]")).to_have_count(4)
    expect(page.locator("[data-balance-after]").first).to_have_text("4,195.11")
    expect(page.locator("[data-balance-after]").last).to_have_text("4,467.60")
    assert_charts_rendered(page, 1)
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format("4-unit"), full_page=True)

    # someone else's unit: the same "not found" page
    response = page.goto(site + f"/funds/units/{units['2-101'].pk}/")
    assert response.status == 404
    expect(page.locator(".weui-msg__title")).to_have_text("未找到")
    assert "3,418.32" not in page.content()

    assert page.js_errors == []
    assert [m for m in console_errors if "404" not in m] == []


def test_owner_money_pages_fit_the_phone(site, phone_page):
    """业主共有资金 (切换账号), 季度收支报表, 信息公开 and 维修金概览 (关注) at 375 px."""
    city = factories.small_city()
    staff = factories.staff_accounts(city)
    lianhua = city.projects["lianhua"]
    units = {
        f"{u.building.number}-{u.number}": u
        for u in Unit.objects.filter(project=lianhua).select_related("building")
    }
    build_ledger(lianhua, units, staff["city"])
    build_accounts(lianhua, DataSharingBank.objects.create(name="招商银行深圳分行"), staff["committee"])
    publish_disclosures(lianhua, staff["committee"])
    build_report(lianhua, staff["committee"])
    owner = factories.account("walk_owner", mobile="+8613900001111", name="张三")
    bind(owner, units["1-101"])

    page = phone_page
    page.context.add_cookies([logged_in_cookie(owner, site)])
    page.goto(site + "/property/service/")
    page.locator(".pm-grid", has_text="业主共有资金").tap()
    expect(page).to_have_url(site + "/funds/common/")
    expect(page.locator("[data-flow]")).to_have_count(20)
    page.locator("#switch-account summary").tap()
    page.screenshot(path=SHOTS.format("5-common"), full_page=True)
    page.locator("#switch-account a", has_text="建设银行").tap()
    expect(page.locator("[data-flow]")).to_have_count(1)
    assert_fits_phone(page)

    page.goto(site + "/property/service/")
    page.locator(".pm-grid", has_text="季度收支报表").tap()
    page.locator("[data-report='2026Q1']").tap()
    expect(page.locator("[data-total=closing]")).to_have_text("20,074.78")
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format("6-report"), full_page=True)
    with page.expect_download() as download:
        page.locator("#download-xlsx").tap()
    assert download.value.suggested_filename == "440304001-2026Q1.xlsx"

    page.goto(site + "/property/service/")
    page.locator(".pm-grid", has_text="信息公开").tap()
    expect(page).to_have_url(site + "/funds/disclosures/")
    expect(page.locator("[data-disclosure]")).to_have_count(2)
    page.locator("[data-kind=large_transfer]").tap()
    expect(page.locator("[data-disclosure]")).to_have_count(1)
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format("7-disclosures"), full_page=True)

    page.goto(site + "/property/disclosure/")
    page.locator(".weui-navbar__item", has_text="维修金概览").tap()
    expect(page).to_have_url(site + "/funds/overview/")
    expect(page.locator("[data-field=city_balance]")).to_have_text("20,024.78")
    page.locator("#overview-q").tap()
    page.locator("#overview-q").press_sequentially("lhsz", delay=50)
    expect(page.locator("#overview-results [data-overview-project]")).to_have_count(1)
    page.locator("[data-follow='440304001']").tap()
    expect(page.locator("#followed [data-overview-project='440304001']")).to_have_count(1)
    expect(page.locator(".pm-message")).to_contain_text("已关注莲花山庄")
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format("8-overview"), full_page=True)
    assert page.js_errors == []
