"""Input and output schemas of the owner funds API (class names unique across routers: the OpenAPI spec is true)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from pmip.funds import selectors
from pmip.funds.presenters import money
from pmip.registry.models import Project

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


class FundUnitOut(Schema):
    id: int
    label: str = Field(..., examples=["1-101"])
    project_id: int
    building_id: int
    building: str = Field(..., examples=["1"])
    number: str = Field(..., examples=["101"])
    area: str = Field(..., examples=["90.00"])


class MyUnitOut(FundUnitOut):
    figures: FiguresOut
    below_line: bool = Field(..., description="需续筹")


def _unit(row) -> FundUnitOut:
    u = row.unit if hasattr(row, "unit") else row
    return FundUnitOut(
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


class UnitOverviewOut(FundUnitOut):
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
    version: int = Field(1, description="第几版：更正版本从2起")
    status: str = Field("published", description="published（现行版本）/ superseded（已被更正）")
    status_label: str = ""


class ReportVersionOut(Schema):
    id: int
    version: int
    status: str
    status_label: str
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
    correction_note: str = Field("", description="本版的更正说明（第2版起）：改了什么、为什么")
    corrects_id: int | None = Field(None, description="本版更正的上一版")
    corrected_by_id: int | None = Field(None, description="已被更正时：现行版本")
    corrected_by_note: str = Field("", description="已被更正时：现行版本的更正说明")
    versions: list[ReportVersionOut] = Field(
        default_factory=list, description="该季度的全部已公布版本，新版在前"
    )


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


def _my_unit(row) -> MyUnitOut:
    return MyUnitOut(**_unit(row).model_dump(), figures=FiguresOut.of(row.figures), below_line=row.below_line)


class DelegatedProjectOut(ProjectRefOut):
    figures: ProjectFiguresOut
    acting_for: list[str] = Field(..., description="委托人姓名（已掩码）")
    units: list[MyUnitOut] = Field(..., description="委托人在该小区已绑定的房屋")


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
