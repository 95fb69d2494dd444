"""Repairs: `preview_apportionment` / `preview_repair` (no writes), `create_repair`, `update_repair`, `charge_repair`,
`cancel_repair`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from pmip.audit.services import record
from pmip.core import clock, display
from pmip.core.errors import NotFound, ValidationFailed
from pmip.funds import ledger, permissions
from pmip.funds.apportion import Allocation, apportion_by_area, from_fen
from pmip.funds.choices import (
    DisclosureKind,
    EmergencyKind,
    EntryKind,
    RepairScopeKind,
    RepairStatus,
)
from pmip.funds.models import (
    LedgerEntry,
    Repair,
    RepairShare,
)
from pmip.funds.services.common import (
    MEMO_MAX,
    PostingResult,
    _memo,
    _ref,
    _today,
    check_digest,
    clean_money,
    unit_label,
)
from pmip.funds.services.corrections import _reversal_posting
from pmip.funds.services.disclosures import _create_disclosure
from pmip.identity.models import Account
from pmip.registry.models import Building, Project, Unit

# --------------------------------------------------------------------------------------------------------------
# Repairs
# --------------------------------------------------------------------------------------------------------------


def _scope_units(
    project: Project, scope_kind: str, building_ids: Sequence[int], unit_ids: Sequence[int]
) -> list[Unit]:
    qs = Unit.objects.filter(project=project).select_related("building")
    if scope_kind == RepairScopeKind.PROJECT:
        units = list(qs)
    elif scope_kind == RepairScopeKind.BUILDINGS:
        building_ids = list(dict.fromkeys(building_ids))
        if not building_ids:
            raise ValidationFailed("请选择维修涉及的楼栋。", field="building_ids")
        found = Building.objects.filter(project=project, pk__in=building_ids).count()
        if found != len(building_ids):
            raise ValidationFailed("所选楼栋不属于该小区。", field="building_ids")
        units = list(qs.filter(building_id__in=building_ids))
    elif scope_kind == RepairScopeKind.UNITS:
        unit_ids = list(dict.fromkeys(unit_ids))
        if not unit_ids:
            raise ValidationFailed("请选择维修涉及的房屋。", field="unit_ids")
        units = list(qs.filter(pk__in=unit_ids))
        if len(units) != len(unit_ids):
            raise ValidationFailed("所选房屋不属于该小区。", field="unit_ids")
    else:
        raise ValidationFailed("维修范围不正确。", field="scope_kind")
    if not units:
        raise ValidationFailed("维修范围内没有房屋。", field="scope_kind")
    return units


def preview_apportionment(
    *,
    project: Project,
    amount: Any,
    scope_kind: str,
    building_ids: Sequence[int] = (),
    unit_ids: Sequence[int] = (),
) -> list[Allocation]:
    """分摊预览 (no writes): the bill over the units in scope pro rata to exclusive area, in the natural order of units.
    Allocation.key is the unit id, .label '1-101', .weight the area in hundredths of a m²."""
    amount = clean_money(amount, label="维修金额")
    units = _scope_units(project, scope_kind, building_ids, unit_ids)
    units = display.sort_units(units)  # building, floor, room: "2-101" before "2-1001"
    return apportion_by_area(amount, [(u.pk, unit_label(u), u.area) for u in units])


def preview_repair(*, repair: Repair) -> list[Allocation]:
    """The apportionment a charge of `repair` would post now (no writes)."""
    return preview_apportionment(
        project=repair.project,
        amount=repair.amount,
        scope_kind=repair.scope_kind,
        building_ids=list(repair.buildings.values_list("pk", flat=True)),
        unit_ids=list(repair.units.values_list("pk", flat=True)),
    )


def create_repair(
    *,
    actor: Account | None,
    project: Project,
    title: str,
    amount: Any,
    scope_kind: str,
    building_ids: Sequence[int] = (),
    unit_ids: Sequence[int] = (),
    description: str = "",
    contractor: str = "",
    started_on: dt.date | None = None,
    finished_on: dt.date | None = None,
    emergency_kind: str = "",
    decision_ref: str = "",
    charge: bool = False,
    expected_digest: str | None = None,
    occurred_on: dt.date | None = None,
) -> Repair:
    """维修申报: a repair to be paid from the fund (status draft). The scope is validated and must contain units.
    With `charge`, the repair is also charged (`charge_repair`, ledger role) in the same transaction: both or
    neither. With `expected_digest`, the apportionment must still be the previewed one (compared under the project
    lock when charging), else PreviewChanged and nothing is written.
    Raises PermissionDenied, ValidationFailed, PreviewChanged. Audit: funds.repair.created (+ funds.repair.charged)."""
    # Kept whole: the checks, then one transaction (repair, its scope, audit, the optional charge).
    permissions.require_manage(actor, project)
    title = " ".join((title or "").split())
    if not title:
        raise ValidationFailed("请填写维修项目名称。", field="title")
    if len(title) > 100:
        raise ValidationFailed("维修项目名称不能超过100个字。", field="title")
    if len(contractor or "") > 120:
        raise ValidationFailed("施工单位名称不能超过120个字。", field="contractor")
    if len(decision_ref or "") > 64:
        raise ValidationFailed("业主共同决定编号不能超过64个字符。", field="decision_ref")
    amount = clean_money(amount, label="维修金额")
    if emergency_kind not in EmergencyKind.values:
        raise ValidationFailed("紧急情况类别不正确。", field="emergency_kind")
    if started_on and finished_on and finished_on < started_on:
        raise ValidationFailed("完工日期不能早于开工日期。", field="finished_on")
    units = _scope_units(project, scope_kind, building_ids, unit_ids)
    with transaction.atomic():
        repair = Repair.objects.create(
            project=project,
            title=title,
            description=(description or "").strip(),
            contractor=" ".join((contractor or "").split()),
            amount=amount,
            started_on=started_on,
            finished_on=finished_on,
            scope_kind=scope_kind,
            emergency_kind=emergency_kind,
            decision_ref=(decision_ref or "").strip(),
            created_at=clock.now(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        if scope_kind == RepairScopeKind.BUILDINGS:
            repair.buildings.set(list(dict.fromkeys(building_ids)))
        elif scope_kind == RepairScopeKind.UNITS:
            repair.units.set(list(dict.fromkeys(unit_ids)))
        record(
            actor=actor,
            action="funds.repair.created",
            obj=repair,
            data={
                "title": title,
                "amount": str(amount),
                "scope_kind": scope_kind,
                "units_in_scope": len(units),
                "emergency_kind": emergency_kind,
                "decision_ref": repair.decision_ref,
            },
        )
        if charge:
            charge_repair(
                actor=actor, repair_id=repair.pk, occurred_on=occurred_on, expected_digest=expected_digest
            )
            repair.refresh_from_db()
        elif expected_digest is not None:
            check_digest(preview_repair(repair=repair), expected_digest)
    return repair


EDITABLE_FIELDS = (
    "title",
    "amount",
    "scope_kind",
    "building_ids",
    "unit_ids",
    "description",
    "contractor",
    "started_on",
    "finished_on",
    "emergency_kind",
    "decision_ref",
)


def update_repair(
    *,
    actor: Account | None,
    repair_id: int,
    title: str,
    amount: Any,
    scope_kind: str,
    building_ids: Sequence[int] = (),
    unit_ids: Sequence[int] = (),
    description: str = "",
    contractor: str = "",
    started_on: dt.date | None = None,
    finished_on: dt.date | None = None,
    emergency_kind: str = "",
    decision_ref: str = "",
) -> Repair:
    """修改维修记录: a repair not yet charged (draft) may be corrected — typically to add the owners' decision number
    (业主共同决定编号) that charging needs. Same checks as `create_repair`; a charged or cancelled repair cannot be
    edited (charged ones are corrected by cancelling = reversal). Manage role. The audit entry lists every changed
    field with its old and new value; saving without a change writes nothing.
    Raises PermissionDenied, NotFound, ValidationFailed(code="repair_not_draft"). Audit: funds.repair.edited."""
    # Kept whole: one transaction under the project lock: each changed field compared, set and audited.
    title = " ".join((title or "").split())
    if not title:
        raise ValidationFailed("请填写维修项目名称。", field="title")
    if len(title) > 100:
        raise ValidationFailed("维修项目名称不能超过100个字。", field="title")
    contractor = " ".join((contractor or "").split())
    if len(contractor) > 120:
        raise ValidationFailed("施工单位名称不能超过120个字。", field="contractor")
    decision_ref = (decision_ref or "").strip()
    if len(decision_ref) > 64:
        raise ValidationFailed("业主共同决定编号不能超过64个字符。", field="decision_ref")
    description = (description or "").strip()
    if len(description) > 2000:
        raise ValidationFailed("说明不能超过2000个字。", field="description")
    amount = clean_money(amount, label="维修金额")
    if emergency_kind not in EmergencyKind.values:
        raise ValidationFailed("紧急情况类别不正确。", field="emergency_kind")
    if started_on and finished_on and finished_on < started_on:
        raise ValidationFailed("完工日期不能早于开工日期。", field="finished_on")
    with transaction.atomic():
        repair = Repair.objects.select_related("project").filter(pk=repair_id).first()
        if repair is None or not (
            permissions.is_system(actor) or permissions.staff_sees(actor, repair.project)
        ):
            raise NotFound("未找到该维修记录。")
        permissions.require_manage(actor, repair.project)
        ledger.lock_project(repair.project_id)  # a charge of the same repair waits, then sees the edit
        repair = _locked_repair(repair_id)
        if repair.status != RepairStatus.DRAFT:
            raise ValidationFailed(
                f"该维修记录{repair.get_status_display()}，不能修改。", code="repair_not_draft"
            )
        units = _scope_units(repair.project, scope_kind, building_ids, unit_ids)
        new_buildings = sorted(set(building_ids)) if scope_kind == RepairScopeKind.BUILDINGS else []
        new_units = sorted(set(unit_ids)) if scope_kind == RepairScopeKind.UNITS else []
        before = {
            "title": repair.title,
            "amount": str(repair.amount),
            "scope_kind": repair.scope_kind,
            "building_ids": sorted(repair.buildings.values_list("pk", flat=True)),
            "unit_ids": sorted(repair.units.values_list("pk", flat=True)),
            "description": repair.description,
            "contractor": repair.contractor,
            "started_on": repair.started_on.isoformat() if repair.started_on else None,
            "finished_on": repair.finished_on.isoformat() if repair.finished_on else None,
            "emergency_kind": repair.emergency_kind,
            "decision_ref": repair.decision_ref,
        }
        after = {
            "title": title,
            "amount": str(amount),
            "scope_kind": scope_kind,
            "building_ids": new_buildings,
            "unit_ids": new_units,
            "description": description,
            "contractor": contractor,
            "started_on": started_on.isoformat() if started_on else None,
            "finished_on": finished_on.isoformat() if finished_on else None,
            "emergency_kind": emergency_kind,
            "decision_ref": decision_ref,
        }
        changes = {k: {"from": before[k], "to": after[k]} for k in EDITABLE_FIELDS if before[k] != after[k]}
        if not changes:
            return repair
        repair.title, repair.amount, repair.scope_kind = title, amount, scope_kind
        repair.description, repair.contractor = description, contractor
        repair.started_on, repair.finished_on = started_on, finished_on
        repair.emergency_kind, repair.decision_ref = emergency_kind, decision_ref
        repair.save(
            update_fields=[
                "title",
                "amount",
                "scope_kind",
                "description",
                "contractor",
                "started_on",
                "finished_on",
                "emergency_kind",
                "decision_ref",
            ]
        )
        repair.buildings.set(new_buildings)
        repair.units.set(new_units)
        record(
            actor=actor,
            action="funds.repair.edited",
            obj=repair,
            data={"changes": changes, "units_in_scope": len(units)},
        )
    return repair


def _locked_repair(repair_id: int) -> Repair:
    repair = (
        Repair.objects.select_for_update(of=("self",)).select_related("project").filter(pk=repair_id).first()
    )
    if repair is None:
        raise NotFound("未找到该维修记录。")
    return repair


def charge_repair(
    *,
    actor: Account | None,
    repair_id: int,
    occurred_on: dt.date | None = None,
    expected_digest: str | None = None,
) -> PostingResult:
    """分摊入账: apportion the repair over the units in its scope (pro rata to exclusive area, largest remainders,
    ties by unit code) and post one negative repair_charge entry per unit with a non-zero share. Needs an owners'
    decision reference, unless the repair is an emergency — then it is charged before the vote and a draft
    emergency-repair disclosure is created for publication. With `expected_digest` (the digest of the preview the
    user confirmed), the apportionment computed here, under the project lock, must be that one: else PreviewChanged
    and nothing is posted. Raises PermissionDenied, NotFound, ValidationFailed, PreviewChanged.
    Audit: funds.repair.charged (+ funds.disclosure.created)."""
    # Kept whole: one transaction under the project lock: preview compared, postings, audit, disclosure.
    with transaction.atomic():
        repair = Repair.objects.select_related("project").filter(pk=repair_id).first()
        if repair is None:
            raise NotFound("未找到该维修记录。")
        permissions.require_ledger(actor, repair.project)
        ledger.lock_project(repair.project_id)
        repair = _locked_repair(repair_id)
        if (
            expected_digest is not None
        ):  # first: a caller who saw another apportionment learns that before all else
            check_digest(preview_repair(repair=repair), expected_digest)
        if repair.status != RepairStatus.DRAFT:
            raise ValidationFailed(
                f"该维修记录{repair.get_status_display()}，不能再次分摊。", code="repair_not_draft"
            )
        if not repair.decision_ref and not repair.is_emergency:
            raise ValidationFailed(
                "使用维修资金须经业主共同决定；请先填写业主共同决定编号（紧急维修除外）。",
                code="decision_required",
            )
        allocations = preview_repair(repair=repair)
        occurred_on = occurred_on or _today()
        batch = ledger.new_batch()
        units = {u.pk: u for u in Unit.objects.filter(pk__in=[a.key for a in allocations])}
        RepairShare.objects.bulk_create(
            [
                RepairShare(
                    repair=repair, unit_id=a.key, label=a.label, area=units[a.key].area, amount=a.amount
                )
                for a in allocations
            ]
        )
        postings = [
            ledger.Posting(
                kind=EntryKind.REPAIR_CHARGE,
                amount=-a.amount,
                occurred_on=occurred_on,
                reference=_ref("RC", batch, repair.pk, a.key),
                unit_id=a.key,
                building_id=units[a.key].building_id,
                repair_id=repair.pk,
                memo=f"维修分摊：{repair.title}"[:MEMO_MAX],
                calc={
                    "formula": "维修金额 × 本户面积 ÷ 范围内总面积（分以下按最大余数法）",
                    "bill": str(repair.amount),
                    "area": str(units[a.key].area),
                    "total_area": str(from_fen(sum(x.weight for x in allocations))),
                    "leftover_fen": a.got_leftover_fen,
                },
            )
            for a in allocations
            if a.amount > 0
        ]
        entries = ledger.post(project_id=repair.project_id, postings=postings, actor=actor, batch=batch)
        now = clock.now()
        repair.status = RepairStatus.CHARGED
        repair.charged_at = now
        repair.charged_on = occurred_on
        repair.save(update_fields=["status", "charged_at", "charged_on"])
        record(
            actor=actor,
            action="funds.repair.charged",
            obj=repair,
            data={
                "batch": batch,
                "amount": str(repair.amount),
                "units": len(allocations),
                "entries": len(entries),
                "emergency_kind": repair.emergency_kind,
                "decision_ref": repair.decision_ref,
            },
        )
        if repair.is_emergency and not repair.decision_ref:
            _create_disclosure(
                actor=actor,
                project=repair.project,
                kind=DisclosureKind.EMERGENCY_REPAIR,
                title=f"紧急维修公示：{repair.title}"[:120],
                body=(
                    f"因{repair.get_emergency_kind_display()}，本小区已先行使用维修资金进行紧急维修。\n"
                    f"维修项目：{repair.title}\n施工单位：{repair.contractor or '—'}\n"
                    f"维修金额：{display.format_money(repair.amount)} 元，按专有部分面积分摊至范围内 {len(allocations)} 户。"
                ),
                amount=repair.amount,
                repair=repair,
            )
    return PostingResult(batch=batch, entries=entries, total=repair.amount)


def cancel_repair(*, actor: Account | None, repair_id: int, reason: str) -> Repair:
    """撤销: a draft repair is simply cancelled (manage role); a charged one is reversed entry by entry (ledger
    role) — the charges stay in the ledger with their reversals. Audit: funds.repair.cancelled."""
    reason = _memo(reason)
    if not reason:
        raise ValidationFailed("请填写撤销原因。", field="reason")
    with transaction.atomic():
        repair = Repair.objects.select_related("project").filter(pk=repair_id).first()
        if repair is None:
            raise NotFound("未找到该维修记录。")
        if repair.status == RepairStatus.CHARGED:
            permissions.require_ledger(actor, repair.project)
        else:
            permissions.require_manage(actor, repair.project)
        ledger.lock_project(repair.project_id)
        repair = _locked_repair(repair_id)
        if repair.status == RepairStatus.CANCELLED:
            raise ValidationFailed("该维修记录已撤销。", code="repair_cancelled")
        reversed_count = 0
        if repair.status == RepairStatus.CHARGED:
            batch = ledger.new_batch()
            originals = list(
                LedgerEntry.objects.filter(
                    repair=repair, kind=EntryKind.REPAIR_CHARGE, reversed_by__isnull=True
                )
            )
            ledger.post(
                project_id=repair.project_id,
                postings=[_reversal_posting(e, reason=f"撤销维修：{reason}", batch=batch) for e in originals],
                actor=actor,
                batch=batch,
            )
            reversed_count = len(originals)
        previous = repair.status
        repair.status = RepairStatus.CANCELLED
        repair.cancelled_at = clock.now()
        repair.save(update_fields=["status", "cancelled_at"])
        record(
            actor=actor,
            action="funds.repair.cancelled",
            obj=repair,
            data={"reason": reason, "was": previous, "entries_reversed": reversed_count},
        )
    return repair
