"""Office jobs (issue 12, 进度): imports run as tasks with stored progress, all or nothing, scoped, audited, the
upload deleted afterwards."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from pmip.audit.models import AuditEntry
from pmip.core.errors import NotFound, PermissionDenied
from pmip.credit.models import CreditEntry
from pmip.funds import importing, ledger
from pmip.funds.models import LedgerEntry
from pmip.identity.models import ScopeLevel, StaffRole
from pmip.jobs import runner, selectors, services
from pmip.jobs.models import JobKind, JobState, OfficeJob
from pmip.jobs.progress import Reporter
from pmip.registry.models import Project
from tests.decisions import factories as f

pytestmark = pytest.mark.django_db

HEADER = "业务流水号,物业项目编号,楼栋号,房号,业务类型,金额,发生日期,所属期间,原流水号,摘要"
GOOD = [
    "FC001,440304001,1,101,首期,4467.60,2026-01-05,,,首期维修资金",
    "FC002,440304001,1,101,日常,22.50,2026-02-28,2026-02,,2月日常",
    "FC003,440304001,,,利息,120.00,2026-03-21,2026Q1,,一季度利息",
    "FC007,440305001,1,101,首期,100.00,2026-01-01,,,",
]


def fund_file(lines: list[str], name: str = "fund.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\ufeff" + "\n".join([HEADER, *lines]) + "\n").encode())


def uploads(private_media) -> list:
    root = private_media / "fund_entries_import"
    return list(root.iterdir()) if root.exists() else []


def start_fund_import(actor, lines, name="fund.csv") -> OfficeJob:
    return services.start_job(
        actor=actor, kind=JobKind.FUND_ENTRIES_IMPORT, upload=fund_file(lines, name), source_name=name
    )


def test_a_fund_import_job_posts_everything_reports_its_rows_and_deletes_the_upload(
    city, staff, immediate_tasks, private_media
):
    job = start_fund_import(staff["city"], GOOD)

    assert job.state == JobState.SUCCEEDED
    assert (job.done, job.total, job.phase) == (4, 4, "完成")  # every row of the file
    assert job.result["counts"]["rows"] == 4
    assert job.result["lines"][0].startswith("导入完成：fund.csv，共4行，新记账 4 笔")
    assert LedgerEntry.objects.filter(source="fund_centre").count() == 4
    assert job.started_at is not None and job.finished_at is not None
    assert job.stored_name == "" and uploads(private_media) == []  # the upload is gone
    assert job.scope_level == ScopeLevel.CITY
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["jobs.job.started", "funds.import.completed", "jobs.job.finished"]
    finished = AuditEntry.objects.get(action="jobs.job.finished")
    assert finished.data == {"kind": "fund_entries_import", "file": "fund.csv", "rows": 4}


def test_a_rejected_file_fails_the_job_with_every_row_at_fault_and_writes_nothing(
    city, staff, immediate_tasks, private_media
):
    lines = GOOD + [
        "FC008,440304001,1,999,日常,1.00,2026-03-01,,,",
        "FC009,440304001,1,101,补缴,1.00,2026-03-01,,,",
    ]
    job = start_fund_import(staff["city"], lines)

    assert job.state == JobState.FAILED
    assert job.message.startswith("导入文件共有2处错误，未导入任何数据")
    assert [e["row"] for e in job.errors] == [6, 7]
    assert "没有房屋 1栋999" in job.errors[0]["message"]
    assert LedgerEntry.objects.count() == 0
    assert uploads(private_media) == []
    assert AuditEntry.objects.filter(action="jobs.job.failed").get().data["row_errors"] == 2
    assert not AuditEntry.objects.filter(action="funds.import.completed").exists()


def test_a_failure_in_the_middle_of_the_write_loses_nothing(city, staff, immediate_tasks, monkeypatch):
    """The second project's posting breaks after the first one's was written: the whole import rolls back, the
    job says so in plain words, and its progress stays where it was."""
    real_post = ledger.post
    calls = []

    def post_then_break(**kwargs):
        calls.append(kwargs["project_id"])
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_post(**kwargs)

    monkeypatch.setattr(ledger, "post", post_then_break)
    job = start_fund_import(staff["city"], GOOD)

    assert len(calls) == 2
    assert job.state == JobState.FAILED
    assert job.message == runner.UNEXPECTED
    assert job.errors == []
    assert LedgerEntry.objects.count() == 0
    assert not AuditEntry.objects.filter(action="funds.import.completed").exists()
    assert AuditEntry.objects.filter(action="jobs.job.failed").count() == 1


def test_the_import_reports_checked_then_posted_rows(city, staff):
    """The import tells its progress callable every row of each phase, ending each phase at done == total."""
    seen: list[tuple[int, int, str]] = []
    rows = importing.read_table(io.BytesIO(fund_file(GOOD).read()), filename="fund.csv")
    importing.import_fund_entries(
        actor=staff["city"],
        rows=rows,
        source="fund.csv",
        progress=lambda d, t, *, phase="": seen.append((d, t, phase)),
    )
    checks = [s for s in seen if s[2] == "检查"]
    posts = [s for s in seen if s[2] == "记账"]
    assert checks == [(0, 4, "检查"), (1, 4, "检查"), (2, 4, "检查"), (3, 4, "检查"), (4, 4, "检查")]
    assert posts[-1] == (4, 4, "记账") and posts[0] == (0, 4, "记账")
    assert seen.index(checks[-1]) < seen.index(posts[0])


def test_the_reporter_writes_outside_the_business_transaction_and_throttles(city, staff, queued_tasks):
    job = start_fund_import(staff["city"], GOOD)
    assert job.state == JobState.QUEUED
    reporter = Reporter(job.pk, interval=3600)
    reporter(0, 40_000, phase="检查")
    reporter(12_000, 40_000, phase="检查")  # within the interval: not written
    job.refresh_from_db()
    assert (job.done, job.total, job.phase) == (0, 40_000, "检查")
    reporter(40_000, 40_000, phase="检查")  # a phase's end is always written
    reporter(5, 10, phase="记账")  # so is a new phase
    job.refresh_from_db()
    assert (job.done, job.total, job.phase, reporter.writes) == (5, 10, "记账", 3)
    with transaction.atomic():  # inside a business transaction: never written on its connection
        Reporter(job.pk, interval=0)(7, 10, phase="记账")
    job.refresh_from_db()
    # SQLite: not written at all (one writer); PostgreSQL: written on a connection of its own, which cannot see this
    # test's uncommitted job (test_jobs_postgres.py shows it committed while the import's transaction is open)
    assert job.done == 5


def test_a_queued_job_runs_once(city, staff, queued_tasks, private_media):
    job = start_fund_import(staff["city"], GOOD)
    assert job.state == JobState.QUEUED and job.stored_name
    assert (private_media / job.stored_name).exists()
    assert runner.run_job(job.pk) == JobState.SUCCEEDED
    assert runner.run_job(job.pk) == ""  # a second delivery of the task does nothing
    assert LedgerEntry.objects.count() == 4
    assert AuditEntry.objects.filter(action="jobs.job.finished").count() == 1


def test_a_job_whose_upload_is_gone_fails_in_plain_words(city, staff, queued_tasks, private_media):
    job = start_fund_import(staff["city"], GOOD)
    (private_media / job.stored_name).unlink()
    runner.run_job(job.pk)
    job.refresh_from_db()
    assert (job.state, job.message) == (JobState.FAILED, "上传的文件已不存在，请重新上传。")


def test_who_may_start_a_job(city, staff, immediate_tasks, private_media):
    with pytest.raises(PermissionDenied):  # fund imports: government offices with an editable role
        start_fund_import(staff["committee"], GOOD)
    with pytest.raises(PermissionDenied):  # credit imports: city and district offices
        services.start_job(
            actor=staff["lianhua"], kind=JobKind.CREDIT_IMPORT, upload=fund_file(GOOD), source_name="c.csv"
        )
    assert OfficeJob.objects.count() == 0 and not AuditEntry.objects.exists()
    assert list(private_media.rglob("*.csv")) == []


def test_the_job_runs_with_the_starters_rights(city, staff, immediate_tasks):
    """A subdistrict office that may start fund imports still posts only to its own projects (the service's rule,
    asked when the job runs): another subdistrict's project fails the job."""
    job = start_fund_import(staff["yuehai"], GOOD[:1])
    assert job.state == JobState.FAILED
    assert "无权为物业项目“440304001”记账" in job.errors[0]["message"]
    assert job.scope_level == ScopeLevel.SUBDISTRICT
    assert job.subdistrict_id == StaffRole.objects.get(account=staff["yuehai"]).subdistrict_id


