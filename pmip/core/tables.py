"""Reading an import file (CSV or XLSX) into numbered rows, and the all-or-nothing rejection every import raises.

One reader for every import (registry, fund-centre entries, bank statements): header cells are normalised
(surrounding `*` and a trailing unit such as "（元）" dropped), blank rows skipped, a repeated header refused, and a
non-blank cell under an empty header kept as `__extra__` so an import can refuse it.

Every file is bounded before and while it is parsed (`Limits`, settings PMIP_IMPORT_LIMITS): bytes, rows, columns,
cells, and for XLSX the zip members' declared uncompressed sizes and the worksheet's declared <dimension> (checked
from the zip before openpyxl reads the sheet: openpyxl pads every row to the declared width, so a 1.6 KB file
declaring A1:XFD50000 would hold a worker for a minute), and parse time. A file beyond a limit is refused with
ImportRejected and a plain Chinese message; nothing is imported.
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pmip.core.conf import pmip_settings
from pmip.core.errors import ValidationFailed


@dataclass(frozen=True)
class Limits:
    """What an import file may hold. Override any of them with settings.PMIP_IMPORT_LIMITS = {"rows": ...}."""

    bytes: int = 20 * 1024 * 1024  # the file as uploaded
    rows: int = 100_000  # sheet rows, header and blank rows included
    columns: int = 100
    cells: int = 2_000_000  # rows × columns, declared or real
    uncompressed_bytes: int = 100 * 1024 * 1024  # XLSX: sum of the zip members' uncompressed sizes
    zip_members: int = 500
    seconds: float = 30.0  # parse time

    @classmethod
    def current(cls) -> Limits:

        overrides = dict(pmip_settings().import_limits)
        return cls(**{k: v for k, v in overrides.items() if k in cls.__dataclass_fields__})


def _too_big(what: str) -> ImportRejected:
    return ImportRejected([RowError(0, f"文件过大：{what}。请拆分为多个文件后分别导入。")])


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


def read_table(
    source: str | Path | IO[bytes], *, filename: str | None = None, limits: Limits | None = None
) -> list[SourceRow]:
    """Rows of a .csv or .xlsx file (path or binary file object). Raises ImportRejected when unreadable or beyond
    `limits` (default: Limits.current())."""
    limits = limits or Limits.current()
    name = filename or str(getattr(source, "name", source))
    suffix = Path(name).suffix.lower()
    if isinstance(source, str | Path):
        try:
            with Path(source).open("rb") as fh:
                data = fh.read(limits.bytes + 1)
        except OSError as exc:
            raise ImportRejected([RowError(0, f"无法读取文件“{name}”：{exc.strerror or exc}。")]) from exc
    else:
        data = source.read(limits.bytes + 1)
    if len(data) > limits.bytes:
        raise _too_big(f"超过{limits.bytes // (1024 * 1024)} MB")
    if suffix == ".csv":
        return read_csv(data, limits=limits)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data, limits=limits)
    raise ImportRejected([RowError(0, "只支持 .xlsx 或 .csv 文件（.xls 请另存为 .xlsx）。")])


class _Bounded:
    """Counts rows and cells and the clock while records are read; raises ImportRejected past a limit."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.cells = 0
        self.deadline = time.monotonic() + limits.seconds

    def check(self, number: int, cells: list[Any]) -> None:
        limits = self.limits
        if number > limits.rows:
            raise _too_big(f"超过{limits.rows}行")
        width = len(cells)
        while width and is_blank(cells[width - 1]):
            width -= 1
        if width > limits.columns:
            raise _too_big(f"第{number}行超过{limits.columns}列")
        self.cells += width
        if self.cells > limits.cells:
            raise _too_big(f"单元格超过{limits.cells}个")
        if time.monotonic() > self.deadline:
            raise ImportRejected(
                [RowError(0, "文件读取超时：内容过多或格式异常。请拆分为多个文件后分别导入。")]
            )


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


