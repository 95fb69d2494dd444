"""Exact parsing of the decimal figures in the input files: areas, weights and money, all with at most two places.

Only the standard library. Every figure becomes an integer count of hundredths (0.01 m² or 1 fen), so nothing
below is ever computed in floating point.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

# Up to 15 integer digits: far above any real area or bill, and it keeps malicious input from making huge integers.
_FIGURE = re.compile(r"(?P<int>[0-9]{1,15})(?:\.(?P<frac>[0-9]{1,2}))?", re.ASCII)


class VerifyError(ValueError):
    """Invalid input. `code` is stable (for scripts and tests); `message` is the Chinese text shown to people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


def parse_hundredths(value: object, *, what: str, allow_zero: bool = False) -> int:
    """'90.00' / '90.5' / '90' / 90 / Decimal('90.50') -> 9000 / 9050 / 9000 / 9000 / 9050.

    Refused: floats (a JSON number with a fraction is read as Decimal by the CLI, never as float), booleans,
    negative numbers, more than two decimal places, exponents, signs, blanks, and zero unless `allow_zero`.
    """
    if isinstance(value, bool | float):
        raise VerifyError("malformed_number", f'{what}格式不正确：{value!r}（请写成字符串，如 "90.00"）。')
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise VerifyError("malformed_number", f"{what}格式不正确：{value}。")
        text = format(value, "f")
    elif isinstance(value, str):
        text = value
    else:
        raise VerifyError("malformed_number", f"{what}格式不正确：{value!r}。")
    if text.startswith("-"):
        rest = text[1:]
        if _FIGURE.fullmatch(rest) and int(rest.replace(".", "")) != 0:
            raise VerifyError("negative_number", f"{what}不能为负数：{text}。")
    match = _FIGURE.fullmatch(text)
    if not match:
        if re.fullmatch(r"-?[0-9]+\.[0-9]{3,}", text, re.ASCII):
            raise VerifyError("too_many_decimals", f"{what}最多两位小数：{text}。")
        raise VerifyError("malformed_number", f"{what}格式不正确：{text!r}。")
    frac = (match.group("frac") or "").ljust(2, "0")
    amount = int(match.group("int")) * 100 + int(frac)
    if amount == 0 and not allow_zero:
        raise VerifyError("zero_number", f"{what}必须大于0：{text}。")
    return amount


def format_hundredths(amount: int) -> str:
    """9050 -> '90.50'; amounts here are never negative."""
    return f"{amount // 100}.{amount % 100:02d}"


def require_text(value: object, *, what: str, code: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise VerifyError(code, f"{what}必须是非空字符串：{value!r}。")
    return value


def require_keys(
    obj: object, *, what: str, required: set[str], optional: frozenset[str] | set[str] = frozenset()
) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise VerifyError("bad_format", f"{what}必须是JSON对象。")
    missing = sorted(required - obj.keys())
    if missing:
        raise VerifyError("bad_format", f"{what}缺少字段：{', '.join(missing)}。")
    unknown = sorted(obj.keys() - required - optional)
    if unknown:
        raise VerifyError("bad_format", f"{what}含有未知字段：{', '.join(unknown)}。")
    return obj
