"""Reads of the funds domain, scoped to what the reader may see (pmip.funds.permissions):

- staff read every project in their scope; owners read the projects where they have an active house binding
  (project and building figures, repairs, common funds, published disclosures and reports) and the sub-ledgers of
  their own bound units only — anything else raises NotFound (not-found and forbidden look the same);
- a delegate (被委托人) reads a delegated project like its principal: the project and building figures and the
  sub-ledgers of exactly the principal's bound units there (`permissions.readable_unit_ids`); `delegated_fund_projects`
  lists those projects for the 维修资金情况 entry page;
- the city-wide open data of 维修金概览 (city, district and project totals, units below the replenishment line) and
  a project's headline figures are public and take no actor.

The replenishment line (续筹): a unit is flagged when its balance is STRICTLY below `replenish_threshold_pct` % of
its first deposit (exactly on the line is not flagged); units without a first deposit are never flagged. The SQL
compares integers (fen × 10 000 against fen × basis points) so it is exact on PostgreSQL and on SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Length, Round

from pmip.core import display
from pmip.core.errors import NotFound
from pmip.delegation.models import Delegation, DelegationStatus
from pmip.funds import permissions
from pmip.funds.choices import (
    DisclosureStatus,
    EntryKind,
    ReportSection,
    ReportStatus,
)
from pmip.funds.models import (
    ZERO,
    BankFlow,
    BuildingBalance,
    CommonFundAccount,
    Disclosure,
    FundPolicy,
    LedgerEntry,
    ProjectBalance,
    ProjectFollow,
    QuarterlyReport,
    Repair,
    ReportLine,
    UnitBalance,
    summed,
)
from pmip.funds.policy import Policy, platform_policy, policy_for
from pmip.identity.models import BindingStatus, HouseBinding
from pmip.registry.models import Building, Committee, District, Project, Unit

_NUM = DecimalField(max_digits=30, decimal_places=2)


# --------------------------------------------------------------------------------------------------------------
# Replenishment line
# --------------------------------------------------------------------------------------------------------------


def is_below_line(balance: Decimal, first_deposit: Decimal, threshold_pct: Decimal) -> bool:
    """Strictly below threshold_pct % of the first deposit (exact Decimal arithmetic)."""
    return first_deposit > 0 and balance * 100 < first_deposit * threshold_pct


def replenish_line(first_deposit: Decimal, threshold_pct: Decimal) -> Decimal:
    """The line itself in 元 (exact, may have more than two places: a balance equal to it is not flagged)."""
    return first_deposit * threshold_pct / 100


def _basis_points(threshold_pct: Decimal) -> int:
    return int((threshold_pct * 100).to_integral_value())


def below_line(qs: QuerySet[UnitBalance], threshold_pct: Decimal) -> QuerySet[UnitBalance]:
    """Filter UnitBalance rows strictly below the line (integer comparison in SQL)."""
    left = ExpressionWrapper(Round(F("balance") * 100) * Value(10000), output_field=_NUM)
    right = ExpressionWrapper(
        Round(F("first_deposit") * 100) * Value(_basis_points(threshold_pct)), output_field=_NUM
    )
    return qs.alias(_left=left, _right=right).filter(first_deposit__gt=0, _left__lt=F("_right"))


def _thresholds(project_ids: list[int] | None) -> tuple[Decimal, dict[Decimal, list[int]]]:
    """The platform threshold and, for projects with their own, {threshold: [project ids]}."""
    default = platform_policy().replenish_threshold_pct
    custom = FundPolicy.objects.filter(replenish_threshold_pct__isnull=False)
    if project_ids is not None:
        custom = custom.filter(project_id__in=project_ids)
    groups: dict[Decimal, list[int]] = defaultdict(list)
    for project_id, pct in custom.values_list("project_id", "replenish_threshold_pct"):
        if pct is not None:  # filtered above; for the type checker
            groups[pct].append(project_id)
    return default, groups


def flagged_counts(project_ids: list[int] | None = None) -> dict[int, int]:
    """{project id: units below the line}, each project with its own threshold. None = every project."""
    default, groups = _thresholds(project_ids)
    custom_ids = [pid for ids in groups.values() for pid in ids]
    counts: dict[int, int] = {}
    base = (
        UnitBalance.objects.all()
        if project_ids is None
        else UnitBalance.objects.filter(project_id__in=project_ids)
    )
    parts = [(base.exclude(project_id__in=custom_ids), default)]
    parts += [(base.filter(project_id__in=ids), pct) for pct, ids in groups.items()]
    for qs, pct in parts:
        for project_id, n in (
            below_line(qs, pct).values("project_id").annotate(n=Count("id")).values_list("project_id", "n")
        ):
            counts[project_id] = n
    return counts


def count_flagged_units(*, project_ids: list[int] | None = None) -> int:
    """Units below the replenishment line (city-wide when project_ids is None), for the city overview."""
    default, groups = _thresholds(project_ids)
    custom_ids = [pid for ids in groups.values() for pid in ids]
    base = (
        UnitBalance.objects.all()
        if project_ids is None
        else UnitBalance.objects.filter(project_id__in=project_ids)
    )
    total = below_line(base.exclude(project_id__in=custom_ids), default).count()
    for pct, ids in groups.items():
        total += below_line(base.filter(project_id__in=ids), pct).count()
    return total


def flagged_units(*, actor, project: Project) -> QuerySet[UnitBalance]:
    """Units of the project below the replenishment line (staff in scope, or owners bound in the project)."""
    permissions.require_read_project(actor, project)
    pct = policy_for(project).replenish_threshold_pct
    return (
        below_line(UnitBalance.objects.filter(project=project), pct)
        .select_related("unit", "building")
        .order_by(*display.unit_ordering("unit__"))
    )


# --------------------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """资金统计 of a unit, building or project (元)."""

    first_deposit: Decimal = ZERO
    deposited: Decimal = ZERO
    interest: Decimal = ZERO
    used: Decimal = ZERO
    refunded: Decimal = ZERO
    transferred: Decimal = ZERO
    balance: Decimal = ZERO
    pool: Decimal = ZERO

    @classmethod
    def of(cls, row) -> Figures:
        if row is None:
            return cls()
        return cls(
            **{
                name: getattr(row, name)
                for name in (
                    "first_deposit",
                    "deposited",
                    "interest",
                    "used",
                    "refunded",
                    "transferred",
                    "balance",
                )
            },
            pool=getattr(row, "pool", ZERO),
        )


def _project_figures(project: Project) -> Figures:
    return Figures.of(ProjectBalance.objects.filter(project=project).first())


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
        figures=_project_figures(project),
        building_count=Building.objects.filter(project=project).count(),
        unit_count=units["n"],
        total_area=summed(units["area"]),
        flagged_count=flagged_counts([project.pk]).get(project.pk, 0),
        repair_count=Repair.objects.filter(project=project).exclude(status="cancelled").count(),
        account_count=CommonFundAccount.objects.filter(project=project).count(),
        committee=Committee.objects.filter(project=project).order_by("-term_start").first(),
        policy=policy_for(project),
    )


@dataclass(frozen=True)
class PublicFigures:
    """What 维修金概览 shows for a project (open data, no personal data)."""

    project: Project
    figures: Figures
    unit_count: int
    flagged_count: int


def public_project_figures(*, project: Project) -> PublicFigures:
    return PublicFigures(
        project=project,
        figures=_project_figures(project),
        unit_count=Unit.objects.filter(project=project).count(),
        flagged_count=flagged_counts([project.pk]).get(project.pk, 0),
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


def project_repairs(*, actor, project: Project) -> QuerySet[Repair]:
    """维修明细 of the project, newest first."""
    permissions.require_read_project(actor, project)
    return (
        Repair.objects.filter(project=project)
        .annotate(unit_count=Count("shares"))
        .order_by("-created_at", "-id")
    )


def get_repair(*, actor, repair_id: int) -> Repair:
    repair = Repair.objects.select_related("project").filter(pk=repair_id).first()
    if repair is None or not permissions.may_read_project(actor, repair.project):
        raise NotFound("未找到该维修记录。")
    return repair


def repair_shares(*, actor, repair: Repair):
    """Each unit's share of a charged repair (label order)."""
    permissions.require_read_project(actor, repair.project)
    return display.sort_by_unit_label(
        repair.shares.select_related("unit").order_by("label", "unit_id"), lambda s: s.label
    )


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


