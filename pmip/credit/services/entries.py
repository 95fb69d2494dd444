"""Credit subjects (信用档案) and their good/bad entries entered one by one."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.credit import scoring, selectors
from pmip.credit.choices import Category, Polarity, Severity, SubjectKind
from pmip.credit.models import CreditEntry, CreditSubject
from pmip.credit.services.common import _office_label, _require_manage, _text, default_validity
from pmip.credit.services.risk import _refresh_subject
from pmip.notifications.services import notify
from pmip.registry.models import Project, PropertyCompany


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
