"""Reading an import file (CSV or XLSX) into numbered rows, and the all-or-nothing rejection every import raises.

One reader for every import (registry, fund-centre entries, bank statements): header cells are normalised
(surrounding `*` and a trailing unit such as "（元）" dropped), blank rows skipped, a repeated header refused, and a
non-blank cell under an empty header kept as `__extra__` so an import can refuse it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pmip.core.errors import ValidationFailed


@dataclass(frozen=True)
class RowError:
    row: int  # sheet row number; 0 = the file or its header
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行：{self.message}" if self.row else self.message


class ImportRejected(ValidationFailed):
    """The file has errors; nothing was imported. `errors` lists every one, in row order."""

    code = "import_rejected"

    def __init__(self, errors: Iterable[RowError]):
        self.errors = sorted(errors, key=lambda e: e.row)
        super().__init__(f"导入文件共有{len(self.errors)}处错误，未导入任何数据。请修改后重新导入。")


@dataclass(frozen=True)
class SourceRow:
    """One row of the file: its row number in the sheet and its cells by header (Chinese or English key)."""

    number: int
    values: Mapping[str, Any]


def read_table(source: str | Path | IO[bytes], *, filename: str | None = None) -> list[SourceRow]:
    """Rows of a .csv or .xlsx file (path or binary file object). Raises ImportRejected when unreadable."""
    name = filename or str(getattr(source, "name", source))
    suffix = Path(name).suffix.lower()
    if isinstance(source, str | Path):
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise ImportRejected([RowError(0, f"无法读取文件“{name}”：{exc.strerror or exc}。")]) from exc
    else:
        data = source.read()
    if suffix == ".csv":
        return read_csv(data)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data)
    raise ImportRejected([RowError(0, "只支持 .xlsx 或 .csv 文件（.xls 请另存为 .xlsx）。")])


def _rows_from(records: Iterable[tuple[int, list[Any]]]) -> list[SourceRow]:
    header: list[str] | None = None
    rows: list[SourceRow] = []
    for number, cells in records:
        if all(is_blank(c) for c in cells):
            continue
        if header is None:
            header = [header_text(c) for c in cells]
            header_row = number
            repeated = sorted({h for h in header if h and header.count(h) > 1})
            if repeated:
                raise ImportRejected([RowError(number, f"表头中的列“{h}”出现了不止一次。") for h in repeated])
            continue
        values: dict[str, Any] = {}
        for i, cell in enumerate(cells):
            name = header[i] if i < len(header) else ""
            if name:
                values[name] = cell
            elif not is_blank(cell):
                values["__extra__"] = cell
        rows.append(SourceRow(number, values))
    if header is None:
        raise ImportRejected([RowError(0, "文件是空的：没有表头和数据。")])
    if not rows:
        raise ImportRejected([RowError(header_row, "只有表头，没有数据行。")])
    return rows


def read_csv(data: bytes) -> list[SourceRow]:
    """CSV in UTF-8 (with or without BOM); GB18030 (what Excel in Chinese saves) is accepted as a fallback."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected([RowError(0, "无法识别文件编码，请将CSV文件保存为UTF-8编码。")])
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportRejected([RowError(0, f"CSV格式错误：{exc}")]) from exc
    return _rows_from((i + 1, list(r)) for i, r in enumerate(records))


def read_xlsx(data: bytes) -> list[SourceRow]:
    """The first worksheet of an .xlsx workbook; row numbers are the sheet's own."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise ImportRejected([RowError(0, "无法读取该Excel文件，请确认是 .xlsx 格式且未损坏。")]) from exc
    try:
        sheet = workbook.worksheets[0]
        return _rows_from((i + 1, list(r)) for i, r in enumerate(sheet.iter_rows(values_only=True)))
    finally:
        workbook.close()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def header_text(value: Any) -> str:
    text = "" if value is None else str(value).strip()
    text = text.lstrip("*").rstrip("*").strip()
    text = re.sub(r"[（(][^（()）]*[）)]$", "", text).strip()  # "专有部分面积（㎡）" -> "专有部分面积"
    return text
