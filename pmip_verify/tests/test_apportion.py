"""Largest-remainder apportionment in fen: hand-worked cases, every error, and properties (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmip_verify import VerifyError, apportion, apportion_fen


def amounts(total, shares):
    return [(a["unit"], a["amount"]) for a in apportion(total, shares)]


def test_the_example_from_the_brief():
    shares = [
        {"unit": "1-101", "weight": "90.00"},
        {"unit": "1-102", "weight": "88.50"},
        {"unit": "2-101", "weight": "281.50"},
    ]
    # 6000000*9000/46000 = 1173913.04…, *8850 = 1154347.82…, *28150 = 3671739.13…; floors sum 5999999,
    # the one leftover fen goes to the largest remainder (1-102, .82…)
    assert amounts("60000.00", shares) == [
        ("1-101", "11739.13"),
        ("1-102", "11543.48"),
        ("2-101", "36717.39"),
    ]


def test_exact_split_has_no_leftover():
    assert amounts("300.00", [("A", "1"), ("B", "2")]) == [("A", "100.00"), ("B", "200.00")]


def test_ties_broken_by_unit_code_ascending():
    # 1 fen over three equal weights: all remainders equal; the lowest code gets it, whatever the input order
    assert amounts("0.01", [("C", "1"), ("A", "1"), ("B", "1")]) == [
        ("C", "0.00"),
        ("A", "0.01"),
        ("B", "0.00"),
    ]
    assert amounts("0.02", [("1-10", "5"), ("1-2", "5"), ("1-1", "5")]) == [
        ("1-10", "0.01"),  # string order: "1-1" < "1-10" < "1-2"
        ("1-2", "0.00"),
        ("1-1", "0.01"),
    ]


def test_largest_remainder_beats_unit_order():
    # 100 fen by 1:1:1 -> 33 each, remainders equal; by 2:2:1 -> 40, 40, 20 exact
    assert amounts("1.00", [("A", "1"), ("B", "1"), ("C", "1")]) == [
        ("A", "0.34"),
        ("B", "0.33"),
        ("C", "0.33"),
    ]
    # 10 fen by 0.01:0.02:0.04 (W=7): 10/7=1.43, 20/7=2.86, 40/7=5.71 -> 1,2,5 (=8), 2 leftover to .86 and .71
    assert amounts("0.10", [("A", "0.01"), ("B", "0.02"), ("C", "0.04")]) == [
        ("A", "0.01"),
        ("B", "0.03"),
        ("C", "0.06"),
    ]


def test_zero_total_gives_zeros():
    assert amounts("0", [("A", "1.5"), ("B", "2")]) == [("A", "0.00"), ("B", "0.00")]


def test_single_share_takes_everything():
    assert amounts("1234.56", [("A", "0.01")]) == [("A", "1234.56")]


def test_integer_core():
    assert apportion_fen(100, [("A", 1), ("B", 1), ("C", 1)]) == [34, 33, 33]


@pytest.mark.parametrize(
    ("total", "shares", "code"),
    [
        ("-1.00", [("A", "1")], "negative_number"),
        ("1.001", [("A", "1")], "too_many_decimals"),
        ("abc", [("A", "1")], "malformed_number"),
        (1.5, [("A", "1")], "malformed_number"),
        ("1.00", [], "empty_shares"),
        ("1.00", [("A", "0")], "zero_number"),
        ("1.00", [("A", "0.00")], "zero_number"),
        ("1.00", [("A", "-2")], "negative_number"),
        ("1.00", [("A", "1.234")], "too_many_decimals"),
        ("1.00", [("A", "x")], "malformed_number"),
        ("1.00", [("A", "1"), ("A", "2")], "duplicate_unit"),
        ("1.00", [("", "1")], "bad_format"),
        ("1.00", [{"unit": "A"}], "bad_format"),
        ("1.00", [{"unit": "A", "weight": "1", "area": "1"}], "bad_format"),
        ("1.00", "A", "bad_format"),
    ],
)
def test_errors(total, shares, code):
    with pytest.raises(VerifyError) as info:
        apportion(total, shares)
    assert info.value.code == code


def test_integer_core_errors():
    with pytest.raises(VerifyError):
        apportion_fen(-1, [("A", 1)])
    with pytest.raises(VerifyError):
        apportion_fen(1, [])
    with pytest.raises(VerifyError):
        apportion_fen(1, [("A", 1), ("A", 1)])
    with pytest.raises(VerifyError):
        apportion_fen(1, [("A", 0)])


# ---------------------------------------------------------------- properties

weights = st.integers(min_value=1, max_value=10**9)  # hundredths
unit_codes = st.text(alphabet="0123456789-AB栋", min_size=1, max_size=6)
share_lists = st.lists(st.tuples(unit_codes, weights), min_size=1, max_size=40, unique_by=lambda s: s[0])
totals = st.integers(min_value=0, max_value=10**13)  # fen


def _fmt(n: int) -> str:
    return f"{n // 100}.{n % 100:02d}"


def _to_fen(amount: str) -> int:
    whole, frac = amount.split(".")
    return int(whole) * 100 + int(frac)


@given(totals, share_lists)
def test_shares_always_sum_to_the_total(total, shares):
    result = apportion(_fmt(total), [{"unit": u, "weight": _fmt(w)} for u, w in shares])
    assert sum(_to_fen(a["amount"]) for a in result) == total
    assert [a["unit"] for a in result] == [u for u, _ in shares]


@given(totals, share_lists)
def test_every_share_within_one_fen_of_its_exact_value(total, shares):
    weight_sum = sum(w for _, w in shares)
    got = apportion_fen(total, shares)
    for (_, w), fen in zip(shares, got, strict=True):
        exact = Fraction(total * w, weight_sum)
        assert fen >= 0
        assert abs(fen - exact) < 1
        assert fen in (exact.__floor__(), exact.__floor__() + 1)


@given(totals, share_lists, st.randoms(use_true_random=False))
def test_deterministic_under_permutation(total, shares, rnd):
    shuffled = list(shares)
    rnd.shuffle(shuffled)
    first = dict(zip((u for u, _ in shares), apportion_fen(total, shares), strict=True))
    second = dict(zip((u for u, _ in shuffled), apportion_fen(total, shuffled), strict=True))
    assert first == second


@given(totals, share_lists)
def test_leftover_goes_to_the_largest_remainders(total, shares):
    weight_sum = sum(w for _, w in shares)
    got = apportion_fen(total, shares)
    bumped = [
        (total * w) % weight_sum
        for (_, w), fen in zip(shares, got, strict=True)
        if fen * weight_sum > total * w
    ]
    kept = [
        (total * w) % weight_sum
        for (_, w), fen in zip(shares, got, strict=True)
        if fen * weight_sum <= total * w
    ]
    if bumped and kept:
        assert min(bumped) >= max(kept)
