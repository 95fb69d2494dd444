"""The replenishment line (续筹) and the figures (资金统计) every read shows.

A unit is flagged when its balance is STRICTLY below `replenish_threshold_pct` % of its first deposit (exactly on
the line is not flagged); units without a first deposit are never flagged. The SQL compares integers (fen × 10 000
against fen × basis points) so it is exact on PostgreSQL and on SQLite.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, QuerySet, Value
from django.db.models.functions import Round

from pmip.core import display
from pmip.funds import permissions
from pmip.funds.models import ZERO, FundPolicy, ProjectBalance, UnitBalance
from pmip.funds.policy import platform_policy, policy_for
from pmip.registry.models import Project, Unit

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


def project_figures(project: Project) -> Figures:
    return Figures.of(ProjectBalance.objects.filter(project=project).first())


@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    label: str
    figures: Figures
    below_line: bool

    @classmethod
    def of(cls, unit: Unit, threshold_pct: Decimal) -> UnitRow:
        """A unit fetched with its building and fund_balance: its label, figures and replenishment flag."""
        figures = Figures.of(getattr(unit, "fund_balance", None))
        return cls(
            unit=unit,
            label=f"{unit.building.number}-{unit.number}",
            figures=figures,
            below_line=is_below_line(figures.balance, figures.first_deposit, threshold_pct),
        )
