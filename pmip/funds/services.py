"""Writes of the funds domain. Every function is keyword-only, checks permission itself (`pmip.funds.permissions`),
runs in one transaction and writes its audit entry in that transaction. `actor=None` is the system.

Maintenance fund (物业专项维修资金), domain-rules §2 — postings go through `pmip.funds.ledger.post`, which locks
the project's balance row first and keeps unit/building/project balances in step:
- `set_fund_policy`                 project settings (cost standard, rates, threshold, interest method …)
- `post_first_deposits`             首期: area × cost standard (lift / no lift) × rate, rounded half up to the fen
- `post_monthly_contributions`      日常: area × monthly rate per m², once per project and month
- `receive_interest`                利息收益 into the project's unallocated pool
- `allocate_interest`               the pool (or part of it) to the sub-ledgers pro rata to balance
- `create_repair` / `charge_repair` / `cancel_repair`, `preview_apportionment` / `preview_repair` (no writes)
- `post_refund`, `post_transfer`    退款, 划转 of one unit
- `reverse_entry`                   冲正: the only correction; the corrected entry stays as it was
Common funds (业主共有资金): `open_common_fund_account`, `close_common_fund_account`, `receive_bank_push`
(statement imports are in `pmip.funds.importing`); every outflow strictly greater than the disclosure threshold
creates a draft large-transfer disclosure. Disclosures: `create_notice`, `edit_disclosure`, `publish_disclosure`.
Quarterly reports: `open_quarterly_report`, `add_report_line`, `remove_report_line`, `publish_quarterly_report`.
Follows: `follow_project`, `unfollow_project`.

Audit actions: funds.policy.updated, funds.first_deposit.posted, funds.monthly.posted, funds.interest.received,
funds.interest.allocated, funds.repair.created, funds.repair.charged, funds.repair.cancelled, funds.refund.posted,
funds.transfer.posted, funds.entry.reversed, funds.account.opened, funds.account.closed, funds.flows.recorded,
funds.disclosure.created, funds.disclosure.edited, funds.disclosure.published, funds.report.opened,
funds.report.line_added, funds.report.line_removed, funds.report.published, funds.follow.added,
funds.follow.removed, funds.reconcile.mismatch (reconcile.py), funds.import.completed (importing.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.core.money import CENT
from pmip.funds import ledger, permissions
from pmip.funds.apportion import Allocation, Weighted, apportion_by_area, from_fen, largest_remainder, to_fen
from pmip.funds.bank import FlowData, FlowError, same_flow, validate_flows
from pmip.funds.choices import (
    AccountStatus,
    DisclosureKind,
    DisclosureStatus,
    EmergencyKind,
    EntryKind,
    FlowDirection,
    FlowSource,
    InterestMethod,
    RepairScopeKind,
    RepairStatus,
    ReportSection,
    ReportStatus,
)
from pmip.funds.models import (
    ZERO,
    BankFlow,
    CommonFundAccount,
    Disclosure,
    FundPolicy,
    LedgerEntry,
    ProjectFollow,
    QuarterlyReport,
    Repair,
    RepairShare,
    ReportLine,
    UnitBalance,
    mask_counterparty,
    summed,
)
from pmip.funds.policy import FIELDS as POLICY_FIELDS
from pmip.funds.policy import Policy, policy_for
from pmip.identity.models import Account
from pmip.registry.models import Building, DataSharingBank, Project, Unit

MEMO_MAX = 200
_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


# --------------------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------------------


@dataclass
class PostingResult:
    """What a posting service did: the batch id, the entries written, their total, and units skipped (with why)."""

    batch: str
    entries: list[LedgerEntry] = field(default_factory=list)
    total: Decimal = ZERO
    skipped: dict[str, str] = field(default_factory=dict)
    policy: dict[str, Any] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.entries)


def clean_money(
    value: Any, *, label: str = "金额", field_name: str = "amount", positive: bool = True
) -> Decimal:
    """Parse an amount in 元: at most two places, no floats; positive unless told otherwise."""
    if isinstance(value, float):
        raise ValidationFailed(f"{label}格式不正确。", field=field_name)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, AttributeError) as exc:
        raise ValidationFailed(f"{label}格式不正确。", field=field_name) from exc
    if not amount.is_finite():
        raise ValidationFailed(f"{label}格式不正确。", field=field_name)
    if amount != amount.quantize(CENT):
        raise ValidationFailed(f"{label}最多保留两位小数（精确到分）。", field=field_name)
    if abs(amount) >= Decimal("1000000000000"):
        raise ValidationFailed(f"{label}超出范围。", field=field_name)
    if positive and amount <= 0:
        raise ValidationFailed(f"{label}必须大于0。", field=field_name)
    return amount.quantize(CENT)


def _memo(value: str) -> str:
    text = " ".join((value or "").split())
    if len(text) > MEMO_MAX:
        raise ValidationFailed(f"摘要不能超过{MEMO_MAX}个字。", field="memo")
    return text


def unit_label(unit: Unit) -> str:
    """The unit code used on lists and as the apportionment tie-break key: '楼栋号-房号', e.g. '1-101'."""
    return f"{unit.building.number}-{unit.number}"


def _units_of(project: Project, unit_ids: Iterable[int] | None = None):
    qs = Unit.objects.filter(project=project).select_related("building")
    if unit_ids is not None:
        qs = qs.filter(pk__in=list(unit_ids))
    return qs.order_by("building_id", "number", "id")


def _today() -> dt.date:
    return clock.today()


def _ref(prefix: str, batch: str, *parts: Any) -> str:
    return "-".join([prefix, batch[:12], *(str(p) for p in parts)])[:64]


# --------------------------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------------------------


def set_fund_policy(*, actor: Account | None, project: Project, note: str = "", **values: Any) -> FundPolicy:
    """Set (or clear, with None) the project's own fund settings. Keys: see pmip.funds.policy.FIELDS.
    Raises PermissionDenied, ValidationFailed. Audit: funds.policy.updated."""
    permissions.require_ledger(actor, project)
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationFailed(f"未知的设置项：{'、'.join(sorted(unknown))}。")
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if value in (None, ""):
            cleaned[name] = None if name != "interest_method" else ""
        elif name == "interest_method":
            if value not in InterestMethod.values:
                raise ValidationFailed("利息分配方式只能是按期末余额或按日均余额。", field=name)
            cleaned[name] = value
        else:
            amount = Decimal(str(value))
            if amount <= 0 and name not in ("replenish_threshold_pct",):
                raise ValidationFailed("设置值必须大于0。", field=name)
            cleaned[name] = amount
    with transaction.atomic():
        policy, _ = FundPolicy.objects.select_for_update().get_or_create(project=project)
        before = {name: str(getattr(policy, name) or "") for name in cleaned}
        for name, value in cleaned.items():
            setattr(policy, name, value)
        policy.note = _memo(note) or policy.note
        policy.updated_at = clock.now()
        try:
            policy.full_clean(exclude=["project"])
        except DjangoValidationError as exc:
            raise ValidationFailed("；".join(exc.messages) or "设置值不正确。") from exc
        policy.save()
        policy.refresh_from_db()
        record(
            actor=actor,
            action="funds.policy.updated",
            obj=policy,
            project_id=project.pk,
            data={"before": before, "after": {name: str(getattr(policy, name) or "") for name in cleaned}},
        )
    return policy


# --------------------------------------------------------------------------------------------------------------
# First deposits and monthly contributions
# --------------------------------------------------------------------------------------------------------------


def compute_first_deposit(*, unit: Unit, policy: Policy) -> tuple[Decimal, dict[str, Any]]:
    """首期 of one unit: exclusive area × cost standard (by the building's lift) × rate, half up to the fen.
    Returns (amount, calc) where calc records every figure and which setting applied."""
    has_lift = unit.building.has_lift
    name = "cost_standard_lift" if has_lift else "cost_standard_no_lift"
    standard = getattr(policy, name)
    amount = (unit.area * standard * policy.first_deposit_rate).quantize(CENT, rounding="ROUND_HALF_UP")
    calc = {
        "formula": "面积 × 建安造价 × 首期比例",
        "area": str(unit.area),
        "has_lift": has_lift,
        "cost_standard": str(standard),
        "cost_standard_source": policy.source_of(name),
        "rate": str(policy.first_deposit_rate),
        "rate_source": policy.source_of("first_deposit_rate"),
    }
    return amount, calc


def post_first_deposits(
    *,
    actor: Account | None,
    project: Project,
    unit_ids: Sequence[int] | None = None,
    occurred_on: dt.date | None = None,
) -> PostingResult:
    """Post 首期 for units of the project. With `unit_ids`, every listed unit must belong to the project and have no
    first deposit yet (else ValidationFailed, nothing written); without, every unit that has none is posted and
    the others are reported in `skipped`. Raises PermissionDenied, ValidationFailed. Audit:
    funds.first_deposit.posted (count, total, settings applied)."""
    permissions.require_ledger(actor, project)
    occurred_on = occurred_on or _today()
    with transaction.atomic():
        ledger.lock_project(project.pk)
        units = list(_units_of(project, unit_ids))
        if unit_ids is not None:
            _require_all_found(unit_ids, units)
        has_deposit = set(
            UnitBalance.objects.filter(unit__in=units, first_deposit__gt=0).values_list("unit_id", flat=True)
        )
        if unit_ids is not None and has_deposit:
            labels = "、".join(unit_label(u) for u in units if u.pk in has_deposit)
            raise ValidationFailed(f"以下房屋已缴存首期维修资金：{labels}。", code="first_deposit_exists")
        policy = policy_for(project)
        result = PostingResult(batch=ledger.new_batch(), policy=policy.as_dict())
        postings = []
        for unit in units:
            if unit.pk in has_deposit:
                result.skipped[unit_label(unit)] = "已缴存首期"
                continue
            amount, calc = compute_first_deposit(unit=unit, policy=policy)
            if amount <= 0:
                result.skipped[unit_label(unit)] = "计算金额为0"
                continue
            postings.append(
                ledger.Posting(
                    kind=EntryKind.FIRST_DEPOSIT,
                    amount=amount,
                    occurred_on=occurred_on,
                    reference=_ref("FD", result.batch, unit.pk),
                    unit_id=unit.pk,
                    building_id=unit.building_id,
                    memo="首期维修资金",
                    calc=calc,
                )
            )
        if not postings:
            raise ValidationFailed("没有需要缴存首期维修资金的房屋。", code="nothing_to_post")
        result.entries = ledger.post(
            project_id=project.pk, postings=postings, actor=actor, batch=result.batch
        )
        result.total = sum((e.amount for e in result.entries), ZERO)
        record(
            actor=actor,
            action="funds.first_deposit.posted",
            obj=project,
            data={
                "batch": result.batch,
                "count": result.count,
                "total": str(result.total),
                "skipped": len(result.skipped),
                "settings": {
                    k: result.policy[k]
                    for k in ("cost_standard_lift", "cost_standard_no_lift", "first_deposit_rate", "sources")
                },
            },
        )
    return result


def _require_all_found(ids: Sequence[int], units: Sequence[Unit]) -> None:
    found = {u.pk for u in units}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed("所选房屋不属于该小区。", field="unit_ids")


def post_monthly_contributions(
    *, actor: Account | None, project: Project, period: str, occurred_on: dt.date | None = None
) -> PostingResult:
    """Post 日常 for one month (`period` 'YYYY-MM') for every unit of the project: area × monthly rate per m²
    (half up to the fen). A month is posted once per project: a second call raises ValidationFailed unless every
    earlier entry of that month has been reversed. Audit: funds.monthly.posted."""
    permissions.require_ledger(actor, project)
    match = _PERIOD_RE.match(period or "")
    if not match:
        raise ValidationFailed("月份格式应为 YYYY-MM，例如 2026-03。", field="period")
    year, month = int(match.group(1)), int(match.group(2))
    occurred_on = occurred_on or _month_end(year, month)
    with transaction.atomic():
        ledger.lock_project(project.pk)
        posted = LedgerEntry.objects.filter(
            project=project, kind=EntryKind.MONTHLY, period=period, reversed_by__isnull=True
        )
        if posted.exists():
            raise ValidationFailed(f"{period}的日常维修资金已记账，不能重复记账。", code="monthly_exists")
        policy = policy_for(project)
        result = PostingResult(batch=ledger.new_batch(), policy=policy.as_dict())
        postings = []
        for unit in _units_of(project):
            amount = (unit.area * policy.monthly_rate).quantize(CENT, rounding="ROUND_HALF_UP")
            if amount <= 0:
                result.skipped[unit_label(unit)] = "计算金额为0"
                continue
            postings.append(
                ledger.Posting(
                    kind=EntryKind.MONTHLY,
                    amount=amount,
                    occurred_on=occurred_on,
                    period=period,
                    reference=_ref("MO", result.batch, unit.pk),
                    unit_id=unit.pk,
                    building_id=unit.building_id,
                    memo=f"{year}年{month}月日常维修资金",
                    calc={
                        "formula": "面积 × 每月每平方米缴存标准",
                        "area": str(unit.area),
                        "rate": str(policy.monthly_rate),
                        "rate_source": policy.source_of("monthly_rate"),
                    },
                )
            )
        if not postings:
            raise ValidationFailed("该小区没有需要缴存的房屋。", code="nothing_to_post")
        result.entries = ledger.post(
            project_id=project.pk, postings=postings, actor=actor, batch=result.batch
        )
        result.total = sum((e.amount for e in result.entries), ZERO)
        record(
            actor=actor,
            action="funds.monthly.posted",
            obj=project,
            data={
                "batch": result.batch,
                "period": period,
                "count": result.count,
                "total": str(result.total),
                "rate": str(policy.monthly_rate),
                "rate_source": policy.source_of("monthly_rate"),
            },
        )
    return result


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


# --------------------------------------------------------------------------------------------------------------
# Interest
# --------------------------------------------------------------------------------------------------------------


def receive_interest(
    *,
    actor: Account | None,
    project: Project,
    amount: Any,
    occurred_on: dt.date | None = None,
    period: str = "",
    memo: str = "",
) -> LedgerEntry:
    """利息收益 credited to the project, not yet allocated: a project-level entry into the interest pool.
    Audit: funds.interest.received."""
    permissions.require_ledger(actor, project)
    amount = clean_money(amount, label="利息金额")
    with transaction.atomic():
        ledger.lock_project(project.pk)
        batch = ledger.new_batch()
        (entry,) = ledger.post(
            project_id=project.pk,
            postings=[
                ledger.Posting(
                    kind=EntryKind.INTEREST,
                    amount=amount,
                    occurred_on=occurred_on or _today(),
                    period=period[:10],
                    reference=_ref("IR", batch),
                    memo=_memo(memo) or "利息收益（待分配）",
                )
            ],
            actor=actor,
            batch=batch,
        )
        record(
            actor=actor,
            action="funds.interest.received",
            obj=entry,
            data={"amount": str(amount), "batch": batch},
        )
    return entry


@dataclass
class InterestPreview:
    method: str
    method_source: str
    period_start: dt.date | None
    period_end: dt.date
    amount: Decimal
    allocations: list[Allocation]
    units_without_share: int  # units with no positive weight (zero or negative balance)

    @property
    def total(self) -> Decimal:
        return sum((a.amount for a in self.allocations), ZERO)


def _interest_weights(
    project: Project, *, method: str, period_start: dt.date | None, period_end: dt.date
) -> tuple[list[Weighted], int]:
    """Positive integer weights per unit: balance in fen at the end of `period_end` (period_end method), or the
    sum over the days of the period of the end-of-day balance in fen (average_daily; proportional to the average
    daily balance). Units with a zero or negative weight get no share."""
    base = LedgerEntry.objects.filter(project=project, unit__isnull=False)
    weights: dict[int, int] = {}
    if method == InterestMethod.PERIOD_END:
        for unit_id, total in (
            base.filter(occurred_on__lte=period_end)
            .values("unit_id")
            .annotate(total=Sum("amount"))
            .values_list("unit_id", "total")
        ):
            weights[unit_id] = to_fen(summed(total))
    else:
        if period_start is None or period_start > period_end:
            raise ValidationFailed(
                "按日均余额分配利息时，须填写计息起始日期，且不晚于截止日期。", field="period_start"
            )
        days = (period_end - period_start).days + 1
        for unit_id, total in (
            base.filter(occurred_on__lt=period_start)
            .values("unit_id")
            .annotate(total=Sum("amount"))
            .values_list("unit_id", "total")
        ):
            weights[unit_id] = to_fen(summed(total)) * days
        for unit_id, day, amount in base.filter(
            occurred_on__gte=period_start, occurred_on__lte=period_end
        ).values_list("unit_id", "occurred_on", "amount"):
            weights[unit_id] = weights.get(unit_id, 0) + to_fen(amount) * ((period_end - day).days + 1)
    positive = {u: w for u, w in weights.items() if w > 0}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=list(positive)).select_related("building")}
    items = [Weighted(key=u, label=unit_label(units[u]), weight=w) for u, w in sorted(positive.items())]
    total_units = Unit.objects.filter(project=project).count()
    return items, total_units - len(items)


def preview_interest_allocation(
    *,
    project: Project,
    amount: Any,
    period_end: dt.date,
    period_start: dt.date | None = None,
    method: str | None = None,
) -> InterestPreview:
    """How `amount` would be allocated to the sub-ledgers (no writes). `method` defaults to the project setting."""
    policy = policy_for(project)
    method = method or policy.interest_method
    if method not in InterestMethod.values:
        raise ValidationFailed("利息分配方式不正确。", field="method")
    amount = clean_money(amount, label="利息金额")
    items, without = _interest_weights(
        project, method=method, period_start=period_start, period_end=period_end
    )
    if not items:
        raise ValidationFailed("截至该日期没有余额为正的分户账，无法分配利息。", code="no_weights")
    return InterestPreview(
        method=method,
        method_source=policy.source_of("interest_method") if method == policy.interest_method else "chosen",
        period_start=period_start,
        period_end=period_end,
        amount=amount,
        allocations=largest_remainder(to_fen(amount), items),
        units_without_share=without,
    )


def allocate_interest(
    *,
    actor: Account | None,
    project: Project,
    period_end: dt.date,
    period_start: dt.date | None = None,
    method: str | None = None,
    amount: Any = None,
    period: str = "",
) -> PostingResult:
    """Allocate interest from the project's pool to the sub-ledgers pro rata to balance (largest remainders, so
    the shares sum exactly). `amount` defaults to the whole pool and may not exceed it. Writes one interest entry
    per unit with a positive share and one negative project-level entry taking the amount out of the pool.
    Raises PermissionDenied, ValidationFailed. Audit: funds.interest.allocated."""
    permissions.require_ledger(actor, project)
    with transaction.atomic():
        balance = ledger.lock_project(project.pk)
        pool = balance.pool
        amount = pool if amount in (None, "") else clean_money(amount, label="分配金额")
        if amount <= 0:
            raise ValidationFailed("没有待分配的利息。", code="empty_pool")
        if amount > pool:
            raise ValidationFailed(f"分配金额 {amount} 元超过待分配利息 {pool} 元。", field="amount")
        preview = preview_interest_allocation(
            project=project, amount=amount, period_end=period_end, period_start=period_start, method=method
        )
        result = PostingResult(batch=ledger.new_batch(), policy={"interest_method": preview.method})
        calc_common = {
            "method": preview.method,
            "method_source": preview.method_source,
            "period_start": period_start.isoformat() if period_start else "",
            "period_end": period_end.isoformat(),
            "allocated_total": str(amount),
        }
        units = {u.pk: u for u in Unit.objects.filter(pk__in=[a.key for a in preview.allocations])}
        postings = [
            ledger.Posting(
                kind=EntryKind.INTEREST,
                amount=a.amount,
                occurred_on=period_end,
                period=period[:10],
                reference=_ref("IA", result.batch, a.key),
                unit_id=a.key,
                building_id=units[a.key].building_id,
                memo="利息收益分配",
                calc={**calc_common, "weight": a.weight, "leftover_fen": a.got_leftover_fen},
            )
            for a in preview.allocations
            if a.amount > 0
        ]
        postings.append(
            ledger.Posting(
                kind=EntryKind.INTEREST,
                amount=-amount,
                occurred_on=period_end,
                period=period[:10],
                reference=_ref("IP", result.batch),
                memo="利息收益分配至分户账",
                calc=calc_common,
            )
        )
        result.entries = ledger.post(
            project_id=project.pk, postings=postings, actor=actor, batch=result.batch
        )
        result.total = amount
        record(
            actor=actor,
            action="funds.interest.allocated",
            obj=project,
            data={
                "batch": result.batch,
                "amount": str(amount),
                "units": len(postings) - 1,
                "method": preview.method,
                "method_source": preview.method_source,
                "period_end": period_end.isoformat(),
            },
        )
    return result


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
    """分摊预览 (no writes): the bill over the units in scope pro rata to exclusive area, in label order.
    Allocation.key is the unit id, .label '1-101', .weight the area in hundredths of a m²."""
    amount = clean_money(amount, label="维修金额")
    units = _scope_units(project, scope_kind, building_ids, unit_ids)
    units.sort(key=lambda u: (unit_label(u), u.pk))
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
) -> Repair:
    """维修申报: a repair to be paid from the fund (status draft). The scope is validated and must contain units.
    Raises PermissionDenied, ValidationFailed. Audit: funds.repair.created."""
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
    return repair


def _locked_repair(repair_id: int) -> Repair:
    repair = (
        Repair.objects.select_for_update(of=("self",)).select_related("project").filter(pk=repair_id).first()
    )
    if repair is None:
        raise NotFound("未找到该维修记录。")
    return repair


def charge_repair(
    *, actor: Account | None, repair_id: int, occurred_on: dt.date | None = None
) -> PostingResult:
    """分摊入账: apportion the repair over the units in its scope (pro rata to exclusive area, largest remainders,
    ties by unit code) and post one negative repair_charge entry per unit with a non-zero share. Needs an owners'
    decision reference, unless the repair is an emergency — then it is charged before the vote and a draft
    emergency-repair disclosure is created for publication. Raises PermissionDenied, NotFound, ValidationFailed.
    Audit: funds.repair.charged (+ funds.disclosure.created)."""
    with transaction.atomic():
        repair = Repair.objects.select_related("project").filter(pk=repair_id).first()
        if repair is None:
            raise NotFound("未找到该维修记录。")
        permissions.require_ledger(actor, repair.project)
        ledger.lock_project(repair.project_id)
        repair = _locked_repair(repair_id)
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
                    f"维修金额：{repair.amount} 元，按专有部分面积分摊至范围内 {len(allocations)} 户。"
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


# --------------------------------------------------------------------------------------------------------------
# Refunds, transfers, reversals
# --------------------------------------------------------------------------------------------------------------


def _unit_for_ledger(actor, unit_id: int) -> Unit:
    unit = Unit.objects.select_related("building", "project").filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("未找到该房屋。")
    permissions.require_ledger(actor, unit.project)
    return unit


def _unit_balance(unit: Unit) -> Decimal:
    return UnitBalance.objects.filter(unit=unit).values_list("balance", flat=True).first() or ZERO


def _post_unit_entry(
    *, actor, unit: Unit, kind: str, amount: Decimal, prefix: str, memo: str, occurred_on, action: str
) -> LedgerEntry:
    """One posting on one unit's sub-ledger with its audit entry, inside the caller's locked transaction."""
    batch = ledger.new_batch()
    (entry,) = ledger.post(
        project_id=unit.project_id,
        postings=[
            ledger.Posting(
                kind=kind,
                amount=amount,
                occurred_on=occurred_on or _today(),
                reference=_ref(prefix, batch, unit.pk),
                unit_id=unit.pk,
                building_id=unit.building_id,
                memo=memo,
            )
        ],
        actor=actor,
        batch=batch,
    )
    record(actor=actor, action=action, obj=entry, data={"amount": str(amount), "unit": unit_label(unit)})
    return entry


def post_refund(
    *, actor: Account | None, unit_id: int, amount: Any, memo: str, occurred_on: dt.date | None = None
) -> LedgerEntry:
    """退款 from one unit's sub-ledger (e.g. the house was demolished). Not more than the balance.
    Audit: funds.refund.posted."""
    unit = _unit_for_ledger(actor, unit_id)
    amount = clean_money(amount, label="退款金额")
    memo = _memo(memo)
    if not memo:
        raise ValidationFailed("请填写退款原因。", field="memo")
    with transaction.atomic():
        ledger.lock_project(unit.project_id)
        balance = _unit_balance(unit)
        if amount > balance:
            raise ValidationFailed(f"退款金额 {amount} 元超过该房屋分户账余额 {balance} 元。", field="amount")
        return _post_unit_entry(
            actor=actor,
            unit=unit,
            kind=EntryKind.REFUND,
            amount=-amount,
            prefix="RF",
            memo=memo,
            occurred_on=occurred_on,
            action="funds.refund.posted",
        )


def post_transfer(
    *, actor: Account | None, unit_id: int, amount: Any, memo: str, occurred_on: dt.date | None = None
) -> LedgerEntry:
    """划转 into (positive amount) or out of (negative amount) one unit's sub-ledger, e.g. from the old
    developer-held account. An outgoing transfer may not exceed the balance. Audit: funds.transfer.posted."""
    unit = _unit_for_ledger(actor, unit_id)
    amount = clean_money(amount, label="划转金额", positive=False)
    if amount == 0:
        raise ValidationFailed("划转金额不能为0。", field="amount")
    memo = _memo(memo)
    if not memo:
        raise ValidationFailed("请填写划转说明。", field="memo")
    with transaction.atomic():
        ledger.lock_project(unit.project_id)
        if amount < 0:
            balance = _unit_balance(unit)
            if -amount > balance:
                raise ValidationFailed(
                    f"转出金额 {-amount} 元超过该房屋分户账余额 {balance} 元。", field="amount"
                )
        return _post_unit_entry(
            actor=actor,
            unit=unit,
            kind=EntryKind.TRANSFER,
            amount=amount,
            prefix="TR",
            memo=memo,
            occurred_on=occurred_on,
            action="funds.transfer.posted",
        )


def _reversal_posting(entry: LedgerEntry, *, reason: str, batch: str, occurred_on: dt.date | None = None):
    return ledger.Posting(
        kind=EntryKind.REVERSAL,
        category=entry.category,
        amount=-entry.amount,
        occurred_on=occurred_on or _today(),
        period=entry.period,
        reference=_ref("RV", batch, entry.pk),
        unit_id=entry.unit_id,
        building_id=entry.building_id,
        repair_id=entry.repair_id,
        reversal_of_id=entry.pk,
        memo=f"冲正：{reason}"[:MEMO_MAX],
        calc={"reverses": entry.pk, "reverses_reference": entry.reference},
    )


def reverse_entry(
    *, actor: Account | None, entry_id: int, reason: str, occurred_on: dt.date | None = None
) -> LedgerEntry:
    """冲正 one entry: a new entry with the opposite amount, counted in the same category; the original is never
    changed. A reversal cannot itself be reversed, an entry is reversed at most once, and a repair charge is
    reversed only with its whole repair (`cancel_repair`). Audit: funds.entry.reversed."""
    reason = _memo(reason)
    if not reason:
        raise ValidationFailed("请填写冲正原因。", field="reason")
    original = LedgerEntry.objects.select_related("project").filter(pk=entry_id).first()
    if original is None:
        raise NotFound("未找到该记账记录。")
    permissions.require_ledger(actor, original.project)
    if original.kind == EntryKind.REVERSAL:
        raise ValidationFailed("冲正记录不能再被冲正；如需更正，请另记一笔。", code="reverse_reversal")
    if original.repair_id is not None:
        raise ValidationFailed(
            "维修分摊须整笔撤销（撤销维修记录），不能单独冲正其中一户。", code="reverse_repair_share"
        )
    with transaction.atomic():
        ledger.lock_project(original.project_id)
        if LedgerEntry.objects.filter(reversal_of_id=original.pk).exists():
            raise ValidationFailed("该记录已被冲正。", code="already_reversed")
        batch = ledger.new_batch()
        (entry,) = ledger.post(
            project_id=original.project_id,
            postings=[_reversal_posting(original, reason=reason, batch=batch, occurred_on=occurred_on)],
            actor=actor,
            batch=batch,
        )
        record(
            actor=actor,
            action="funds.entry.reversed",
            obj=entry,
            data={
                "reverses": original.pk,
                "reference": original.reference,
                "amount": str(entry.amount),
                "reason": reason,
            },
        )
    return entry


# --------------------------------------------------------------------------------------------------------------
# Common funds: accounts and bank flows
# --------------------------------------------------------------------------------------------------------------


def open_common_fund_account(
    *,
    actor: Account | None,
    project: Project,
    bank: DataSharingBank,
    name: str,
    number: str,
    opened_on: dt.date | None = None,
) -> CommonFundAccount:
    """Register the owners' assembly's account at a data-sharing bank. The number (8–32 digits) is stored
    encrypted; the same bank and number cannot be registered twice. Audit: funds.account.opened (masked)."""
    permissions.require_manage(actor, project)
    digits = "".join((number or "").split())
    if not digits.isdigit() or not 8 <= len(digits) <= 32:
        raise ValidationFailed("银行账号应为8至32位数字。", field="number")
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise ValidationFailed("请填写户名（不超过100个字）。", field="name")
    account = CommonFundAccount(
        project=project, bank=bank, name=name, opened_on=opened_on, created_at=clock.now()
    )
    account.set_number(digits)
    try:
        with transaction.atomic():
            account.save()
            record(
                actor=actor,
                action="funds.account.opened",
                obj=account,
                data={"bank": bank.name, "number": account.number_masked},
            )
    except IntegrityError as exc:
        raise ValidationFailed("该银行账号已登记。", field="number") from exc
    return account


def close_common_fund_account(*, actor: Account | None, account_id: int) -> CommonFundAccount:
    """销户: flows stay readable; no new flows are accepted. Audit: funds.account.closed."""
    with transaction.atomic():
        account = (
            CommonFundAccount.objects.select_for_update(of=("self",))
            .select_related("project")
            .filter(pk=account_id)
            .first()
        )
        if account is None:
            raise NotFound("未找到该账户。")
        permissions.require_manage(actor, account.project)
        if account.status == AccountStatus.CLOSED:
            raise ValidationFailed("该账户已销户。")
        account.status = AccountStatus.CLOSED
        account.save(update_fields=["status"])
        record(
            actor=actor, action="funds.account.closed", obj=account, data={"number": account.number_masked}
        )
    return account


class FlowsRejected(ValidationFailed):
    """The flows have errors; nothing was recorded. `errors` lists every one."""

    code = "flows_rejected"

    def __init__(self, errors: Sequence[FlowError]):
        self.errors = sorted(errors, key=lambda e: e.row)
        super().__init__(f"银行流水共有{len(self.errors)}处错误，未导入任何流水。请核对后重新提交。")


@dataclass
class FlowsResult:
    batch: str
    created: list[BankFlow] = field(default_factory=list)
    unchanged: int = 0
    disclosures: list[Disclosure] = field(default_factory=list)
    threshold: Decimal = ZERO


def record_bank_flows(
    *,
    actor: Account | None,
    account: CommonFundAccount,
    flows: Sequence[FlowData],
    source: str,
    source_name: str = "",
) -> FlowsResult:
    """Write already validated flows, all or nothing. A flow whose bank reference is already stored with the same
    facts is skipped (idempotent); with different facts the whole set is refused. Every new outflow strictly
    greater than the project's disclosure threshold creates a draft large-transfer disclosure.
    Audit: funds.flows.recorded (+ funds.disclosure.created)."""
    permissions.require_manage(actor, account.project)
    with transaction.atomic():
        account = (
            CommonFundAccount.objects.select_for_update(of=("self",))
            .select_related("project")
            .get(pk=account.pk)
        )
        if account.status != AccountStatus.ACTIVE:
            raise ValidationFailed("该账户已销户，不能再导入流水。", code="account_closed")
        existing = {
            f.bank_reference: f
            for f in BankFlow.objects.filter(
                account=account, bank_reference__in=[x.bank_reference for x in flows]
            )
        }
        errors = [
            FlowError(f.row, f"银行流水号“{f.bank_reference}”已导入，但内容与本次不同。")
            for f in flows
            if f.bank_reference in existing and not same_flow(existing[f.bank_reference], f)
        ]
        if errors:
            raise FlowsRejected(errors)
        threshold = policy_for(account.project_id).disclosure_threshold
        result = FlowsResult(batch=ledger.new_batch(), threshold=threshold)
        now = clock.now()
        new = [f for f in flows if f.bank_reference not in existing]
        result.unchanged = len(flows) - len(new)
        result.created = BankFlow.objects.bulk_create(
            [
                BankFlow(
                    account=account,
                    project_id=account.project_id,
                    occurred_on=f.occurred_on,
                    direction=f.direction,
                    amount=f.amount,
                    counterparty=mask_counterparty(f.counterparty),
                    memo=f.memo,
                    balance_after=f.balance_after,
                    bank_reference=f.bank_reference,
                    source=source,
                    recorded_at=now,
                    batch=result.batch,
                )
                for f in new
            ]
        )
        latest = (
            BankFlow.objects.filter(account=account, balance_after__isnull=False)
            .order_by("-occurred_on", "-id")
            .first()
        )
        if latest is not None and latest.balance_after != account.balance:
            account.balance = latest.balance_after
            account.save(update_fields=["balance"])
        for flow in result.created:
            if flow.direction == FlowDirection.OUT and flow.amount > threshold:
                result.disclosures.append(
                    _create_disclosure(
                        actor=actor,
                        project=account.project,
                        kind=DisclosureKind.LARGE_TRANSFER,
                        title=f"大额资金转账公示：{flow.occurred_on:%Y年%m月%d日}支出{flow.amount}元"[:120],
                        body=(
                            f"账户：{account.name}（{account.number_masked}）\n交易日期：{flow.occurred_on:%Y-%m-%d}\n"
                            f"支出金额：{flow.amount} 元\n收款方：{flow.counterparty or '—'}\n用途/摘要：{flow.memo or '—'}"
                        ),
                        amount=flow.amount,
                        bank_flow=flow,
                        threshold=threshold,
                    )
                )
        record(
            actor=actor,
            action="funds.flows.recorded",
            obj=account,
            data={
                "batch": result.batch,
                "source": source,
                "file": source_name[:100],
                "created": len(result.created),
                "unchanged": result.unchanged,
                "disclosures": len(result.disclosures),
                "threshold": str(threshold),
            },
        )
    return result


def receive_bank_push(*, account: CommonFundAccount, flows: Sequence[Mapping[str, Any]]) -> FlowsResult:
    """A data-sharing bank pushes flows of an account (the system is the actor). Each flow is a mapping with the
    keys of `pmip.funds.bank` (date, reference, direction, amount, counterparty, memo, balance_after). Validated
    as a whole: any error refuses all (FlowsRejected). Re-pushing the same flows changes nothing."""
    if not flows:
        raise ValidationFailed("没有收到流水。", code="empty_push")
    parsed, errors = validate_flows((i + 1, f) for i, f in enumerate(flows))
    if errors:
        raise FlowsRejected(errors)
    return record_bank_flows(
        actor=None,
        account=account,
        flows=parsed,
        source=FlowSource.PUSH,
        source_name=f"push:{account.bank_id}",
    )


# --------------------------------------------------------------------------------------------------------------
# Disclosures
# --------------------------------------------------------------------------------------------------------------


def _create_disclosure(
    *,
    actor,
    project: Project,
    kind: str,
    title: str,
    body: str,
    amount: Decimal | None = None,
    bank_flow: BankFlow | None = None,
    repair: Repair | None = None,
    threshold: Decimal | None = None,
) -> Disclosure:
    disclosure = Disclosure.objects.create(
        project=project,
        kind=kind,
        title=title,
        body=body,
        amount=amount,
        bank_flow=bank_flow,
        repair=repair,
        threshold=threshold,
        created_at=clock.now(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record(
        actor=actor,
        action="funds.disclosure.created",
        obj=disclosure,
        data={
            "kind": kind,
            "amount": str(amount) if amount is not None else "",
            "automatic": kind != DisclosureKind.NOTICE,
        },
    )
    return disclosure


def _clean_title_body(title: str, body: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationFailed("请填写标题。", field="title")
    if len(title) > 120:
        raise ValidationFailed("标题不能超过120个字。", field="title")
    body = (body or "").strip()
    if len(body) > 5000:
        raise ValidationFailed("内容不能超过5000个字。", field="body")
    return title, body


def create_notice(*, actor: Account | None, project: Project, title: str, body: str) -> Disclosure:
    """其他信息公开: a draft notice for the project's owners. Audit: funds.disclosure.created."""
    permissions.require_manage(actor, project)
    title, body = _clean_title_body(title, body)
    if not body:
        raise ValidationFailed("请填写公开内容。", field="body")
    with transaction.atomic():
        return _create_disclosure(
            actor=actor, project=project, kind=DisclosureKind.NOTICE, title=title, body=body
        )


