"""季度收支报表: `open_quarterly_report`, `add_report_line`, `remove_report_line`, `publish_quarterly_report`,
`correct_quarterly_report` (a published report is corrected by a new version, never changed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import NotFound, ValidationFailed
from pmip.funds import permissions
from pmip.funds.choices import (
    ReportSection,
    ReportStatus,
)
from pmip.funds.models import (
    QuarterlyReport,
    ReportLine,
)
from pmip.funds.services.common import clean_money
from pmip.identity.models import Account
from pmip.registry.models import Project

# --------------------------------------------------------------------------------------------------------------
# Quarterly reports
# --------------------------------------------------------------------------------------------------------------


def open_quarterly_report(
    *, actor: Account | None, project: Project, year: int, quarter: int
) -> QuarterlyReport:
    """Get or create the project's report for a quarter (draft). Audit: funds.report.opened (when created)."""
    permissions.require_manage(actor, project)
    if quarter not in (1, 2, 3, 4):
        raise ValidationFailed("季度必须是1到4。", field="quarter")
    if not 2000 <= int(year) <= 2100:
        raise ValidationFailed("年份不正确。", field="year")
    with transaction.atomic():
        latest = (
            QuarterlyReport.objects.filter(project=project, year=year, quarter=quarter)
            .order_by("-version")
            .first()
        )
        # An opened quarter gives its newest version (a correction in progress, or the published one).
        if latest is not None:
            return latest
        report, created = QuarterlyReport.objects.get_or_create(
            project=project,
            year=year,
            quarter=quarter,
            version=1,
            defaults={
                "created_at": clock.now(),
                "created_by": actor if getattr(actor, "is_authenticated", False) else None,
            },
        )
        if created:
            record(
                actor=actor, action="funds.report.opened", obj=report, data={"year": year, "quarter": quarter}
            )
    return report


def _draft_report(actor, report_id: int) -> QuarterlyReport:
    report = (
        QuarterlyReport.objects.select_for_update(of=("self",))
        .select_related("project")
        .filter(pk=report_id)
        .first()
    )
    if report is None or not (permissions.is_system(actor) or permissions.staff_sees(actor, report.project)):
        raise NotFound("未找到该报表。")
    permissions.require_manage(actor, report.project)
    if report.status != ReportStatus.DRAFT:
        raise ValidationFailed("报表已公布，不能修改。", code="report_published")
    return report


def add_report_line(
    *,
    actor: Account | None,
    report_id: int,
    section: str,
    item: str,
    amount: Any,
    counterparty: str = "",
    voucher_no: str = "",
    note: str = "",
) -> ReportLine:
    """Add one line to a draft report (应收账款 / 业务收入 / 业务支出). Audit: funds.report.line_added."""
    if section not in ReportSection.values:
        raise ValidationFailed("报表栏目不正确。", field="section")
    item = " ".join((item or "").split())
    if not item or len(item) > 100:
        raise ValidationFailed("请填写项目名称（不超过100个字）。", field="item")
    amount = clean_money(amount, label="金额", positive=False)
    if amount < 0:
        raise ValidationFailed("金额不能为负数。", field="amount")
    voucher_no = (voucher_no or "").strip()
    if len(voucher_no) > 40 or len(counterparty or "") > 100 or len(note or "") > 200:
        raise ValidationFailed("凭证号、对方单位或备注过长。")
    with transaction.atomic():
        report = _draft_report(actor, report_id)
        position = ReportLine.objects.filter(report=report, section=section).count() + 1
        line = ReportLine.objects.create(
            report=report,
            section=section,
            item=item,
            amount=amount,
            counterparty=" ".join((counterparty or "").split()),
            voucher_no=voucher_no,
            note=(note or "").strip(),
            position=position,
        )
        record(
            actor=actor,
            action="funds.report.line_added",
            obj=report,
            data={"line": line.pk, "section": section, "item": item, "amount": str(amount)},
        )
    return line


def remove_report_line(*, actor: Account | None, line_id: int) -> None:
    """Remove a line of a draft report. Audit: funds.report.line_removed."""
    with transaction.atomic():
        line = ReportLine.objects.filter(pk=line_id).first()
        if line is None:
            raise NotFound("未找到该明细。")
        report = _draft_report(actor, line.report_id)
        record(
            actor=actor,
            action="funds.report.line_removed",
            obj=report,
            data={"line": line.pk, "section": line.section, "item": line.item, "amount": str(line.amount)},
        )
        line.delete()


