"""THE one CSV/XLSX writer (pmip.core.exports): user text is text, never a formula — and nobody writes around it."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pmip.core import exports

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "+1"),  # a plain number is not a formula
        ("-12.50", "-12.50"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1+1", "'＝1+1"),
        ("莲花山庄", "莲花山庄"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_neutralise(value, expected):
    assert exports.neutralise(value) == expected


def test_csv_cells_are_neutralised():
    body = exports.csv_bytes(["name", "amount"], [["=cmd|' /C calc'!A0", "-5.00"], ["普通", Decimal("1.00")]])
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["name", "amount"], ["'=cmd|' /C calc'!A0", "-5.00"], ["普通", "1.00"]]


def test_xlsx_rows_are_text_not_formulas():
    wb = exports.new_workbook()
    ws = wb.active
    assert exports.append_row(ws, ["=1+1", Decimal("2.50"), "x"]) == 1
    exports.append_row(ws, [])
    assert exports.append_row(ws, ["@A1"]) == 3
    exports.set_cell(ws, 4, 2, "+A1")
    out = io.BytesIO()
    wb.save(out)
    back = load_workbook(io.BytesIO(out.getvalue())).active
    assert (back["A1"].value, back["A1"].data_type, back["B1"].value) == ("'=1+1", "s", 2.5)
    assert back["A3"].value == "'@A1" and back["B4"].value == "'+A1"


WRITERS = re.compile(r"csv\.writer\(|csv\.DictWriter\(|\bWorkbook\(|xlsxwriter")


def test_every_csv_and_xlsx_writer_goes_through_exports():
    """New exports must use pmip.core.exports (csv_bytes / new_workbook + append_row), so their cells are safe."""
    offenders = []
    for path in sorted((ROOT / "pmip").rglob("*.py")):
        if path == ROOT / "pmip" / "core" / "exports.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if WRITERS.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "write CSV/XLSX through pmip.core.exports:\n" + "\n".join(offenders)
