"""维修明细: list, read, 分摊预览, 登记, 修改, 分摊入账 and 撤销 of repairs."""

from __future__ import annotations

from ninja import Query, Status

from pmip.api.office_funds.common import _ERRORS, _project, router
from pmip.api.office_funds.schemas import (
    AllocationOut,
    ChargeIn,
    ChargeOut,
    OfficeFundPageIn,
    OfficeFundRepairOut,
    OfficeFundRepairPageOut,
    PreviewOut,
    ReasonIn,
    RepairIn,
    RepairRowOut,
    ScopeIn,
    _money,
)
from pmip.api.pagination import page_of
from pmip.core.errors import NotFound
from pmip.funds import permissions, selectors, services
from pmip.funds.apportion import apportionment_digest


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
