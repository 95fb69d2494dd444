"""The one task of office jobs (run by `manage.py db_worker`): every kind goes through `runner.run_job`."""

from __future__ import annotations

from django.tasks import task


@task
def run_office_job(job_id: int) -> str:
    from pmip.jobs.runner import run_job

    return run_job(job_id)
