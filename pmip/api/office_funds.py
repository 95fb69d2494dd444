"""Staff API of 维修资金 (/api/v1/office/funds/...), with the back-office session (password + SMS code); CSRF is
checked on writes.

The same selectors and services as the back-office pages (`pmip.office.funds`), so the same scopes and error codes:
a project, repair, entry, disclosure or report outside the caller's scope is 404 `not_found` for reads and writes
alike; a reader who may not write gets 403 `forbidden` (e.g. a committee member reversing an entry: only the housing
authority's fund centre keeps the ledger); a refused rule is 422 with the service's code (`decision_required`,
`already_reversed`, `reverse_repair_share`, `repair_not_draft`, `disclosure_published` …). A charge whose
apportionment no longer matches the preview the caller checked (`preview_digest`) is 409 `preview_changed`.

Money is a string with two decimals ("1234.50"), never a JSON number: amounts are exact to the fen.
Nothing here edits or deletes a posted entry: corrections are reversals.
"""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema, Status
from pydantic import Field

from pmip.api.auth import StaffSessionAuth
from pmip.api.pagination import page_of
from pmip.api.schemas import Problem
from pmip.core.errors import NotFound
from pmip.funds import permissions, selectors, services
from pmip.funds.apportion import apportionment_digest, from_fen
from pmip.funds.choices import DisclosureKind, DisclosureStatus, EmergencyKind, EntryKind, RepairScopeKind
from pmip.funds.models import ZERO, LedgerEntry, QuarterlyReport
from pmip.funds.policy import FIELDS as POLICY_FIELDS
from pmip.funds.reports import FUND_EXPENSE, FUND_INCOME
from pmip.registry import selectors as registry

router = Router(tags=["管理后台 · 维修资金"], auth=StaffSessionAuth())

_ERRORS = {401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}


def _money(value) -> str:
    return f"{value:.2f}"


def _project(actor, code: str):
    project = registry.get_project_for_staff(actor=actor, code=code)
    permissions.require_read_project(actor, project)
    return project


# --- schemas ---------------------------------------------------------------------------------------------------


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


# --- reads -----------------------------------------------------------------------------------------------------


@router.get(
    "/projects", response={200: OfficeFundProjectPageOut, **_ERRORS}, summary="管辖范围内小区的维修资金"
)
def list_projects(request, filters: Query[ProjectsIn]):
    qs = registry.search_projects_for_staff(
        actor=request.auth, query=filters.q, district_code=filters.district
    ).select_related("district", "subdistrict", "fund_balance")
    count, size, num_pages, items = page_of(qs, filters.page)
    rows = selectors.public_figures_for(items)
    return OfficeFundProjectPageOut(
        count=count,
        page=filters.page,
        page_size=size,
        num_pages=num_pages,
        items=[
            ProjectRowOut(
                code=r.project.code,
                name=r.project.name,
                district=r.project.district.name,
                subdistrict=r.project.subdistrict.name,
                unit_count=r.unit_count,
                flagged_count=r.flagged_count,
                figures=OfficeFundFiguresOut.of(r.figures),
            )
            for r in rows
        ],
    )


@router.get("/projects/{code}", response={200: OverviewOut, **_ERRORS}, summary="小区维修资金概况")
def project_overview(request, code: str):
    actor = request.auth
    project = _project(actor, code)
    o = selectors.project_overview(actor=actor, project=project)
    return OverviewOut(
        code=project.code,
        name=project.name,
        figures=OfficeFundProjectFiguresOut(
            **OfficeFundFiguresOut.of(o.figures).model_dump(), pool=_money(o.figures.pool)
        ),
        building_count=o.building_count,
        unit_count=o.unit_count,
        total_area=_money(o.total_area),
        flagged_count=o.flagged_count,
        repair_count=o.repair_count,
        account_count=o.account_count,
        settings=[
            OfficeFundSettingOut(
                name=name, value=str(getattr(o.policy, name)), source=o.policy.source_of(name)
            )
            for name in POLICY_FIELDS
        ],
        may=MayOut(
            post_ledger=permissions.can_post_ledger(actor, project),
            manage=permissions.can_manage(actor, project),
        ),
    )


@router.get(
    "/projects/{code}/buildings",
    response={200: list[OfficeFundBuildingRowOut], **_ERRORS},
    summary="楼栋资金",
)
def project_buildings(request, code: str):
    project = _project(request.auth, code)
    return [
        OfficeFundBuildingRowOut(
            id=r.building.pk,
            number=r.building.number,
            unit_count=r.unit_count,
            figures=OfficeFundFiguresOut.of(r.figures),
        )
        for r in selectors.project_building_list(actor=request.auth, project=project)
    ]