def quarter_last_day(year: int, quarter: int) -> dt.date:
    """The last day of a quarter (03-31, 06-30, 09-30, 12-31)."""
    if quarter == 4:
        return dt.date(year, 12, 31)
    return dt.date(year, 3 * quarter + 1, 1) - dt.timedelta(days=1)


def publish_quarterly_report(*, actor: Account | None, report_id: int) -> QuarterlyReport:
    """公布: the report becomes visible to the project's owners and can no longer change. Only after the quarter has
    ended (Shanghai date): a report of a running quarter would show figures that are still moving.
    Raises ValidationFailed(code="quarter_not_ended"). Audit: funds.report.published."""
    with transaction.atomic():
        report = _draft_report(actor, report_id)
        last_day = quarter_last_day(report.year, report.quarter)
        if clock.today() <= last_day:
            raise ValidationFailed(
                f"{report.year}年第{report.quarter}季度到{last_day.month}月{last_day.day}日才结束，"
                f"季度结束后（{(last_day + dt.timedelta(days=1)).isoformat()}起）才能公布该季度的收支报表。",
                code="quarter_not_ended",
            )
        superseded = None
        if report.corrects_id is not None:
            superseded = QuarterlyReport.objects.select_for_update(of=("self",)).get(pk=report.corrects_id)
            if superseded.status != ReportStatus.PUBLISHED:
                raise ValidationFailed(
                    "被更正的报表已不是现行版本，不能公布本更正。", code="report_superseded"
                )
            superseded.status = ReportStatus.SUPERSEDED
            superseded.save(update_fields=["status"])
        report.status = ReportStatus.PUBLISHED
        report.published_at = clock.now()
        report.published_by = actor if getattr(actor, "is_authenticated", False) else None
        report.save(update_fields=["status", "published_at", "published_by"])
        data: dict[str, Any] = {"year": report.year, "quarter": report.quarter, "version": report.version}
        if superseded is not None:
            data.update({"supersedes": superseded.pk, "correction_note": report.correction_note})
        record(actor=actor, action="funds.report.published", obj=report, data=data)
    return report


CORRECTION_NOTE_MAX = 1000


def correct_quarterly_report(*, actor: Account | None, report_id: int, note: str) -> QuarterlyReport:
    """更正: start a new version of a published report, a draft holding a copy of its lines and the required note
    saying what changes and why. The published version stays current (and visible) until the correction is
    published; then it is marked 已被更正 (superseded) and links to the new one. Only the current published
    version can be corrected, and only one correction can be in progress per quarter.
    Raises PermissionDenied, NotFound, ValidationFailed. Audit: funds.report.correction_opened."""
    # Kept whole: one transaction under the report's row lock: checks, the copied lines, audit in order.
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请填写更正说明：更正了什么、为什么更正。", field="note")
    if len(note) > CORRECTION_NOTE_MAX:
        raise ValidationFailed(f"更正说明不能超过{CORRECTION_NOTE_MAX}个字。", field="note")
    with transaction.atomic():
        report = (
            QuarterlyReport.objects.select_for_update(of=("self",))
            .select_related("project")
            .filter(pk=report_id)
            .first()
        )
        if report is None or not (
            permissions.is_system(actor) or permissions.staff_sees(actor, report.project)
        ):
            raise NotFound("未找到该报表。")
        permissions.require_manage(actor, report.project)
        if report.status == ReportStatus.DRAFT:
            raise ValidationFailed("报表尚未公布，直接修改即可，不需要更正。", code="report_not_published")
        if report.status == ReportStatus.SUPERSEDED:
            raise ValidationFailed("该版本已被更正，请在最新版本上更正。", code="report_superseded")
        if QuarterlyReport.objects.filter(corrects=report).exists():
            raise ValidationFailed(
                "该报表已有一个未公布的更正版本，请在那里修改。", code="correction_in_progress"
            )
        correction = QuarterlyReport.objects.create(
            project=report.project,
            year=report.year,
            quarter=report.quarter,
            version=report.version + 1,
            corrects=report,
            correction_note=note,
            created_at=clock.now(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        ReportLine.objects.bulk_create(
            [
                ReportLine(
                    report=correction,
                    section=line.section,
                    item=line.item,
                    counterparty=line.counterparty,
                    voucher_no=line.voucher_no,
                    amount=line.amount,
                    note=line.note,
                    position=line.position,
                )
                for line in ReportLine.objects.filter(report=report).order_by("section", "position", "id")
            ]
        )
        record(
            actor=actor,
            action="funds.report.correction_opened",
            obj=correction,
            data={
                "year": report.year,
                "quarter": report.quarter,
                "version": correction.version,
                "corrects": report.pk,
                "note": note,
            },
        )
    return correction
