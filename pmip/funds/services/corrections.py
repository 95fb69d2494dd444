"""冲正: `reverse_entry`, the only correction; the corrected entry stays as it was."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from pmip.audit.services import record
from pmip.core.errors import NotFound, ValidationFailed
from pmip.funds import ledger, permissions
from pmip.funds.choices import (
    EntryKind,
)
from pmip.funds.models import (
    LedgerEntry,
)
from pmip.funds.services.common import MEMO_MAX, _memo, _ref, _today
from pmip.identity.models import Account


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


def reversal_refusal(entry: LedgerEntry) -> ValidationFailed | None:
    """Why `reverse_entry` would refuse `entry` by its kind (None: it may be reversed, if not reversed yet).
    The rule lives here once; pages ask `is_reversible` to decide whether to offer the button."""
    if entry.kind == EntryKind.REVERSAL:
        return ValidationFailed("冲正记录不能再被冲正；如需更正，请另记一笔。", code="reverse_reversal")
    if entry.repair_id is not None:
        return ValidationFailed(
            "维修分摊须整笔撤销（撤销维修记录），不能单独冲正其中一户。", code="reverse_repair_share"
        )
    return None


def is_reversed(entry: LedgerEntry) -> bool:
    """Whether `entry` has a reversal (uses `reversed_by` when it was selected/prefetched)."""
    try:
        return entry.reversed_by is not None
    except LedgerEntry.reversed_by.RelatedObjectDoesNotExist:
        return False


def is_reversible(entry: LedgerEntry, *, reversed: bool | None = None) -> bool:
    """What `reverse_entry` accepts: not a reversal, not a repair share, not reversed yet. `reversed` may be passed
    when the caller already knows it (a ledger line annotated with it), else it is read from `entry`."""
    if reversal_refusal(entry) is not None:
        return False
    return not (is_reversed(entry) if reversed is None else reversed)


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
    refusal = reversal_refusal(original)
    if refusal is not None:
        raise refusal
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
