"""Writes of 招标投标: create a tender, add bidders, record each step in order, correct a step (a new version),
attach documents. Each checks the actor's scope, runs in one transaction, writes an audit entry, and pushes every
recorded step and publicity notice to the project's bound owners and delegates through the fan-out.

Who records: back-office staff whose scope covers the project and who may edit (区/街道住建部门, 业委会), never the
property companies (they bid). Dates: a step is dated on or after the previous one, and a step after a publicity
notice only after that notice's period (counted in working days, `pmip.core.workdays`) has ended.
"""

from __future__ import annotations

import datetime as dt

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q

from pmip.audit.services import record
from pmip.core import clock, stored_files, workdays
from pmip.core.conf import pmip_settings
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.core.text import clean_text
from pmip.decisions.models import Meeting
from pmip.identity.models import ScopeLevel
from pmip.identity.scopes import _project_q, roles_of
from pmip.registry.models import Project, PropertyCompany
from pmip.tendering import notices
from pmip.tendering.choices import NOTICES, ORDER, Step, TendererKind, TenderMethod
from pmip.tendering.models import Bidder, Tender, TenderDocument, TenderStep

MIN_BIDDERS = 3  # 物业管理条例 Art. 24: fewer than three bidders, no tender
NOTE_MAX = 500
REASON_MAX = 300


def file_max_bytes() -> int:
    return pmip_settings().tendering_file_max_bytes


_text = clean_text


def may_manage(actor) -> bool:
    return any(r.can_edit and r.level != ScopeLevel.COMPANY for r in roles_of(actor))


def _managed_projects(actor):
    """The projects whose tenders the actor records: editing roles other than property companies."""
    if not may_manage(actor):
        raise PermissionDenied("只有住房和建设部门或业委会的工作人员可以登记招标投标情况。")
    q = Q(pk__in=[])
    for role in roles_of(actor):
        if role.can_edit and role.level != ScopeLevel.COMPANY:
            if role.level == ScopeLevel.CITY:
                return Project.objects.all()
            q |= _project_q(role, "")
    return Project.objects.filter(q)


def managed_project_id(*, actor, code: str) -> int:
    """The project of this code among those whose tenders the actor records (PermissionDenied for other roles)."""
    project_id = _managed_projects(actor).filter(code=code.strip()).values_list("pk", flat=True).first()
    if project_id is None:
        raise NotFound("未找到该物业项目，或不在您的管辖范围内。", field="project_code")
    return project_id


def _tender_for_update(actor, tender_id: int) -> Tender:
    projects = _managed_projects(actor)
    tender = (
        Tender.objects.select_for_update()
        .filter(pk=tender_id, project__in=projects)
        .select_related("project")
        .first()
    )
    if tender is None:
        raise NotFound("未找到该招标项目，或您没有权限。")
    return tender


def create_tender(
    *,
    actor,
    project_id: int,
    title: str,
    tenderer_kind: str,
    method: str,
    agent: str = "",
    meeting_id: int | None = None,
    announcement_days: int = 5,
    result_days: int = 3,
) -> Tender:
    title = _text(title, label="招标项目名称", field="title", max_length=120)
    agent = _text(agent, label="招标代理机构", field="agent", max_length=120, required=False)
    if tenderer_kind not in TendererKind.values:
        raise ValidationFailed("请选择招标人。", field="tenderer_kind")
    if method not in TenderMethod.values:
        raise ValidationFailed("请选择招标方式。", field="method")
    for value, field in ((announcement_days, "announcement_days"), (result_days, "result_days")):
        if not isinstance(value, int) or not 1 <= value <= 60:
            raise ValidationFailed("公示期应为1至60个工作日。", field=field)
    with transaction.atomic():
        project = _managed_projects(actor).filter(pk=project_id).first()
        if project is None:
            raise NotFound("未找到该物业项目，或您没有权限。")
        meeting = None
        if tenderer_kind == TendererKind.ASSEMBLY:
            meeting = Meeting.objects.filter(pk=meeting_id or 0, project=project).first()
            if meeting is None:
                raise ValidationFailed("业主大会招标须关联本项目决定招标的业主决策会议。", field="meeting_id")
            if meeting.rehearsal:  # a rehearsal (演练) never counts as an owners' decision
                raise ValidationFailed(
                    "演练会议不产生法律效力，不能作为业主大会招标的依据。", field="meeting_id"
                )
        tender = Tender.objects.create(
            project=project,
            title=title,
            tenderer_kind=tenderer_kind,
            meeting=meeting,
            method=method,
            agent=agent,
            announcement_days=announcement_days,
            result_days=result_days,
            created_by=actor,
        )
        record(
            actor=actor,
            action="tendering.tender.created",
            obj=tender,
            data={"title": title, "method": method, "tenderer_kind": tenderer_kind, "meeting_id": meeting_id},
        )
    return tender


def current_steps(tender: Tender) -> dict[str, TenderStep]:
    """The current version of each recorded step, by step code."""
    return {s.step: s for s in tender.steps.filter(superseded_by__isnull=True)}


