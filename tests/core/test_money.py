from __future__ import annotations

from decimal import Decimal

import pytest

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
