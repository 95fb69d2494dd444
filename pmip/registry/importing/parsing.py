"""Reading the registry import's rows: each row's cells checked and converted (text, choices, yes/no, integers,
decimals, dates), collecting every error with its row number instead of stopping at the first."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pmip.core import clock
from pmip.core.idnumbers import validate
from pmip.core.money import MoneyError, parse_decimal
from pmip.core.tables import RowError, SourceRow, header_text, is_blank
from pmip.registry.importing.columns import (
    AREA_SOURCE,
    BY_KEY,
    CODE_RE,
    COLUMNS,
    HEADER_TO_KEY,
    ID_TYPE,
    MAX_AREA,
    MAX_NUMBER,
    NO,
    PHONE_RE,
    USE,
    YES,
)


@dataclass
class ParsedRow:
    """One valid row: the project, building, unit and (optional) holder it describes, cells converted."""

    number: int
    project_code: str
    project: dict[str, Any]
    building_number: str
    building: dict[str, Any]
    unit_number: str
    unit: dict[str, Any]
    holder: dict[str, Any] | None

    @property
    def unit_key(self) -> tuple[str, str, str]:
        return (self.project_code, self.building_number, self.unit_number)


class Cells:
    """Reads one row's cells, collecting errors instead of raising."""

    def __init__(self, number: int, values: dict[str, Any], errors: list[RowError]):
        self.number, self.values, self.errors = number, values, errors

    def error(self, message: str) -> None:
        self.errors.append(RowError(self.number, message))

    def raw(self, key: str) -> Any:
        return self.values.get(key)

    def text(self, key: str, *, max_length: int) -> str:
        value = self.raw(key)
        label = BY_KEY[key].header
        if value is None:
            text = ""
        elif isinstance(value, float) and value.is_integer():
            text = str(int(value))
        elif isinstance(value, dt.datetime | dt.date):
            text = value.isoformat()
        else:
            text = " ".join(str(value).split())
        if not text and BY_KEY[key].required:
            self.error(f"“{label}”不能为空。")
        elif len(text) > max_length:
            self.error(f"“{label}”不能超过{max_length}个字（现为{len(text)}个）。")
        return text

    def choice(self, key: str, mapping: dict[str, str], default: str | None) -> str | None:
        text = self.text(key, max_length=50)
        if not text:
            return default
        value = mapping.get(text) or mapping.get(text.lower())
        if value is None:
            allowed = "、".join(dict.fromkeys(k for k in mapping if not k.isascii()))
            self.error(f"“{BY_KEY[key].header}”的值“{text}”无法识别，可填：{allowed}。")
        return value

    def boolean(self, key: str) -> bool | None:
        value = self.raw(key)
        if isinstance(value, bool):
            return value
        text = self.text(key, max_length=10).lower()
        if not text:
            return None
        if text in YES:
            return True
        if text in NO:
            return False
        self.error(f"“{BY_KEY[key].header}”应填“是”或“否”，现为“{text}”。")
        return None

    def integer(self, key: str, *, low: int, high: int) -> int | None:
        value = self.raw(key)
        label = BY_KEY[key].header
        if isinstance(value, bool):
            value = None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            text = self.text(key, max_length=10)
            if not text:
                return None
            if not re.fullmatch(r"-?[0-9]+", text):
                self.error(f"“{label}”应为整数，现为“{text}”。")
                return None
            value = int(text)
        if not low <= value <= high:
            self.error(f"“{label}”应在{low}到{high}之间，现为{value}。")
            return None
        return value

    def decimal(self, key: str, *, places: int) -> Decimal | None:
        value = self.raw(key)
        label = BY_KEY[key].header
        if isinstance(value, bool):
            self.error(f"“{label}”格式不正确。")
            return None
        if isinstance(value, float):
            text = repr(value)  # shortest repr: 89.37 stays 89.37
        elif isinstance(value, int | Decimal):
            text = str(value)
        else:
            text = self.text(key, max_length=30).replace(",", "")
        if not text:
            return None
        percent = text.endswith("%")
        try:  # the one bounded parser (pmip.core.money): no InvalidOperation for "1e30" or "NaN"
            number = parse_decimal(
                text.rstrip("%"),
                label=f"“{label}”",
                places=places + (2 if percent else 0),
                max_abs=MAX_NUMBER,
            )
        except MoneyError as exc:
            if "最多保留" in exc.message:
                self.error(f"“{label}”最多保留{places}位小数，现为“{text}”。")
            elif "超出范围" in exc.message:
                self.error(f"“{label}”数值过大：“{text}”。")
            else:
                self.error(f"“{label}”格式不正确：“{text}”。")
            return None
        if percent:
            fraction = number / 100
            number = fraction.quantize(Decimal(1).scaleb(-places))
            if number != fraction:
                self.error(f"“{label}”最多保留{places}位小数，现为“{text}”。")
                return None
        return number

    def date(self, key: str) -> dt.date | None:
        value = self.raw(key)
        label = BY_KEY[key].header
        day: dt.date | None
        if isinstance(value, dt.datetime):
            day = value.date()
        elif isinstance(value, dt.date):
            day = value
        else:
            text = self.text(key, max_length=20)
            if not text:
                return None
            match = re.fullmatch(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?", text)
            try:
                day = dt.date(*(int(g) for g in match.groups())) if match else None
            except ValueError:
                day = None
            if day is None:
                self.error(f"“{label}”应为日期，如2020-05-01，现为“{text}”。")
                return None
        if day > clock.today():
            self.error(f"“{label}”不能晚于今天。")
            return None
        return day


def parse_row(source: SourceRow, errors: list[RowError]) -> ParsedRow | None:
    """One row's cells checked in column order; None (its errors added to `errors`) when any is wrong."""
    before = len(errors)
    cell = Cells(source.number, _values_by_key(source, errors), errors)
    code = cell.text("project_code", max_length=32)
    if code and not CODE_RE.fullmatch(code):
        cell.error(f"物业项目编号“{code}”只能包含字母、数字和“-”。")
    project = _project(cell)
    building_number = cell.text("building_number", max_length=30)
    building = {
        "floors": cell.integer("building_floors", low=1, high=200),
        "has_lift": cell.boolean("has_lift"),
    }
    unit_number = cell.text("unit_number", max_length=30)
    unit = _unit(cell)
    holder = _holder(cell)
    if len(errors) > before:
        return None
    return ParsedRow(source.number, code, project, building_number, building, unit_number, unit, holder)


def _values_by_key(source: SourceRow, errors: list[RowError]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for header, value in source.values.items():
        if header == "__extra__":
            errors.append(
                RowError(source.number, "本行有数据填在了没有表头的列中，请检查是否有多余的单元格。")
            )
            continue
        key = HEADER_TO_KEY.get(header_text(header)) or HEADER_TO_KEY.get(str(header).strip().lower())
        if key is not None:
            values[key] = value
    return values


def _project(cell: Cells) -> dict[str, Any]:
    project = {
        "name": cell.text("project_name", max_length=100),
        "district": cell.text("district", max_length=50),
        "subdistrict": cell.text("subdistrict", max_length=50),
        "community": cell.text("community", max_length=50),
        "address": cell.text("address", max_length=200),
        "service_phone": cell.text("service_phone", max_length=30),
    }
    if project["service_phone"] and not PHONE_RE.fullmatch(project["service_phone"]):
        cell.error(f"客服电话“{project['service_phone']}”格式不正确。")
    return project


def _unit(cell: Cells) -> dict[str, Any]:
    floor = cell.integer("floor", low=-10, high=200)
    area = cell.decimal("area", places=2)
    if area is not None and area <= 0:
        cell.error("专有部分面积必须大于0。")
    elif area is not None and area > MAX_AREA:
        cell.error("专有部分面积过大。")
    return {
        "floor": floor,
        "use": cell.choice("use", USE, None),
        "area": area,
        "area_source": cell.choice("area_source", AREA_SOURCE, None),
        "delivered": cell.boolean("delivered"),
        "developer_held": cell.boolean("developer_held"),
    }


def _holder(cell: Cells) -> dict[str, Any] | None:
    """The title holder's cells: all of name, ID type and ID number, or none of the holder columns."""
    name = cell.text("holder_name", max_length=60)
    id_type_text = cell.text("id_type", max_length=30)
    id_raw = cell.raw("id_number")
    numeric_id = isinstance(id_raw, int | float) and not isinstance(id_raw, bool)
    if numeric_id:
        cell.error("证件号码请以文本格式填写（数字格式会丢失位数或末位X）。")
    id_number = "" if id_raw is None else str(id_raw).strip()
    share_given = not is_blank(cell.raw("share"))
    if not (name or id_type_text or id_number):
        for key in ("share", "registered_on", "certificate_no"):
            if not is_blank(cell.raw(key)):
                cell.error(f"填写了“{BY_KEY[key].header}”，但没有填写产权人姓名、证件类型和证件号码。")
        return None
    missing = [
        label
        for label, v in (("产权人姓名", name), ("证件类型", id_type_text), ("证件号码", id_number))
        if not v
    ]
    id_type = cell.choice("id_type", ID_TYPE, None) if id_type_text else None
    if missing:
        cell.error(f"填写了产权人信息时，{'、'.join(missing)}也必须填写。")
    normalised = None
    if id_type and id_number and not numeric_id:
        try:
            normalised = validate(id_type, id_number)
        except ValueError as exc:
            cell.error(str(exc))
    share = cell.decimal("share", places=4) if share_given else Decimal("1")
    if share is not None and not (0 < share <= 1):
        cell.error(f"产权份额应大于0且不超过1，现为{share.normalize()}。")
    return {
        "name": name,
        "id_type": id_type,
        "id_number": normalised,
        "share": share,
        "registered_on": cell.date("registered_on"),
        "certificate_no": cell.text("certificate_no", max_length=60),
    }


def check_headers(rows: list[SourceRow]) -> list[RowError]:
    """The header row: every column known, none twice (by header or key), every required column present."""
    seen: set[str] = set()
    errors = []
    for row in rows:
        for header in row.values:
            if header != "__extra__":
                seen.add(header)
    keys: dict[str, str] = {}
    for header in sorted(seen, key=str):
        text = header_text(header)
        key = HEADER_TO_KEY.get(text) or HEADER_TO_KEY.get(text.lower())
        if key is None:
            errors.append(RowError(0, f"表头：无法识别的列“{header}”。可用的列见导入格式说明。"))
        elif key in keys:
            errors.append(RowError(0, f"表头：列“{keys[key]}”和“{header}”是同一列（{BY_KEY[key].header}）。"))
        else:
            keys[key] = header
    for column in COLUMNS:
        if column.required and column.key not in keys:
            errors.append(RowError(0, f"表头：缺少必填列“{column.header}”（{column.key}）。"))
    return errors
