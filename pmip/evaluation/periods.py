"""Evaluation periods: calendar months, quarters (default), halves or years, named by a short code.

"2026-10" (month), "2026Q4" (quarter), "2026H2" (half), "2026" (year). Codes of different lengths never collide.
"""

from __future__ import annotations

import datetime as dt
import re

_CODE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{2})|Q(?P<q>[1-4])|H(?P<h>[12]))?$")


def period_of(day: dt.date, months: int) -> str:
    if months == 1:
        return f"{day.year}-{day.month:02d}"
    if months == 3:
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    if months == 6:
        return f"{day.year}H{(day.month - 1) // 6 + 1}"
    if months == 12:
        return f"{day.year}"
    raise ValueError(f"unsupported period length: {months}")


def is_valid(code: str) -> bool:
    if not isinstance(code, str) or len(code) > 8:
        return False
    match = _CODE.match(code)
    if not match:
        return False
    month = match.group("m")
    return month is None or 1 <= int(month) <= 12


def label(code: str) -> str:
    match = _CODE.match(code or "")
    if not match:
        return code
    year = match.group("y")
    if match.group("m"):
        return f"{year}年{int(match.group('m'))}月"
    if match.group("q"):
        return f"{year}年第{match.group('q')}季度"
    if match.group("h"):
        return f"{year}年{'上' if match.group('h') == '1' else '下'}半年"
    return f"{year}年"
