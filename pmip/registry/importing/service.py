"""`import_registry_rows`: the registry import service the command and the back office call (rules: the package's
docstring)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from pmip.audit.services import record
from pmip.core.errors import PermissionDenied
from pmip.core.progress import Progress, no_progress
from pmip.core.tables import ImportRejected, RowError, SourceRow
from pmip.identity.scopes import roles_of
from pmip.registry.importing.parsing import ParsedRow, check_headers, parse_row
from pmip.registry.importing.result import ImportResult
from pmip.registry.importing.validation import Places, cross_check, resolve_places, writable
from pmip.registry.importing.writing import in_chunks, write_rows
from pmip.registry.models import Project


def import_registry_rows(
    *,
    actor: Any,
    rows: Iterable[SourceRow | Mapping[str, Any]],
    source: str,
    progress: Progress = no_progress,
) -> ImportResult:
    """Validate every row, then create or update projects, buildings, units and title records in one transaction.

    Raises `ImportRejected` (with every row error) and writes nothing when any row fails; `PermissionDenied` when a
    staff actor has no editable role. `source` is the file name, kept in the audit entry. `progress` is told how
    many rows are checked, then written (a report only: pmip.core.progress).
    """
    if actor is not None and not any(r.can_edit for r in roles_of(actor)):
        raise PermissionDenied("您没有导入基础数据的权限。")
    source_rows = [r if isinstance(r, SourceRow) else SourceRow(i + 2, r) for i, r in enumerate(rows)]
    if not source_rows:
        raise ImportRejected([RowError(0, "没有数据行。")])
    errors = check_headers(source_rows)
    if errors:
        raise ImportRejected(errors)
    parsed: list[ParsedRow] = []
    for i, source_row in enumerate(source_rows):
        progress(i, len(source_rows), phase="检查")
        one = parse_row(source_row, errors)
        if one is not None:
            parsed.append(one)
    progress(len(source_rows), len(source_rows), phase="检查")
    cross_check(parsed, errors)

    with transaction.atomic(durable=True):
        places = resolve_places(parsed, errors)
        projects = {
            p.code: p for p in in_chunks(Project.objects.all(), "code", {r.project_code for r in parsed})
        }
        if actor is not None:
            _check_scope(actor, parsed, places, projects, errors)
        if errors:
            raise ImportRejected(errors)
        result = ImportResult(source=source, rows=len(source_rows))
        write_rows(parsed, places, projects, result, actor, progress)
        record(
            actor=actor,
            action="registry.import.completed",
            data={"source": source, **result.as_dict()},
            actor_label="" if actor is not None else "系统（import_registry）",
        )
    return result


def _check_scope(
    actor: Any, rows: list[ParsedRow], places: Places, projects: dict[str, Project], errors: list[RowError]
) -> None:
    """A staff actor's editable roles must cover every project of the file (one error per project)."""
    roles = [r for r in roles_of(actor) if r.can_edit]
    reported: set[str] = set()
    for row in rows:
        place = places.get((row.project["district"], row.project["subdistrict"]))
        if place is None or row.project_code in reported:
            continue
        if not writable(
            roles, project=projects.get(row.project_code), district=place[0], subdistrict=place[1]
        ):
            reported.add(row.project_code)
            errors.append(
                RowError(row.number, f"物业项目“{row.project_code}”不在您可编辑的范围内，不能导入。")
            )
