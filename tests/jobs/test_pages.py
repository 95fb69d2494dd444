"""The office pages and the API of office jobs: the upload pages start a job and send the browser to its page,
whose progress bar htmx refreshes until the job ends; the list of one's jobs; GET /api/v1/office/jobs/{id}."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pmip.funds.models import LedgerEntry
from pmip.jobs import runner
from pmip.jobs.models import JobState, OfficeJob
from pmip.registry.models import Project, TitleRecord
from tests.factories import login_staff
from tests.jobs.test_jobs import GOOD, fund_file
from tests.registry.test_import import SAMPLE

pytestmark = pytest.mark.django_db


def office(account) -> Client:
    client = Client()
    login_staff(client, account)
    return client


def test_the_fund_import_page_queues_a_job_whose_page_polls_until_it_ends(city, staff, queued_tasks):
    client = office(staff["city"])
    r = client.post("/office/funds/import/", {"file": fund_file(GOOD), "confirm": "on"})
    job = OfficeJob.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/office/jobs/{job.pk}/"
    page = client.get(r["Location"]).text
    assert 'hx-trigger="every 2s"' in page and f'hx-get="/office/jobs/{job.pk}/"' in page
    assert '<progress class="job-bar"' in page and 'aria-valuenow="0"' in page
    assert "排队中" in page

    runner.run_job(job.pk)
    swap = client.get(f"/office/jobs/{job.pk}/", headers={"HX-Request": "true"})
    assert "HX-Request" in swap["Vary"]
    body = swap.text
    assert body.lstrip().startswith('<section class="card job" id="job-progress"')  # the partial alone
    assert "hx-trigger" not in body  # finished: the polling stops
    assert "已完成：已处理 4 / 4 行" in body and 'value="4" max="4"' in body
    assert "新记账 4 笔" in body and 'href="/office/funds/"' in body
    assert LedgerEntry.objects.count() == 4


def test_a_failed_job_shows_every_row_at_fault(city, staff, immediate_tasks):
    client = office(staff["city"])
    bad = GOOD + ["FC008,440304001,1,999,日常,1.00,2026-03-01,,,"]
    r = client.post("/office/funds/import/", {"file": fund_file(bad), "confirm": "on"})
    page = client.get(r["Location"]).text
    assert "失败" in page and "未导入任何数据" in page
    assert 'id="job-row-errors"' in page and "第6行" in page and "没有房屋 1栋999" in page
    assert 'href="/office/funds/import/"' in page  # upload again
    assert "hx-trigger" not in page
    assert LedgerEntry.objects.count() == 0


def test_the_upload_form_still_checks_before_queueing(city, staff, immediate_tasks):
    client = office(staff["city"])
    r = client.post("/office/funds/import/", {"file": fund_file(GOOD)})  # the confirmation not ticked
    assert r.status_code == 422 and OfficeJob.objects.count() == 0
    r = client.post("/office/credit/import/", {"file": SimpleUploadedFile("c.csv", b"x")}, follow=False)
    assert r.status_code == 302  # the credit file is checked by the job
    assert (
        office(staff["lianhua"])
        .post("/office/credit/import/", {"file": SimpleUploadedFile("c.csv", b"x")})
        .status_code
        == 422
    )  # a subdistrict may not import credit entries: refused before any job
    assert OfficeJob.objects.count() == 1


def test_the_registry_import_page(city, staff, immediate_tasks):
    client = office(staff["city"])
    assert "导入基础数据" in client.get("/office/jobs/registry-import/").text
    upload = SimpleUploadedFile("registry-sample.csv", SAMPLE.read_bytes())
    r = client.post("/office/jobs/registry-import/", {"file": upload})
    job = OfficeJob.objects.get()
    assert r.status_code == 302 and job.state == JobState.SUCCEEDED, job.message
    assert Project.objects.filter(code="4403049101").exists()
    assert TitleRecord.objects.filter(unit__project__code="4403049101").exists()
    page = client.get(r["Location"]).text
    assert "已完成：已处理 11 / 11 行" in page and 'href="/office/projects/"' in page
    listing = client.get("/office/jobs/").text
    assert f'href="/office/jobs/{job.pk}/"' in listing and "基础数据导入" in listing and "已完成" in listing
    r = client.post("/office/jobs/registry-import/", {"file": SimpleUploadedFile("r.txt", b"x")})
    assert r.status_code == 422 and "只支持 .xlsx 或 .csv" in r.text


def test_the_registry_import_needs_an_editable_role(city, staff, immediate_tasks):
    r = office(staff["futian"]).post(
        "/office/jobs/registry-import/", {"file": SimpleUploadedFile("r.csv", SAMPLE.read_bytes())}
    )
    assert r.status_code == 422 and "您没有导入基础数据的权限" in r.text
    assert OfficeJob.objects.count() == 0


def test_the_api_answers_the_same_status_within_the_scope_only(city, staff, immediate_tasks):
    bad = GOOD[:3] + ["FC008,440304001,1,999,日常,1.00,2026-03-01,,,"]
    office(staff["lianhua"]).post("/office/funds/import/", {"file": fund_file(bad), "confirm": "on"})
    job = OfficeJob.objects.get()
    url = f"/api/v1/office/jobs/{job.pk}"
    body = office(staff["futian"]).get(url).json()  # the district covers 莲花街道
    assert (body["state"], body["state_label"], body["kind"]) == ("failed", "失败", "fund_entries_import")
    assert body["errors"] == [{"row": 5, "message": "物业项目“440304001”中没有房屋 1栋999。"}]
    assert body["message"].startswith("导入文件共有1处错误")
    assert office(staff["yuehai"]).get(url).status_code == 404
    assert office(staff["yuehai"]).get(f"/office/jobs/{job.pk}/").status_code == 404
    assert Client().get(url).status_code == 401
