"""利息收益: `receive_interest` into the project's pool, `preview_interest_allocation` and `allocate_interest`
to the sub-ledgers pro rata to balance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from pmip.audit.services import record
from pmip.core import display
from pmip.core.errors import ValidationFailed
from pmip.funds import ledger, permissions
from pmip.funds.apportion import Allocation, Weighted, largest_remainder, to_fen
from pmip.funds.choices import (
    EntryKind,
    InterestMethod,
)
from pmip.funds.models import (
    ZERO,
    LedgerEntry,
    ProjectBalance,
    summed,
)
from pmip.funds.policy import policy_for
from pmip.funds.services.common import (
    PostingResult,
    _memo,
    _ref,
    _today,
    check_digest,
    clean_money,
    unit_label,
)
from pmip.identity.models import Account
from pmip.registry.models import Project, Unit

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
    items = [
        Weighted(key=u.pk, label=unit_label(u), weight=positive[u.pk])
        for u in display.sort_units(units.values())
    ]
    total_units = Unit.objects.filter(project=project).count()
    return items, total_units - len(items)


def unallocated_pool(project: Project) -> Decimal:
    """The project's interest pool (利息收益 received, not yet allocated); no lock, for previews and pages."""
    pool = ProjectBalance.objects.filter(project_id=project.pk).values_list("pool", flat=True).first()
    return ZERO if pool is None else pool


def preview_interest_allocation(
    *,
    project: Project,
    amount: Any = None,
    period_end: dt.date,
    period_start: dt.date | None = None,
    method: str | None = None,
) -> InterestPreview:
    """How `amount` would be allocated to the sub-ledgers (no writes). `amount` defaults to the whole unallocated
    pool (as `allocate_interest` does); `method` defaults to the project setting."""
    policy = policy_for(project)
    method = method or policy.interest_method
    if method not in InterestMethod.values:
        raise ValidationFailed("利息分配方式不正确。", field="method")
    if amount in (None, ""):
        amount = unallocated_pool(project)
        if amount <= 0:
            raise ValidationFailed("没有待分配的利息。", code="empty_pool")
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
    expected_digest: str | None = None,
) -> PostingResult:
    """Allocate interest from the project's pool to the sub-ledgers pro rata to balance (largest remainders, so
    the shares sum exactly). `amount` defaults to the whole pool and may not exceed it. Writes one interest entry
    per unit with a positive share and one negative project-level entry taking the amount out of the pool.
    With `expected_digest` (the digest of the preview the user confirmed), the allocation computed here, under the
    project lock, must be that one: else PreviewChanged and nothing is posted.
    Raises PermissionDenied, ValidationFailed, PreviewChanged. Audit: funds.interest.allocated."""
    # Kept whole: one transaction under the project lock: the preview compared, then posted and audited.
    permissions.require_ledger(actor, project)
    with transaction.atomic():
        balance = ledger.lock_project(project.pk)
        pool = balance.pool
        amount = pool if amount in (None, "") else clean_money(amount, label="分配金额")
        if amount <= 0:
            raise ValidationFailed("没有待分配的利息。", code="empty_pool")
        if amount > pool:
            raise ValidationFailed(
                f"分配金额 {display.format_money(amount)} 元超过待分配利息 {display.format_money(pool)} 元。",
                field="amount",
            )
        preview = preview_interest_allocation(
            project=project, amount=amount, period_end=period_end, period_start=period_start, method=method
        )
        check_digest(preview.allocations, expected_digest)
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
