"""季度收支报表: list, read and 更正 (a new version)."""

from __future__ import annotations

from ninja import Status

from pmip.api.office_funds.common import _ERRORS, _project, router
from pmip.api.office_funds.schemas import (
    CorrectReportIn,
    FundFigureOut,
    OfficeFundReportLineOut,
    OfficeFundReportOut,
    ReportRowOut,
    _money,
)
from pmip.core.errors import NotFound
from pmip.funds import permissions, selectors, services
from pmip.funds.models import QuarterlyReport
from pmip.funds.reports import FUND_EXPENSE, FUND_INCOME


@router.get("/projects/{code}/reports", response={200: list[ReportRowOut], **_ERRORS}, summary="季度收支报表")
def list_reports(request, code: str):
    project = _project(request.auth, code)
    return [
        ReportRowOut(
            id=r.pk,
            year=r.year,
            quarter=r.quarter,
            version=r.version,
            status=r.status,
            published_at=r.published_at,
        )
        for r in selectors.quarterly_reports(actor=request.auth, project=project)
    ]


@router.get(
    "/reports/{report_id}", response={200: OfficeFundReportOut, **_ERRORS}, summary="季度收支报表内容"
)
def get_report(request, report_id: int):
    data = selectors.report_data(actor=request.auth, report_id=report_id)
    if not permissions.staff_sees(request.auth, data.project):
        raise NotFound("未找到该报表。")
    return OfficeFundReportOut(
        id=data.report.pk,
        project_code=data.project.code,
        year=data.report.year,
        quarter=data.report.quarter,
        status=data.report.status,
        version=data.report.version,
        correction_note=data.report.correction_note,
        corrects_id=data.report.corrects_id,
        superseded_by_id=QuarterlyReport.objects.filter(corrects=data.report)
        .values_list("pk", flat=True)
        .first(),
        lines=[
            OfficeFundReportLineOut(
                id=line.pk,
                section=line.section,
                item=line.item,
                counterparty=line.counterparty,
                voucher_no=line.voucher_no,
                amount=_money(line.amount),
                note=line.note,
            )
            for lines in data.lines.values()
            for line in lines
        ],
        totals={key: _money(value) for key, value in data.totals.items()},
        business_net=_money(data.business_net),
        fund_opening=_money(data.fund.opening),
        fund_income=[
            FundFigureOut(key=k, label=label, amount=_money(data.fund.income[k])) for k, label in FUND_INCOME
        ],
        fund_expense=[
            FundFigureOut(key=k, label=label, amount=_money(data.fund.expense[k]))
            for k, label in FUND_EXPENSE
        ],
        fund_closing=_money(data.fund.closing),
    )


@router.post(
    "/reports/{report_id}/correct",
    response={201: OfficeFundReportOut, **_ERRORS},
    summary="更正已公布的季度收支报表（创建新版本）",
)
def correct_report(request, report_id: int, payload: CorrectReportIn):
    """A new draft version with a copy of the lines and the note; the published one is marked superseded when the
    correction is published (office page 公布)."""
    data = selectors.report_data(actor=request.auth, report_id=report_id)
    if not permissions.staff_sees(request.auth, data.project):
        raise NotFound("未找到该报表。")
    correction = services.correct_quarterly_report(actor=request.auth, report_id=report_id, note=payload.note)
    return Status(201, get_report(request, correction.pk))
