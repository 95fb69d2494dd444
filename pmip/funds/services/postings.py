"""Deposits and single-unit postings: 首期 (`post_first_deposits`), 日常 (`post_monthly_contributions`),
退款 (`post_refund`) and 划转 (`post_transfer`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction

from pmip.audit.services import record
from pmip.core import display
from pmip.core.errors import NotFound, ValidationFailed
from pmip.core.money import CENT
from pmip.funds import ledger, permissions
from pmip.funds.choices import (
    EntryKind,
)
from pmip.funds.models import (
    ZERO,
    LedgerEntry,
    UnitBalance,
)
from pmip.funds.policy import Policy, policy_for
from pmip.funds.services.common import (
    _PERIOD_RE,
    PostingResult,
    _memo,
    _ref,
    _require_all_found,
    _today,
    _units_of,
    clean_money,
    unit_label,
)
from pmip.identity.models import Account
from pmip.registry.models import Project, Unit

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
    # Kept whole: one transaction under the project lock: the checks and the postings must read in order.
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


def post_monthly_contributions(
    *, actor: Account | None, project: Project, period: str, occurred_on: dt.date | None = None
) -> PostingResult:
    """Post 日常 for one month (`period` 'YYYY-MM') for every unit of the project: area × monthly rate per m²
    (half up to the fen). A month is posted once per project: a second call raises ValidationFailed unless every
    earlier entry of that month has been reversed. Audit: funds.monthly.posted."""
    # Kept whole: one transaction under the project lock: the checks and the postings must read in order.
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
            raise ValidationFailed(
                f"退款金额 {display.format_money(amount)} 元超过该房屋分户账余额 {display.format_money(balance)} 元。",
                field="amount",
            )
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
                    f"转出金额 {display.format_money(-amount)} 元超过该房屋分户账余额 {display.format_money(balance)} 元。",
                    field="amount",
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
