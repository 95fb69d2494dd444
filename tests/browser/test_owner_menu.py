"""Walk at phone size: 首页 → 业务办理 → 物业 → 信息公开 → 物业项目查询 → type → (htmx) results → 基础信息."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SHOTS = "/tmp/pmip-walk-{}.png"


def assert_fits_phone(page):
    """Nothing wider than the 375 px viewport (no sideways scrolling)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width}px wide"


def assert_weui_applied(page):
    """The stylesheets really loaded: WeUI's tabbar is a flex row, our portal.css pins it to the bottom."""
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.querySelector('.weui-tabbar'));"
        " return [s.display, s.position]; })()"
    )
    assert style == ["flex", "fixed"]


def test_owner_finds_a_project_and_sees_its_basic_information(phone_page, site, city):
    page = phone_page
    static_status: dict[str, int] = {}
    page.on("response", lambda r: static_status.update({r.url: r.status}) if "/static/" in r.url else None)

    page.goto(site + "/")
    expect(page.locator(".pm-banner__title")).to_have_text("深圳市物业管理信息平台")
    assert_weui_applied(page)
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format("home"), full_page=True)

    page.locator(".pm-module", has_text="业务办理").tap()
    expect(page).to_have_url(site + "/hall/")
    page.locator(".pm-grid", has_text="物业").tap()
    expect(page).to_have_url(site + "/property/")
    assert_fits_phone(page)
    page.locator(".pm-entry", has_text="信息公开").tap()
    expect(page).to_have_url(site + "/property/disclosure/")
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format("disclosure"), full_page=True)
    page.locator(".pm-entry", has_text="物业项目查询").tap()
    expect(page).to_have_url(site + "/property/projects/")
    expect(page.locator("#project-results [data-project-code]")).to_have_count(4)

    # Typing updates only the result list: the page (and this marker) survives, htmx asked for a fragment.
    page.evaluate("window.__walkMarker = 'same-page'")
    with page.expect_response(
        lambda r: "/property/projects/?" in r.url and r.request.headers.get("hx-request") == "true"
    ) as fragment:
        page.locator("#project-q").tap()
        page.locator("#project-q").press_sequentially("莲花山", delay=60)
    assert "<html" not in fragment.value.text()
    results = page.locator("#project-results [data-project-code]")
    expect(results).to_have_count(1)
    expect(results.first).to_have_attribute("data-project-code", "440304001")
    expect(results.first.locator(".pm-result__name")).to_have_text("莲花山庄")
    assert page.evaluate("window.__walkMarker") == "same-page"
    expect(page).to_have_url(re.compile(r"/property/projects/\?q=%E8%8E%B2%E8%8A%B1%E5%B1%B1"))
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format("search"), full_page=True)

    # A search without match shows the empty state, also in place.
    page.locator("#project-q").fill("没有这个小区")
    expect(page.locator(".pm-empty__title")).to_have_text("未找到符合条件的物业项目")
    assert page.evaluate("window.__walkMarker") == "same-page"
    page.locator("#project-q").fill("lhsz")
    expect(results).to_have_count(1)

    results.first.tap()
    expect(page).to_have_url(site + "/property/projects/440304001/")
    expect(page.locator("[data-field=code]")).to_have_text("440304001")
    expect(page.locator("[data-field=address]")).to_have_text("深圳市福田区莲花街道莲花山庄")
    expect(page.locator("[data-field=district]")).to_have_text("福田区")
    expect(page.locator("[data-field=subdistrict]")).to_have_text("莲花街道")
    expect(page.locator("[data-field=community]")).to_have_text("莲花社区")
    expect(page.locator("[data-field=company]")).to_have_text("深圳市万家物业服务有限公司")
    expect(page.locator("[data-field=service_phone] a")).to_have_attribute("href", "tel:0755-88881234")
    assert_weui_applied(page)
    assert_fits_phone(page)
    page.screenshot(path=SHOTS.format("detail"), full_page=True)

    # Every sub-menu item is built: 电子投票 shows the project's figures, with a way back.
    page.locator(".pm-grid", has_text="电子投票").tap()
    expect(page.locator("[data-field=meetings_held]")).to_have_text("0 次")
    page.screenshot(path=SHOTS.format("voting"), full_page=True)
    page.locator(".pm-navbar__back").tap()
    expect(page).to_have_url(site + "/property/projects/440304001/")

    weui = [url for url in static_status if url.endswith("/static/vendor/weui/weui.min.css")]
    assert weui, "WeUI stylesheet was never requested"
    assert {url: status for url, status in static_status.items() if status != 200} == {}
    assert page.js_errors == []
