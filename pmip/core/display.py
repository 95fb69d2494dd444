"""THE one way to show money, areas and unit labels (issue 12): every page and export that displays them uses these.

- money: 2 decimals, thousands separators, half-up: 1327.323 → "1,327.32"; None/"" → "—".
- area: 2 decimals, thousands separators, "㎡": 89.867 → "89.87 ㎡" (`area_value` without the unit, for table cells
  whose header says ㎡).
- natural order of units: building, then floor, then room, numbers compared as numbers: "2-101" before "2-1001",
  "地库-B1-005" after the buildings, "S01" shops by number.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
EMPTY = "—"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def format_money(value) -> str:
    number = _decimal(value)
    if number is None:
        return EMPTY if value in (None, "") else str(value)
    return f"{number.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def format_area_value(value) -> str:
    return format_money(value)


def format_area(value) -> str:
    text = format_area_value(value)
    return text if text == EMPTY or _decimal(value) is None else f"{text} ㎡"


_PART = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """A sort key comparing digit runs as numbers: "2-101" < "2-1001", "B1-005" < "B1-010"."""
    parts = _PART.split(str(text or ""))
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p != "")


def unit_sort_key(building: str, floor: int | None, number: str) -> tuple:
    """Building (naturally: "2" before "10", names after numbers), then floor, then room number (naturally)."""
    return (natural_key(building), floor if floor is not None else 0, natural_key(number))


def natural_label_key(label: str) -> tuple:
    """For labels "<building>-<room>" only (no floor at hand): building first, then the room, both naturally."""
    building, _, room = str(label or "").partition("-")
    return (natural_key(building), natural_key(room))


def ceil_to_fen(value) -> Decimal:
    """Round up to the fen: a threshold "below 1327.323" reads, for amounts in fen, "below 1327.33"."""
    from decimal import ROUND_CEILING

    number = _decimal(value)
    return number.quantize(CENT, rounding=ROUND_CEILING) if number is not None else Decimal(0)


def sort_by_unit_label(items, label=lambda item: item.unit_label) -> list:
    """Items in the natural order of their unit labels ("<building>-<room>"): THE order of units on every page."""
    return sorted(items, key=lambda item: natural_label_key(label(item)))


def sort_units(units, unit=lambda item: item) -> list:
    """Items (registry units, or rows holding one: pass `unit`) by building, floor, room — naturally."""

    def key(item):
        u = unit(item)
        return unit_sort_key(u.building.number, u.floor, u.number)

    return sorted(units, key=key)


def unit_ordering(prefix: str = "") -> tuple:
    """`order_by(*unit_ordering("unit__"))` for querysets that must stay querysets (paginated, `.get()` after): the
    same order as `unit_sort_key` in SQL — building, floor, room, shorter numbers first ("101" before "1001")."""
    from django.db.models.functions import Length

    return (
        Length(f"{prefix}building__number"),
        f"{prefix}building__number",
        f"{prefix}floor",
        Length(f"{prefix}number"),
        f"{prefix}number",
    )