def _locked_disclosure(actor, disclosure_id: int) -> Disclosure:
    disclosure = (
        Disclosure.objects.select_for_update(of=("self",))
        .select_related("project")
        .filter(pk=disclosure_id)
        .first()
    )
    if disclosure is None or not (
        permissions.is_system(actor) or permissions.staff_sees(actor, disclosure.project)
    ):
        raise NotFound("未找到该公示。")
    permissions.require_manage(actor, disclosure.project)
    return disclosure


def edit_disclosure(*, actor: Account | None, disclosure_id: int, title: str, body: str) -> Disclosure:
    """Edit a draft's title and text (amounts and the linked flow cannot change). Audit: funds.disclosure.edited."""
    title, body = _clean_title_body(title, body)
    with transaction.atomic():
        disclosure = _locked_disclosure(actor, disclosure_id)
        if disclosure.status != DisclosureStatus.DRAFT:
            raise ValidationFailed("已公示的内容不能修改。", code="disclosure_published")
        disclosure.title, disclosure.body = title, body
        disclosure.save(update_fields=["title", "body"])
        record(actor=actor, action="funds.disclosure.edited", obj=disclosure, data={"title": title})
    return disclosure


def publish_disclosure(*, actor: Account | None, disclosure_id: int) -> Disclosure:
    """公示: draft → published (irreversible). Raises PermissionDenied/NotFound/ValidationFailed.
    Audit: funds.disclosure.published."""
    with transaction.atomic():
        disclosure = _locked_disclosure(actor, disclosure_id)
        if disclosure.status == DisclosureStatus.PUBLISHED:
            raise ValidationFailed("该内容已公示。", code="disclosure_published")
        disclosure.status = DisclosureStatus.PUBLISHED
        disclosure.published_at = clock.now()
        disclosure.published_by = actor if getattr(actor, "is_authenticated", False) else None
        disclosure.save(update_fields=["status", "published_at", "published_by"])
        record(
            actor=actor,
            action="funds.disclosure.published",
            obj=disclosure,
            data={"kind": disclosure.kind, "title": disclosure.title},
        )
    return disclosure