@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    label: str
    figures: Figures
    below_line: bool


def building_unit_list(*, actor, building: Building) -> list[UnitRow]:
    """房屋列表 of a building with each unit's balance and replenishment flag (one query for the units)."""
    permissions.require_read_project(actor, building.project)
    pct = policy_for(building.project).replenish_threshold_pct
    units = Unit.objects.filter(building=building).select_related("building", "fund_balance")
    rows = []
    for unit in display.sort_units(units):
        figures = Figures.of(getattr(unit, "fund_balance", None))
        rows.append(
            UnitRow(
                unit=unit,
                label=f"{unit.building.number}-{unit.number}",
                figures=figures,
                below_line=is_below_line(figures.balance, figures.first_deposit, pct),
            )
        )
    return rows


# --------------------------------------------------------------------------------------------------------------
# Units and sub-ledgers (owners: their own bound units only)
# --------------------------------------------------------------------------------------------------------------


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
        figures = Figures.of(getattr(unit, "fund_balance", None))
        rows.append(
            UnitRow(
                unit=unit,
                label=f"{unit.building.number}-{unit.number}",
                figures=figures,
                below_line=is_below_line(figures.balance, figures.first_deposit, thresholds[unit.project_id]),
            )
        )
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
        for unit in units:
            figures = Figures.of(getattr(unit, "fund_balance", None))
            row.units.append(
                UnitRow(
                    unit=unit,
                    label=f"{unit.building.number}-{unit.number}",
                    figures=figures,
                    below_line=is_below_line(
                        figures.balance, figures.first_deposit, thresholds[d.project_id]
                    ),
                )
            )
    return list(out.values())


