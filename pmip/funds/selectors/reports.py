"""季度收支报表: the reports a reader may see and the figures one report shows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from pmip.core.errors import NotFound
from pmip.funds import permissions
from pmip.funds.choices import EntryKind, ReportSection, ReportStatus
from pmip.funds.models import ZERO, LedgerEntry, QuarterlyReport, ReportLine, summed
from pmip.registry.models import Project


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


@dataclass(frozen=True)
class FundPeriodFigures:
    """维修金收支 of a project over a period, from the ledger (reversals counted in their category)."""

    start: dt.date
    end: dt.date
    opening: Decimal
    income: dict[str, Decimal]  # first_deposit, monthly, interest, transfer_in
    expense: dict[str, Decimal]  # repair_charge, refund, transfer_out (positive figures)
    closing: Decimal

    @property
    def income_total(self) -> Decimal:
        return sum(self.income.values(), ZERO)

    @property
    def expense_total(self) -> Decimal:
        return sum(self.expense.values(), ZERO)


def fund_period_figures(*, project: Project, start: dt.date, end: dt.date) -> FundPeriodFigures:
    """Two aggregate queries. Project-level pool entries (interest received, then allocated) net to the interest
    actually received in the period."""
    entries = LedgerEntry.objects.filter(project=project)
    opening = summed(entries.filter(occurred_on__lt=start).aggregate(s=Sum("amount"))["s"])
    by_cat: dict[str, Decimal] = defaultdict(lambda: ZERO)
    transfer_in = transfer_out = ZERO
    rows = (
        entries.filter(occurred_on__gte=start, occurred_on__lte=end)
        .values("category")
        .annotate(
            total=Sum("amount"),
            positive=Sum("amount", filter=Q(amount__gt=0)),
            negative=Sum("amount", filter=Q(amount__lt=0)),
        )
    )
    for row in rows:
        by_cat[row["category"]] = summed(row["total"])
        if row["category"] == EntryKind.TRANSFER:
            transfer_in = summed(row["positive"])
            transfer_out = -summed(row["negative"])
    income = {
        "first_deposit": by_cat[EntryKind.FIRST_DEPOSIT],
        "monthly": by_cat[EntryKind.MONTHLY],
        "interest": by_cat[EntryKind.INTEREST],
        "transfer_in": transfer_in,
    }
    expense = {
        "repair_charge": -by_cat[EntryKind.REPAIR_CHARGE],
        "refund": -by_cat[EntryKind.REFUND],
        "transfer_out": transfer_out,
    }
    closing = opening + sum(by_cat.values(), ZERO)
    return FundPeriodFigures(
        start=start, end=end, opening=opening, income=income, expense=expense, closing=closing
    )


@dataclass
class ReportData:
    """Everything one 季度收支报表 shows."""

    report: QuarterlyReport
    project: Project
    lines: dict[str, list[ReportLine]]
    totals: dict[str, Decimal]
    fund: FundPeriodFigures

    @property
    def business_net(self) -> Decimal:
        return self.totals[ReportSection.BUSINESS_INCOME] - self.totals[ReportSection.BUSINESS_EXPENSE]


OWNER_REPORT_STATUSES = (ReportStatus.PUBLISHED, ReportStatus.SUPERSEDED)


def quarterly_reports(*, actor, project: Project) -> QuerySet[QuarterlyReport]:
    """Reports of the project: staff in scope see every version, drafts and superseded ones included; owners the
    current published version of each quarter (earlier versions are reached from it, `report_versions`)."""
    permissions.require_read_project(actor, project)
    qs = QuarterlyReport.objects.filter(project=project)
    if not permissions.staff_sees(actor, project):
        qs = qs.filter(status=ReportStatus.PUBLISHED)
    return qs.order_by("-year", "-quarter", "-version")


def report_versions(*, actor, report: QuarterlyReport) -> list[QuarterlyReport]:
    """Every version of the report's quarter the actor may see, newest first (owners: published and superseded)."""
    qs = QuarterlyReport.objects.filter(
        project_id=report.project_id, year=report.year, quarter=report.quarter
    )
    if not permissions.staff_sees(actor, report.project):
        qs = qs.filter(status__in=OWNER_REPORT_STATUSES)
    return list(qs.order_by("-version"))


def report_data(*, actor, report_id: int) -> ReportData:
    report = QuarterlyReport.objects.select_related("project", "corrects").filter(pk=report_id).first()
    if report is None or not permissions.may_read_project(actor, report.project):
        raise NotFound("未找到该报表。")
    if report.status not in OWNER_REPORT_STATUSES and not permissions.staff_sees(actor, report.project):
        raise NotFound("未找到该报表。")
    return build_report_data(report)


def build_report_data(report: QuarterlyReport) -> ReportData:
    """No permission check: for exports of an already authorised report."""
    lines: dict[str, list[ReportLine]] = {s: [] for s in ReportSection.values}
    for line in ReportLine.objects.filter(report=report).order_by("section", "position", "id"):
        lines[line.section].append(line)
    totals = {s: sum((line.amount for line in lines[s]), ZERO) for s in lines}
    start, end = quarter_bounds(report.year, report.quarter)
    return ReportData(
        report=report,
        project=report.project,
        lines=lines,
        totals=totals,
        fund=fund_period_figures(project=report.project, start=start, end=end),
    )
