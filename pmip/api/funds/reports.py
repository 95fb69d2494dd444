"""季度收支报表: a project's published quarterly reports, one report, its XLSX / PDF download."""

from __future__ import annotations

from typing import Literal

from pmip.api.funds.common import _ERRORS, _owner_project, owner_auth, router
from pmip.api.funds.schemas import FundPeriodOut, ReportLineOut, ReportOut, ReportRefOut, _project_ref
from pmip.funds import presenters as data
from pmip.funds import selectors
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
        ReportRefOut(id=r.pk, year=r.year, quarter=r.quarter, published_at=r.published_at)
        for r in selectors.quarterly_reports(actor=request.auth, project=project)
    ]


@router.get(
    "/reports/{report_id}", auth=owner_auth, response={200: ReportOut, **_ERRORS}, summary="季度收支报表"
)
def report_detail(request, report_id: int):
    d = selectors.report_data(actor=request.auth, report_id=report_id)
    fund = d.fund
    return ReportOut(
        id=d.report.pk,
        year=d.report.year,
        quarter=d.report.quarter,
        published_at=d.report.published_at,
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
