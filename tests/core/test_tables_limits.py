"""Import files are bounded before and while they are parsed (issue 8 item 7: a 1.6 KB XLSX held a worker 38 s)."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from openpyxl import Workbook

from pmip.core.tables import ImportRejected, Limits, read_table

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def xlsx_with_sheet(sheet_xml: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return out.getvalue()


def sheet(dimension: str | None, rows: str) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{rows}</sheetData></worksheet>"
    )


ROWS = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
    '<row r="2"><c r="A2"><v>1</v></c></row>'
    '<row r="50000"><c r="A50000"><v>1</v></c></row>'
)


def test_declared_dimension_bomb_is_refused_in_under_a_second():
    bomb = xlsx_with_sheet(sheet("A1:XFD50000", ROWS))
    assert len(bomb) < 2000  # the 1.6 KB file of the report
    started = time.monotonic()
    with pytest.raises(ImportRejected) as exc:
        read_table(io.BytesIO(bomb), filename="bomb.xlsx")
    assert time.monotonic() - started < 1.0
    message = str(exc.value.errors[0])
    assert message.startswith("文件过大：") and "16384列" in message


def test_undeclared_wide_rows_are_refused_without_padding():
    """No <dimension>: openpyxl would pad to the last cell's column; the reader bounds the width it asks for."""
    rows = "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(1, 200))
    started = time.monotonic()
    with pytest.raises(ImportRejected) as exc:
        read_table(io.BytesIO(xlsx_with_sheet(sheet(None, rows))), filename="wide.xlsx")
    assert time.monotonic() - started < 1.0
    assert "超过100列" in str(exc.value.errors[0])


def test_real_rows_beyond_the_limit_are_refused():
    wb = Workbook()
    ws = wb.active
    ws.append(["编号", "名称"])
    for i in range(30):
        ws.append([i, f"n{i}"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ImportRejected) as exc:
        read_table(io.BytesIO(out.getvalue()), filename="t.xlsx", limits=Limits(rows=20))
    assert "超过20行" in str(exc.value.errors[0])
    rows = read_table(io.BytesIO(out.getvalue()), filename="t.xlsx", limits=Limits(rows=40))
    assert len(rows) == 30


def test_uncompressed_size_is_checked_before_parsing():
    # 5 MB of shared strings compress to a few KB
    padding = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
        + "x" * (5 * 1024 * 1024)
        + "</t></si></sst>"
    )
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", padding)
    assert len(data.getvalue()) < 50_000
    with pytest.raises(ImportRejected) as exc:
        read_table(
            io.BytesIO(data.getvalue()), filename="z.xlsx", limits=Limits(uncompressed_bytes=1024 * 1024)
        )
    assert "解压后超过1 MB" in str(exc.value.errors[0])


def test_csv_limits_and_nul():
    text = "a,b\n" + "".join(f"{i},x\n" for i in range(50))
    with pytest.raises(ImportRejected) as exc:
        read_table(io.BytesIO(text.encode()), filename="t.csv", limits=Limits(rows=10))
    assert "超过10行" in str(exc.value.errors[0])
    wide = ",".join(["h"] * 5) + "\n" + ",".join(["1"] * 5) + "\n"
    with pytest.raises(ImportRejected) as exc:
        read_table(io.BytesIO(wide.encode()), filename="t.csv", limits=Limits(columns=3))
    assert "超过3列" in str(exc.value.errors[0])
    with pytest.raises(ImportRejected) as exc:
        read_table(io.BytesIO(b"a\n\x00\n"), filename="t.csv")
    assert "空字符" in str(exc.value.errors[0])
    with pytest.raises(ImportRejected) as exc:
        read_table(io.BytesIO(b"a\n" * 100), filename="t.csv", limits=Limits(bytes=50))
    assert "文件过大" in str(exc.value.errors[0])


def test_not_a_zip():
    with pytest.raises(ImportRejected) as exc:
        read_table(io.BytesIO(b"PK\x03\x04garbage"), filename="x.xlsx")
    assert "无法读取该Excel文件" in str(exc.value.errors[0])
