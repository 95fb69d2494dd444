"""Writes of 信用信息: subjects, good/bad entries (one by one or an all-or-nothing import), disputes, office
inspection scores, the risk list and the policy. Every write checks permission, runs in one transaction and is
audited; people concerned are notified through the outbox."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import IO

from django.db import transaction
from django.db.models import Q

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.core.tables import ImportRejected, RowError, header_text, is_blank, read_table
from pmip.core.text import clean_text
from pmip.credit import scoring, selectors
from pmip.credit.choices import Category, DisputeState, EntryStatus, Polarity, Severity, SubjectKind
from pmip.credit.models import CreditDispute, CreditEntry, CreditSubject, InspectionScore, RiskListing
from pmip.identity.models import ScopeLevel
from pmip.identity.scopes import is_city, roles_of
from pmip.notifications.services import notify
from pmip.registry.models import Project, PropertyCompany

ACTIONS = {
    "credit.subject.created": "新建信用档案",
    "credit.entry.created": "录入信用信息",
    "credit.entries.imported": "批量导入信用信息",
    "credit.dispute.filed": "提出信用异议",
    "credit.dispute.upheld": "异议处理：维持信用信息",
    "credit.dispute.withdrawn": "异议处理：撤销信用信息",
    "credit.inspection.recorded": "录入主管部门考核得分",
    "credit.risk.entered": "进入风险名单",
    "credit.risk.left": "移出风险名单",
    "credit.policy.updated": "修改信用评分规则",
}

MAX_IMPORT_ROWS = 5000

# Free text shown to others (comments, replies, names, entries): the core cleaner with control characters dropped.
_text = partial(clean_text, required=False, strip_controls=True)


def _office_label(actor) -> tuple[str, int | None]:
    """(issuing office name, district id or None for a city office). Only city and district offices issue."""
    roles = roles_of(actor)
    if roles and not any(role.can_edit for role in roles):
        raise PermissionDenied("您的账号为只读权限，不能录入或处理信用信息。")
    roles = [
        role for role in roles if role.can_edit
    ]  # read-only roles issue nothing, as in funds and tendering
    for role in roles:
        if role.level == ScopeLevel.CITY:
            return (role.title or "市住房和建设局", None)
    for role in roles:
        if role.level == ScopeLevel.DISTRICT:
            district = role.district
            assert district is not None  # a district role names its district (StaffRole's check constraint)
            return (role.title or f"{district.name}住房和建设局", role.district_id)
    raise PermissionDenied("只有市、区住房建设部门可以录入信用信息。")


def _require_manage(actor, subject: CreditSubject) -> None:
    _office_label(actor)
    if not selectors.office_may_manage(actor, subject):
        raise NotFound()


def default_validity(polarity: str, severity: str, issued_on: dt.date, policy=None) -> dt.date:
    policy = policy or scoring.get_policy()
    days = {
        "": policy.good_validity_days,
        Severity.MINOR: policy.minor_validity_days,
        Severity.GENERAL: policy.general_validity_days,
        Severity.SERIOUS: policy.serious_validity_days,
    }[severity if polarity == Polarity.BAD else ""]
    return issued_on + dt.timedelta(days=days)


# --- subjects -----------------------------------------------------------------------------------------------------


def create_subject(
    *,
    actor,
    kind: str,
    name: str = "",
    company_id: int | None = None,
    project_code: str = "",
    role: str = "",
    certificate_no: str = "",
    account=None,
) -> CreditSubject:
    if kind not in SubjectKind.values:
        raise ValidationFailed("主体类型不正确。", field="kind")
    _office_label(actor)
    with transaction.atomic():
        company = project = None
        if company_id is not None:
            company = PropertyCompany.objects.filter(pk=company_id).first()
            if company is None:
                raise ValidationFailed("未找到该物业企业。", field="company")
        if project_code:
            project = Project.objects.filter(code=project_code).first()
            if project is None:
                raise ValidationFailed(f"未找到物业项目“{project_code}”。", field="project")
        if kind == SubjectKind.COMPANY:
            if company is None:
                raise ValidationFailed("物业企业信用档案必须选择企业。", field="company")
            existing = CreditSubject.objects.filter(kind=kind, company=company).first()
            if existing is not None:
                return existing
            name = company.name
        else:
            name = _text(name, field="name", label="姓名", max_length=60, required=True)
            if project is None:
                raise ValidationFailed("请填写所在物业项目编号。", field="project")
        subject = CreditSubject(
            kind=kind,
            name=name,
            company=company,
            project=project,
            role=_text(role, field="role", label="职务", max_length=40),
            certificate_no=_text(certificate_no, field="certificate_no", label="证书编号", max_length=60),
            account=account,
        )
        if not selectors.office_may_manage(actor, subject):
            raise PermissionDenied("该主体不在您的管辖范围内。")
        subject.save()
        record(
            actor=actor,
            action="credit.subject.created",
            obj=subject,
            project_id=subject.project_id,
            data={"kind": kind},
        )
    return subject


def _entry_values(
    *, polarity, severity, category, title, description, points, document_no, issued_on, valid_until, policy
) -> dict:
    if polarity not in Polarity.values:
        raise ValidationFailed("请选择良好信息或不良信息。", field="polarity")
    severity = severity or ""
    if polarity == Polarity.BAD and severity not in Severity.values:
        raise ValidationFailed("不良信息请选择严重程度：轻微、一般或严重。", field="severity")
    if polarity == Polarity.GOOD:
        severity = ""
    if category not in Category.values:
        raise ValidationFailed("信息类别不正确。", field="category")
    if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= 100:
        raise ValidationFailed("分值必须是0到100的整数。", field="points")
    if not isinstance(issued_on, dt.date):
        raise ValidationFailed("请填写发布日期。", field="issued_on")
    if issued_on > clock.today():
        raise ValidationFailed("发布日期不能晚于今天。", field="issued_on")
    if valid_until is None:
        valid_until = default_validity(polarity, severity, issued_on, policy)
    if valid_until < issued_on:
        raise ValidationFailed("有效期截止日不能早于发布日期。", field="valid_until")
    return dict(
        polarity=polarity,
        severity=severity,
        category=category,
        title=_text(title, field="title", label="信息标题", max_length=100, required=True),
        description=_text(description, field="description", label="信息内容", max_length=1000),
        points=points,
        document_no=_text(document_no, field="document_no", label="文书编号", max_length=60, required=True),
        issued_on=issued_on,
        valid_until=valid_until,
    )


def add_entry(
    *,
    actor,
    subject_id: int,
    polarity: str,
    severity: str = "",
    category: str = Category.OTHER,
    title: str,
    description: str = "",
    points: int,
    document_no: str,
    issued_on: dt.date,
    valid_until: dt.date | None = None,
) -> CreditEntry:
    with transaction.atomic():
        subject = CreditSubject.objects.select_related("project", "company").filter(pk=subject_id).first()
        if subject is None:
            raise NotFound()
        _require_manage(actor, subject)
        issuer, district_id = _office_label(actor)
        values = _entry_values(
            polarity=polarity,
            severity=severity,
            category=category,
            title=title,
            description=description,
            points=points,
            document_no=document_no,
            issued_on=issued_on,
            valid_until=valid_until,
            policy=scoring.get_policy(),
        )
        entry = CreditEntry.objects.create(
            subject=subject,
            issuer=issuer,
            issuer_district_id=district_id,
            created_by=actor,
            created_at=clock.now(),
            **values,
        )
        record(
            actor=actor,
            action="credit.entry.created",
            obj=entry,
            project_id=subject.project_id,
            data={
                "subject_id": subject.pk,
                "polarity": polarity,
                "severity": values["severity"],
                "points": points,
            },
        )
        _refresh_subject(subject)
        _notify_subject(subject, f"您的信用档案新增一条{entry.get_polarity_display()}", entry.title)
    return entry


def _notify_subject(subject: CreditSubject, title: str, body: str) -> None:
    if subject.account is not None:
        notify(
            recipient=subject.account,
            kind="credit.entry",
            title=title[:100],
            body=body[:500],
            link="/credit/mine/",
        )


# --- import -------------------------------------------------------------------------------------------------------

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


def import_entries(*, actor, file: IO[bytes], filename: str) -> int:
    """批量导入 good/bad entries, all or nothing. Columns: see IMPORT_COLUMNS (Chinese headers). Returns the count."""
    issuer, district_id = _office_label(actor)
    rows = read_table(file, filename=filename)
    if not rows:
        raise ImportRejected([RowError(0, "没有数据行。")])
    if len(rows) > MAX_IMPORT_ROWS:
        raise ImportRejected([RowError(0, f"一次最多导入{MAX_IMPORT_ROWS}行。")])
    policy = scoring.get_policy()
    errors: list[RowError] = []
    planned: list[tuple[CreditSubject, dict]] = []
    for row in rows:
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
    if errors:
        raise ImportRejected(errors)
    now = clock.now()
    with transaction.atomic():
        touched: dict[tuple, CreditSubject] = {}
        for subject, values in planned:
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


# --- disputes -----------------------------------------------------------------------------------------------------


def _store_attachment(upload) -> str:
    """Store the file in STORAGES["credit_attachments"] (private: never served publicly) with a random name;
    returns the stored name."""
    import secrets
    from pathlib import Path

    from pmip.core import stored_files

    suffix = Path(upload.name or "").suffix.lower()
    relative = f"credit/disputes/{clock.today():%Y/%m}/{secrets.token_hex(16)}{suffix}"
    return stored_files.save("credit_attachments", relative, upload)


def file_dispute(*, actor, entry_id: int, reasons: str, attachment=None) -> CreditDispute:
    """异议: the subject disputes an entry; it shows 异议处理中 at once."""
    text = _text(reasons, field="reasons", label="异议理由", max_length=1000, required=True)
    if attachment is not None:
        if attachment.size > 5 * 1024 * 1024:
            raise ValidationFailed("附件不能超过5MB。", field="attachment")
        name = (attachment.name or "").lower()
        if not name.endswith((".pdf", ".jpg", ".jpeg", ".png")):
            raise ValidationFailed("附件只能是 PDF、JPG 或 PNG。", field="attachment")
    with transaction.atomic():
        entry = (
            CreditEntry.objects.select_for_update(of=("self",))
            .select_related("subject")
            .filter(pk=entry_id)
            .first()
        )
        if entry is None or not selectors.is_own(actor, entry.subject):
            raise NotFound()
        if entry.status == EntryStatus.WITHDRAWN:
            raise ValidationFailed("该信息已撤销，无需提出异议。")
        if entry.status == EntryStatus.DISPUTED:
            raise ValidationFailed("该信息的异议正在处理中。")
        policy = scoring.get_policy()
        dispute = CreditDispute(
            entry=entry,
            filed_by=actor,
            reasons=text,
            filed_at=clock.now(),
            deadline=clock.today() + dt.timedelta(days=policy.dispute_days),
        )
        if attachment is not None:
            dispute.attachment_name = _text(
                attachment.name, field="attachment", label="附件名", max_length=120
            )
            dispute.stored_name = _store_attachment(attachment)
        dispute.save()
        entry.status = EntryStatus.DISPUTED
        entry.save(update_fields=["status"])
        record(
            actor=actor,
            action="credit.dispute.filed",
            obj=dispute,
            project_id=entry.subject.project_id,
            data={"entry_id": entry.pk},
        )
    return dispute


def _may_decide(actor, entry: CreditEntry) -> bool:
    if is_city(actor):
        return True
    return entry.issuer_district_id is not None and any(
        r.level == ScopeLevel.DISTRICT and r.district_id == entry.issuer_district_id for r in roles_of(actor)
    )


def decide_dispute(*, actor, dispute_id: int, uphold: bool, note: str) -> CreditDispute:
    """The issuing office upholds the entry (back to 有效) or withdraws it (已撤销, no longer counted)."""
    text = _text(note, field="note", label="处理意见", max_length=1000, required=True)
    with transaction.atomic():
        dispute = (
            CreditDispute.objects.select_for_update(of=("self",))
            .select_related("entry", "entry__subject", "entry__subject__project")
            .filter(pk=dispute_id)
            .first()
        )
        if dispute is None or not _may_decide(actor, dispute.entry):
            raise NotFound()
        _office_label(actor)  # a read-only role in scope reads the dispute but decides nothing
        if dispute.state != DisputeState.PENDING:
            raise ValidationFailed("该异议已处理。")
        entry = dispute.entry
        dispute.state = DisputeState.UPHELD if uphold else DisputeState.WITHDRAWN
        dispute.decided_by = actor
        dispute.decided_at = clock.now()
        dispute.decision_note = text
        dispute.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        entry.status = EntryStatus.ACTIVE if uphold else EntryStatus.WITHDRAWN
        entry.save(update_fields=["status"])
        record(
            actor=actor,
            action="credit.dispute.upheld" if uphold else "credit.dispute.withdrawn",
            obj=dispute,
            project_id=entry.subject.project_id,
            data={"entry_id": entry.pk},
        )
        notify(
            recipient=dispute.filed_by,
            kind="credit.dispute_decided",
            title="您的信用异议已处理",
            body=f"“{entry.title[:60]}”：{'维持原信息' if uphold else '已撤销该信息'}。",
            link="/credit/mine/",
        )
        _refresh_subject(entry.subject)
    return dispute


# --- inspection scores and the risk list --------------------------------------------------------------------------


def record_inspection_score(*, actor, subject_id: int, year: int, score: int) -> InspectionScore:
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
        raise ValidationFailed("考核得分必须是0到100的整数。", field="score")
    if not isinstance(year, int) or not 2000 <= year <= clock.today().year:
        raise ValidationFailed("年度不正确。", field="year")
    with transaction.atomic():
        subject = CreditSubject.objects.select_related("project", "company").filter(pk=subject_id).first()
        if subject is None:
            raise NotFound()
        _require_manage(actor, subject)
        if subject.kind not in (SubjectKind.COMPANY, SubjectKind.PROJECT_LEADER):
            raise ValidationFailed("只有物业企业和项目负责人有主管部门考核得分。")
        issuer, _ = _office_label(actor)
        item, _ = InspectionScore.objects.update_or_create(
            subject=subject,
            year=year,
            defaults={"score": score, "issuer": issuer, "recorded_at": clock.now()},
        )
        record(
            actor=actor,
            action="credit.inspection.recorded",
            obj=item,
            project_id=subject.project_id,
            data={"year": year, "score": score},
        )
        _refresh_subject(subject)
    return item


def _risk_reason(subject: CreditSubject, policy) -> str:
    result = scoring.subject_score(subject, policy)
    if result.serious:
        return "存在严重不良信息"
    combined = scoring.combined_score(subject, policy).combined
    if combined is not None and combined < policy.risk_threshold:
        return f"综合得分 {scoring.fmt(combined)} 低于 {policy.risk_threshold}"
    return ""


def _refresh_subject(subject: CreditSubject, today: dt.date | None = None) -> None:
    """Enter or leave the risk list (companies and project leaders); call inside the transaction."""
    if subject.kind not in (SubjectKind.COMPANY, SubjectKind.PROJECT_LEADER):
        return
    today = today or clock.today()
    policy = scoring.get_policy()
    reason = _risk_reason(subject, policy)
    listing = RiskListing.objects.select_for_update().filter(subject=subject, left_on__isnull=True).first()
    if reason and listing is None:
        listing = RiskListing.objects.create(subject=subject, reason=reason, entered_on=today)
        record(
            actor=None,
            action="credit.risk.entered",
            obj=listing,
            project_id=subject.project_id,
            data={"subject_id": subject.pk, "reason": reason},
        )
    elif reason and listing is not None and listing.clean_since is not None:
        listing.clean_since = None
        listing.save(update_fields=["clean_since"])
    elif not reason and listing is not None:
        if listing.clean_since is None:
            listing.clean_since = today
            listing.save(update_fields=["clean_since"])
        if (today - listing.clean_since).days >= policy.risk_clean_days:
            listing.left_on = today
            listing.save(update_fields=["left_on"])
            record(
                actor=None,
                action="credit.risk.left",
                obj=listing,
                project_id=subject.project_id,
                data={"subject_id": subject.pk},
            )


def refresh_risk_list(today: dt.date | None = None) -> int:
    """The daily pass (periodic task): every company and project leader. Returns how many are on the list."""
    for subject in (
        CreditSubject.objects.filter(Q(kind=SubjectKind.COMPANY) | Q(kind=SubjectKind.PROJECT_LEADER))
        .select_related("project", "company")
        .iterator()
    ):
        with transaction.atomic():
            _refresh_subject(subject, today)
    return RiskListing.objects.filter(left_on__isnull=True).count()


# --- policy -------------------------------------------------------------------------------------------------------

POLICY_FIELDS = {
    "base_score": (0, 100),
    "good_cap": (0, 100),
    "grade_aaa": (0, 100),
    "grade_aa": (0, 100),
    "grade_a": (0, 100),
    "grade_b": (0, 100),
    "good_validity_days": (1, 3650),
    "minor_validity_days": (1, 3650),
    "general_validity_days": (1, 3650),
    "serious_validity_days": (1, 3650),
    "dispute_days": (1, 90),
    "owner_weight": (0, 100),
    "inspection_weight": (0, 100),
    "risk_threshold": (0, 100),
    "risk_clean_days": (1, 3650),
}


def update_policy(*, actor, values: dict, public_owner_categories: list[str]):
    if not any(role.level == ScopeLevel.CITY and role.can_edit for role in roles_of(actor)):
        raise PermissionDenied("只有市级管理部门（可编辑）可以修改信用评分规则。")
    clean = {}
    for field, (low, high) in POLICY_FIELDS.items():
        value = values.get(field)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationFailed(f"{field} 必须是{low}到{high}的整数。", field=field)
        clean[field] = value
    if not clean["grade_aaa"] > clean["grade_aa"] > clean["grade_a"] > clean["grade_b"]:
        raise ValidationFailed("等级分数线必须从高到低：AAA > AA > A > B。")
    if clean["owner_weight"] + clean["inspection_weight"] == 0:
        raise ValidationFailed("两项权重不能都为0。")
    cats = sorted({c for c in public_owner_categories if c in Category.values})
    with transaction.atomic():
        policy = scoring.get_policy()
        for field, value in clean.items():
            setattr(policy, field, value)
        policy.public_owner_categories = cats
        policy.updated_at = clock.now()
        policy.save()
        record(
            actor=actor,
            action="credit.policy.updated",
            obj=policy,
            data={**clean, "public_owner_categories": cats},
        )
    return policy
