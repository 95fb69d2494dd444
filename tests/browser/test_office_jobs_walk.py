"""Walk of a long office job (issue 12, 进度), at desktop size: the city's clerk opens 维修资金, then 导入资金中心明细,
uploads a file and lands on the job's page (排队中, a progress bar that htmx polls every 2 s); the worker runs the
job; the same page, without a reload, reaches 已完成 with 已处理 4 / 4 行 and the result, and polling stops; the
list of 后台任务 shows it. axe-core runs on every page (tests/browser/conftest.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pmip.jobs import runner
from pmip.jobs.models import OfficeJob
from tests import factories
from tests.browser.test_offline_walk import logged_in_cookie

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
HEADER = "业务流水号,物业项目编号,楼栋号,房号,业务类型,金额,发生日期,所属期间,原流水号,摘要"
ROWS = [
    "FC001,440304001,1,101,首期,4467.60,2026-01-05,,,首期维修资金",
    "FC002,440304001,1,101,日常,22.50,2026-02-28,2026-02,,2月日常",
    "FC003,440304001,,,利息,120.00,2026-03-21,2026Q1,,一季度利息",
    "FC007,440305001,1,101,首期,100.00,2026-01-01,,,",
]


def test_an_import_runs_as_a_job_whose_bar_reaches_done(site, browser, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}
    }  # the worker is this test
    city = factories.small_city()
    clerk = factories.staff_accounts(city)["city"]
    upload = tmp_path / "资金中心明细.csv"
    upload.write_text("\ufeff" + "\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")

    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    context.add_cookies([logged_in_cookie(clerk, site)])
    page = context.new_page()
    page.goto(site + "/office/funds/")  # 维修资金 (axe: its search fields are labelled)
    page.get_by_role("link", name="导入资金中心明细").click()
    page.locator("input[type=file]").set_input_files(str(upload))
    page.locator("input[name=confirm]").check()
    page.get_by_role("button", name="检查并导入").click()

    job = OfficeJob.objects.get()
    expect(page).to_have_url(site + f"/office/jobs/{job.pk}/")
    expect(page.locator("#job-state")).to_have_text("排队中")
    bar = page.locator("progress#job-bar")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    expect(page.locator("#job-progress")).to_have_attribute("hx-trigger", "every 2s")

    runner.run_job(job.pk)  # what `manage.py db_worker` does

    expect(page.locator("#job-state")).to_have_text("已完成")  # the polling swapped the panel in
    expect(page.locator("#job-text")).to_contain_text("已完成：已处理 4 / 4 行")
    expect(bar).to_have_attribute("value", "4")
    expect(bar).to_have_attribute("max", "4")
    expect(page.locator("#job-result")).to_contain_text("新记账 4 笔")
    expect(page.locator("#job-progress")).not_to_have_attribute("hx-trigger", "every 2s")  # polling stopped

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="后台任务").click()
    expect(page.locator(f"tr[data-job='{job.pk}']")).to_contain_text("已完成")
    context.close()
