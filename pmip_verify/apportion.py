"""Apportionment of a bill in fen, pro rata to weights (exclusive areas), by largest remainders (domain-rules §2).

Each share is floor(total_fen * weight / sum_of_weights); the leftover fen (fewer than the number of shares) go one
each to the largest remainders, ties broken by unit code in ascending string order. The shares always add up to
the total exactly, and each is within one fen of its exact value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pmip_verify._numbers import VerifyError, format_hundredths, parse_hundredths, require_keys, require_text


def apportion_fen(total_fen: int, weights: Sequence[tuple[str, int]]) -> list[int]:
    """Integer core: total in fen, (unit, positive integer weight) pairs -> amounts in fen, in input order."""
    if total_fen < 0:
        raise VerifyError("negative_number", "总金额不能为负数。")
    if not weights:
        raise VerifyError("empty_shares", "分摊清单（shares）为空。")
    units = [unit for unit, _ in weights]
    if len(set(units)) != len(units):
        raise VerifyError("duplicate_unit", "分摊清单中有重复的房屋。")
    if any(w <= 0 for _, w in weights):
        raise VerifyError("zero_number", "分摊权重必须大于0。")
    weight_sum = sum(w for _, w in weights)
    amounts: list[int] = []
    remainders: list[int] = []
    for _, w in weights:
        quotient, remainder = divmod(total_fen * w, weight_sum)
        amounts.append(quotient)
        remainders.append(remainder)
    leftover = total_fen - sum(amounts)  # 0 <= leftover < len(weights)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], units[i]))
    for i in order[:leftover]:
        amounts[i] += 1
    return amounts


def _share_pairs(shares: Iterable[Any]) -> list[tuple[str, int]]:
    if not isinstance(shares, list | tuple):
        raise VerifyError("bad_format", "shares 必须是数组。")
    pairs: list[tuple[str, int]] = []
    seen: set[str] = set()
    for i, entry in enumerate(shares, start=1):
        if isinstance(entry, list | tuple) and len(entry) == 2:
            unit, weight = entry
        else:
            require_keys(entry, what=f"分摊清单第{i}项", required={"unit", "weight"})
            unit, weight = entry["unit"], entry["weight"]
        unit = require_text(unit, what=f"分摊清单第{i}项的房屋编号（unit）", code="bad_format")
        if unit in seen:
            raise VerifyError("duplicate_unit", f"分摊清单中房屋“{unit}”出现了不止一次。")
        seen.add(unit)
        pairs.append((unit, parse_hundredths(weight, what=f"房屋“{unit}”的分摊权重")))
    return pairs


def apportion(total: object, shares: Iterable[Any]) -> list[dict[str, str]]:
    """total: '60000.00' (str, int or Decimal); shares: [{'unit': '1-101', 'weight': '90.00'}, ...] or
    [('1-101', '90.00'), ...]. Returns [{'unit': '1-101', 'amount': '11739.13'}, ...] in input order.
    """
    total_fen = parse_hundredths(total, what="总金额", allow_zero=True)
    pairs = _share_pairs(shares)
    if not pairs:
        raise VerifyError("empty_shares", "分摊清单（shares）为空。")
    amounts = apportion_fen(total_fen, pairs)
    return [
        {"unit": unit, "amount": format_hundredths(a)} for (unit, _), a in zip(pairs, amounts, strict=True)
    ]


def apportion_doc(doc: dict[str, Any]) -> dict[str, Any]:
    """The CLI's document form: {'total': ..., 'shares': [...]} -> {'allocations': [...]}."""
    require_keys(doc, what="输入文件", required={"total", "shares"})
    return {"allocations": apportion(doc["total"], doc["shares"])}