# --------------------------------------------------------------------------------------------------------------
# Quarterly reports
# --------------------------------------------------------------------------------------------------------------


def open_quarterly_report(
    *, actor: Account | None, project: Project, year: int, quarter: int
) -> QuarterlyReport:
    """Get or create the project's report for a quarter (draft). Audit: funds.report.opened (when created)."""
    permissions.require_manage(actor, project)
    if quarter not in (1, 2, 3, 4):
        raise ValidationFailed("季度必须是1到4。", field="quarter")
    if not 2000 <= int(year) <= 2100:
        raise ValidationFailed("年份不正确。", field="year")
    with transaction.atomic():
        report, created = QuarterlyReport.objects.get_or_create(
            project=project,
            year=year,
            quarter=quarter,
            defaults={
                "created_at": clock.now(),
                "created_by": actor if getattr(actor, "is_authenticated", False) else None,
            },
        )
        if created:
            record(
                actor=actor, action="funds.report.opened", obj=report, data={"year": year, "quarter": quarter}
            )
    return report


def _draft_report(actor, report_id: int) -> QuarterlyReport:
    report = (
        QuarterlyReport.objects.select_for_update(of=("self",))
        .select_related("project")
        .filter(pk=report_id)
        .first()
    )
    if report is None or not (permissions.is_system(actor) or permissions.staff_sees(actor, report.project)):
        raise NotFound("未找到该报表。")
    permissions.require_manage(actor, report.project)
    if report.status != ReportStatus.DRAFT:
        raise ValidationFailed("报表已公布，不能修改。", code="report_published")
    return report


