"""Chromium at 375 px: an owner evaluates the 物业管理处, sees the ranking move, the project manager replies from the
back office, and the owner sees the reply in 评价记录."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pmip.evaluation import services
from pmip.evaluation.choices import Target
from pmip.evaluation.models import EvaluationItem
from tests import factories
from tests.browser.test_offline_walk import logged_in_cookie
from tests.identity.factories_offline import mainland_owner, offline_env  # noqa: F401

pytestmark = pytest.mark.browser


def assert_fits_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width}px wide"


def quick(owner, project, stars):
    services.submit_evaluation(
        actor=owner,
        project_id=project.pk,
        target=Target.OFFICE,
        stars=stars,
        # through the service: a flushed database gets the default items there first
        item_stars={i.pk: stars for i in services.active_items(Target.OFFICE)},
    )


def rank_of(page, code: str) -> str:
    return page.locator(f'tr[data-code="{code}"] [data-rank]').inner_text()


def test_evaluate_ranking_moves_office_replies_owner_sees_reply(site, browser, phone_page, offline_env):  # noqa: F811
    city = factories.small_city()
    staff = factories.staff_accounts(city)
    services.update_policy(
        actor=staff["city"], prior_weight=0, min_count=1, period_months=3, reply_edit_hours=24
    )
    lianhua, jinghua = city.projects["lianhua"], city.projects["jinghua"]
    quick(mainland_owner(city, "base_l", 31, unit=("1", "201")), lianhua, 3)
    quick(mainland_owner(city, "base_j", 32, project_key="jinghua", unit=("1", "102")), jinghua, 4)
    owner = mainland_owner(city, "walker", 33, unit=("1", "102"), name="李四")

    page = phone_page
    page.set_default_timeout(30_000)  # the walk's first page may render slowly on a loaded runner
    page.context.add_cookies([logged_in_cookie(owner, site)])
    page.goto(f"{site}/evaluation/ranking/?kind=project")
    assert rank_of(page, lianhua.code) == "2" and rank_of(page, jinghua.code) == "1"
    assert_fits_phone(page)

    # 我要评价 from the menu
    page.goto(f"{site}/property/mine/")
    page.get_by_role("link", name="业主评价").first.click()
    page.get_by_role("link", name="我要评价").click()
    page.locator(f'[data-project-code="{lianhua.code}"]').get_by_role("link", name="选择").click()
    page.locator('[data-target="office"]').click()
    expect(page.locator("legend", has_text="服务态度")).to_be_visible(timeout=30_000)
    assert_fits_phone(page)
    page.locator('label[for="stars-5"]').click()
    for item in EvaluationItem.objects.filter(target=Target.OFFICE, active=True):
        page.locator(f'label[for="item_{item.pk}-5"]').click()
    page.locator("textarea[name=comment]").fill("门岗服务很热情")
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".pm-message")).to_contain_text("评价已提交", timeout=30_000)
    expect(page.locator("body")).to_contain_text("门岗服务很热情", timeout=30_000)

    # the ranking moved: 莲花山庄 now shares first place
    page.goto(f"{site}/evaluation/ranking/?kind=project")
    assert rank_of(page, lianhua.code) == "1"

    # the project manager replies from the back office (desktop)
    desk = browser.new_context(locale="zh-CN")
    office = desk.new_page()
    office.set_default_timeout(30_000)
    desk.add_cookies([logged_in_cookie(staff["company"], site)])
    office.goto(f"{site}/office/evaluation/?unreplied=1")
    row = office.locator("tr", has_text="门岗服务很热情")
    row.get_by_role("link", name="回复").click()
    office.locator("textarea[name=body]").fill("感谢您的肯定，我们会继续保持。")
    office.get_by_role("button", name="发布回复").click()
    expect(office.locator("body")).to_contain_text("回复已发布", timeout=30_000)
    desk.close()

    # the owner sees the reply
    page.goto(f"{site}/evaluation/records/")
    expect(page.locator("[data-reply]")).to_contain_text("项目经理回复", timeout=30_000)
    expect(page.locator("[data-reply]")).to_contain_text("感谢您的肯定", timeout=30_000)
    assert_fits_phone(page)
    assert page.js_errors == []
