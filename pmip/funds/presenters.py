"""What the owner's money pages and the funds API show, built on the scoped selectors of `pmip.funds.selectors`.

Read models shared by the owner pages (`pmip.portal.funds.views`) and the API (`pmip.api.funds`), so both show
the same figures; they live in the domain so that neither interface imports the other.
Every function takes the acting account and reads through a selector that checks it (a project the owner has no
binding in, or a unit that is not theirs, raises NotFound). Nothing here writes.

- 资金明细 of a project or a building is shown one line per posting (a batch: "2026-03 日常缴存, 5户, 108.47"),
  not one line per unit: other owners' sub-ledgers stay private, and a month of a 3 000-unit project is one line.
  The lines add up to the balance (the interest pool's legs are shown as their own lines).
- Chart series: balance over time (unit: after each day with entries; project: at the end of each month with
  entries), income and expense per quarter (the same rules as the 季度收支报表's 维修资金收支), where repairs went
  (net repair charges by building and by kind, reversals included).
- The 季度收支报表 downloads (the domain's XLSX and PDF exports) as attachments.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    Max,
    Q,
    QuerySet,
    Sum,
    prefetch_related_objects,
)
from django.db.models.functions import ExtractQuarter, ExtractYear, TruncMonth
from django.http import HttpResponse

from pmip.core import clock
from pmip.core.masking import mask_name
from pmip.delegation.selectors import owner_display_name
from pmip.funds import permissions, selectors
from pmip.funds import reports as reports_
from pmip.funds.choices import EmergencyKind, EntryKind
from pmip.funds.models import ZERO, Repair, RepairShare, summed
from pmip.identity.models import BindingStatus, HouseBinding
from pmip.registry.models import Project

KIND_LABELS = dict(EntryKind.choices)


def money(value: Decimal | None) -> str:
    """A plain two-place decimal string (no grouping, no exponent): '4467.60'."""
    return format((value or ZERO).quantize(Decimal("0.01")), "f")


# --------------------------------------------------------------------------------------------------------------
# 资金明细 (grouped by posting)
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryGroup:
    """One posting as shown on 资金明细: date, what it was, how many units, the signed total (元)."""

    occurred_on: dt.date
    kind: str
    category: str
    label: str
    units: int
    total: Decimal
    project_level: bool
    period: str
    repair_id: int | None


def entry_groups(qs: QuerySet) -> QuerySet:
    """Group a scoped LedgerEntry queryset (from `selectors.project_entries`) by posting, newest first: one line
    per batch, kind, category, level (unit or the project's interest pool) and direction (in or out). Returns a
    values() queryset (paginate it, then pass the page to `as_groups`)."""
    return (
        qs.order_by()
        .annotate(
            project_level=ExpressionWrapper(Q(unit__isnull=True), output_field=BooleanField()),
            inflow=ExpressionWrapper(Q(amount__gt=0), output_field=BooleanField()),
        )
        .values("batch", "occurred_on", "kind", "category", "project_level", "inflow")
        .annotate(
            total=Sum("amount"),
            units=Count("unit", distinct=True),
            period=Max("period"),
            repair_id=Max("repair_id"),
            repair_title=Max("repair__title"),
            last_id=Max("id"),
        )
        .order_by("-occurred_on", "-last_id")
    )


def group_label(row: dict) -> str:
    kind, category = row["kind"], row["category"]
    period = row.get("period") or ""
    if kind == EntryKind.REVERSAL:
        base = f"冲正（{KIND_LABELS.get(category, category)}）"
        return f"{base}：{row['repair_title']}" if row.get("repair_title") else base
    if kind == EntryKind.MONTHLY:
        return f"日常缴存 {period}".strip()
    if kind == EntryKind.FIRST_DEPOSIT:
        return "首期缴存"
    if kind == EntryKind.INTEREST:
        if row["project_level"]:
            return (
                f"利息收益到账（待分配）{period}".strip()
                if row["total"] > 0
                else "利息分配（转出待分配利息）"
            )
        return f"利息分配至分户账 {period}".strip()
    if kind == EntryKind.REPAIR_CHARGE:
        return f"维修分摊：{row['repair_title']}" if row.get("repair_title") else "维修分摊"
    if kind == EntryKind.TRANSFER:
        return "划转转入" if row["total"] > 0 else "划转转出"
    return KIND_LABELS.get(kind, kind)


def as_groups(rows) -> list[EntryGroup]:
    out = []
    for row in rows:
        total = summed(row["total"])
        row = {**row, "total": total}
        out.append(
            EntryGroup(
                occurred_on=row["occurred_on"],
                kind=row["kind"],
                category=row["category"],
                label=group_label(row),
                units=row["units"],
                total=total,
                project_level=bool(row["project_level"]),
                period=row["period"] or "",
                repair_id=row["repair_id"],
            )
        )
    return out


# --------------------------------------------------------------------------------------------------------------
# 维修明细 with the apportionment total and the owner's own share
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepairRow:
    repair: Repair
    unit_count: int
    apportioned: Decimal  # sum of the shares as apportioned (0 while a draft)
    own_share: Decimal | None  # the reader's bound units' shares; None when none of them is in the scope
    status_label: str
    kind_label: str


def repair_rows(*, actor, project: Project, repairs) -> list[RepairRow]:
    """A page of `selectors.project_repairs` with totals: two aggregate queries whatever the page size."""
    repairs = list(repairs)
    ids = [r.pk for r in repairs]
    totals = dict(
        RepairShare.objects.filter(repair_id__in=ids)
        .values("repair_id")
        .annotate(s=Sum("amount"))
        .values_list("repair_id", "s")
    )
    bound = permissions.bound_unit_ids(actor, project.pk)
    own = (
        dict(
            RepairShare.objects.filter(repair_id__in=ids, unit_id__in=bound)
            .values("repair_id")
            .annotate(s=Sum("amount"))
            .values_list("repair_id", "s")
        )
        if bound
        else {}
    )
    return [
        RepairRow(
            repair=r,
            unit_count=getattr(r, "unit_count", 0),
            apportioned=summed(totals.get(r.pk)),
            own_share=summed(own[r.pk]) if r.pk in own else None,
            status_label=r.get_status_display(),
            kind_label=repair_kind_label(r.emergency_kind),
        )
        for r in repairs
    ]


def repair_kind_label(emergency_kind: str) -> str:
    if not emergency_kind:
        return "一般维修"
    return f"紧急维修（{EmergencyKind(emergency_kind).label}）"


# --------------------------------------------------------------------------------------------------------------
# Chart series
# --------------------------------------------------------------------------------------------------------------


def unit_balance_series(lines) -> list[list[str]]:
    """[[date, balance after the day's last entry], ...] from `selectors.unit_ledger` lines."""
    by_day: dict[dt.date, Decimal] = {}
    for line in lines:
        by_day[line.entry.occurred_on] = line.balance_after
    return [[day.isoformat(), money(balance)] for day, balance in by_day.items()]


def _month_end(day: dt.date) -> dt.date:
    nxt = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def project_balance_series(*, actor, project: Project) -> list[list[str]]:
    """[[month end, balance], ...] for every month with entries (one aggregate query)."""
    rows = (
        selectors.project_entries(actor=actor, project=project)
        .order_by()
        .annotate(month=TruncMonth("occurred_on"))
        .values("month")
        .annotate(s=Sum("amount"))
        .order_by("month")
    )
    running = ZERO
    out = []
    for row in rows:
        running += summed(row["s"])
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        out.append([_month_end(month).isoformat(), money(running)])
    return out


@dataclass(frozen=True)
class QuarterFlows:
    year: int
    quarter: int
    income: Decimal
    expense: Decimal

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.quarter}"


INCOME_CATEGORIES = (EntryKind.FIRST_DEPOSIT, EntryKind.MONTHLY, EntryKind.INTEREST)
EXPENSE_CATEGORIES = (EntryKind.REPAIR_CHARGE, EntryKind.REFUND)


def quarter_flows(*, actor, project: Project, last: int = 8) -> list[QuarterFlows]:
    """Income and expense of the fund per quarter, counted as in the 季度收支报表: income = 首期 + 日常 + 利息 +
    划转转入; expense = 维修支出 + 退款 + 划转转出 (reversals in their category). The `last` consecutive quarters
    up to the current one (or the latest with entries, if later), quarters without entries as 0, never before the
    first quarter with entries. One aggregate query."""
    rows = (
        selectors.project_entries(actor=actor, project=project)
        .order_by()
        .annotate(y=ExtractYear("occurred_on"), q=ExtractQuarter("occurred_on"))
        .values("y", "q", "category")
        .annotate(
            total=Sum("amount"),
            positive=Sum("amount", filter=Q(amount__gt=0)),
            negative=Sum("amount", filter=Q(amount__lt=0)),
        )
    )
    income: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    expense: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        key = (int(row["y"]), int(row["q"]))
        category = row["category"]
        if category in INCOME_CATEGORIES:
            income[key] += summed(row["total"])
        elif category in EXPENSE_CATEGORIES:
            expense[key] -= summed(row["total"])
        elif category == EntryKind.TRANSFER:
            income[key] += summed(row["positive"])
            expense[key] -= summed(row["negative"])
    seen = set(income) | set(expense)
    if not seen:
        return []
    today = clock.today()
    end = max(max(seen), (today.year, (today.month - 1) // 3 + 1))
    start = min(seen)
    keys: list[tuple[int, int]] = []
    year, quarter = end
    while len(keys) < last and (year, quarter) >= start:
        keys.append((year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    keys.reverse()
    return [QuarterFlows(year=y, quarter=q, income=income[(y, q)], expense=expense[(y, q)]) for y, q in keys]


def repair_destinations(*, actor, project: Project) -> dict[str, list[list[str]]]:
    """Where the fund's repair money went: net 维修支出 by building ('1栋') and by kind (一般维修 / 紧急维修（…）),
    largest first; reversals (cancelled repairs) net out. Two aggregate queries."""
    qs = selectors.project_entries(actor=actor, project=project, kinds=[EntryKind.REPAIR_CHARGE]).order_by()
    by_building = [
        [f"{row['building__number']}栋", money(-summed(row["s"]))]
        for row in qs.values("building__number").annotate(s=Sum("amount"))
        if summed(row["s"]) != 0
    ]
    kinds: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in qs.values("repair__emergency_kind").annotate(s=Sum("amount")):
        kinds[repair_kind_label(row["repair__emergency_kind"] or "")] -= summed(row["s"])
    by_kind = [[label, money(total)] for label, total in kinds.items() if total != 0]
    by_building.sort(key=lambda item: (-Decimal(item[1]), item[0]))
    by_kind.sort(key=lambda item: (-Decimal(item[1]), item[0]))
    return {"by_building": by_building, "by_kind": by_kind}


def project_charts(*, actor, project: Project) -> dict:
    """Everything the project page's charts need, as JSON-ready data (amounts as decimal strings)."""
    quarters = quarter_flows(actor=actor, project=project)
    return {
        "balance": project_balance_series(actor=actor, project=project),
        "quarters": {
            "labels": [q.label for q in quarters],
            "income": [money(q.income) for q in quarters],
            "expense": [money(q.expense) for q in quarters],
        },
        "repairs": repair_destinations(actor=actor, project=project),
    }


def ledger_label(entry) -> str:
    """What one sub-ledger entry was: '日常 2026-03', '维修分摊：2栋水泵', '冲正（维修支出）' …"""
    if entry.kind == EntryKind.REVERSAL:
        return f"冲正（{KIND_LABELS.get(entry.category, entry.category)}）"
    if entry.kind == EntryKind.REPAIR_CHARGE and entry.repair_id:
        return f"维修分摊：{entry.repair.title}"
    if entry.kind == EntryKind.TRANSFER:
        return "划转转入" if entry.amount > 0 else "划转转出"
    label = KIND_LABELS.get(entry.kind, entry.kind)
    if entry.kind == EntryKind.MONTHLY:
        label = "日常缴存"
    elif entry.kind == EntryKind.FIRST_DEPOSIT:
        label = "首期缴存"
    return f"{label} {entry.period}".strip() if entry.period else label


def exact_money(value: Decimal) -> str:
    """At least two places, more only when the value has them (a replenishment line may be 1317.942 元)."""
    value = value.normalize()
    if value.as_tuple().exponent > -2:
        value = value.quantize(Decimal("0.01"))
    return format(value, "f")


# --------------------------------------------------------------------------------------------------------------
# Downloads and follows
# --------------------------------------------------------------------------------------------------------------


def report_file(report_data, fmt: str) -> HttpResponse:
    if fmt == "xlsx":
        body = reports_.quarterly_report_xlsx(report_data)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = reports_.quarterly_report_pdf(report_data)
        content_type = "application/pdf"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{reports_.filename(report_data, fmt)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def followed_projects(*, actor) -> list:
    """`selectors.followed_projects` with each project's district loaded (one query, not one per project)."""
    followed = selectors.followed_projects(actor=actor)
    prefetch_related_objects([f.project for f in followed], "district")
    return followed


def acting_for_names(*, actor, project: Project, unit_id: int | None = None) -> list[str]:
    """The principals (names masked) the account reads for as a delegate in the project — "代业主 张* 查看".

    With `unit_id`: only the principals bound to that unit, and none when the unit is the account's own.
    """
    delegations = permissions.delegations_for(actor, project)
    if not delegations:
        return []
    if unit_id is not None:
        if unit_id in permissions.bound_unit_ids(actor, project.pk):
            return []
        owners = set(
            HouseBinding.objects.filter(
                unit_id=unit_id,
                project=project,
                status=BindingStatus.ACTIVE,
                account_id__in=[d.owner_id for d in delegations],
            ).values_list("account_id", flat=True)
        )
        delegations = [d for d in delegations if d.owner_id in owners]
    return principal_names([d.owner for d in delegations])


def principal_names(owners) -> list[str]:
    """Principals' names as shown to their delegate: the checked holder name, masked ("张*")."""
    return [mask_name(owner_display_name(owner)) for owner in owners]