def test_a_job_is_seen_by_its_starter_and_the_offices_whose_scope_covers_it(city, staff, immediate_tasks):
    job = start_fund_import(staff["lianhua"], GOOD[:1])  # 莲花街道 (福田区)
    assert job.district_id == city.districts["futian"].pk
    for who in ("lianhua", "futian", "city"):
        assert selectors.get_job(actor=staff[who], job_id=job.pk) == job
    for who in ("yuehai", "committee", "company"):
        with pytest.raises(NotFound):
            selectors.get_job(actor=staff[who], job_id=job.pk)
    nanshan = f.staff("nanshan_district", level=ScopeLevel.DISTRICT, district=city.districts["nanshan"])
    with pytest.raises(NotFound):
        selectors.get_job(actor=nanshan, job_id=job.pk)
    assert selectors.recent_jobs_of(actor=staff["lianhua"]) == [job]
    assert selectors.recent_jobs_of(actor=staff["city"]) == []  # the list is one's own jobs


def test_a_committee_job_is_not_its_companys(city, staff, immediate_tasks):
    job = services.start_job(
        actor=staff["committee"],
        kind=JobKind.REGISTRY_IMPORT,
        upload=SimpleUploadedFile("r.csv", b"x"),
        source_name="r.csv",
    )
    lianhua = Project.objects.get(pk=job.project_id)
    assert lianhua == city.projects["lianhua"]
    assert (
        selectors.get_job(actor=staff["lianhua"], job_id=job.pk) == job
    )  # the subdistrict covers the project
    with pytest.raises(NotFound):
        selectors.get_job(actor=staff["company"], job_id=job.pk)


