"""长辈模式 (elderly mode) at 375 px: the owner turns it on in 我的, it is remembered on the account (a new device
shows it too), and on every page visited the text is at least 18 px, buttons and list rows at least 44 px high, and
nothing runs off the side (document.documentElement.scrollWidth <= clientWidth). axe-core runs on each page too
(the `a11y` fixture)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pmip.identity.models import Account
from pmip.registry.models import Unit
from tests import factories
from tests.browser.test_offline_walk import logged_in_cookie
from tests.browser.test_transparency_walk_375 import published_answer
from tests.portal_funds.builders import bind, build_ledger

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/property/service/",
    "/property/mine/",
    "/account/",
    "/me/binding/",
    "/me/messages/",
    "/decisions/",
    "/decisions/how-to-check/",
    "/funds/",
    "/enquiries/government/",
    "/enquiries/answers/",
]

MEASURE = """() => {
  const visible = (e) => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const small = [...document.querySelectorAll('body *')]
    .filter((e) => visible(e) && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
    .filter((e) => parseFloat(getComputedStyle(e).fontSize) < 18)
    .slice(0, 5).map((e) => `${e.tagName}.${e.className} ${getComputedStyle(e).fontSize}`);
  const low = [...document.querySelectorAll('.weui-btn, button, a.weui-cell, .weui-tabbar__item, select')]
    .filter(visible).filter((e) => e.getBoundingClientRect().height < 44)
    .slice(0, 5).map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().height)}px`);
  const root = document.documentElement;
  return {small, low, scroll: root.scrollWidth, client: root.clientWidth,
          elder: document.body.classList.contains('pm-elder')};
}"""


def test_elder_mode_is_remembered_and_every_page_fits_at_375(site, browser, phone_page):
    city = factories.small_city()
    lianhua = city.projects["lianhua"]
    units = {
        f"{u.building.number}-{u.number}": u
        for u in Unit.objects.filter(project=lianhua).select_related("building")
    }
    staff = factories.staff_accounts(city)
    build_ledger(lianhua, units, staff["city"])
    owner = factories.account("elder_owner", mobile="+8613900002222", name="王秀英")
    bind(owner, units["1-101"])
    published_answer(city, staff, owner)  # 公开答复 has an answer to show

    page = phone_page
    page.context.add_cookies([logged_in_cookie(owner, site)])
    page.goto(site + "/account/")
    assert page.evaluate("document.body.classList.contains('pm-elder')") is False
    normal = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))"
        ".filter(e => e.getBoundingClientRect().width > 0)"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert min(normal) >= 14  # the normal minimum is 14 px
    page.locator("#elder-mode").tap()
    expect(page.locator("body")).to_have_class("pm-body pm-elder")
    assert Account.objects.get(pk=owner.pk).elder_mode is True

    for url in PAGES:
        page.goto(site + url)
        got = page.evaluate(MEASURE)
        assert got["elder"], url
        assert got["scroll"] <= got["client"], (
            f"{url}: {got['scroll']} px wide in a {got['client']} px window"
        )
        assert got["small"] == [], f"{url}: text below 18 px: {got['small']}"
        assert got["low"] == [], f"{url}: tap targets below 44 px: {got['low']}"

    # remembered on the account: another device (a fresh context) shows it at once
    other = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    try:
        second = other.new_page()
        other.add_cookies([logged_in_cookie(owner, site)])
        second.goto(site + "/")
        assert second.evaluate("document.body.classList.contains('pm-elder')")
    finally:
        other.close()

    page.goto(site + "/account/")
    page.locator("#elder-mode").tap()
    expect(page.locator("body")).to_have_class("pm-body")
    assert Account.objects.get(pk=owner.pk).elder_mode is False
