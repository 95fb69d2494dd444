from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmip.core.money import area_hundredths, to_area, to_money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.345", Decimal("12.35")),  # half up
        ("12.344", Decimal("12.34")),
        ("-0.005", Decimal("-0.01")),
        (" 7 ", Decimal("7.00")),
        (3, Decimal("3.00")),
        (Decimal("0.1"), Decimal("0.10")),
    ],
)
def test_to_money(value, expected):
    result = to_money(value)
    assert result == expected
    assert result.as_tuple().exponent == -2


def test_floats_are_refused():
    with pytest.raises(TypeError):
        to_money(0.1)


@pytest.mark.parametrize("value", ["abc", "", "NaN", "Infinity", "1e30", "1e400"])
def test_bad_money(value):
    with pytest.raises(ValueError, match="金额"):
        to_money(value)


def test_area_hundredths():
    assert area_hundredths(to_area("8513.18")) == 851318
    assert area_hundredths(Decimal("0.01")) == 1


@pytest.mark.parametrize(
    "value",
    [
        "1e30",
        "1E+30",
        "-1e30",
        "1e999999",
        "1e-999999999",
        "NaN",
        "sNaN",
        "Infinity",
        "-inf",
        "1" * 41,
        10**40,
    ],
)
def test_parse_money_is_bounded_and_never_raises_decimal_errors(value):
    """Issue 8 item 6: `quantize` raised InvalidOperation on 1e30 (500 on repair preview, report lines, imports)."""
    from pmip.core.money import MoneyError, parse_money

    with pytest.raises(MoneyError) as exc:
        parse_money(value)
    assert "金额" in exc.value.message


def test_parse_money_rules():
    from pmip.core.money import MAX_AMOUNT, MoneyError, parse_decimal, parse_money

    assert parse_money("¥1,234.5") == Decimal("1234.50")
    assert parse_money(MAX_AMOUNT) == MAX_AMOUNT
    with pytest.raises(MoneyError, match="超出范围"):
        parse_money(MAX_AMOUNT + Decimal("0.01"))
    with pytest.raises(MoneyError, match="最多保留两位小数"):
        parse_money("1.001")
    with pytest.raises(MoneyError, match="必须大于0"):
        parse_money("0", positive=True)
    with pytest.raises(MoneyError, match="不接受浮点数"):
        parse_money(0.5)
    with pytest.raises(MoneyError):
        parse_money(True)
    assert parse_decimal("0.12345", places=4, exact=False) == Decimal("0.1235")


@given(st.text(max_size=60))
def test_parse_money_only_ever_raises_money_error(text):
    from pmip.core.money import MoneyError, parse_money

    try:
        amount = parse_money(text)
    except MoneyError:
        return
    assert amount.is_finite() and amount.as_tuple().exponent == -2