def read_csv(data: bytes, *, limits: Limits | None = None) -> list[SourceRow]:
    """CSV in UTF-8 (with or without BOM); GB18030 (what Excel in Chinese saves) is accepted as a fallback."""
    limits = limits or Limits.current()
    if len(data) > limits.bytes:
        raise _too_big(f"超过{limits.bytes // (1024 * 1024)} MB")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected([RowError(0, "无法识别文件编码，请将CSV文件保存为UTF-8编码。")])
    if "\x00" in text:
        raise ImportRejected([RowError(0, "文件中含有空字符（NUL），不是有效的CSV文本文件。")])
    bound = _Bounded(limits)

    def records():
        for i, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            cells = list(row)
            bound.check(i, cells)
            yield i, cells

    try:
        return _rows_from(records())
    except csv.Error as exc:
        raise ImportRejected([RowError(0, f"CSV格式错误：{exc}")]) from exc


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?\"")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def _check_zip(data: bytes, limits: Limits) -> None:
    """The package's declared sizes, before anything is decompressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportRejected([RowError(0, "无法读取该Excel文件，请确认是 .xlsx 格式且未损坏。")]) from exc
    if len(members) > limits.zip_members:
        raise _too_big(f"压缩包内文件超过{limits.zip_members}个")
    if sum(m.file_size for m in members) > limits.uncompressed_bytes:
        raise _too_big(f"解压后超过{limits.uncompressed_bytes // (1024 * 1024)} MB")


def _check_dimension(archive: zipfile.ZipFile, member: str, limits: Limits) -> None:
    """The worksheet's declared range (<dimension ref="A1:XFD50000"/>), read from the start of its XML."""
    try:
        with archive.open(member) as fh:
            head = fh.read(64 * 1024)
    except (KeyError, zipfile.BadZipFile, OSError, RuntimeError) as exc:
        raise ImportRejected([RowError(0, "无法读取该Excel文件，请确认是 .xlsx 格式且未损坏。")]) from exc
    match = _DIMENSION.search(head)
    if not match:
        return
    last_col, last_row = match.group(3) or match.group(1), match.group(4) or match.group(2)
    rows = int(last_row) if last_row else 1
    columns = _column_number(last_col.decode()) if last_col else 1
    if rows > limits.rows:
        raise _too_big(f"表格声明了{rows}行，超过{limits.rows}行的上限")
    if columns > limits.columns:
        raise _too_big(f"表格声明了{columns}列，超过{limits.columns}列的上限")
    if rows * columns > limits.cells:
        raise _too_big(f"表格声明了{rows * columns}个单元格，超过{limits.cells}个的上限")


def read_xlsx(data: bytes, *, limits: Limits | None = None) -> list[SourceRow]:
    """The first worksheet of an .xlsx workbook; row numbers are the sheet's own."""
    from openpyxl import load_workbook

    limits = limits or Limits.current()
    if len(data) > limits.bytes:
        raise _too_big(f"超过{limits.bytes // (1024 * 1024)} MB")
    _check_zip(data, limits)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise ImportRejected([RowError(0, "无法读取该Excel文件，请确认是 .xlsx 格式且未损坏。")]) from exc
    try:
        if not workbook.worksheets:
            raise ImportRejected([RowError(0, "文件是空的：没有工作表。")])
        sheet = workbook.worksheets[0]
        member = getattr(sheet, "_worksheet_path", None)
        if member:
            _check_dimension(workbook._archive, member, limits)
        bound = _Bounded(limits)

        def records():
            # max_row bounds openpyxl's filling of missing rows whatever the file claims; the width is bounded by
            # the declared <dimension> (checked above) or, without one, by the row's own last cell, refused by
            # bound.check on the first row that is too wide
            rows = sheet.iter_rows(max_row=limits.rows + 1, values_only=True)
            for i, row in enumerate(rows, start=1):
                cells = list(row)
                bound.check(i, cells)
                yield i, cells

        try:
            return _rows_from(records())
        except ImportRejected:
            raise
        except Exception as exc:  # a damaged sheet part (bad XML, bad cell type) surfaces only while reading
            raise ImportRejected([RowError(0, "无法读取该Excel文件，请确认是 .xlsx 格式且未损坏。")]) from exc
    finally:
        workbook.close()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def header_text(value: Any) -> str:
    text = "" if value is None else str(value).strip()
    text = text.lstrip("*").rstrip("*").strip()
    text = re.sub(r"[（(][^（()）]*[）)]$", "", text).strip()  # "专有部分面积（㎡）" -> "专有部分面积"
    return text
