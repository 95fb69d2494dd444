"""季度收支报表: a project's published quarterly reports, one report, its XLSX / PDF download."""

from __future__ import annotations

from typing import Literal

from pmip.api.funds.common import _ERRORS, _owner_project, owner_auth, router
from pmip.api.funds.schemas import (
    FundPeriodOut,
    ReportLineOut,
    ReportOut,
    ReportRefOut,
    ReportVersionOut,
    _project_ref,
)
from pmip.funds import presenters as data
from pmip.funds import selectors
from pmip.funds.choices import ReportStatus
from pmip.funds.presenters import money
from pmip.funds.reports import report_title

# --- 季度收支报表 ------------------------------------------------------------------------------------------------


@router.get(
    "/projects/{project_id}/reports",
    auth=owner_auth,
    response={200: list[ReportRefOut], **_ERRORS},
    summary="已公布的季度收支报表",
)
def project_reports(request, project_id: int):
    project = _owner_project(request.auth, project_id)
    return [
        ReportRefOut(
            id=r.pk,
            year=r.year,
            quarter=r.quarter,
            published_at=r.published_at,
            version=r.version,
            status=r.status,
            status_label=r.get_status_display(),
        )
        for r in selectors.quarterly_reports(actor=request.auth, project=project)
    ]


@router.get(
    "/reports/{report_id}", auth=owner_auth, response={200: ReportOut, **_ERRORS}, summary="季度收支报表"
)
def report_detail(request, report_id: int):
    d = selectors.report_data(actor=request.auth, report_id=report_id)
    fund = d.fund
    report = d.report
    current = getattr(report, "corrected_by", None) if report.status == ReportStatus.SUPERSEDED else None
    return ReportOut(
        id=report.pk,
        year=report.year,
        quarter=report.quarter,
        published_at=report.published_at,
        version=report.version,
        status=report.status,
        status_label=report.get_status_display(),
        correction_note=report.correction_note if report.corrects_id else "",
        corrects_id=report.corrects_id,
        corrected_by_id=current.pk if current else None,
        corrected_by_note=current.correction_note if current else "",
        versions=[
            ReportVersionOut(
                id=v.pk,
                version=v.version,
                status=v.status,
                status_label=v.get_status_display(),
                published_at=v.published_at,
            )
            for v in selectors.report_versions(actor=request.auth, report=report)
        ],
        title=report_title(d),
        project=_project_ref(d.project),
        lines={
            section: [
                ReportLineOut(
                    item=line.item,
                    counterparty=line.counterparty,
                    voucher_no=line.voucher_no,
                    amount=money(line.amount),
                    note=line.note,
                )
                for line in lines
            ]
            for section, lines in d.lines.items()
        },
        totals={section: money(total) for section, total in d.totals.items()},
        business_net=money(d.business_net),
        fund=FundPeriodOut(
            start=fund.start,
            end=fund.end,
            opening=money(fund.opening),
            income={k: money(v) for k, v in fund.income.items()},
            income_total=money(fund.income_total),
            expense={k: money(v) for k, v in fund.expense.items()},
            expense_total=money(fund.expense_total),
            closing=money(fund.closing),
        ),
    )


@router.get(
    "/reports/{report_id}/{fmt}",
    auth=owner_auth,
    response={200: None, **_ERRORS},
    summary="下载季度收支报表（xlsx 或 pdf）",
)
def report_download(request, report_id: int, fmt: Literal["xlsx", "pdf"]):
    return data.report_file(selectors.report_data(actor=request.auth, report_id=report_id), fmt)
