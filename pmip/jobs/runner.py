"""Running one office job (the task body): claim it, run its kind's work on the stored file with a progress
reporter, record the result or the error, delete the file. The work's own write is one transaction (all or
nothing); the job's state changes are separate short transactions, so a failed import leaves a failed job and
nothing else."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction

from pmip.audit.services import record
from pmip.core import clock, stored_files
from pmip.core.errors import DomainError
from pmip.core.tables import ImportRejected, RowError
from pmip.jobs.kinds import KINDS
from pmip.jobs.models import JobState, OfficeJob
from pmip.jobs.progress import Reporter

log = logging.getLogger(__name__)

UPLOADS = "job_uploads"  # the name in settings' STORAGES
MAX_ERRORS_KEPT = 1000
UNEXPECTED = "处理时出现意外错误，未导入任何数据。请稍后重试；仍不成功请联系平台运维。"
# A running job writes its progress about once a second; one silent this long lost its worker (a crash, a killed pod).
STALLED_AFTER = dt.timedelta(minutes=30)
STALLED = "处理过程意外中断（处理程序停止）。请先核对数据是否已导入，再决定是否重新上传。"


def run_job(job_id: int) -> str:
    """Run the job once. Returns its final state ('' when it was not queued: already run, or unknown). Any error of
    the work ends the job as 失败 with the message (and the rows at fault); none escapes to the worker."""
    now = clock.now()
    if not OfficeJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=now, updated_at=now, phase="读取文件"
    ):
        return ""
    job = OfficeJob.objects.select_related("started_by").get(pk=job_id)
    reporter = Reporter(job.pk)
    try:
        handle = stored_files.open_stored(UPLOADS, job.stored_name) if job.stored_name else None
        if handle is None:
            raise DomainError("上传的文件已不存在，请重新上传。")
        with handle:
            result = KINDS[job.kind].work(
                actor=job.started_by, file=handle, source=job.source_name, progress=reporter
            )
    except ImportRejected as exc:
        _finish(job, JobState.FAILED, message=exc.message, errors=exc.errors)
    except DomainError as exc:
        _finish(job, JobState.FAILED, message=exc.message)
    except Exception:
        log.exception("office job %s (%s) failed", job.pk, job.kind)
        _finish(job, JobState.FAILED, message=UNEXPECTED)
    else:
        _finish(job, JobState.SUCCEEDED, message="已完成。", result=result)
    finally:
        reporter.close()
        _discard_upload(job)
    return job.state


def _finish(
    job: OfficeJob,
    state: str,
    *,
    message: str,
    result: dict[str, Any] | None = None,
    errors: list[RowError] | None = None,
) -> None:
    job.refresh_from_db(fields=["done", "total", "phase"])
    job.state = state
    job.message = message[:300]
    job.result = result or {}
    job.errors = [{"row": e.row, "message": e.message} for e in (errors or [])[:MAX_ERRORS_KEPT]]
    job.finished_at = job.updated_at = clock.now()
    if state == JobState.SUCCEEDED:  # every row of the file is through
        job.done = job.total = int((result or {}).get("rows") or job.total)
        job.phase = "完成"
    fields = ["state", "message", "result", "errors", "finished_at", "updated_at", "done", "total", "phase"]
    data: dict[str, Any] = {"kind": job.kind, "file": job.source_name[:100]}
    if errors:
        data["row_errors"] = len(errors)
    if result and result.get("rows") is not None:
        data["rows"] = result["rows"]
    with transaction.atomic():
        job.save(update_fields=fields)
        record(
            actor=job.started_by,
            action="jobs.job.finished" if state == JobState.SUCCEEDED else "jobs.job.failed",
            obj=job,
            data=data,
        )


def _discard_upload(job: OfficeJob) -> None:
    """The uploaded file is only the job's input: deleted once the job ends (success or failure)."""
    if not job.stored_name:
        return
    try:
        stored_files.delete(UPLOADS, job.stored_name)
    except Exception:
        log.warning("office job %s: upload %s not deleted", job.pk, job.stored_name, exc_info=True)
        return
    OfficeJob.objects.filter(pk=job.pk).update(stored_name="")
    job.stored_name = ""


def fail_stalled_jobs() -> int:
    """End as 失败 every running job whose progress has not moved for STALLED_AFTER (its worker died), so its page
    stops polling and says what to do; audited per job, the upload deleted. Returns how many."""
    cutoff = clock.now() - STALLED_AFTER
    stalled = list(
        OfficeJob.objects.select_related("started_by").filter(state=JobState.RUNNING, updated_at__lt=cutoff)
    )
    for job in stalled:
        now = clock.now()
        with transaction.atomic():
            if not OfficeJob.objects.filter(pk=job.pk, state=JobState.RUNNING, updated_at__lt=cutoff).update(
                state=JobState.FAILED, message=STALLED, finished_at=now, updated_at=now
            ):
                continue  # it moved or ended meanwhile
            record(
                actor=None,
                actor_label="系统",
                action="jobs.job.failed",
                obj=job,
                data={"kind": job.kind, "file": job.source_name[:100], "stalled": True},
            )
        _discard_upload(job)
    return len(stalled)
