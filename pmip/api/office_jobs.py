"""Staff API: an office job's status (后台任务) — the same as its back-office page shows, with the back-office
session; 404 outside the job's scope (its starter and staff whose scope covers it)."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema
from pydantic import Field

from pmip.api.auth import StaffSessionAuth
from pmip.api.schemas import Problem
from pmip.jobs import selectors
from pmip.jobs.models import OfficeJob

router = Router(tags=["管理后台"], auth=StaffSessionAuth())


class JobRowErrorOut(Schema):
    row: int = Field(..., description="表格中的行号（含表头行）；0 表示整个文件")
    message: str


class JobOut(Schema):
    id: int
    kind: str = Field(..., examples=["fund_entries_import"])
    kind_label: str = Field(..., examples=["维修资金明细导入"])
    state: str = Field(..., description="queued 排队中 · running 进行中 · succeeded 已完成 · failed 失败")
    state_label: str
    source_name: str = Field(..., description="上传的文件名")
    phase: str = Field(..., description="当前阶段，如 检查、记账")
    done: int
    total: int
    message: str = Field(..., description="结束时的说明：完成，或失败的原因")
    result_lines: list[str] = Field(..., description="完成时的结果（各类记录的数量）")
    errors: list[JobRowErrorOut] = Field(..., description="失败时每一处错误及其行号")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @classmethod
    def of(cls, job: OfficeJob) -> JobOut:
        return cls(
            id=job.pk,
            kind=job.kind,
            kind_label=job.get_kind_display(),
            state=job.state,
            state_label=job.get_state_display(),
            source_name=job.source_name,
            phase=job.phase,
            done=job.done,
            total=job.total,
            message=job.message,
            result_lines=[str(line) for line in (job.result or {}).get("lines", [])],
            errors=[
                JobRowErrorOut(row=e.get("row", 0), message=e.get("message", "")) for e in job.errors or []
            ],
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


@router.get(
    "/{job_id}",
    response={200: JobOut, 401: Problem, 403: Problem, 404: Problem, 422: Problem},
    summary="后台任务的进度和结果",
)
def get_job(request, job_id: int):
    return JobOut.of(selectors.get_job(actor=request.auth, job_id=job_id))
