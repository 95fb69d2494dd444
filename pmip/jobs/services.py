"""Starting an office job: permission, the upload stored (storage `job_uploads`), the job row and its audit entry,
then the task enqueued. The work itself runs in the task (`runner.run_job`)."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from django.core.files import File
from django.db import transaction

from pmip.audit.services import record
from pmip.core import clock, stored_files
from pmip.core.errors import PermissionDenied, ValidationFailed
from pmip.identity.models import ScopeLevel, StaffRole
from pmip.identity.scopes import roles_of
from pmip.jobs.kinds import KINDS
from pmip.jobs.models import JobState, OfficeJob
from pmip.jobs.runner import UPLOADS

log = logging.getLogger(__name__)

_BREADTH: list[str] = [
    ScopeLevel.CITY,
    ScopeLevel.DISTRICT,
    ScopeLevel.SUBDISTRICT,
    ScopeLevel.COMMITTEE,
    ScopeLevel.COMPANY,
]
NOT_QUEUED = "任务未能排队，请稍后重试。"


def _scope_of(role: StaffRole) -> dict:
    """The job's scope fields from the starter's role: the office itself and the places it lies in (so that staff
    whose scope covers it see the job), never sideways (a committee's job is not its company's)."""
    if role.level == ScopeLevel.DISTRICT:
        return {"district_id": role.district_id}
    if role.level == ScopeLevel.SUBDISTRICT:
        assert role.subdistrict is not None  # the role's constraint: its level's key is set
        return {"district_id": role.subdistrict.district_id, "subdistrict_id": role.subdistrict_id}
    if role.level == ScopeLevel.COMMITTEE:
        project = role.project
        assert project is not None
        return {
            "district_id": project.district_id,
            "subdistrict_id": project.subdistrict_id,
            "project_id": project.pk,
        }
    if role.level == ScopeLevel.COMPANY:
        return {"company_id": role.company_id}
    return {}


def _widest_role(actor) -> StaffRole:
    roles = sorted(roles_of(actor), key=lambda r: (not r.can_edit, _BREADTH.index(r.level)))
    if not roles:
        raise PermissionDenied("只有后台工作人员可以提交后台任务。")
    return roles[0]


def start_job(*, actor, kind: str, upload: File, source_name: str) -> OfficeJob:
    """Queue `kind` on the uploaded file. Raises PermissionDenied (the kind's own rule, asked now and again when the
    job runs) or ValidationFailed (an unknown kind). Audit: jobs.job.started. The job may already be finished when
    this returns (a task backend that runs at once)."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValidationFailed("未知的任务类型。", code="job_kind")
    spec.may_start(actor)
    role = _widest_role(actor)
    source_name = Path(source_name or "upload").name[:200]
    stored = stored_files.save(
        UPLOADS, f"{kind}/{uuid.uuid4().hex}{Path(source_name).suffix.lower()[:10]}", upload
    )
    try:
        with transaction.atomic():
            job = OfficeJob.objects.create(
                kind=kind,
                started_by=actor,
                scope_level=role.level,
                source_name=source_name,
                stored_name=stored,
                phase="排队",
                **_scope_of(role),
            )
            record(
                actor=actor,
                action="jobs.job.started",
                obj=job,
                data={"kind": kind, "file": source_name[:100]},
            )
    except BaseException:
        stored_files.delete(UPLOADS, stored)
        raise
    _enqueue(job)
    job.refresh_from_db()
    return job


def _enqueue(job: OfficeJob) -> None:
    # imported here: the task module stays free of this one (the task <-> service pair of docs/architecture.md)
    from pmip.jobs.tasks import run_office_job

    try:
        result = run_office_job.enqueue(job.pk)
    except Exception:
        log.exception("office job %s not enqueued", job.pk)
        now = clock.now()
        with transaction.atomic():
            OfficeJob.objects.filter(pk=job.pk, state=JobState.QUEUED).update(
                state=JobState.FAILED, message=NOT_QUEUED, finished_at=now, updated_at=now
            )
            record(
                actor=job.started_by,
                action="jobs.job.failed",
                obj=job,
                data={"kind": job.kind, "queued": False},
            )
        stored_files.delete(UPLOADS, job.stored_name)
        OfficeJob.objects.filter(pk=job.pk).update(stored_name="")
        return
    OfficeJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
