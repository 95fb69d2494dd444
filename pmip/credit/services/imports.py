"""批量导入 of good/bad entries from a CSV/XLSX table with Chinese headers: every row checked first, then all
written in one transaction, or none."""

from __future__ import annotations

import datetime as dt
from typing import IO

from django.db import transaction

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import ValidationFailed
from pmip.core.progress import Progress, no_progress
from pmip.core.tables import ImportRejected, RowError, header_text, is_blank, read_table
from pmip.credit import scoring, selectors
from pmip.credit.choices import Category, Polarity, Severity, SubjectKind
from pmip.credit.models import CreditEntry, CreditSubject
from pmip.credit.services.common import _office_label, _text
from pmip.credit.services.entries import _entry_values
from pmip.credit.services.risk import _refresh_subject
from pmip.registry.models import Project, PropertyCompany

MAX_IMPORT_ROWS = 5000

IMPORT_COLUMNS = {
    "主体类型": "kind",
    "名称": "name",
    "统一社会信用代码": "credit_code",
    "物业项目编号": "project_code",
    "信息类型": "polarity",
    "严重程度": "severity",
    "类别": "category",
    "标题": "title",
    "内容": "description",
    "分值": "points",
    "文书编号": "document_no",
    "发布日期": "issued_on",
    "有效期至": "valid_until",
}
_LABELS = {
    "kind": {label: value for value, label in SubjectKind.choices},
    "polarity": {label: value for value, label in Polarity.choices},
    "severity": {label: value for value, label in Severity.choices},
    "category": {label: value for value, label in Category.choices},
}


def _label(column: str, value: str | dt.date) -> str | None:
    """The stored value for a choice column's label (a date cell is no label)."""
    return _LABELS[column].get(value) if isinstance(value, str) else None


def _date(value, what: str) -> dt.date | None:
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(f"{what}格式应为 2026-01-31。") from None


def require_import(actor) -> None:
    """Raises PermissionDenied unless the actor may import credit entries (an editable city or district office):
    asked before a file is queued as a job, and again by `import_entries` when it runs."""
    _office_label(actor)


def import_entries(*, actor, file: IO[bytes], filename: str, progress: Progress = no_progress) -> int:
    """批量导入 good/bad entries, all or nothing. Columns: see IMPORT_COLUMNS (Chinese headers). Returns the count."""
    # Kept whole: every row checked first (all errors at once), then all written in one transaction.
    issuer, district_id = _office_label(actor)
    rows = read_table(file, filename=filename)
    if not rows:
        raise ImportRejected([RowError(0, "没有数据行。")])
    if len(rows) > MAX_IMPORT_ROWS:
        raise ImportRejected([RowError(0, f"一次最多导入{MAX_IMPORT_ROWS}行。")])
    policy = scoring.get_policy()
    errors: list[RowError] = []
    planned: list[tuple[CreditSubject, dict]] = []
    for i, row in enumerate(rows):
        progress(i, len(rows), phase="检查")
        values: dict[str, str | dt.date] = {}  # a cell: its text, or a date from a date-formatted cell
        for key, value in row.values.items():
            field = IMPORT_COLUMNS.get(header_text(key))
            if field is None:
                if key == "__extra__" or not is_blank(value):
                    errors.append(RowError(row.number, f"未知列“{key}”。"))
                continue
            values[field] = (
                "" if is_blank(value) else (value if isinstance(value, dt.date) else str(value).strip())
            )
        try:
            kind = _label("kind", values.get("kind", ""))
            if kind is None:
                raise ValidationFailed("主体类型应为：" + "、".join(SubjectKind.labels) + "。")
            subject = _import_subject(actor, kind, values)
            points_text = values.get("points", "")
            if not isinstance(points_text, str) or not points_text.isdigit():
                raise ValidationFailed("分值必须是0到100的整数。")
            entry = _entry_values(
                polarity=_label("polarity", values.get("polarity", "")) or "?",
                severity=_label("severity", values.get("severity", "")) or "",
                category=_label("category", values.get("category", "") or "其他") or "?",
                title=values.get("title", ""),
                description=values.get("description", ""),
                points=int(points_text),
                document_no=values.get("document_no", ""),
                issued_on=_date(values.get("issued_on"), "发布日期"),
                valid_until=_date(values.get("valid_until"), "有效期至"),
                policy=policy,
            )
        except ValidationFailed as exc:
            errors.append(RowError(row.number, exc.message))
            continue
        planned.append((subject, entry))
    progress(len(rows), len(rows), phase="检查")
    if errors:
        raise ImportRejected(errors)
    now = clock.now()
    with transaction.atomic():
        touched: dict[tuple, CreditSubject] = {}
        for i, (subject, values) in enumerate(planned):
            progress(i, len(planned), phase="写入")
            if subject.pk is None:
                key = (subject.kind, subject.company_id, subject.project_id, subject.name)
                if key in touched:
                    subject = touched[key]
                else:
                    subject.save()
                    touched[key] = subject
            CreditEntry.objects.create(
                subject=subject,
                issuer=issuer,
                issuer_district_id=district_id,
                created_by=actor,
                created_at=now,
                **values,
            )
            touched[("id", subject.pk)] = subject
        record(
            actor=actor, action="credit.entries.imported", data={"rows": len(planned), "file": filename[:100]}
        )
        for touched_key, subject in touched.items():
            if touched_key[0] == "id":
                _refresh_subject(subject)
    return len(planned)


def _import_subject(actor, kind: str, values: dict) -> CreditSubject:
    if kind == SubjectKind.COMPANY:
        company = PropertyCompany.objects.filter(credit_code=values.get("credit_code", "")).first()
        if company is None:
            raise ValidationFailed("未找到该统一社会信用代码的物业企业。")
        subject = CreditSubject.objects.filter(kind=kind, company=company).first() or CreditSubject(
            kind=kind, name=company.name, company=company
        )
    else:
        project = Project.objects.filter(code=values.get("project_code", "")).first()
        if project is None:
            raise ValidationFailed("未找到该物业项目编号。")
        name = _text(values.get("name", ""), field="name", label="名称", max_length=60, required=True)
        subject = CreditSubject.objects.filter(
            kind=kind, project=project, name=name
        ).first() or CreditSubject(kind=kind, name=name, project=project)
    if not selectors.office_may_manage(actor, subject):
        raise ValidationFailed("该主体不在您的管辖范围内。")
    return subject