def _earliest(before: list[TenderStep], step: str) -> tuple[dt.date, TenderStep] | None:
    """The earliest date `step` may have, and the step that sets it: on or after every earlier step's date; a stage
    (not a publicity notice) also only after every earlier notice's period has ended (e.g. 开标 not before the
    announcement period ends). Two notices may run side by side."""
    best: tuple[dt.date, TenderStep] | None = None
    for row in before:
        bound = row.date
        if step not in NOTICES and row.period_ends is not None:
            bound = row.period_ends + dt.timedelta(days=1)
        if best is None or bound > best[0]:
            best = (bound, row)
    return best


def _check_date(date: dt.date, *, before: list[TenderStep], step: str) -> None:
    if not isinstance(date, dt.date):
        raise ValidationFailed("请填写日期。", field="date")
    if date > clock.today():
        raise ValidationFailed("日期不能晚于今天：请在该阶段发生后登记。", field="date")
    earliest = _earliest(before, step)
    if earliest is None or date >= earliest[0]:
        return
    bound, row = earliest
    if row.period_ends is not None and step not in NOTICES:
        raise ValidationFailed(
            f"“{row.get_step_display()}”的公示期至{row.period_ends:%Y-%m-%d}届满，"
            f"“{Step(step).label}”不能早于{bound:%Y-%m-%d}。",
            field="date",
        )
    raise ValidationFailed(
        f"“{Step(step).label}”不能早于“{row.get_step_display()}”（{row.date:%Y-%m-%d}）。", field="date"
    )


def _period(tender: Tender, step: str, date: dt.date) -> tuple[int | None, dt.date | None]:
    if step not in NOTICES:
        return None, None
    days = tender.announcement_days if step == Step.ANNOUNCEMENT else tender.result_days
    return days, workdays.add_working_days(date, days)


def record_step(
    *, actor, tender_id: int, step: str, date: dt.date, note: str = "", winner_bidder_id: int | None = None
) -> TenderStep:
    """Record the next step. Steps cannot be skipped or go backwards; 开标 needs at least three bidders; 中标 names
    the winning bidder."""
    note = _text(note, label="说明", field="note", max_length=NOTE_MAX, required=False)
    if step not in ORDER:
        raise ValidationFailed("未知的阶段。", field="step")
    with transaction.atomic():
        tender = _tender_for_update(actor, tender_id)
        steps = current_steps(tender)
        expected = next((s for s in ORDER if s not in steps), None)
        if expected is None:
            raise ValidationFailed("该招标的所有阶段均已登记。", field="step")
        if step != expected:
            if step in steps:
                raise ValidationFailed(f"“{Step(step).label}”已登记；如需修改请更正。", field="step")
            raise ValidationFailed(f"阶段不能跳过：下一步应登记“{Step(expected).label}”。", field="step")
        index = ORDER.index(step)
        _check_date(date, before=[steps[s] for s in ORDER[:index]], step=step)
        if step == Step.OPENING and tender.bidders.count() < MIN_BIDDERS:
            raise ValidationFailed(
                f"投标人少于{MIN_BIDDERS}个，不能开标（物业管理条例第二十四条）。", field="step"
            )
        if step == Step.WINNING:
            winner = tender.bidders.filter(pk=winner_bidder_id or 0).first()
            if winner is None:
                raise ValidationFailed("请选择中标人。", field="winner_bidder_id")
            winner.winner = True
            winner.save(update_fields=["winner"])
        days, ends = _period(tender, step, date)
        row = TenderStep.objects.create(
            tender=tender,
            step=step,
            date=date,
            period_days=days,
            period_ends=ends,
            note=note,
            recorded_by=actor,
        )
        record(
            actor=actor,
            action="tendering.step.recorded",
            obj=row,
            project_id=tender.project_id,
            data={
                "tender_id": tender.pk,
                "step": step,
                "date": date.isoformat(),
                "period_ends": str(ends or ""),
            },
        )
        notices.step_recorded(tender, row)
    return row


