"""Shared pieces of the funds writes: the posting result, amount and memo cleaning, unit labels, references."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pmip.core import clock
from pmip.core.errors import DomainError, ValidationFailed
from pmip.core.money import MoneyError, parse_money
from pmip.funds.apportion import apportionment_digest
from pmip.funds.models import (
    ZERO,
    LedgerEntry,
)
from pmip.registry.models import Project, Unit

MEMO_MAX = 200


class PreviewChanged(DomainError):
    """The apportionment computed under the project lock is not the one the caller previewed (`expected_digest`):
    nothing was posted. Interfaces show the new preview (pages) or answer 409 (API)."""

    code = "preview_changed"
    status = 409

    def __init__(
        self, message: str = "分摊结果已变化（房屋或面积有更新），未记账。请重新预览核对。", **kwargs
    ):
        super().__init__(message, **kwargs)


def check_digest(allocations, expected_digest: str | None) -> None:
    """Raise PreviewChanged unless `expected_digest` (when given) is the digest of `allocations`."""
    if expected_digest is not None and apportionment_digest(allocations) != expected_digest:
        raise PreviewChanged()


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
    """Parse an amount in 元 (pmip.core.money, bounded): at most two places, no floats; positive unless told
    otherwise. Raises ValidationFailed."""
    try:
        return parse_money(value, label=label, positive=positive)
    except MoneyError as exc:
        raise ValidationFailed(exc.message, field=field_name) from exc


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


def _require_all_found(ids: Sequence[int], units: Sequence[Unit]) -> None:
    found = {u.pk for u in units}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed("所选房屋不属于该小区。", field="unit_ids")
