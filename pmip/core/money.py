"""Money: Decimal with two places, one parser with bounds, one rounding helper, never float.

`parse_decimal` is THE parser of every amount (and other exact decimal) that comes from outside: forms, the API,
imports, settings. It refuses floats, text that is not a plain number, NaN/Infinity, more places than allowed and
values beyond a bound — always with a `MoneyError` (a ValueError) carrying a plain Chinese message — and it checks
the bound before any `quantize`, so a value like "1e30" or "1e999999" can never raise InvalidOperation later.
Callers map MoneyError to their own error (ValidationFailed in services, a row error in imports).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
# The largest amount anywhere on the platform (money columns are NUMERIC(14, 2) or wider): under 1 trillion 元.
MAX_AMOUNT = Decimal("999999999999.99")
# Text longer than this is not a number anyone typed (also bounds the work Decimal() does).
MAX_TEXT = 40
_PLACES = {2: "两", 4: "四"}
_STRIP = str.maketrans("", "", ",，¥￥ \u00a0")


class MoneyError(ValueError):
    """An amount that cannot be accepted; `message` is plain Chinese for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_decimal(
    value: Any,
    *,
    label: str = "金额",
    places: int = 2,
    max_abs: Decimal = MAX_AMOUNT,
    positive: bool = False,
    allow_negative: bool = True,
    exact: bool = True,
) -> Decimal:
    """`value` (str, int or Decimal) as a Decimal with `places` places, |value| <= max_abs.

    Text may carry thousands separators and a ¥ sign ("1,234.50", "¥1234.5"). `exact`: more places than `places`
    is an error (amounts to the fen); otherwise the value is rounded half up. `positive`: > 0 required;
    `allow_negative=False`: >= 0 required. Raises MoneyError (never InvalidOperation, never OverflowError)."""
    if isinstance(value, bool) or value is None:
        raise MoneyError(f"{label}格式不正确。")
    if isinstance(value, float):
        raise MoneyError(f"{label}格式不正确（不接受浮点数，请以文本填写）。")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        if value.bit_length() > 128:
            raise MoneyError(f"{label}超出范围。")
        amount = Decimal(value)
    else:
        text = str(value).translate(_STRIP)
        if not text or len(text) > MAX_TEXT:
            raise MoneyError(f"{label}格式不正确。" if text else f"请填写{label}。")
        try:
            amount = Decimal(text)
        except (InvalidOperation, ValueError) as exc:
            raise MoneyError(f"{label}格式不正确：“{text[:20]}”。") from exc
    if not amount.is_finite():
        raise MoneyError(f"{label}格式不正确。")
    if abs(amount) > max_abs:  # before quantize: a huge exponent would make quantize raise
        raise MoneyError(f"{label}超出范围（最大{max_abs}）。")
    step = Decimal(1).scaleb(-places)
    try:
        rounded = amount.quantize(step, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # unreachable within the bound; kept so no caller ever sees it
        raise MoneyError(f"{label}超出范围。") from exc
    if exact and rounded != amount:
        raise MoneyError(
            f"{label}最多保留{_PLACES.get(places, places)}位小数"
            + ("（精确到分）。" if places == 2 else "。")
        )
    if positive and rounded <= 0:
        raise MoneyError(f"{label}必须大于0。")
    if not allow_negative and rounded < 0:
        raise MoneyError(f"{label}不能为负数。")
    return rounded


def parse_money(value: Any, *, label: str = "金额", positive: bool = False, exact: bool = True) -> Decimal:
    """An amount in 元, to the fen, within ±MAX_AMOUNT. Raises MoneyError."""
    return parse_decimal(value, label=label, positive=positive, exact=exact)


def to_money(value: Decimal | int | str) -> Decimal:
    """Parse and round to the fen (half up). Floats are refused: they cannot hold money exactly."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        return parse_decimal(value, exact=False)
    except MoneyError as exc:
        raise ValueError(exc.message) from exc


def to_area(value: Decimal | int | str) -> Decimal:
    """Areas in m² with two places (hundredths), exact."""
    return to_money(value)


def area_hundredths(area: Decimal) -> int:
    """8513.18 m² -> 851318: integer arithmetic for Art. 278 comparisons."""
    return int((area * 100).to_integral_value())
