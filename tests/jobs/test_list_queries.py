"""The list of one's office jobs is a constant number of queries, whatever the number of jobs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pmip.core import clock
from pmip.jobs.models import JobKind, JobState, OfficeJob
from tests.factories import login_staff

pytestmark = pytest.mark.django_db


def job(starter, state: str, **fields) -> OfficeJob:
    finished = clock.now() if state in (JobState.SUCCEEDED, JobState.FAILED) else None
    return OfficeJob.objects.create(
        kind=JobKind.FUND_ENTRIES_IMPORT,
        started_by=starter,
        scope_level="city",
        state=state,
        finished_at=finished,
        source_name="fund.csv",
        **fields,
    )


def test_the_job_list_costs_the_same_with_one_job_and_with_many(city, staff, django_assert_num_queries):
    clerk = staff["city"]
    client = Client()
    login_staff(client, clerk)
    job(clerk, JobState.SUCCEEDED, done=4, total=4)
    client.get("/office/jobs/")  # the session's first request does its own once-only work
    with CaptureQueriesContext(connection) as one:
        assert client.get("/office/jobs/").status_code == 200
    job(clerk, JobState.RUNNING, phase="检查", done=12_000, total=40_000)
    job(clerk, JobState.FAILED, message="导入文件共有2处错误，未导入任何数据。")
    job(clerk, JobState.QUEUED)
    job(staff["futian"], JobState.QUEUED)  # another's: not in this list
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get("/office/jobs/").text
    assert page.count("data-job=") == 4
    assert "检查：已处理 12,000 / 40,000 行" in page and "排队中" in page and "失败" in page