@router.get("/projects/{code}/entries", response={200: EntryPageOut, **_ERRORS}, summary="资金明细（分页）")
def project_entries(request, code: str, filters: Query[OfficeFundEntriesIn]):
    actor = request.auth
    project = _project(actor, code)
    building = None
    if filters.building_id is not None:
        building = selectors.get_building(actor=actor, building_id=filters.building_id)
        if building.project_id != project.pk:
            raise NotFound("未找到该楼栋，或您没有查看权限。")
    qs = selectors.project_entries(
        actor=actor, project=project, kinds=[filters.kind] if filters.kind else None, building=building
    ).select_related("reversed_by")
    if filters.date_from:
        qs = qs.filter(occurred_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(occurred_on__lte=filters.date_to)
    count, size, num_pages, items = page_of(qs, filters.page)
    return EntryPageOut(
        count=count,
        page=filters.page,
        page_size=size,
        num_pages=num_pages,
        items=[EntryOut.of(e, reversed=services.is_reversed(e)) for e in items],
    )


@router.get("/units/{unit_id}/ledger", response={200: UnitLedgerOut, **_ERRORS}, summary="房屋分户账")
def unit_ledger(request, unit_id: int):
    actor = request.auth
    o = selectors.unit_overview(actor=actor, unit_id=unit_id)
    lines = selectors.unit_ledger(actor=actor, unit_id=unit_id)
    unit = o.unit
    return UnitLedgerOut(
        unit_id=unit.pk,
        unit=o.label,
        project_code=unit.project.code,
        area=_money(unit.area),
        figures=OfficeFundFiguresOut.of(o.figures),
        threshold_pct=str(o.threshold_pct),
        threshold_source=o.threshold_source,
        below_line=o.below_line,
        lines=[
            UnitLedgerLineOut(
                **EntryOut.of(_with_unit(line.entry, unit), reversed=line.reversed).model_dump(),
                balance_after=_money(line.balance_after),
            )
            for line in lines
        ],
    )


def _with_unit(entry, unit):
    entry.unit, entry.building = unit, unit.building  # the unit's own rows: no query per line
    return entry


@router.get(
    "/projects/{code}/repairs", response={200: OfficeFundRepairPageOut, **_ERRORS}, summary="维修明细"
)
def list_repairs(request, code: str, filters: Query[OfficeFundPageIn]):
    project = _project(request.auth, code)
    count, size, num_pages, items = page_of(
        selectors.project_repairs(actor=request.auth, project=project), filters.page
    )
    return OfficeFundRepairPageOut(
        count=count,
        page=filters.page,
        page_size=size,
        num_pages=num_pages,
        items=[
            RepairRowOut(
                id=r.pk,
                title=r.title,
                amount=_money(r.amount),
                status=r.status,
                emergency_kind=r.emergency_kind,
                decision_ref=r.decision_ref,
                unit_count=r.unit_count,
                created_at=r.created_at,
            )
            for r in items
        ],
    )


def _repair_out(actor, repair) -> OfficeFundRepairOut:
    digest = None
    if repair.status == "draft":
        allocations = services.preview_repair(repair=repair)
        shares = PreviewOut.of(allocations, bill=repair.amount).shares
        digest = apportionment_digest(allocations)
    else:
        shares = [
            AllocationOut(
                unit_id=s.unit_id,
                unit=s.label,
                area=_money(s.area),
                amount=_money(s.amount),
                got_leftover_fen=False,
            )
            for s in selectors.repair_shares(actor=actor, repair=repair)
        ]
    return OfficeFundRepairOut(
        id=repair.pk,
        project_code=repair.project.code,
        title=repair.title,
        contractor=repair.contractor,
        description=repair.description,
        amount=_money(repair.amount),
        scope_kind=repair.scope_kind,
        started_on=repair.started_on,
        finished_on=repair.finished_on,
        emergency_kind=repair.emergency_kind,
        decision_ref=repair.decision_ref,
        status=repair.status,
        status_label=repair.get_status_display(),
        created_at=repair.created_at,
        charged_on=repair.charged_on,
        shares=shares,
        preview_digest=digest,
    )


def _repair(actor, repair_id: int):
    repair = selectors.get_repair(actor=actor, repair_id=repair_id)
    if not permissions.staff_sees(actor, repair.project):
        raise NotFound("未找到该维修记录。")
    return repair


@router.get(
    "/repairs/{repair_id}", response={200: OfficeFundRepairOut, **_ERRORS}, summary="维修记录（含各户分摊）"
)
def get_repair(request, repair_id: int):
    return _repair_out(request.auth, _repair(request.auth, repair_id))


@router.get(
    "/projects/{code}/disclosures",
    response={200: OfficeFundDisclosurePageOut, **_ERRORS},
    summary="信息公开（含草稿）",
)
def list_disclosures(request, code: str, filters: Query[OfficeFundDisclosuresIn]):
    project = _project(request.auth, code)
    qs = selectors.disclosures_for(actor=request.auth, project=project, kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    count, size, num_pages, items = page_of(qs, filters.page)
    return OfficeFundDisclosurePageOut(
        count=count,
        page=filters.page,
        page_size=size,
        num_pages=num_pages,
        items=[OfficeFundDisclosureOut.of(d) for d in items],
    )


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


# --- writes ----------------------------------------------------------------------------------------------------


@router.post(
    "/projects/{code}/repairs/preview", response={200: PreviewOut, **_ERRORS}, summary="维修分摊预览"
)
def preview_repair(request, code: str, payload: ScopeIn):
    """No writes. Needs the manage role (the same people who may record a repair)."""
    project = _project(request.auth, code)
    permissions.require_manage(request.auth, project)
    allocations = services.preview_apportionment(
        project=project,
        amount=payload.amount,
        scope_kind=payload.scope_kind,
        building_ids=payload.building_ids,
        unit_ids=payload.unit_ids,
    )
    return PreviewOut.of(allocations, bill=services.clean_money(payload.amount, label="维修金额"))


@router.post(
    "/projects/{code}/repairs",
    response={201: OfficeFundRepairOut, **_ERRORS},
    summary="登记维修（待分摊入账）",
)
def create_repair(request, code: str, payload: RepairIn):
    project = _project(request.auth, code)
    repair = services.create_repair(actor=request.auth, project=project, **payload.model_dump())
    return Status(201, _repair_out(request.auth, repair))


@router.put(
    "/repairs/{repair_id}",
    response={200: OfficeFundRepairOut, **_ERRORS},
    summary="修改维修记录（仅限未分摊入账的）",
)
def update_repair(request, repair_id: int, payload: RepairIn):
    """Replaces the editable fields of a repair not yet charged (e.g. adds the owners' decision number).
    422 repair_not_draft for a charged or cancelled repair."""
    repair = _repair(request.auth, repair_id)
    services.update_repair(actor=request.auth, repair_id=repair.pk, **payload.model_dump())
    return _repair_out(request.auth, _repair(request.auth, repair_id))


@router.post("/repairs/{repair_id}/charge", response={200: ChargeOut, **_ERRORS}, summary="分摊入账")
def charge_repair(request, repair_id: int, payload: ChargeIn):
    actor = request.auth
    repair = _repair(actor, repair_id)
    result = services.charge_repair(
        actor=actor,
        repair_id=repair.pk,
        occurred_on=payload.occurred_on,
        expected_digest=payload.preview_digest,
    )
    repair = _repair(actor, repair_id)
    return ChargeOut(
        repair=_repair_out(actor, repair),
        batch=result.batch,
        entries=len(result.entries),
        total=_money(result.total),
    )


@router.post(
    "/repairs/{repair_id}/cancel",
    response={200: OfficeFundRepairOut, **_ERRORS},
    summary="撤销维修（已入账的逐笔冲正）",
)
def cancel_repair(request, repair_id: int, payload: ReasonIn):
    repair = _repair(request.auth, repair_id)
    services.cancel_repair(actor=request.auth, repair_id=repair.pk, reason=payload.reason)
    return _repair_out(request.auth, _repair(request.auth, repair_id))


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


@router.post("/entries/{entry_id}/reverse", response={201: EntryOut, **_ERRORS}, summary="冲正一笔记账记录")
def reverse_entry(request, entry_id: int, payload: ReasonIn):
    actor = request.auth
    original = LedgerEntry.objects.select_related("project").filter(pk=entry_id).first()
    if original is None or not permissions.staff_sees(actor, original.project):
        raise NotFound("未找到该记账记录。")
    entry = services.reverse_entry(
        actor=actor, entry_id=original.pk, reason=payload.reason, occurred_on=payload.occurred_on
    )
    entry = selectors.project_entries(actor=actor, project=original.project).get(pk=entry.pk)
    return Status(201, EntryOut.of(entry, reversed=False))


@router.post(
    "/disclosures/{disclosure_id}/publish", response={200: OfficeFundDisclosureOut, **_ERRORS}, summary="公示"
)
def publish_disclosure(request, disclosure_id: int):
    disclosure = services.publish_disclosure(actor=request.auth, disclosure_id=disclosure_id)
    return OfficeFundDisclosureOut.of(disclosure)