def add_report_line(
    *,
    actor: Account | None,
    report_id: int,
    section: str,
    item: str,
    amount: Any,
    counterparty: str = "",
    voucher_no: str = "",
    note: str = "",
) -> ReportLine:
    """Add one line to a draft report (应收账款 / 业务收入 / 业务支出). Audit: funds.report.line_added."""
    if section not in ReportSection.values:
        raise ValidationFailed("报表栏目不正确。", field="section")
    item = " ".join((item or "").split())
    if not item or len(item) > 100:
        raise ValidationFailed("请填写项目名称（不超过100个字）。", field="item")
    amount = clean_money(amount, label="金额", positive=False)
    if amount < 0:
        raise ValidationFailed("金额不能为负数。", field="amount")
    voucher_no = (voucher_no or "").strip()
    if len(voucher_no) > 40 or len(counterparty or "") > 100 or len(note or "") > 200:
        raise ValidationFailed("凭证号、对方单位或备注过长。")
    with transaction.atomic():
        report = _draft_report(actor, report_id)
        position = ReportLine.objects.filter(report=report, section=section).count() + 1
        line = ReportLine.objects.create(
            report=report,
            section=section,
            item=item,
            amount=amount,
            counterparty=" ".join((counterparty or "").split()),
            voucher_no=voucher_no,
            note=(note or "").strip(),
            position=position,
        )
        record(
            actor=actor,
            action="funds.report.line_added",
            obj=report,
            data={"line": line.pk, "section": section, "item": item, "amount": str(amount)},
        )
    return line