def test_a_credit_import_job(city, staff, immediate_tasks):
    head = "主体类型,名称,统一社会信用代码,物业项目编号,信息类型,严重程度,类别,标题,内容,分值,文书编号,发布日期,有效期至\n"
    good = head + "物业企业,,91440300MA5F000002,,良好信息,,表彰奖励,优秀项目,,5,D-1,2026-01-10,\n"
    job = services.start_job(
        actor=staff["city"],
        kind=JobKind.CREDIT_IMPORT,
        upload=SimpleUploadedFile("c.csv", good.encode()),
        source_name="c.csv",
    )
    assert job.state == JobState.SUCCEEDED, job.message
    assert job.result["counts"] == {"entries": 1}
    assert CreditEntry.objects.filter(title="优秀项目").count() == 1
    bad = good + "物业企业,,91440300MA5F000002,,良好信息,,表彰奖励,坏行,,x,D-2,2026-01-10,\n"
    job = services.start_job(
        actor=staff["city"],
        kind=JobKind.CREDIT_IMPORT,
        upload=SimpleUploadedFile("c.csv", bad.encode()),
        source_name="c.csv",
    )
    assert job.state == JobState.FAILED
    assert job.errors == [{"row": 3, "message": "分值必须是0到100的整数。"}]
    assert (
        CreditEntry.objects.filter(title="优秀项目").count() == 1
    )  # the good row of the bad file: not imported


def test_a_running_job_whose_worker_died_is_ended_by_the_sweep(
    city, staff, queued_tasks, private_media, settings
):
    import datetime as dt

    from pmip.core import clock
    from pmip.jobs import tasks

    assert ("pmip.jobs.tasks.fail_stalled_jobs", 300) in settings.PMIP_PERIODIC_TASKS
    stalled = start_fund_import(staff["city"], GOOD)
    alive = start_fund_import(staff["city"], GOOD, name="fund2.csv")
    then = clock.now() - runner.STALLED_AFTER - dt.timedelta(minutes=1)
    OfficeJob.objects.filter(pk=stalled.pk).update(state=JobState.RUNNING, started_at=then, updated_at=then)
    OfficeJob.objects.filter(pk=alive.pk).update(
        state=JobState.RUNNING, started_at=then, updated_at=clock.now()
    )

    assert tasks.fail_stalled_jobs.call() == 1
    stalled.refresh_from_db()
    alive.refresh_from_db()
    assert stalled.state == JobState.FAILED and stalled.finished_at is not None
    assert "意外中断" in stalled.message and stalled.stored_name == ""  # the upload is deleted
    assert alive.state == JobState.RUNNING  # its progress moved recently
    entry = AuditEntry.objects.get(action="jobs.job.failed")
    assert (
        entry.object_id == str(stalled.pk) and entry.data["stalled"] is True and entry.actor_label == "系统"
    )
    assert runner.fail_stalled_jobs() == 0  # nothing left to end
    assert LedgerEntry.objects.filter(source="fund_centre").count() == 0
