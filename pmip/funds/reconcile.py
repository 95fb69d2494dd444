"""Reconciliation (对账): recompute every maintained balance from the ledger entries and report differences.

The maintained rows are the fast path for reads; the entries are the truth. `reconcile()` never changes balances: it
returns the mismatches (and writes one audit entry `funds.reconcile.mismatch` when there are any) so that a person
looks at why. Per project: one aggregate query over its entries and three reads of its balance rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from pmip.audit.services import record
from pmip.funds.ledger import figure_deltas
from pmip.funds.models import ZERO, BuildingBalance, LedgerEntry, ProjectBalance, UnitBalance, summed


@dataclass(frozen=True)
class Mismatch:
    level: str  # unit | building | project
    object_id: int
    project_id: int
    figure: str
    stored: Decimal
    recomputed: Decimal

    def as_dict(self) -> dict:
        d = asdict(self)
        d["stored"], d["recomputed"] = str(self.stored), str(self.recomputed)
        return d

    def __str__(self) -> str:
        names = {"unit": "房屋", "building": "楼栋", "project": "小区"}
        return (
            f"{names[self.level]}#{self.object_id}（小区#{self.project_id}）{self.figure}："
            f"记录值 {self.stored}，按流水重算 {self.recomputed}"
        )


def recompute(project_id: int) -> tuple[dict[int, dict], dict[int, dict], dict[str, Decimal]]:
    """Figures from the entries: ({unit id: figures}, {building id: figures}, project figures)."""
    units: dict[int, dict] = defaultdict(lambda: defaultdict(lambda: ZERO))
    buildings: dict[int, dict] = defaultdict(lambda: defaultdict(lambda: ZERO))
    project: dict[str, Decimal] = defaultdict(lambda: ZERO)
    rows = (
        LedgerEntry.objects.filter(project_id=project_id)
        .values("unit_id", "building_id", "category")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in rows:
        project_level = row["unit_id"] is None
        for name, value in figure_deltas(
            row["category"], summed(row["total"]), project_level=project_level
        ).items():
            project[name] += value
            if not project_level and name != "pool":
                units[row["unit_id"]][name] += value
                buildings[row["building_id"]][name] += value
    return units, buildings, project


def _compare(level, project_id, stored_rows, key, recomputed, figures) -> list[Mismatch]:
    out = []
    seen = set()
    for row in stored_rows:
        object_id = getattr(row, key)
        seen.add(object_id)
        expected = recomputed.get(object_id, {})
        for name in figures:
            stored, again = getattr(row, name), expected.get(name, ZERO)
            if stored != again:
                out.append(Mismatch(level, object_id, project_id, name, stored, again))
    for object_id, expected in recomputed.items():
        if object_id in seen:
            continue
        for name in figures:
            if expected.get(name, ZERO) != ZERO:
                out.append(Mismatch(level, object_id, project_id, name, ZERO, expected[name]))
    return out


def reconcile_project(project_id: int) -> list[Mismatch]:
    units, buildings, project = recompute(project_id)
    figures = UnitBalance.FIGURES
    out = _compare(
        "unit", project_id, UnitBalance.objects.filter(project_id=project_id), "unit_id", units, figures
    )
    out += _compare(
        "building",
        project_id,
        BuildingBalance.objects.filter(project_id=project_id),
        "building_id",
        buildings,
        figures,
    )
    out += _compare(
        "project",
        project_id,
        ProjectBalance.objects.filter(project_id=project_id),
        "project_id",
        {project_id: project} if project else {},
        ProjectBalance.FIGURES,
    )
    return out


def _project_ids() -> list[int]:
    ids = set(ProjectBalance.objects.values_list("project_id", flat=True))
    ids |= set(LedgerEntry.objects.values_list("project_id", flat=True).distinct())
    return sorted(ids)


def reconcile(*, project_ids: Iterable[int] | None = None, actor=None) -> list[Mismatch]:
    """Recount the given projects (default: every project with fund data). Returns every mismatch; records
    `funds.reconcile.mismatch` (count and the first 50) when there is any."""
    ids = sorted(set(project_ids)) if project_ids is not None else _project_ids()
    mismatches: list[Mismatch] = []
    for project_id in ids:
        mismatches += reconcile_project(project_id)
    if mismatches:
        with transaction.atomic():
            record(
                actor=actor,
                action="funds.reconcile.mismatch",
                project_id=ids[0] if len(ids) == 1 else None,
                data={
                    "projects_checked": len(ids),
                    "count": len(mismatches),
                    "projects": sorted({m.project_id for m in mismatches})[:100],
                    "first": [m.as_dict() for m in mismatches[:50]],
                },
                actor_label="" if actor else "系统（维修资金对账）",
            )
    return mismatches