def remove_report_line(*, actor: Account | None, line_id: int) -> None:
    """Remove a line of a draft report. Audit: funds.report.line_removed."""
    with transaction.atomic():
        line = ReportLine.objects.filter(pk=line_id).first()
        if line is None:
            raise NotFound("未找到该明细。")
        report = _draft_report(actor, line.report_id)
        record(
            actor=actor,
            action="funds.report.line_removed",
            obj=report,
            data={"line": line.pk, "section": line.section, "item": line.item, "amount": str(line.amount)},
        )
        line.delete()


def publish_quarterly_report(*, actor: Account | None, report_id: int) -> QuarterlyReport:
    """公布: the report becomes visible to the project's owners and can no longer change.
    Audit: funds.report.published."""
    with transaction.atomic():
        report = _draft_report(actor, report_id)
        report.status = ReportStatus.PUBLISHED
        report.published_at = clock.now()
        report.published_by = actor if getattr(actor, "is_authenticated", False) else None
        report.save(update_fields=["status", "published_at", "published_by"])
        record(
            actor=actor,
            action="funds.report.published",
            obj=report,
            data={"year": report.year, "quarter": report.quarter},
        )
    return report


# --------------------------------------------------------------------------------------------------------------
# Follows
# --------------------------------------------------------------------------------------------------------------


def _require_account(actor) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied("请先登录。")


def follow_project(*, actor: Account, project: Project) -> ProjectFollow:
    """关注小区 (维修金概览). Following twice raises ValidationFailed. Audit: funds.follow.added."""
    _require_account(actor)
    try:
        with transaction.atomic():
            follow = ProjectFollow.objects.create(account=actor, project=project, created_at=clock.now())
            record(actor=actor, action="funds.follow.added", obj=follow, project_id=project.pk)
    except IntegrityError as exc:
        raise ValidationFailed("您已关注该小区。", code="already_following") from exc
    return follow


def unfollow_project(*, actor: Account, project: Project) -> None:
    """取消关注. Raises NotFound when not following. Audit: funds.follow.removed."""
    _require_account(actor)
    with transaction.atomic():
        follow = ProjectFollow.objects.filter(account=actor, project=project).first()
        if follow is None:
            raise NotFound("您没有关注该小区。")
        record(actor=actor, action="funds.follow.removed", obj=follow, project_id=project.pk)
        follow.delete()