# --------------------------------------------------------------------------------------------------------------
# City-wide open data (维修金概览) and follows
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaTotals:
    name: str
    code: str
    project_count: int
    deposited: Decimal
    used: Decimal
    interest: Decimal
    balance: Decimal
    flagged_count: int


@dataclass
class CityOverview:
    city: AreaTotals
    districts: list[AreaTotals] = field(default_factory=list)


def city_overview() -> CityOverview:
    """City and per-district totals: deposited, used, interest, balance, units below the replenishment line.
    Public. A handful of aggregate queries whatever the size of the city."""
    sums = dict(
        deposited=Sum("deposited"), used=Sum("used"), interest=Sum("interest"), balance=Sum("balance")
    )
    by_district = {
        row["project__district_id"]: row
        for row in ProjectBalance.objects.values("project__district_id").annotate(n=Count("id"), **sums)
    }
    flagged = flagged_counts(None)
    project_district = dict(Project.objects.values_list("id", "district_id")) if flagged else {}
    flagged_by_district: dict[int, int] = defaultdict(int)
    for project_id, n in flagged.items():
        flagged_by_district[project_district[project_id]] += n
    project_counts = dict(
        Project.objects.values("district_id").annotate(n=Count("id")).values_list("district_id", "n")
    )
    districts = []
    for district in District.objects.order_by("code"):
        row: Mapping[str, Any] = by_district.get(district.pk, {})
        districts.append(
            AreaTotals(
                name=district.name,
                code=district.code,
                project_count=project_counts.get(district.pk, 0),
                deposited=summed(row.get("deposited")),
                used=summed(row.get("used")),
                interest=summed(row.get("interest")),
                balance=summed(row.get("balance")),
                flagged_count=flagged_by_district.get(district.pk, 0),
            )
        )
    city = AreaTotals(
        name="深圳市",
        code="440300",
        project_count=sum(project_counts.values()),
        deposited=sum((d.deposited for d in districts), ZERO),
        used=sum((d.used for d in districts), ZERO),
        interest=sum((d.interest for d in districts), ZERO),
        balance=sum((d.balance for d in districts), ZERO),
        flagged_count=sum(flagged.values()),
    )
    return CityOverview(city=city, districts=districts)


def public_project_list(*, district_id: int | None = None, query: str = "") -> QuerySet[Project]:
    """Projects by code for 维修金概览 (callers paginate, then turn a page into figures with
    `public_figures_for(page)`)."""
    qs = Project.objects.select_related("district", "fund_balance")
    if district_id:
        qs = qs.filter(district_id=district_id)
    query = (query or "").strip()[:50]
    if query:
        qs = qs.filter(Q(name__contains=query) | Q(code__startswith=query))
    return qs.order_by("code")


