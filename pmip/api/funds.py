"""Money API, /api/v1/funds: the owner's 维修资金情况 (projects, buildings, their own units' sub-ledgers), 业主共有资金,
季度收支报表 (JSON, XLSX, PDF), 信息公开 of the project and 关注 — scoped exactly like the owner pages — and the public
open data of 维修金概览 (JSON or CSV).

Owner endpoints use the owner's Django session (the portal log-in; unsafe methods need the CSRF token) and read
through `pmip.funds.selectors` with the caller: projects where the caller has an active house binding, and the
sub-ledgers of the caller's own units only — and, for a delegate (被委托人), the delegated project like its
principal's owner pages (`/delegated-projects`, `acting_for` names the principals, masked) and the sub-ledgers of
exactly the principal's bound units there. Anything else is 404 `not_found` (not-found and forbidden look the
same). Money is a decimal string with two places ("4467.60"), never a float.

Open data (no log-in): `/open-data/overview` (city and district totals) and `/open-data/projects` (every project's
figures); `?format=csv` answers CSV in UTF-8 with a BOM (Excel opens it), a header row of the JSON field names and
plain decimals.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Literal

from django.core.paginator import Paginator
from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from pmip.api.owner import OwnerSessionAuth
from pmip.api.pagination import page_of
from pmip.api.schemas import Problem
from pmip.core.errors import NotFound
from pmip.core.masking import mask_name
from pmip.funds import permissions, selectors, services
from pmip.funds import presenters as data
from pmip.funds.choices import DisclosureKind
from pmip.funds.presenters import money
from pmip.funds.reports import report_title
from pmip.registry.models import Project
from pmip.registry.selectors import get_public_project, list_districts, search_projects

router = Router(tags=["维修资金"])
owner_auth = OwnerSessionAuth()
_ERRORS = {401: Problem, 404: Problem, 422: Problem}
PAGE_SIZE = 20
CSV_CHUNK = 500


# --- schemas ----------------------------------------------------------------------------------------------------


class PageIn(Schema):
    page: int = Field(1, ge=1, le=100000, description="页码，从1开始")


class EntriesIn(PageIn):
    kind: Literal["", "monthly"] = Field("", description="monthly = 日常金明细；空 = 全部资金明细")


class DisclosuresIn(PageIn):
    kind: Literal["", "large_transfer", "emergency_repair", "notice"] = ""


class FormatIn(Schema):
    format: Literal["json", "csv"] = Field("json", description="json 或 csv（UTF-8 带 BOM）")


class ProjectsOpenIn(FormatIn, PageIn):
    q: str = Field("", max_length=50, description="小区名称、编号开头或拼音首字母")
    district: str = Field("", max_length=6, description="行政区划代码，例如 440304")


class FiguresOut(Schema):
    """资金统计 (元)."""

    first_deposit: str = Field(..., description="首期缴存", examples=["4467.60"])
    deposited: str = Field(..., description="累计缴存（首期+日常）")
    interest: str = Field(..., description="利息收益")
    used: str = Field(..., description="维修使用")
    refunded: str = Field(..., description="退款")
    transferred: str = Field(..., description="划转净额（可为负）")
    balance: str = Field(..., description="余额")

    @classmethod
    def of(cls, f: selectors.Figures) -> FiguresOut:
        return cls(
            first_deposit=money(f.first_deposit),
            deposited=money(f.deposited),
            interest=money(f.interest),
            used=money(f.used),
            refunded=money(f.refunded),
            transferred=money(f.transferred),
            balance=money(f.balance),
        )


class ProjectFiguresOut(FiguresOut):
    pool: str = Field(..., description="待分配利息")

    @classmethod
    def of(cls, f: selectors.Figures) -> ProjectFiguresOut:
        return cls(**FiguresOut.of(f).model_dump(), pool=money(f.pool))


class ProjectRefOut(Schema):
    id: int
    code: str
    name: str
    district: str


def _project_ref(p: Project) -> ProjectRefOut:
    return ProjectRefOut(id=p.pk, code=p.code, name=p.name, district=p.district.name)


class MyProjectOut(ProjectRefOut):
    figures: ProjectFiguresOut


class UnitOut(Schema):
    id: int
    label: str = Field(..., examples=["1-101"])
    project_id: int
    building_id: int
    building: str = Field(..., examples=["1"])
    number: str = Field(..., examples=["101"])
    area: str = Field(..., examples=["90.00"])


class MyUnitOut(UnitOut):
    figures: FiguresOut
    below_line: bool = Field(..., description="需续筹")


def _unit(row) -> UnitOut:
    u = row.unit if hasattr(row, "unit") else row
    return UnitOut(
        id=u.pk,
        label=f"{u.building.number}-{u.number}",
        project_id=u.project_id,
        building_id=u.building_id,
        building=u.building.number,
        number=u.number,
        area=str(u.area),
    )


class CommitteeOut(Schema):
    kind: str
    term_start: dt.date
    term_end: dt.date
    filing_no: str
    members: list[str] = Field(..., description="成员（姓名已掩码）及职务")


class ReplenishRuleOut(Schema):
    threshold_pct: str = Field(..., examples=["30.00"], description="余额低于首期缴存的该百分比时需续筹")
    source: str = Field(..., examples=["平台默认值"])


class ProjectOverviewOut(ProjectRefOut):
    subdistrict: str
    figures: ProjectFiguresOut
    building_count: int
    unit_count: int
    total_area: str
    repair_count: int
    account_count: int
    flagged_count: int = Field(..., description="需续筹房屋数")
    replenish_rule: ReplenishRuleOut
    committee: CommitteeOut | None
    my_units: list[MyUnitOut]
    acting_for: list[str] = Field(..., description="代业主查看：委托人姓名（已掩码）；本人小区为空")
    delegated_units: list[MyUnitOut] = Field(..., description="被委托人可查看的委托人房屋")


class EntryGroupOut(Schema):
    occurred_on: dt.date
    kind: str
    category: str
    label: str = Field(..., examples=["日常缴存 2026-02"])
    units: int = Field(..., description="涉及户数（小区账为0）")
    total: str = Field(..., description="合计（带符号：+入账，-支出）")
    project_level: bool


class EntryGroupPageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[EntryGroupOut]


class RepairOut(Schema):
    id: int
    title: str
    amount: str
    kind: str = Field(..., examples=["一般维修"])
    status: str
    status_label: str
    contractor: str
    charged_on: dt.date | None
    unit_count: int
    apportioned: str = Field(..., description="分摊合计")
    own_share: str | None = Field(..., description="我的分摊（本人房屋均不在范围内时为 null）")


class RepairPageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[RepairOut]


class BuildingRowOut(Schema):
    id: int
    number: str
    name: str
    has_lift: bool
    unit_count: int
    figures: FiguresOut


class BuildingPageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[BuildingRowOut]


class BuildingOverviewOut(Schema):
    id: int
    number: str
    project: ProjectRefOut
    figures: FiguresOut
    unit_count: int
    total_area: str
    flagged_count: int


class BuildingUnitOut(Schema):
    """房屋列表: room and area only; `mine` marks the units the caller can open (their own, and as a delegate the
    principal's)."""

    id: int
    label: str
    number: str
    area: str
    mine: bool


class BuildingUnitPageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[BuildingUnitOut]


class ReplenishOut(Schema):
    below_line: bool = Field(..., description="需续筹：余额严格低于续筹线")
    line: str = Field(..., description="续筹线（元，精确值，可能多于两位小数）", examples=["1340.28"])
    threshold_pct: str
    source: str
    applies: bool = Field(..., description="未缴首期的房屋不适用续筹线")


class UnitOverviewOut(UnitOut):
    project: ProjectRefOut
    floor: int
    use: str
    figures: FiguresOut
    replenish: ReplenishOut
    entry_count: int
    balance_series: list[tuple[dt.date, str]] = Field(..., description="[日期, 当日最后一笔后的余额]")
    acting_for: list[str] = Field(..., description="代业主查看：委托人姓名（已掩码）；本人房屋为空")


class LedgerLineOut(Schema):
    id: int
    occurred_on: dt.date
    kind: str
    category: str
    label: str = Field(..., examples=["维修分摊：1栋屋面防水"])
    memo: str
    period: str
    amount: str = Field(..., description="带符号：+入账，-支出")
    balance_after: str
    reversed: bool
    repair_id: int | None


class LedgerPageOut(Schema):
    """分户账, newest first (balance_after is the running balance after that entry in date order)."""

    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[LedgerLineOut]


class QuarterOut(Schema):
    quarter: str = Field(..., examples=["2026Q1"])
    income: str
    expense: str


class RepairsByOut(Schema):
    by_building: list[tuple[str, str]]
    by_kind: list[tuple[str, str]]


class ChartsOut(Schema):
    balance: list[tuple[dt.date, str]] = Field(..., description="[月末, 余额]")
    quarters: list[QuarterOut]
    repairs: RepairsByOut


class AccountOut(Schema):
    id: int
    bank: str
    name: str
    number_masked: str = Field(..., examples=["6222 **** **** 0123"])
    status: str
    opened_on: dt.date | None
    balance: str


class FlowOut(Schema):
    occurred_on: dt.date
    direction: str = Field(..., description="in 收入 / out 支出")
    amount: str
    counterparty: str = Field(..., description="个人姓名已掩码")
    memo: str
    balance_after: str | None
    bank_reference: str


class FlowPageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[FlowOut]


class ReportRefOut(Schema):
    id: int
    year: int
    quarter: int
    published_at: dt.datetime | None


class ReportLineOut(Schema):
    item: str
    counterparty: str
    voucher_no: str
    amount: str
    note: str


class FundPeriodOut(Schema):
    start: dt.date
    end: dt.date
    opening: str
    income: dict[str, str]
    income_total: str
    expense: dict[str, str]
    expense_total: str
    closing: str


class ReportOut(ReportRefOut):
    title: str
    project: ProjectRefOut
    lines: dict[str, list[ReportLineOut]] = Field(
        ..., description="receivable / business_income / business_expense"
    )
    totals: dict[str, str]
    business_net: str
    fund: FundPeriodOut


class DisclosureOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    amount: str | None
    published_at: dt.datetime | None


class DisclosurePageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[DisclosureOut]


class AreaTotalsOut(Schema):
    code: str
    name: str
    project_count: int
    deposited: str
    used: str
    interest: str
    balance: str
    flagged_units: int


class CityOverviewOut(Schema):
    city: AreaTotalsOut
    districts: list[AreaTotalsOut]


class PublicProjectOut(Schema):
    code: str
    name: str
    district_code: str
    district: str
    unit_count: int
    deposited: str
    used: str
    interest: str
    balance: str
    flagged_units: int


class PublicProjectPageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[PublicProjectOut]


class FollowIn(Schema):
    code: str = Field(..., max_length=32, description="物业项目编号")


# --- helpers ----------------------------------------------------------------------------------------------------


def _owner_project(actor, project_id: int) -> Project:
    """A project the caller is bound in or reads as a delegate, else NotFound."""
    return selectors.owner_fund_project(actor=actor, project_id=project_id)


def _page_list(items: list, page: int, size: int = PAGE_SIZE) -> tuple[int, int, int, list]:
    count = len(items)
    num_pages = max(1, -(-count // size))
    start = (page - 1) * size
    return count, size, num_pages, items[start : start + size]


def _paged(out, page: int, result: tuple[int, int, int, list], items: list):
    count, size, num_pages, _ = result
    return out(count=count, page=page, page_size=size, num_pages=num_pages, items=items)


def _groups(qs, page: int) -> EntryGroupPageOut:
    result = page_of(data.entry_groups(qs), page)
    items = [
        EntryGroupOut(
            occurred_on=g.occurred_on,
            kind=g.kind,
            category=g.category,
            label=g.label,
            units=g.units,
            total=money(g.total),
            project_level=g.project_level,
        )
        for g in data.as_groups(result[3])
    ]
    return _paged(EntryGroupPageOut, page, result, items)


def _my_unit(row) -> MyUnitOut:
    return MyUnitOut(**_unit(row).model_dump(), figures=FiguresOut.of(row.figures), below_line=row.below_line)


# --- 维修资金情况 ------------------------------------------------------------------------------------------------


@router.get("/projects", auth=owner_auth, response={200: list[MyProjectOut], **_ERRORS}, summary="我的小区")
def my_projects(request):
    return [
        MyProjectOut(
            **_project_ref(p).model_dump(),
            figures=ProjectFiguresOut.of(selectors.Figures.of(getattr(p, "fund_balance", None))),
        )
        for p in selectors.my_fund_projects(actor=request.auth)
    ]


class DelegatedProjectOut(ProjectRefOut):
    figures: ProjectFiguresOut
    acting_for: list[str] = Field(..., description="委托人姓名（已掩码）")
    units: list[MyUnitOut] = Field(..., description="委托人在该小区已绑定的房屋")


@router.get(
    "/delegated-projects",
    auth=owner_auth,
    response={200: list[DelegatedProjectOut], **_ERRORS},
    summary="受委托查看的小区（被委托人）",
)
def delegated_projects(request):
    return [
        DelegatedProjectOut(
            **_project_ref(d.project).model_dump(),
            figures=ProjectFiguresOut.of(d.figures),
            acting_for=data.principal_names(d.principals),
            units=[_my_unit(row) for row in d.units],
        )
        for d in selectors.delegated_fund_projects(actor=request.auth)
    ]


@router.get("/units", auth=owner_auth, response={200: list[MyUnitOut], **_ERRORS}, summary="我的房屋")
def my_units(request):
    return [_my_unit(row) for row in selectors.my_fund_units(actor=request.auth)]


@router.get(
    "/projects/{project_id}",
    auth=owner_auth,
    response={200: ProjectOverviewOut, **_ERRORS},
    summary="小区总体概况、资金统计、业委会情况",
)
def project_overview(request, project_id: int):
    project = _owner_project(request.auth, project_id)
    ov = selectors.project_overview(actor=request.auth, project=project)
    acting_for = data.acting_for_names(actor=request.auth, project=project)
    committee = None
    if ov.committee is not None:
        committee = CommitteeOut(
            kind=ov.committee.get_kind_display(),
            term_start=ov.committee.term_start,
            term_end=ov.committee.term_end,
            filing_no=ov.committee.filing_no,
            members=[f"{mask_name(m.name)}（{m.get_role_display()}）" for m in ov.committee.members.all()],
        )
    return ProjectOverviewOut(
        **_project_ref(project).model_dump(),
        subdistrict=project.subdistrict.name,
        figures=ProjectFiguresOut.of(ov.figures),
        building_count=ov.building_count,
        unit_count=ov.unit_count,
        total_area=str(ov.total_area),
        repair_count=ov.repair_count,
        account_count=ov.account_count,
        flagged_count=ov.flagged_count,
        replenish_rule=ReplenishRuleOut(
            threshold_pct=str(ov.policy.replenish_threshold_pct),
            source=ov.policy.label_of("replenish_threshold_pct"),
        ),
        committee=committee,
        my_units=[
            _my_unit(row)
            for row in selectors.my_fund_units(actor=request.auth)
            if row.unit.project_id == project.pk
        ],
        acting_for=acting_for,
        delegated_units=[
            _my_unit(row)
            for d in (selectors.delegated_fund_projects(actor=request.auth) if acting_for else [])
            if d.project.pk == project.pk
            for row in d.units
        ],
    )


@router.get(
    "/projects/{project_id}/charts",
    auth=owner_auth,
    response={200: ChartsOut, **_ERRORS},
    summary="图表数据：余额走势、季度收支、维修资金去向",
)
def project_charts(request, project_id: int):
    project = _owner_project(request.auth, project_id)
    charts = data.project_charts(actor=request.auth, project=project)
    q = charts["quarters"]
    return ChartsOut(
        balance=charts["balance"],
        quarters=[
            QuarterOut(quarter=label, income=income, expense=expense)
            for label, income, expense in zip(q["labels"], q["income"], q["expense"], strict=True)
        ],
        repairs=RepairsByOut(**charts["repairs"]),
    )


@router.get(
    "/projects/{project_id}/entries",
    auth=owner_auth,
    response={200: EntryGroupPageOut, **_ERRORS},
    summary="资金明细 / 日常金明细（按笔汇总）",
)
def project_entries(request, project_id: int, filters: Query[EntriesIn]):
    project = _owner_project(request.auth, project_id)
    kinds = ["monthly"] if filters.kind == "monthly" else None
    return _groups(selectors.project_entries(actor=request.auth, project=project, kinds=kinds), filters.page)


@router.get(
    "/projects/{project_id}/repairs",
    auth=owner_auth,
    response={200: RepairPageOut, **_ERRORS},
    summary="维修明细（含分摊合计和我的分摊）",
)
def project_repairs(request, project_id: int, filters: Query[PageIn]):
    project = _owner_project(request.auth, project_id)
    result = page_of(selectors.project_repairs(actor=request.auth, project=project), filters.page)
    rows = data.repair_rows(actor=request.auth, project=project, repairs=result[3])
    items = [
        RepairOut(
            id=r.repair.pk,
            title=r.repair.title,
            amount=money(r.repair.amount),
            kind=r.kind_label,
            status=r.repair.status,
            status_label=r.status_label,
            contractor=r.repair.contractor,
            charged_on=r.repair.charged_on,
            unit_count=r.unit_count,
            apportioned=money(r.apportioned),
            own_share=None if r.own_share is None else money(r.own_share),
        )
        for r in rows
    ]
    return _paged(RepairPageOut, filters.page, result, items)


@router.get(
    "/projects/{project_id}/buildings",
    auth=owner_auth,
    response={200: BuildingPageOut, **_ERRORS},
    summary="栋列表",
)
def project_buildings(request, project_id: int, filters: Query[PageIn]):
    project = _owner_project(request.auth, project_id)
    result = _page_list(selectors.project_building_list(actor=request.auth, project=project), filters.page)
    items = [
        BuildingRowOut(
            id=row.building.pk,
            number=row.building.number,
            name=row.building.name,
            has_lift=row.building.has_lift,
            unit_count=row.unit_count,
            figures=FiguresOut.of(row.figures),
        )
        for row in result[3]
    ]
    return _paged(BuildingPageOut, filters.page, result, items)


@router.get(
    "/buildings/{building_id}",
    auth=owner_auth,
    response={200: BuildingOverviewOut, **_ERRORS},
    summary="楼栋总体资金概况",
)
def building_overview(request, building_id: int):
    ov = selectors.building_overview(actor=request.auth, building_id=building_id)
    return BuildingOverviewOut(
        id=ov.building.pk,
        number=ov.building.number,
        project=_project_ref(ov.building.project),
        figures=FiguresOut.of(ov.figures),
        unit_count=ov.unit_count,
        total_area=str(ov.total_area),
        flagged_count=ov.flagged_count,
    )


@router.get(
    "/buildings/{building_id}/entries",
    auth=owner_auth,
    response={200: EntryGroupPageOut, **_ERRORS},
    summary="楼栋资金明细（按笔汇总）",
)
def building_entries(request, building_id: int, filters: Query[PageIn]):
    building = selectors.get_building(actor=request.auth, building_id=building_id)
    qs = selectors.project_entries(actor=request.auth, project=building.project, building=building)
    return _groups(qs, filters.page)


@router.get(
    "/buildings/{building_id}/units",
    auth=owner_auth,
    response={200: BuildingUnitPageOut, **_ERRORS},
    summary="房屋列表（房号和面积）",
)
def building_units(request, building_id: int, filters: Query[PageIn]):
    building = selectors.get_building(actor=request.auth, building_id=building_id)
    own = permissions.readable_unit_ids(request.auth, building.project)
    result = _page_list(selectors.building_unit_list(actor=request.auth, building=building), filters.page, 30)
    items = [
        BuildingUnitOut(
            id=row.unit.pk,
            label=row.label,
            number=row.unit.number,
            area=str(row.unit.area),
            mine=row.unit.pk in own,
        )
        for row in result[3]
    ]
    return _paged(BuildingUnitPageOut, filters.page, result, items)


@router.get(
    "/units/{unit_id}",
    auth=owner_auth,
    response={200: UnitOverviewOut, **_ERRORS},
    summary="房屋资金概况（本人已绑定的房屋）",
)
def unit_overview(request, unit_id: int):
    ov = selectors.unit_overview(actor=request.auth, unit_id=unit_id)
    lines = selectors.unit_ledger(actor=request.auth, unit_id=unit_id)
    unit = ov.unit
    return UnitOverviewOut(
        **_unit(unit).model_dump(),
        project=_project_ref(unit.project),
        floor=unit.floor,
        use=unit.get_use_display(),
        figures=FiguresOut.of(ov.figures),
        replenish=ReplenishOut(
            below_line=ov.below_line,
            line=data.exact_money(ov.line),
            threshold_pct=str(ov.threshold_pct),
            source=ov.threshold_source,
            applies=ov.figures.first_deposit > 0,
        ),
        entry_count=len(lines),
        balance_series=data.unit_balance_series(lines),
        acting_for=data.acting_for_names(actor=request.auth, project=unit.project, unit_id=unit.pk),
    )


@router.get(
    "/units/{unit_id}/ledger",
    auth=owner_auth,
    response={200: LedgerPageOut, **_ERRORS},
    summary="分户账（本人已绑定的房屋，最新在前）",
)
def unit_ledger(request, unit_id: int, filters: Query[PageIn]):
    lines = selectors.unit_ledger(actor=request.auth, unit_id=unit_id)
    result = _page_list(lines[::-1], filters.page)
    items = [
        LedgerLineOut(
            id=line.entry.pk,
            occurred_on=line.entry.occurred_on,
            kind=line.entry.kind,
            category=line.entry.category,
            label=data.ledger_label(line.entry),
            memo=line.entry.memo,
            period=line.entry.period,
            amount=money(line.entry.amount),
            balance_after=money(line.balance_after),
            reversed=line.reversed,
            repair_id=line.entry.repair_id,
        )
        for line in result[3]
    ]
    return _paged(LedgerPageOut, filters.page, result, items)


# --- 业主共有资金 ------------------------------------------------------------------------------------------------


def _account(a) -> AccountOut:
    return AccountOut(
        id=a.pk,
        bank=a.bank.name,
        name=a.name,
        number_masked=a.number_masked,
        status=a.status,
        opened_on=a.opened_on,
        balance=money(a.balance),
    )


@router.get(
    "/projects/{project_id}/accounts",
    auth=owner_auth,
    response={200: list[AccountOut], **_ERRORS},
    summary="业主共有资金账户（账号已掩码）",
)
def project_accounts(request, project_id: int):
    project = _owner_project(request.auth, project_id)
    return [_account(a) for a in selectors.common_fund_accounts(actor=request.auth, project=project)]


@router.get(
    "/accounts/{account_id}/flows",
    auth=owner_auth,
    response={200: FlowPageOut, **_ERRORS},
    summary="共有资金账户流水（最新在前）",
)
def account_flows(request, account_id: int, filters: Query[PageIn]):
    result = page_of(selectors.account_flows(actor=request.auth, account_id=account_id), filters.page)
    items = [
        FlowOut(
            occurred_on=f.occurred_on,
            direction=f.direction,
            amount=money(f.amount),
            counterparty=f.counterparty,
            memo=f.memo,
            balance_after=None if f.balance_after is None else money(f.balance_after),
            bank_reference=f.bank_reference,
        )
        for f in result[3]
    ]
    return _paged(FlowPageOut, filters.page, result, items)


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


# --- 信息公开 ----------------------------------------------------------------------------------------------------


def _disclosure(d) -> DisclosureOut:
    return DisclosureOut(
        id=d.pk,
        kind=d.kind,
        kind_label=DisclosureKind(d.kind).label,
        title=d.title,
        body=d.body,
        amount=None if d.amount is None else money(d.amount),
        published_at=d.published_at,
    )


@router.get(
    "/projects/{project_id}/disclosures",
    auth=owner_auth,
    response={200: DisclosurePageOut, **_ERRORS},
    summary="小区信息公开（已公示）",
)
def project_disclosures(request, project_id: int, filters: Query[DisclosuresIn]):
    project = _owner_project(request.auth, project_id)
    qs = selectors.disclosures_for(actor=request.auth, project=project, kind=filters.kind or None)
    result = page_of(qs, filters.page)
    return _paged(DisclosurePageOut, filters.page, result, [_disclosure(d) for d in result[3]])


@router.get(
    "/disclosures/{disclosure_id}",
    auth=owner_auth,
    response={200: DisclosureOut, **_ERRORS},
    summary="公示详情",
)
def disclosure_detail(request, disclosure_id: int):
    return _disclosure(selectors.get_disclosure(actor=request.auth, disclosure_id=disclosure_id))


# --- 关注 --------------------------------------------------------------------------------------------------------


def _public(item) -> PublicProjectOut:
    p = item.project
    return PublicProjectOut(
        code=p.code,
        name=p.name,
        district_code=p.district.code,
        district=p.district.name,
        unit_count=item.unit_count,
        deposited=money(item.figures.deposited),
        used=money(item.figures.used),
        interest=money(item.figures.interest),
        balance=money(item.figures.balance),
        flagged_units=item.flagged_count,
    )


@router.get(
    "/follows", auth=owner_auth, response={200: list[PublicProjectOut], **_ERRORS}, summary="我关注的小区"
)
def follows(request):
    return [_public(item) for item in data.followed_projects(actor=request.auth)]


@router.post(
    "/follows", auth=owner_auth, response={201: PublicProjectOut, **_ERRORS}, summary="关注小区（维修金概览）"
)
def follow(request, payload: FollowIn):
    project = get_public_project(code=payload.code)
    services.follow_project(actor=request.auth, project=project)
    return Status(201, _public(selectors.public_project_figures(project=project)))


@router.delete("/follows/{code}", auth=owner_auth, response={204: None, **_ERRORS}, summary="取消关注")
def unfollow(request, code: str):
    services.unfollow_project(actor=request.auth, project=get_public_project(code=code))
    return Status(204, None)


# --- open data (public) -----------------------------------------------------------------------------------------

AREA_FIELDS = list(AreaTotalsOut.model_fields)
PROJECT_FIELDS = list(PublicProjectOut.model_fields)


def _area(a) -> AreaTotalsOut:
    return AreaTotalsOut(
        code=a.code,
        name=a.name,
        project_count=a.project_count,
        deposited=money(a.deposited),
        used=money(a.used),
        interest=money(a.interest),
        balance=money(a.balance),
        flagged_units=a.flagged_count,
    )


def csv_response(fields: list[str], rows, filename: str) -> HttpResponse:
    """CSV for Excel and scripts: UTF-8 with a BOM, a header row, CRLF line ends, plain decimals."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(fields)
    for row in rows:
        writer.writerow([row[f] for f in fields])
    response = HttpResponse(
        ("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get(
    "/open-data/overview",
    auth=None,
    response={200: CityOverviewOut, 422: Problem},
    summary="维修金概览（公开）：全市和各区合计",
    description="全市和各区的维修资金累计缴存、累计使用、利息收益、余额和需续筹房屋数。"
    "`format=csv` 返回 CSV（UTF-8 带 BOM，首行为字段名，首个数据行为全市，其后为各区）。",
)
def open_overview(request, filters: Query[FormatIn]):
    city = selectors.city_overview()
    body = CityOverviewOut(city=_area(city.city), districts=[_area(d) for d in city.districts])
    if filters.format == "csv":
        rows = [{"level": "city", **body.city.model_dump()}] + [
            {"level": "district", **d.model_dump()} for d in body.districts
        ]
        return csv_response(["level", *AREA_FIELDS], rows, "fund-overview.csv")
    return body


@router.get(
    "/open-data/projects",
    auth=None,
    response={200: PublicProjectPageOut, 422: Problem},
    summary="维修金概览（公开）：各小区维修资金",
    description="按物业项目编号排序，可按名称/编号/拼音首字母和行政区筛选。JSON 分页；"
    "`format=csv` 返回全部符合条件的小区（不分页）。",
)
def open_projects(request, filters: Query[ProjectsOpenIn]):
    district_id = None
    if filters.district:
        district = next((d for d in list_districts() if d.code == filters.district), None)
        if district is None:
            raise NotFound("未找到该行政区。")
        district_id = district.pk
    qs = search_projects(query=filters.q, district_id=district_id).select_related("fund_balance")
    if filters.format == "csv":
        rows = []
        paginator = Paginator(qs, CSV_CHUNK)
        for number in paginator.page_range:
            rows += [
                _public(item).model_dump() for item in selectors.public_figures_for(paginator.page(number))
            ]
        return csv_response(PROJECT_FIELDS, rows, "fund-projects.csv")
    result = page_of(qs, filters.page)
    items = [_public(item) for item in selectors.public_figures_for(result[3])]
    return _paged(PublicProjectPageOut, filters.page, result, items)
