"""Rounding of the rankings' exact values for display and open data (the same rule as `pmip-verify ranking`)."""

from __future__ import annotations

from fractions import Fraction


def round2(value: Fraction) -> str:
    """Half-up to two decimals from the exact value (values are never negative)."""
    hundredths = int((value * 100 + Fraction(1, 2)) // 1)
    return f"{hundredths // 100}.{hundredths % 100:02d}"
