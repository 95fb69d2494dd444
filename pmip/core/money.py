"""Money: Decimal with two places, one rounding helper, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_money(value: Decimal | int | str) -> Decimal:
    """Parse and round to the fen (half up). Floats are refused: they cannot hold money exactly."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"金额格式不正确：{value}") from exc
    if not amount.is_finite():
        raise ValueError(f"金额格式不正确：{value}")
    try:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # too many digits for the context precision, e.g. "1e30"
        raise ValueError(f"金额超出范围：{value}") from exc


def to_area(value: Decimal | int | str) -> Decimal:
    """Areas in m² with two places (hundredths), exact."""
    return to_money(value)


def area_hundredths(area: Decimal) -> int:
    """8513.18 m² -> 851318: integer arithmetic for Art. 278 comparisons."""
    return int((area * 100).to_integral_value())
