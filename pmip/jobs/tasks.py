"""The tasks of office jobs (run by `manage.py db_worker`): every kind goes through `runner.run_job`; a periodic
sweep ends the jobs whose worker died."""

from __future__ import annotations

from django.tasks import task


@task
def run_office_job(job_id: int) -> str:
    from pmip.jobs.runner import run_job

    return run_job(job_id)


@task
def fail_stalled_jobs() -> int:
    """Periodic (settings.PMIP_PERIODIC_TASKS): end the running jobs whose worker died."""
    from pmip.jobs.runner import fail_stalled_jobs as sweep

    return sweep()
