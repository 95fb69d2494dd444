"""Apportionment in fen by largest remainders (domain-rules §2), for repairs (weights = exclusive area in
hundredths of a m²) and interest (weights = balance in fen, or fen-days for the average daily balance).

The rule, exactly:
1. total in fen T (an integer), positive integer weights wᵢ, W = Σ wᵢ;
2. each share is floor(T·wᵢ / W) fen, remainder rᵢ = (T·wᵢ) mod W;
3. the leftover L = T − Σ shares (0 ≤ L < number of shares) goes one fen each to the L largest remainders;
4. ties are broken by the key (label, tiebreak) in ascending order, where `label` is the unit code
   "楼栋号-房号" (e.g. "1-101") compared as a Python string (Unicode code points: "1-101" < "10-101" < "2-101"),
   and `tiebreak` (the unit id) only separates two units whose labels happen to be equal.

Integers only: never floats. The shares always add up exactly to T, and each is within one fen of its exact value.
This is the same rule as the standalone verifier `pmip_verify.apportion` (tests check they agree).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pmip.core.errors import ValidationFailed
from pmip.core.money import CENT


@dataclass(frozen=True)
class Weighted:
    key: Any  # what the caller identifies the share by (a unit id)
    label: str  # the tie-break code, "1-101"
    weight: int  # a positive integer


@dataclass(frozen=True)
class Allocation:
    key: Any
    label: str
    weight: int
    amount: Decimal  # in 元, two places
    remainder: int  # (T·w) mod W, for checking
    got_leftover_fen: bool


def to_fen(amount: Decimal) -> int:
    """Exact conversion of a two-place Decimal to fen; refuses more than two places."""
    quantized = amount.quantize(CENT)
    if quantized != amount:
        raise ValidationFailed(f"金额“{amount}”最多保留两位小数。")
    return int(quantized * 100)


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)


def area_weight(area: Decimal) -> int:
    """8513.18 m² -> 851318 (hundredths of a m²), exact."""
    hundredths = area * 100
    if hundredths != hundredths.to_integral_value():
        raise ValidationFailed(f"面积“{area}”最多保留两位小数。")
    return int(hundredths)


def largest_remainder(total_fen: int, items: Sequence[Weighted]) -> list[Allocation]:
    """Split `total_fen` over `items` (see the module docstring). Results are in input order."""
    if total_fen < 0:
        raise ValidationFailed("分摊金额不能为负数。")
    if not items:
        raise ValidationFailed("分摊范围内没有房屋。")
    if any(item.weight <= 0 for item in items):
        raise ValidationFailed("分摊权重必须大于0。")
    weight_sum = sum(item.weight for item in items)
    floors: list[int] = []
    remainders: list[int] = []
    for item in items:
        quotient, remainder = divmod(total_fen * item.weight, weight_sum)
        floors.append(quotient)
        remainders.append(remainder)
    leftover = total_fen - sum(floors)
    order = sorted(range(len(items)), key=lambda i: (-remainders[i], items[i].label, _tb(items[i].key)))
    lucky = set(order[:leftover])
    return [
        Allocation(
            key=item.key,
            label=item.label,
            weight=item.weight,
            amount=from_fen(floors[i] + (1 if i in lucky else 0)),
            remainder=remainders[i],
            got_leftover_fen=i in lucky,
        )
        for i, item in enumerate(items)
    ]


def _tb(key: Any):
    # Unit ids are ints; anything else sorts by its string form so the key stays total.
    return (0, key, "") if isinstance(key, int) else (1, 0, str(key))


def apportion_by_area(total: Decimal, units: Sequence[tuple[Any, str, Decimal]]) -> list[Allocation]:
    """A bill in 元 over (key, label, exclusive area) triples, pro rata to area (Civil Code Art. 283)."""
    return largest_remainder(
        to_fen(total),
        [Weighted(key=key, label=label, weight=area_weight(area)) for key, label, area in units],
    )


def apportionment_digest(allocations: Sequence[Allocation]) -> str:
    """THE fingerprint of an apportionment (unit, area weight and share of every allocation). A preview carries it;
    the posting services (`charge_repair`, `create_repair(charge=True)`, `allocate_interest`) take it back as
    `expected_digest` and compare it under the project lock, so what is posted is exactly what the user saw."""
    text = "\n".join(f"{a.key}:{a.weight}:{a.amount}" for a in allocations)
    return hashlib.sha256(text.encode()).hexdigest()
