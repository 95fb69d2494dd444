"""A project's and its buildings' figures for a reader in scope: 总体概况, 资金明细, 栋列表, 楼栋概况, 房屋列表."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Length

from pmip.core import display
from pmip.core.errors import NotFound
from pmip.funds import permissions
from pmip.funds.choices import EntryKind
from pmip.funds.models import BuildingBalance, CommonFundAccount, LedgerEntry, Repair, UnitBalance, summed
from pmip.funds.policy import Policy, policy_for
from pmip.funds.selectors.balances import (
    Figures,
    UnitRow,
    below_line,
    flagged_counts,
    project_figures,
)
from pmip.registry.models import Building, Committee, Project, Unit


@dataclass
class ProjectOverview:
    """总体概况 + 资金统计 + 业委会情况 of one project."""

    project: Project
    figures: Figures
    building_count: int
    unit_count: int
    total_area: Decimal
    flagged_count: int
    repair_count: int
    account_count: int
    committee: Committee | None
    policy: Policy


def project_overview(*, actor, project: Project) -> ProjectOverview:
    """For staff in scope and owners bound in the project; NotFound otherwise."""
    permissions.require_read_project(actor, project)
    units = Unit.objects.filter(project=project).aggregate(n=Count("id"), area=Sum("area"))
    return ProjectOverview(
        project=project,
        figures=project_figures(project),
        building_count=Building.objects.filter(project=project).count(),
        unit_count=units["n"],
        total_area=summed(units["area"]),
        flagged_count=flagged_counts([project.pk]).get(project.pk, 0),
        repair_count=Repair.objects.filter(project=project).exclude(status="cancelled").count(),
        account_count=CommonFundAccount.objects.filter(project=project).count(),
        committee=Committee.objects.filter(project=project).order_by("-term_start").first(),
        policy=policy_for(project),
    )


def project_entries(
    *, actor, project: Project, kinds: list[str] | None = None, building: Building | None = None
) -> QuerySet[LedgerEntry]:
    """资金明细 of the project, newest first (callers paginate); kinds=['monthly'] gives 日常金明细."""
    permissions.require_read_project(actor, project)
    qs = LedgerEntry.objects.filter(project=project).select_related("unit", "building", "repair")
    if kinds:
        qs = qs.filter(Q(kind__in=kinds) | Q(kind=EntryKind.REVERSAL, category__in=kinds))
    if building is not None:
        qs = qs.filter(building=building)
    return qs.order_by("-occurred_on", "-id")


def _natural(qs, prefix: str = ""):
    return qs.order_by(Length(f"{prefix}number"), f"{prefix}number")


@dataclass(frozen=True)
class BuildingRow:
    building: Building
    unit_count: int
    figures: Figures


def project_building_list(*, actor, project: Project) -> list[BuildingRow]:
    """栋列表: every building of the project (natural number order) with its unit count and figures (one query)."""
    permissions.require_read_project(actor, project)
    buildings = _natural(
        Building.objects.filter(project=project)
        .select_related("fund_balance")
        .annotate(unit_count=Count("units"))
    )
    return [
        BuildingRow(building=b, unit_count=b.unit_count, figures=Figures.of(getattr(b, "fund_balance", None)))
        for b in buildings
    ]


@dataclass
class BuildingOverview:
    building: Building
    figures: Figures
    unit_count: int
    total_area: Decimal
    flagged_count: int


def get_building(*, actor, building_id: int) -> Building:
    building = Building.objects.select_related("project").filter(pk=building_id).first()
    if building is None or not permissions.may_read_project(actor, building.project):
        raise NotFound("未找到该楼栋，或您没有查看权限。")
    return building


def building_overview(*, actor, building_id: int) -> BuildingOverview:
    """楼栋总体资金概况 (staff in scope, owners bound in the project)."""
    building = get_building(actor=actor, building_id=building_id)
    units = Unit.objects.filter(building=building).aggregate(n=Count("id"), area=Sum("area"))
    pct = policy_for(building.project).replenish_threshold_pct
    return BuildingOverview(
        building=building,
        figures=Figures.of(BuildingBalance.objects.filter(building=building).first()),
        unit_count=units["n"],
        total_area=summed(units["area"]),
        flagged_count=below_line(UnitBalance.objects.filter(building=building), pct).count(),
    )


def building_unit_list(*, actor, building: Building) -> list[UnitRow]:
    """房屋列表 of a building with each unit's balance and replenishment flag (one query for the units)."""
    permissions.require_read_project(actor, building.project)
    pct = policy_for(building.project).replenish_threshold_pct
    units = Unit.objects.filter(building=building).select_related("building", "fund_balance")
    return [UnitRow.of(unit, pct) for unit in display.sort_units(units)]