def correct_step(*, actor, tender_id: int, step: str, date: dt.date, note: str, reason: str) -> TenderStep:
    """A correction: a new version of a recorded step (the old one stays, marked superseded), still in order with
    its neighbours. Owners are told of the correction."""
    note = _text(note, label="说明", field="note", max_length=NOTE_MAX, required=False)
    reason = _text(reason, label="更正原因", field="reason", max_length=REASON_MAX)
    with transaction.atomic():
        tender = _tender_for_update(actor, tender_id)
        steps = current_steps(tender)
        old = steps.get(step)
        if old is None:
            raise ValidationFailed("该阶段尚未登记，无需更正。", field="step")
        index = ORDER.index(step)
        _check_date(date, before=[steps[s] for s in ORDER[:index]], step=step)
        days, ends = _period(tender, step, date)
        candidate = TenderStep(step=step, date=date, period_ends=ends)
        for later in ORDER[index + 1 :]:
            if later not in steps:
                break
            row = steps[later]
            earliest = _earliest([candidate], later)
            if earliest is not None and row.date < earliest[0]:
                raise ValidationFailed(
                    f"更正后与已登记的“{row.get_step_display()}”（{row.date:%Y-%m-%d}）顺序不符。",
                    field="date",
                )
        row = TenderStep.objects.create(
            tender=tender,
            step=step,
            version=old.version + 1,
            supersedes=old,
            date=date,
            period_days=days,
            period_ends=ends,
            note=note,
            correction_reason=reason,
            recorded_by=actor,
        )
        record(
            actor=actor,
            action="tendering.step.corrected",
            obj=row,
            project_id=tender.project_id,
            data={
                "tender_id": tender.pk,
                "step": step,
                "before": {"version": old.version, "date": old.date.isoformat(), "note": old.note},
                "after": {"version": row.version, "date": date.isoformat(), "note": note},
                "reason": reason,
            },
        )
        notices.step_recorded(tender, row)
    return row


def add_bidder(*, actor, tender_id: int, credit_code: str) -> Bidder:
    """Add a registered company (by 统一社会信用代码) as a bidder, before the bids are opened."""
    credit_code = _text(credit_code, label="统一社会信用代码", field="credit_code", max_length=18).upper()
    with transaction.atomic():
        tender = _tender_for_update(actor, tender_id)
        if tender.steps.filter(step=Step.OPENING).exists():
            raise ValidationFailed("已开标，不能再添加投标人。", field="credit_code")
        company = PropertyCompany.objects.filter(credit_code=credit_code).first()
        if company is None:
            raise ValidationFailed("平台未登记该物业服务企业，请核对统一社会信用代码。", field="credit_code")
        try:
            with transaction.atomic():
                bidder = Bidder.objects.create(tender=tender, company=company)
        except IntegrityError as exc:
            raise ValidationFailed("该企业已是本次招标的投标人。", field="credit_code") from exc
        record(
            actor=actor,
            action="tendering.bidder.added",
            obj=bidder,
            project_id=tender.project_id,
            data={"tender_id": tender.pk, "company_id": company.pk},
        )
    return bidder


def _sniff(head: bytes) -> tuple[str, str] | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    return None


DOCUMENTS = "tender_documents"  # the name in settings' STORAGES (pmip.core.stored_files)


def open_document(document: TenderDocument) -> File | None:
    """The stored file of `document` opened for reading (the caller closes it); None when it is missing."""
    return stored_files.open_stored(DOCUMENTS, document.stored_name)


def upload_step_document(
    *, actor, tender_id: int, step: str, title: str, upload: UploadedFile
) -> TenderDocument:
    """Attach a file to a tender's step as it stands now (its newest version); the step must be recorded first."""
    projects = _managed_projects(actor)
    step_id = (
        TenderStep.objects.filter(
            tender_id=tender_id, tender__project__in=projects, step=step, superseded_by__isnull=True
        )
        .values_list("pk", flat=True)
        .first()
    )
    if step_id is None:
        if not Tender.objects.filter(pk=tender_id, project__in=projects).exists():
            raise NotFound("未找到该招标项目，或您没有权限。")
        raise ValidationFailed("该阶段尚未登记，请先登记再上传文件。", field="step")
    return upload_document(actor=actor, step_id=step_id, title=title, upload=upload)


def upload_document(*, actor, step_id: int, title: str, upload: UploadedFile) -> TenderDocument:
    """Attach a PDF, JPG or PNG (sniffed from the content, at most PMIP_TENDERING_FILE_MAX_BYTES) to a step."""
    title = _text(title, label="文件名称", field="title", max_length=100)
    if upload is None or not upload.size:
        raise ValidationFailed("请选择文件。", field="upload")
    if upload.size > file_max_bytes():
        raise ValidationFailed(f"文件不能超过{file_max_bytes() // (1024 * 1024)}MB。", field="upload")
    upload.seek(0)
    kind = _sniff(upload.read(16))
    if kind is None:
        raise ValidationFailed("只能上传PDF、JPG或PNG文件。", field="upload")
    content_type, extension = kind
    with transaction.atomic():
        projects = _managed_projects(actor)
        step = (
            TenderStep.objects.select_related("tender")
            .filter(pk=step_id, tender__project__in=projects, superseded_by__isnull=True)
            .first()
        )
        if step is None:
            raise NotFound("未找到该阶段，或您没有权限。")
        document = TenderDocument(
            step=step,
            title=title,
            stored_name=TenderDocument.new_name(extension),
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
        )
        upload.seek(0)
        document.stored_name = stored_files.save(DOCUMENTS, document.stored_name, upload)
        try:
            document.save()
            record(
                actor=actor,
                action="tendering.document.added",
                obj=document,
                project_id=step.tender.project_id,
                data={"step_id": step.pk, "title": title, "size": upload.size},
            )
        except Exception:
            stored_files.delete(DOCUMENTS, document.stored_name)
            raise
    return document
