"""维修资金情况: my projects and units, project / building / unit overviews, entries, repairs, charts."""

from __future__ import annotations

from ninja import Query

from pmip.api.funds.common import _ERRORS, _groups, _owner_project, _page_list, _paged, owner_auth, router
from pmip.api.funds.schemas import (
    BuildingOverviewOut,
    BuildingPageOut,
    BuildingRowOut,
    BuildingUnitOut,
    BuildingUnitPageOut,
    ChartsOut,
    CommitteeOut,
    DelegatedProjectOut,
    EntriesIn,
    EntryGroupPageOut,
    FiguresOut,
    LedgerLineOut,
    LedgerPageOut,
    MyProjectOut,
    MyUnitOut,
    PageIn,
    ProjectFiguresOut,
    ProjectOverviewOut,
    QuarterOut,
    RepairOut,
    RepairPageOut,
    RepairsByOut,
    ReplenishOut,
    ReplenishRuleOut,
    UnitOverviewOut,
    _my_unit,
    _project_ref,
    _unit,
)
from pmip.api.pagination import page_of
from pmip.core.masking import mask_name
from pmip.funds import permissions, selectors
from pmip.funds import presenters as data
from pmip.funds.presenters import money

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
