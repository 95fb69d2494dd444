"""Request and response schemas of the staff funds API (class names are the OpenAPI component names)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from pmip.funds.apportion import apportionment_digest, from_fen
from pmip.funds.choices import DisclosureKind, DisclosureStatus, EmergencyKind, EntryKind, RepairScopeKind
from pmip.funds.models import ZERO, LedgerEntry


def _money(value) -> str:
    return f"{value:.2f}"


class OfficeFundFiguresOut(Schema):
    first_deposit: str
    deposited: str
    interest: str
    used: str
    refunded: str
    transferred: str
    balance: str

    @classmethod
    def of(cls, f) -> OfficeFundFiguresOut:
        return cls(**{name: _money(getattr(f, name)) for name in cls.model_fields})


class OfficeFundProjectFiguresOut(OfficeFundFiguresOut):
    pool: str


class OfficeFundPageIn(Schema):
    page: int = Field(1, ge=1, le=100000)


class ProjectsIn(OfficeFundPageIn):
    q: str = Field("", max_length=50)
    district: str = Field("", max_length=6)


class ProjectRowOut(Schema):
    code: str
    name: str
    district: str
    subdistrict: str
    unit_count: int
    flagged_count: int
    figures: OfficeFundFiguresOut


class OfficeFundProjectPageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[ProjectRowOut]


class OfficeFundSettingOut(Schema):
    name: str
    value: str
    source: str = Field(..., description="project / platform / default")


class MayOut(Schema):
    post_ledger: bool = Field(..., description="记账（首期、日常、利息、分摊入账、冲正）")
    manage: bool = Field(..., description="维修申报、共有资金、公示、报表")


class OverviewOut(Schema):
    code: str
    name: str
    figures: OfficeFundProjectFiguresOut
    building_count: int
    unit_count: int
    total_area: str
    flagged_count: int
    repair_count: int
    account_count: int
    settings: list[OfficeFundSettingOut]
    may: MayOut


class OfficeFundBuildingRowOut(Schema):
    id: int
    number: str
    unit_count: int
    figures: OfficeFundFiguresOut


class OfficeFundEntriesIn(OfficeFundPageIn):
    kind: EntryKind | None = Field(None, description="类型；冲正记录按被冲正记录的类型一并筛选")
    building_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class EntryOut(Schema):
    id: int
    occurred_on: dt.date
    kind: str
    kind_label: str
    category: str
    unit_id: int | None
    unit: str | None = Field(..., description="楼栋号-房号；小区级（利息池）为 null")
    amount: str
    period: str
    source: str
    reference: str
    memo: str
    repair_id: int | None
    reversal_of_id: int | None
    reversed: bool

    @classmethod
    def of(cls, e: LedgerEntry, *, reversed: bool) -> EntryOut:
        return cls(
            id=e.pk,
            occurred_on=e.occurred_on,
            kind=e.kind,
            kind_label=e.get_kind_display(),
            category=e.category,
            unit_id=e.unit_id,
            unit=f"{e.building.number}-{e.unit.number}" if e.unit_id else None,
            amount=_money(e.amount),
            period=e.period,
            source=e.source,
            reference=e.reference,
            memo=e.memo,
            repair_id=e.repair_id,
            reversal_of_id=e.reversal_of_id,
            reversed=reversed,
        )


class EntryPageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[EntryOut]


class UnitLedgerLineOut(EntryOut):
    balance_after: str


class UnitLedgerOut(Schema):
    unit_id: int
    unit: str
    project_code: str
    area: str
    figures: OfficeFundFiguresOut
    threshold_pct: str
    threshold_source: str
    below_line: bool
    lines: list[UnitLedgerLineOut]


class AllocationOut(Schema):
    unit_id: int
    unit: str
    area: str
    amount: str
    got_leftover_fen: bool


class PreviewOut(Schema):
    rule: str
    bill: str
    total: str
    unit_count: int
    area_total: str
    preview_digest: str
    shares: list[AllocationOut]

    @classmethod
    def of(cls, allocations, *, bill) -> PreviewOut:
        return cls(
            rule="按专有部分面积分摊，精确到分（舍去分以下），余下的分按舍去部分从大到小每户补1分，相同时按房号；合计等于维修金额",
            bill=_money(bill),
            total=_money(sum((a.amount for a in allocations), ZERO)),
            unit_count=len(allocations),
            area_total=_money(from_fen(sum(a.weight for a in allocations))),
            preview_digest=apportionment_digest(allocations),
            shares=[
                AllocationOut(
                    unit_id=a.key,
                    unit=a.label,
                    area=_money(from_fen(a.weight)),
                    amount=_money(a.amount),
                    got_leftover_fen=a.got_leftover_fen,
                )
                for a in allocations
            ],
        )


class ScopeIn(Schema):
    amount: str = Field(..., max_length=20, description="维修金额（元），最多两位小数", examples=["12000.00"])
    scope_kind: RepairScopeKind
    building_ids: list[int] = Field(default_factory=list, max_length=1000)
    unit_ids: list[int] = Field(default_factory=list, max_length=100000)


class RepairIn(ScopeIn):
    title: str = Field(..., max_length=100)
    contractor: str = Field("", max_length=120)
    description: str = Field("", max_length=2000)
    started_on: dt.date | None = None
    finished_on: dt.date | None = None
    emergency_kind: EmergencyKind = EmergencyKind.NONE
    decision_ref: str = Field("", max_length=64)


class OfficeFundRepairOut(Schema):
    id: int
    project_code: str
    title: str
    contractor: str
    description: str
    amount: str
    scope_kind: str
    started_on: dt.date | None
    finished_on: dt.date | None
    emergency_kind: str
    decision_ref: str
    status: str
    status_label: str
    created_at: dt.datetime
    charged_on: dt.date | None
    shares: list[AllocationOut] = Field(..., description="已分摊：各户分摊；待分摊：按当前数据的预览")
    preview_digest: str | None = Field(None, description="待分摊时预览的指纹，分摊入账时原样提交")


class RepairRowOut(Schema):
    id: int
    title: str
    amount: str
    status: str
    emergency_kind: str
    decision_ref: str
    unit_count: int
    created_at: dt.datetime


class OfficeFundRepairPageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[RepairRowOut]


class ChargeIn(Schema):
    occurred_on: dt.date | None = None
    preview_digest: str | None = Field(
        None, max_length=64, description="预览时返回的指纹；给出时，分摊结果与之不同则不记账（409）"
    )


class ChargeOut(Schema):
    repair: OfficeFundRepairOut
    batch: str
    entries: int
    total: str


class CorrectReportIn(Schema):
    note: str = Field(..., max_length=1000, description="更正说明：更正了什么、为什么更正")


class ReasonIn(Schema):
    reason: str = Field(..., max_length=200)
    occurred_on: dt.date | None = None


class OfficeFundDisclosuresIn(OfficeFundPageIn):
    kind: DisclosureKind | None = None
    status: DisclosureStatus | None = None


class OfficeFundDisclosureOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    title: str
    body: str
    amount: str | None
    threshold: str | None
    bank_flow_id: int | None
    repair_id: int | None
    created_at: dt.datetime
    published_at: dt.datetime | None

    @classmethod
    def of(cls, d) -> OfficeFundDisclosureOut:
        return cls(
            id=d.pk,
            kind=d.kind,
            kind_label=d.get_kind_display(),
            status=d.status,
            title=d.title,
            body=d.body,
            amount=_money(d.amount) if d.amount is not None else None,
            threshold=_money(d.threshold) if d.threshold is not None else None,
            bank_flow_id=d.bank_flow_id,
            repair_id=d.repair_id,
            created_at=d.created_at,
            published_at=d.published_at,
        )


class OfficeFundDisclosurePageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[OfficeFundDisclosureOut]


class ReportRowOut(Schema):
    id: int
    year: int
    quarter: int
    version: int
    status: str
    published_at: dt.datetime | None


class OfficeFundReportLineOut(Schema):
    id: int
    section: str
    item: str
    counterparty: str
    voucher_no: str
    amount: str
    note: str


class FundFigureOut(Schema):
    key: str
    label: str
    amount: str


class OfficeFundReportOut(Schema):
    id: int
    project_code: str
    year: int
    quarter: int
    status: str
    version: int
    correction_note: str
    corrects_id: int | None = Field(None, description="本版更正的上一版")
    superseded_by_id: int | None = Field(None, description="已被更正时：更正它的版本")
    lines: list[OfficeFundReportLineOut]
    totals: dict[str, str]
    business_net: str
    fund_opening: str
    fund_income: list[FundFigureOut]
    fund_expense: list[FundFigureOut]
    fund_closing: str