def public_figures_for(projects) -> list[PublicFigures]:
    """Public figures of a page of projects (fetched with select_related("fund_balance")): a few queries in all,
    whatever the page size."""
    projects = list(projects)
    ids = [p.pk for p in projects]
    flagged = flagged_counts(ids) if ids else {}
    unit_counts = dict(
        Unit.objects.filter(project_id__in=ids)
        .values("project_id")
        .annotate(n=Count("id"))
        .values_list("project_id", "n")
    )
    return [
        PublicFigures(
            project=p,
            figures=Figures.of(getattr(p, "fund_balance", None)),
            unit_count=unit_counts.get(p.pk, 0),
            flagged_count=flagged.get(p.pk, 0),
        )
        for p in projects
    ]


def followed_projects(*, actor) -> list[PublicFigures]:
    """The projects the account follows (newest first), with their public figures (a few queries)."""
    if not getattr(actor, "is_authenticated", False):
        return []
    follows = ProjectFollow.objects.filter(account=actor).select_related("project", "project__fund_balance")
    return public_figures_for(f.project for f in follows.order_by("-created_at", "-id"))


def is_following(*, actor, project: Project) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    return ProjectFollow.objects.filter(account=actor, project=project).exists()


# --------------------------------------------------------------------------------------------------------------
# Common funds, disclosures
# --------------------------------------------------------------------------------------------------------------


def common_fund_accounts(*, actor, project: Project) -> QuerySet[CommonFundAccount]:
    """小区共有资金 accounts (masked numbers only)."""
    permissions.require_read_project(actor, project)
    return CommonFundAccount.objects.filter(project=project).select_related("bank").order_by("id")


def get_common_fund_account(*, actor, account_id: int) -> CommonFundAccount:
    account = CommonFundAccount.objects.select_related("project", "bank").filter(pk=account_id).first()
    if account is None or not permissions.may_read_project(actor, account.project):
        raise NotFound("未找到该账户，或您没有查看权限。")
    return account


def account_flows(*, actor, account_id: int) -> QuerySet[BankFlow]:
    """账户流水, newest first (callers paginate)."""
    account = get_common_fund_account(actor=actor, account_id=account_id)
    return BankFlow.objects.filter(account=account).order_by("-occurred_on", "-id")


def disclosures_for(*, actor, project: Project, kind: str | None = None) -> QuerySet[Disclosure]:
    """信息公开 of the project: staff in scope see drafts too; owners see published ones only."""
    permissions.require_read_project(actor, project)
    qs = Disclosure.objects.filter(project=project).select_related("bank_flow", "repair")
    if not permissions.staff_sees(actor, project):
        qs = qs.filter(status=DisclosureStatus.PUBLISHED)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-published_at", "-created_at", "-id")


def get_disclosure(*, actor, disclosure_id: int) -> Disclosure:
    disclosure = Disclosure.objects.select_related("project", "bank_flow").filter(pk=disclosure_id).first()
    if disclosure is None or not permissions.may_read_project(actor, disclosure.project):
        raise NotFound("未找到该公示。")
    if disclosure.status != DisclosureStatus.PUBLISHED and not permissions.staff_sees(
        actor, disclosure.project
    ):
        raise NotFound("未找到该公示。")
    return disclosure


# --------------------------------------------------------------------------------------------------------------
# Quarterly reports
# --------------------------------------------------------------------------------------------------------------


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


@dataclass(frozen=True)
class FundPeriodFigures:
    """维修金收支 of a project over a period, from the ledger (reversals counted in their category)."""

    start: dt.date
    end: dt.date
    opening: Decimal
    income: dict[str, Decimal]  # first_deposit, monthly, interest, transfer_in
    expense: dict[str, Decimal]  # repair_charge, refund, transfer_out (positive figures)
    closing: Decimal

    @property
    def income_total(self) -> Decimal:
        return sum(self.income.values(), ZERO)

    @property
    def expense_total(self) -> Decimal:
        return sum(self.expense.values(), ZERO)


