"""The platform's largest-remainder apportionment: exact sums, within a fen, the same as pmip_verify."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmip.core.errors import ValidationFailed
from pmip.funds.apportion import Weighted, apportion_by_area, largest_remainder
from pmip_verify.apportion import apportion as verify_apportion

labels = st.text(alphabet="0123456789-AB", min_size=1, max_size=6)


@st.composite
def bills(draw):
    n = draw(st.integers(min_value=1, max_value=25))
    names = draw(st.lists(labels, min_size=n, max_size=n, unique=True))
    areas = draw(st.lists(st.integers(min_value=1, max_value=10_000_000), min_size=n, max_size=n))
    total = draw(st.integers(min_value=0, max_value=10**11))
    return total, list(zip(names, areas, strict=True))


def hundredths(n: int) -> Decimal:
    return (Decimal(n) / 100).quantize(Decimal("0.01"))


@settings(max_examples=400, deadline=None)
@given(bills())
def test_shares_sum_exactly_are_within_a_fen_and_equal_the_verifier(bill):
    total_fen, pairs = bill
    units = [(i, name, hundredths(area)) for i, (name, area) in enumerate(pairs)]
    allocations = apportion_by_area(hundredths(total_fen), units)

    fen = [int(a.amount * 100) for a in allocations]
    assert sum(fen) == total_fen
    weight_sum = sum(area for _, area in pairs)
    for share, (_, area) in zip(fen, pairs, strict=True):
        exact = Fraction(total_fen * area, weight_sum)
        assert exact - 1 < share <= exact + 1
        assert share in (int(exact), int(exact) + 1)

    verified = verify_apportion(
        str(hundredths(total_fen)), [{"unit": name, "weight": str(hundredths(area))} for name, area in pairs]
    )
    assert [v["amount"] for v in verified] == [str(a.amount) for a in allocations]
    assert [v["unit"] for v in verified] == [a.label for a in allocations]


def test_awkward_thirds_give_the_leftover_fen_to_the_smallest_label():
    # 100.00 over three equal areas: 33.33 each and one fen left; equal remainders, so the first label wins.
    allocations = apportion_by_area(
        Decimal("100.00"),
        [(3, "2-101", Decimal("80.00")), (1, "1-102", Decimal("80.00")), (2, "1-101", Decimal("80.00"))],
    )
    assert [(a.label, a.amount) for a in allocations] == [
        ("2-101", Decimal("33.33")),
        ("1-102", Decimal("33.33")),
        ("1-101", Decimal("33.34")),
    ]


def test_tie_key_is_string_order_of_the_label():
    # "10-101" < "2-101" as strings, so with equal remainders "10-101" gets the fen.
    allocations = apportion_by_area(
        Decimal("0.01"), [(1, "2-101", Decimal("50.00")), (2, "10-101", Decimal("50.00"))]
    )
    assert [(a.label, a.amount) for a in allocations] == [
        ("2-101", Decimal("0.00")),
        ("10-101", Decimal("0.01")),
    ]


def test_largest_remainder_beats_label_order():
    # 10.00 over 1.00 / 2.00 m²: exact 3.333… and 6.666…; the larger remainder (2-101) gets the fen.
    allocations = apportion_by_area(
        Decimal("10.00"), [(1, "1-101", Decimal("1.00")), (2, "2-101", Decimal("2.00"))]
    )
    assert [a.amount for a in allocations] == [Decimal("3.33"), Decimal("6.67")]


def test_equal_labels_fall_back_to_the_unit_id():
    allocations = largest_remainder(
        1, [Weighted(key=9, label="1-1", weight=1), Weighted(key=4, label="1-1", weight=1)]
    )
    assert [a.amount for a in allocations] == [Decimal("0.00"), Decimal("0.01")]


@pytest.mark.parametrize(
    ("total", "units", "message"),
    [
        (Decimal("-1.00"), [(1, "1-101", Decimal("1.00"))], "分摊金额不能为负数。"),
        (Decimal("1.00"), [], "分摊范围内没有房屋。"),
        (Decimal("1.00"), [(1, "1-101", Decimal("0.00"))], "分摊权重必须大于0。"),
        (Decimal("1.001"), [(1, "1-101", Decimal("1.00"))], "金额“1.001”最多保留两位小数。"),
    ],
)
def test_bad_input_is_refused(total, units, message):
    with pytest.raises(ValidationFailed) as exc:
        apportion_by_area(total, units)
    assert exc.value.message == message
