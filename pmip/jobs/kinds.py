"""What each kind of office job does: who may start it, and the work (one domain service, all or nothing) it runs
on the uploaded file with a progress reporter. The work returns the result shown on the job's page: `rows` (how many
rows of the file went through), `lines` (plain Chinese) and `counts`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from pmip.core.errors import PermissionDenied
from pmip.core.progress import Progress
from pmip.credit import services as credit
from pmip.funds import importing as fund_import
from pmip.funds import permissions as fund_permissions
from pmip.identity.scopes import roles_of
from pmip.jobs.models import JobKind
from pmip.registry import importing as registry_import

Work = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Kind:
    may_start: Callable[[Any], None]  # raises PermissionDenied before the file is queued
    work: Work  # (actor=, file=, source=, progress=) -> result


def _registry_may_start(actor) -> None:
    if not any(r.can_edit for r in roles_of(actor)):
        raise PermissionDenied("您没有导入基础数据的权限。")


def _registry_work(*, actor, file: IO[bytes], source: str, progress: Progress) -> dict[str, Any]:
    rows = registry_import.read_table(file, filename=source)
    result = registry_import.import_registry_rows(actor=actor, rows=rows, source=source, progress=progress)
    lines = [line.strip() for line in result.summary_lines()]
    return {"rows": result.rows, "lines": lines, "counts": result.as_dict()}


def _funds_may_start(actor) -> None:
    if not any(r.can_edit and r.level in fund_permissions.GOVERNMENT_LEVELS for r in roles_of(actor)):
        raise PermissionDenied("只有住房建设部门（可编辑角色）可以导入维修资金明细。")


def _funds_work(*, actor, file: IO[bytes], source: str, progress: Progress) -> dict[str, Any]:
    rows = fund_import.read_table(file, filename=source)
    result = fund_import.import_fund_entries(actor=actor, rows=rows, source=source, progress=progress)
    lines = [line.strip() for line in result.summary_lines()]
    if not result.created:
        lines.append("文件中的记录均已导入过，本次没有新增记账。")
    counts = {
        "rows": result.rows,
        "created": dict(result.created),
        "unchanged": result.unchanged,
        "projects": result.projects,
        "batch": result.batch,
    }
    return {"rows": result.rows, "lines": lines, "counts": counts}


def _credit_work(*, actor, file: IO[bytes], source: str, progress: Progress) -> dict[str, Any]:
    count = credit.import_entries(actor=actor, file=file, filename=source, progress=progress)
    return {
        "rows": count,
        "lines": [f"导入完成：{source}，已导入{count}条信用信息。"],
        "counts": {"entries": count},
    }


KINDS: dict[str, Kind] = {
    JobKind.REGISTRY_IMPORT: Kind(_registry_may_start, _registry_work),
    JobKind.FUND_ENTRIES_IMPORT: Kind(_funds_may_start, _funds_work),
    JobKind.CREDIT_IMPORT: Kind(credit.require_import, _credit_work),
}
