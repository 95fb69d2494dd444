"""Units and sub-ledgers (分户账): owners read their own bound units only, a delegate its principals' units."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet

from pmip.core import display
from pmip.core.errors import NotFound
from pmip.delegation.models import Delegation, DelegationStatus
from pmip.funds import permissions
from pmip.funds.models import ZERO, LedgerEntry, UnitBalance
from pmip.funds.policy import policy_for
from pmip.funds.selectors.balances import Figures, UnitRow, is_below_line, replenish_line
from pmip.identity.models import BindingStatus, HouseBinding
from pmip.registry.models import Project, Unit


def _readable_unit(actor, unit_id: int) -> Unit:
    unit = Unit.objects.select_related("building", "project").filter(pk=unit_id).first()
    if unit is not None and (
        permissions.staff_sees(actor, unit.project)
        or unit.pk in permissions.readable_unit_ids(actor, unit.project)
    ):
        return unit
    raise NotFound("未找到该房屋的维修资金信息，或您没有查看权限。")


@dataclass
class UnitOverview:
    """房屋资金概况: figures, the replenishment line and whether the unit is below it, the settings applied."""

    unit: Unit
    label: str
    figures: Figures
    threshold_pct: Decimal
    threshold_source: str
    line: Decimal
    below_line: bool


def unit_overview(*, actor, unit_id: int) -> UnitOverview:
    unit = _readable_unit(actor, unit_id)
    figures = Figures.of(UnitBalance.objects.filter(unit=unit).first())
    policy = policy_for(unit.project)
    pct = policy.replenish_threshold_pct
    return UnitOverview(
        unit=unit,
        label=f"{unit.building.number}-{unit.number}",
        figures=figures,
        threshold_pct=pct,
        threshold_source=policy.label_of("replenish_threshold_pct"),
        line=replenish_line(figures.first_deposit, pct),
        below_line=is_below_line(figures.balance, figures.first_deposit, pct),
    )


@dataclass(frozen=True)
class LedgerLine:
    entry: LedgerEntry
    balance_after: Decimal
    reversed: bool


def unit_ledger(*, actor, unit_id: int) -> list[LedgerLine]:
    """The unit's sub-ledger (分户账): every entry in date order with the running balance — first deposit, monthly
    contributions, each repair's share, interest, refunds, transfers and reversals. Two queries."""
    unit = _readable_unit(actor, unit_id)
    entries = list(
        LedgerEntry.objects.filter(unit=unit)
        .select_related("repair")
        .annotate(_reversed=Count("reversed_by"))
        .order_by("occurred_on", "id")
    )
    running = ZERO
    lines = []
    for entry in entries:
        running += entry.amount
        lines.append(LedgerLine(entry=entry, balance_after=running, reversed=bool(entry._reversed)))
    return lines


def my_fund_units(*, actor) -> list[UnitRow]:
    """The owner's bound units with their balances (维修资金情况 → 房屋号)."""
    ids = permissions.bound_unit_ids(actor)
    if not ids:
        return []
    units = Unit.objects.filter(pk__in=ids).select_related("building", "project", "fund_balance")
    thresholds: dict[int, Decimal] = {}
    rows = []
    for unit in sorted(
        units, key=lambda u: (u.project.code, display.unit_sort_key(u.building.number, u.floor, u.number))
    ):
        if unit.project_id not in thresholds:
            thresholds[unit.project_id] = policy_for(unit.project_id).replenish_threshold_pct
        rows.append(UnitRow.of(unit, thresholds[unit.project_id]))
    return rows


def my_fund_projects(*, actor) -> QuerySet[Project]:
    """Projects where the owner has an active binding (维修资金情况: choose a project)."""
    if not permissions.is_owner(actor):
        return Project.objects.none()
    ids = {u.project_id for u in Unit.objects.filter(pk__in=permissions.bound_unit_ids(actor))}
    return (
        Project.objects.filter(pk__in=ids)
        .select_related("district", "subdistrict", "fund_balance")
        .order_by("code")
    )


def owner_fund_project(*, actor, project_id: int) -> Project:
    """A project the owner account reads on the owner money pages: bound there, or a delegate acting for a
    principal there. Anything else raises NotFound."""
    project = (
        Project.objects.select_related("district", "subdistrict", "fund_balance")
        .filter(pk=project_id)
        .first()
    )
    if project is None or not permissions.owner_reads_project(actor, project):
        raise NotFound("未找到该小区的维修资金信息，或您没有查看权限。")
    return project


@dataclass
class DelegatedProject:
    """One project the account reads as a delegate: who for (names masked by the caller) and their units."""

    project: Project
    figures: Figures
    principals: list = field(default_factory=list)  # the principals' Account rows, oldest delegation first
    units: list[UnitRow] = field(default_factory=list)


def delegated_fund_projects(*, actor) -> list[DelegatedProject]:
    """Projects where the owner account acts as a delegate (same rule as `pmip.delegation.selectors.acting_for`:
    a delegation in force whose principal still has an active binding there), with the principals' bound units.
    Two queries, plus the project's settings per project (as `my_fund_units`)."""
    if not permissions.is_owner(actor):
        return []
    delegations = list(
        Delegation.objects.filter(delegate_account=actor, status=DelegationStatus.ACTIVE)
        .exclude(owner=actor)
        .select_related(
            "owner",
            "owner__owner_identity",
            "project__district",
            "project__subdistrict",
            "project__fund_balance",
        )
        .order_by("project__code", "granted_at", "id")
    )
    if not delegations:
        return []
    bindings = display.sort_units(
        HouseBinding.objects.filter(
            account_id__in={d.owner_id for d in delegations},
            project_id__in={d.project_id for d in delegations},
            status=BindingStatus.ACTIVE,
        ).select_related("unit__building", "unit__fund_balance"),
        lambda b: b.unit,
    )
    units_of: dict[tuple[int, int], list[Unit]] = defaultdict(list)
    for b in bindings:
        units_of[(b.account_id, b.project_id)].append(b.unit)
    thresholds = {pid: policy_for(pid).replenish_threshold_pct for pid in {d.project_id for d in delegations}}
    out: dict[int, DelegatedProject] = {}
    for d in delegations:
        units = units_of.get((d.owner_id, d.project_id))
        if not units:  # the principal's bindings there have ended: the delegation does not act
            continue
        row = out.get(d.project_id)
        if row is None:
            row = out[d.project_id] = DelegatedProject(
                project=d.project, figures=Figures.of(getattr(d.project, "fund_balance", None))
            )
        row.principals.append(d.owner)
        row.units.extend(UnitRow.of(unit, thresholds[d.project_id]) for unit in units)
    return list(out.values())
