"""Projects, buildings, 资金明细 and 分户账 in the caller's scope, and 冲正 of one entry."""

from __future__ import annotations

from ninja import Query, Status

from pmip.api.office_funds.common import _ERRORS, _project, router
from pmip.api.office_funds.schemas import (
    EntryOut,
    EntryPageOut,
    MayOut,
    OfficeFundBuildingRowOut,
    OfficeFundEntriesIn,
    OfficeFundFiguresOut,
    OfficeFundProjectFiguresOut,
    OfficeFundProjectPageOut,
    OfficeFundSettingOut,
    OverviewOut,
    ProjectRowOut,
    ProjectsIn,
    ReasonIn,
    UnitLedgerLineOut,
    UnitLedgerOut,
    _money,
)
from pmip.api.pagination import page_of
from pmip.core.errors import NotFound
from pmip.funds import permissions, selectors, services
from pmip.funds.models import LedgerEntry
from pmip.funds.policy import FIELDS as POLICY_FIELDS
from pmip.registry import selectors as registry


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