def fund_period_figures(*, project: Project, start: dt.date, end: dt.date) -> FundPeriodFigures:
    """Two aggregate queries. Project-level pool entries (interest received, then allocated) net to the interest
    actually received in the period."""
    entries = LedgerEntry.objects.filter(project=project)
    opening = summed(entries.filter(occurred_on__lt=start).aggregate(s=Sum("amount"))["s"])
    by_cat: dict[str, Decimal] = defaultdict(lambda: ZERO)
    transfer_in = transfer_out = ZERO
    rows = (
        entries.filter(occurred_on__gte=start, occurred_on__lte=end)
        .values("category")
        .annotate(
            total=Sum("amount"),
            positive=Sum("amount", filter=Q(amount__gt=0)),
            negative=Sum("amount", filter=Q(amount__lt=0)),
        )
    )
    for row in rows:
        by_cat[row["category"]] = summed(row["total"])
        if row["category"] == EntryKind.TRANSFER:
            transfer_in = summed(row["positive"])
            transfer_out = -summed(row["negative"])
    income = {
        "first_deposit": by_cat[EntryKind.FIRST_DEPOSIT],
        "monthly": by_cat[EntryKind.MONTHLY],
        "interest": by_cat[EntryKind.INTEREST],
        "transfer_in": transfer_in,
    }
    expense = {
        "repair_charge": -by_cat[EntryKind.REPAIR_CHARGE],
        "refund": -by_cat[EntryKind.REFUND],
        "transfer_out": transfer_out,
    }
    closing = opening + sum(by_cat.values(), ZERO)
    return FundPeriodFigures(
        start=start, end=end, opening=opening, income=income, expense=expense, closing=closing
    )


@dataclass
class ReportData:
    """Everything one 季度收支报表 shows."""

    report: QuarterlyReport
    project: Project
    lines: dict[str, list[ReportLine]]
    totals: dict[str, Decimal]
    fund: FundPeriodFigures

    @property
    def business_net(self) -> Decimal:
        return self.totals[ReportSection.BUSINESS_INCOME] - self.totals[ReportSection.BUSINESS_EXPENSE]


OWNER_REPORT_STATUSES = (ReportStatus.PUBLISHED, ReportStatus.SUPERSEDED)


def quarterly_reports(*, actor, project: Project) -> QuerySet[QuarterlyReport]:
    """Reports of the project: staff in scope see every version, drafts and superseded ones included; owners the
    current published version of each quarter (earlier versions are reached from it, `report_versions`)."""
    permissions.require_read_project(actor, project)
    qs = QuarterlyReport.objects.filter(project=project)
    if not permissions.staff_sees(actor, project):
        qs = qs.filter(status=ReportStatus.PUBLISHED)
    return qs.order_by("-year", "-quarter", "-version")


def report_versions(*, actor, report: QuarterlyReport) -> list[QuarterlyReport]:
    """Every version of the report's quarter the actor may see, newest first (owners: published and superseded)."""
    qs = QuarterlyReport.objects.filter(
        project_id=report.project_id, year=report.year, quarter=report.quarter
    )
    if not permissions.staff_sees(actor, report.project):
        qs = qs.filter(status__in=OWNER_REPORT_STATUSES)
    return list(qs.order_by("-version"))


def report_data(*, actor, report_id: int) -> ReportData:
    report = QuarterlyReport.objects.select_related("project", "corrects").filter(pk=report_id).first()
    if report is None or not permissions.may_read_project(actor, report.project):
        raise NotFound("未找到该报表。")
    if report.status not in OWNER_REPORT_STATUSES and not permissions.staff_sees(actor, report.project):
        raise NotFound("未找到该报表。")
    return build_report_data(report)


def build_report_data(report: QuarterlyReport) -> ReportData:
    """No permission check: for exports of an already authorised report."""
    lines: dict[str, list[ReportLine]] = {s: [] for s in ReportSection.values}
    for line in ReportLine.objects.filter(report=report).order_by("section", "position", "id"):
        lines[line.section].append(line)
    totals = {s: sum((line.amount for line in lines[s]), ZERO) for s in lines}
    start, end = quarter_bounds(report.year, report.quarter)
    return ReportData(
        report=report,
        project=report.project,
        lines=lines,
        totals=totals,
        fund=fund_period_figures(project=report.project, start=start, end=end),
    )
