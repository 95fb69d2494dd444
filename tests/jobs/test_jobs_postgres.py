"""PostgreSQL: a job's progress is committed while the import's own transaction is still open (and survives its
rollback), so the office page sees the bar move during the write."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction

from pmip.funds import ledger
from pmip.funds.models import LedgerEntry
from pmip.jobs import runner, services
from pmip.jobs.models import JobKind, JobState, OfficeJob
from pmip.jobs.progress import Reporter
from tests import factories
from tests.jobs.test_jobs import GOOD, HEADER


def seen_elsewhere(job_id: int) -> tuple:
    """The job's progress as another connection (the office page's) reads it now."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT done, total, phase FROM jobs_officejob WHERE id = %s", [job_id])
            return cursor.fetchone()
    finally:
        other.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_progress_is_committed_inside_the_business_transaction(settings, tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("a second writer during the import's transaction needs PostgreSQL")
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    city = factories.small_city()
    clerk = factories.staff_accounts(city)["city"]
    upload = SimpleUploadedFile("fund.csv", ("\n".join([HEADER, *GOOD]) + "\n").encode())
    job = services.start_job(
        actor=clerk, kind=JobKind.FUND_ENTRIES_IMPORT, upload=upload, source_name="fund.csv"
    )

    with transaction.atomic():  # a business transaction: the reporter writes beside it
        Reporter(job.pk, interval=0)(7, 10, phase="记账")
        assert seen_elsewhere(job.pk) == (7, 10, "记账")
        transaction.set_rollback(True)
    assert OfficeJob.objects.get(pk=job.pk).done == 7  # not rolled back with the business write

    # the real import: while the second project is being posted, the first one's rows show as done elsewhere,
    # and nothing of the import is visible there yet
    real_post = ledger.post
    observed = []

    def post_and_look(**kwargs):
        if observed or kwargs["project_id"] != city.projects["lianhua"].pk:
            observed.append(seen_elsewhere(job.pk))
        return real_post(**kwargs)

    monkeypatch.setattr(ledger, "post", post_and_look)
    monkeypatch.setattr("pmip.jobs.progress.INTERVAL_SECONDS", 0)
    OfficeJob.objects.filter(pk=job.pk).update(done=0, total=0)
    assert runner.run_job(job.pk) == JobState.SUCCEEDED
    assert (
        observed and observed[0][2] == "记账" and observed[0][0] == 3
    )  # 莲花山庄's three rows, committed aside
    assert LedgerEntry.objects.count() == 4
