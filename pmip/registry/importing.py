"""基础数据导入 (registry import): projects, buildings, units and title holders from a spreadsheet, all or nothing.

The format is documented in docs/import-format.md: one row per unit (or per unit and holder, for co-owned units),
Chinese header names or their English keys. `read_table()` turns a CSV (UTF-8, with or without BOM; GB18030 as a
fallback) or XLSX file into rows; `import_registry_rows()` is the service the command and the back office call.

Rules of `import_registry_rows`:
- Every row is validated before anything is written; any error rejects the whole file (`ImportRejected`, which lists
  every error with its row number in Chinese) and nothing is written.
- Matching is by project code, (project, building number), (building, unit number); title records by
  (unit, ID type, blind-index hash of the ID number) among the unit's current records. Re-importing the same file
  changes nothing (all counts "unchanged").
- Optional columns left blank keep the existing value (or take the default for a new record).
- When a unit in the file lists holders, the unit's current title records whose holder is not in the file are ended
  (`ended_on` = today): the registry shows a new holder. Units listed without holders keep their title records.
- Districts and subdistricts must be Shenzhen's (created from the reference list when missing); communities are
  created on first use.
- Permission: `actor=None` is the command line (the system). A staff actor needs an editable role whose scope covers
  every project in the file (existing and new: district/subdistrict for new projects; committee and company roles
  cannot create projects).
- One audit entry `registry.import.completed` with the file name and the counts; never ID numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from pmip.audit.services import record
from pmip.core import clock, crypto, public_cache
from pmip.core.errors import PermissionDenied
from pmip.core.idnumbers import ID_TYPES, validate
from pmip.core.money import MoneyError, parse_decimal
from pmip.core.tables import ImportRejected, RowError, SourceRow, header_text, is_blank
from pmip.core.tables import read_table as read_table  # re-exported for the command and callers
from pmip.identity.models import ScopeLevel
from pmip.identity.scopes import roles_of
from pmip.registry.choices import AreaSource, UnitUse
from pmip.registry.districts import SHENZHEN_DISTRICTS
from pmip.registry.models import Building, Community, District, Project, Subdistrict, TitleRecord, Unit
from pmip.registry.pinyin import initials
from pmip.registry.search_index import index_projects
from pmip.registry.selectors import PUBLIC_NAMESPACE

# --------------------------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("project_code", "物业项目编号", True),
    Column("project_name", "物业项目名称", True),
    Column("district", "行政区", True),
    Column("subdistrict", "街道", True),
    Column("community", "社区"),
    Column("address", "项目地址", True),
    Column("service_phone", "客服电话"),
    Column("building_number", "楼栋号", True),
    Column("building_floors", "楼栋层数"),
    Column("has_lift", "有无电梯"),
    Column("unit_number", "房号", True),
    Column("floor", "所在楼层", True),
    Column("use", "房屋用途", True),
    Column("area", "专有部分面积", True),
    Column("area_source", "面积来源"),
    Column("delivered", "已交付"),
    Column("developer_held", "建设单位持有"),
    Column("holder_name", "产权人姓名"),
    Column("id_type", "证件类型"),
    Column("id_number", "证件号码"),
    Column("share", "产权份额"),
    Column("registered_on", "登记日期"),
    Column("certificate_no", "不动产权证书号"),
)
_BY_KEY = {c.key: c for c in COLUMNS}
_HEADER_TO_KEY = {c.header: c.key for c in COLUMNS} | {c.key: c.key for c in COLUMNS}

_USE = (
    {label: value for value, label in UnitUse.choices} | {v: v for v in UnitUse.values} | {"车库": "parking"}
)
_AREA_SOURCE = (
    {label: value for value, label in AreaSource.choices}
    | {v: v for v in AreaSource.values}
    | {"登记": "registered", "登记面积": "registered", "实测": "surveyed", "合同": "contract"}
)
_ID_TYPE = (
    {label: value for value, label in ID_TYPES.items()} | {v: v for v in ID_TYPES} | {"身份证": "mainland"}
)
_YES = {"是", "有", "y", "yes", "true", "1", "已交付"}
_NO = {"否", "无", "n", "no", "false", "0", "未交付"}
_CODE_RE = re.compile(r"[0-9A-Za-z\-]{1,32}")
_PHONE_RE = re.compile(r"[0-9+\-() ]{5,30}")
_MAX_AREA = Decimal("99999999.99")
_MAX_NUMBER = Decimal("999999999999")  # any decimal cell; each column has its own tighter rule

# --------------------------------------------------------------------------------------------------------------
# Results and errors
# --------------------------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    source: str
    rows: int
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    titles_ended: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": {k: v for k, v in self.created.items() if v},
            "updated": {k: v for k, v in self.updated.items() if v},
            "unchanged": {k: v for k, v in self.unchanged.items() if v},
            "titles_ended": self.titles_ended,
        }

    def summary_lines(self) -> list[str]:
        kinds = (
            ("districts", "行政区"),
            ("subdistricts", "街道"),
            ("communities", "社区"),
            ("projects", "物业项目"),
            ("buildings", "楼栋"),
            ("units", "房屋"),
            ("titles", "产权登记"),
        )
        lines = [f"导入完成：{self.source}，共{self.rows}行。"]
        for key, label in kinds:
            c, u, n = self.created[key], self.updated[key], self.unchanged[key]
            if c or u or n:
                lines.append(f"  {label}：新建 {c}，更新 {u}，未变 {n}")
        if self.titles_ended:
            lines.append(f"  终止的原产权登记（产权人已变更）：{self.titles_ended}")
        return lines


# --------------------------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------------------


@dataclass
class _Row:
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


class _Cell:
    """Reads one row's cells, collecting errors instead of raising."""

    def __init__(self, number: int, values: dict[str, Any], errors: list[RowError]):
        self.number, self.values, self.errors = number, values, errors

    def error(self, message: str) -> None:
        self.errors.append(RowError(self.number, message))

    def raw(self, key: str) -> Any:
        return self.values.get(key)

    def text(self, key: str, *, max_length: int) -> str:
        value = self.raw(key)
        label = _BY_KEY[key].header
        if value is None:
            text = ""
        elif isinstance(value, float) and value.is_integer():
            text = str(int(value))
        elif isinstance(value, dt.datetime | dt.date):
            text = value.isoformat()
        else:
            text = " ".join(str(value).split())
        if not text and _BY_KEY[key].required:
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
            self.error(f"“{_BY_KEY[key].header}”的值“{text}”无法识别，可填：{allowed}。")
        return value

    def boolean(self, key: str) -> bool | None:
        value = self.raw(key)
        if isinstance(value, bool):
            return value
        text = self.text(key, max_length=10).lower()
        if not text:
            return None
        if text in _YES:
            return True
        if text in _NO:
            return False
        self.error(f"“{_BY_KEY[key].header}”应填“是”或“否”，现为“{text}”。")
        return None

    def integer(self, key: str, *, low: int, high: int) -> int | None:
        value = self.raw(key)
        label = _BY_KEY[key].header
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
        label = _BY_KEY[key].header
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
                max_abs=_MAX_NUMBER,
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
        label = _BY_KEY[key].header
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


def _parse_row(source: SourceRow, errors: list[RowError]) -> _Row | None:
    values: dict[str, Any] = {}
    for header, value in source.values.items():
        if header == "__extra__":
            errors.append(
                RowError(source.number, "本行有数据填在了没有表头的列中，请检查是否有多余的单元格。")
            )
            continue
        key = _HEADER_TO_KEY.get(header_text(header)) or _HEADER_TO_KEY.get(str(header).strip().lower())
        if key is not None:
            values[key] = value
    before = len(errors)
    cell = _Cell(source.number, values, errors)
    code = cell.text("project_code", max_length=32)
    if code and not _CODE_RE.fullmatch(code):
        cell.error(f"物业项目编号“{code}”只能包含字母、数字和“-”。")
    project = {
        "name": cell.text("project_name", max_length=100),
        "district": cell.text("district", max_length=50),
        "subdistrict": cell.text("subdistrict", max_length=50),
        "community": cell.text("community", max_length=50),
        "address": cell.text("address", max_length=200),
        "service_phone": cell.text("service_phone", max_length=30),
    }
    if project["service_phone"] and not _PHONE_RE.fullmatch(project["service_phone"]):
        cell.error(f"客服电话“{project['service_phone']}”格式不正确。")
    building_number = cell.text("building_number", max_length=30)
    building = {
        "floors": cell.integer("building_floors", low=1, high=200),
        "has_lift": cell.boolean("has_lift"),
    }
    unit_number = cell.text("unit_number", max_length=30)
    floor = cell.integer("floor", low=-10, high=200)
    area = cell.decimal("area", places=2)
    if area is not None and area <= 0:
        cell.error("专有部分面积必须大于0。")
    elif area is not None and area > _MAX_AREA:
        cell.error("专有部分面积过大。")
    unit = {
        "floor": floor,
        "use": cell.choice("use", _USE, None),
        "area": area,
        "area_source": cell.choice("area_source", _AREA_SOURCE, None),
        "delivered": cell.boolean("delivered"),
        "developer_held": cell.boolean("developer_held"),
    }
    holder = None
    name = cell.text("holder_name", max_length=60)
    id_type_text = cell.text("id_type", max_length=30)
    id_raw = cell.raw("id_number")
    numeric_id = isinstance(id_raw, int | float) and not isinstance(id_raw, bool)
    if numeric_id:
        cell.error("证件号码请以文本格式填写（数字格式会丢失位数或末位X）。")
    id_number = "" if id_raw is None else str(id_raw).strip()
    share_given = not is_blank(cell.raw("share"))
    if name or id_type_text or id_number:
        missing = [
            label
            for label, v in (("产权人姓名", name), ("证件类型", id_type_text), ("证件号码", id_number))
            if not v
        ]
        id_type = cell.choice("id_type", _ID_TYPE, None) if id_type_text else None
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
        holder = {
            "name": name,
            "id_type": id_type,
            "id_number": normalised,
            "share": share,
            "registered_on": cell.date("registered_on"),
            "certificate_no": cell.text("certificate_no", max_length=60),
        }
    else:
        for key in ("share", "registered_on", "certificate_no"):
            if not is_blank(cell.raw(key)):
                cell.error(f"填写了“{_BY_KEY[key].header}”，但没有填写产权人姓名、证件类型和证件号码。")
    if len(errors) > before:
        return None
    return _Row(source.number, code, project, building_number, building, unit_number, unit, holder)


def _check_headers(rows: list[SourceRow]) -> list[RowError]:
    seen: set[str] = set()
    errors = []
    for row in rows:
        for header in row.values:
            if header != "__extra__":
                seen.add(header)
    keys: dict[str, str] = {}
    for header in sorted(seen, key=str):
        text = header_text(header)
        key = _HEADER_TO_KEY.get(text) or _HEADER_TO_KEY.get(text.lower())
        if key is None:
            errors.append(RowError(0, f"表头：无法识别的列“{header}”。可用的列见导入格式说明。"))
        elif key in keys:
            errors.append(
                RowError(0, f"表头：列“{keys[key]}”和“{header}”是同一列（{_BY_KEY[key].header}）。")
            )
        else:
            keys[key] = header
    for column in COLUMNS:
        if column.required and column.key not in keys:
            errors.append(RowError(0, f"表头：缺少必填列“{column.header}”（{column.key}）。"))
    return errors


_PROJECT_LABELS = {
    "name": "物业项目名称",
    "district": "行政区",
    "subdistrict": "街道",
    "community": "社区",
    "address": "项目地址",
    "service_phone": "客服电话",
}
_UNIT_LABELS = {
    "floor": "所在楼层",
    "use": "房屋用途",
    "area": "专有部分面积",
    "area_source": "面积来源",
    "delivered": "已交付",
    "developer_held": "建设单位持有",
}


def _cross_check(rows: list[_Row], errors: list[RowError]) -> None:
    """Consistency between rows: same project/building/unit described the same way, duplicates, share sums."""
    first_project: dict[str, _Row] = {}
    first_building: dict[tuple[str, str], _Row] = {}
    first_unit: dict[tuple[str, str, str], _Row] = {}
    holders: dict[tuple, _Row] = {}
    bare_unit: dict[tuple[str, str, str], _Row] = {}
    shares: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        p = first_project.setdefault(row.project_code, row)
        for key, label in _PROJECT_LABELS.items():
            if row.project[key] != p.project[key]:
                errors.append(
                    RowError(row.number, f"物业项目“{row.project_code}”的{label}与第{p.number}行不一致。")
                )
        b = first_building.setdefault((row.project_code, row.building_number), row)
        floors = row.building["floors"]
        if floors is not None and row.unit["floor"] > floors:
            errors.append(RowError(row.number, f"所在楼层{row.unit['floor']}超过了楼栋层数{floors}。"))
        for key, label in (("floors", "楼栋层数"), ("has_lift", "有无电梯")):
            if row.building[key] != b.building[key]:
                errors.append(
                    RowError(row.number, f"{row.building_number}栋的{label}与第{b.number}行不一致。")
                )
        u = first_unit.setdefault(row.unit_key, row)
        for key, label in _UNIT_LABELS.items():
            if row.unit[key] != u.unit[key]:
                errors.append(
                    RowError(
                        row.number,
                        f"房屋“{row.building_number}栋{row.unit_number}”的{label}与第{u.number}行不一致。",
                    )
                )
        if row.holder is None:
            if row.unit_key in bare_unit:
                errors.append(
                    RowError(row.number, f"与第{bare_unit[row.unit_key].number}行重复（同一房屋）。")
                )
            bare_unit.setdefault(row.unit_key, row)
            continue
        hkey = (*row.unit_key, row.holder["id_type"], row.holder["id_number"])
        if hkey in holders:
            errors.append(RowError(row.number, f"与第{holders[hkey].number}行重复（同一房屋的同一产权人）。"))
            continue
        holders[hkey] = row
        before = shares[row.unit_key]
        shares[row.unit_key] += row.holder["share"]
        if before <= 1 < shares[row.unit_key]:
            errors.append(
                RowError(
                    row.number,
                    f"房屋“{row.building_number}栋{row.unit_number}”各产权人的产权份额合计"
                    f"{shares[row.unit_key].normalize()}，超过1（共有人请分别填写份额，如0.5）。",
                )
            )


# --------------------------------------------------------------------------------------------------------------
# Permission
# --------------------------------------------------------------------------------------------------------------


def _writable(
    roles, *, project: Project | None, district: District | None, subdistrict: Subdistrict | None
) -> bool:
    """May these editable roles write this project (existing: where it is now and where the file puts it)?"""

    def covers(role, district_id, subdistrict_id, project_obj) -> bool:
        if role.level == ScopeLevel.CITY:
            return True
        if role.level == ScopeLevel.DISTRICT:
            return district_id is not None and role.district_id == district_id
        if role.level == ScopeLevel.SUBDISTRICT:
            return subdistrict_id is not None and role.subdistrict_id == subdistrict_id
        if project_obj is None:
            return False  # committees and companies cannot create projects
        if role.level == ScopeLevel.COMMITTEE:
            return role.project_id == project_obj.id
        return project_obj.company_id is not None and role.company_id == project_obj.company_id

    district_id, subdistrict_id = getattr(district, "id", None), getattr(subdistrict, "id", None)
    target_ok = any(covers(r, district_id, subdistrict_id, project) for r in roles)
    if project is None:
        return target_ok
    current_ok = any(covers(r, project.district_id, project.subdistrict_id, project) for r in roles)
    return target_ok and current_ok


# --------------------------------------------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------------------------------------------


def import_registry_rows(
    *, actor, rows: Iterable[SourceRow | Mapping[str, Any]], source: str
) -> ImportResult:
    """Validate every row, then create or update projects, buildings, units and title records in one transaction.

    Raises `ImportRejected` (with every row error) and writes nothing when any row fails; `PermissionDenied` when a
    staff actor has no editable role. `source` is the file name, kept in the audit entry.
    """
    if actor is not None and not any(r.can_edit for r in roles_of(actor)):
        raise PermissionDenied("您没有导入基础数据的权限。")
    source_rows = [r if isinstance(r, SourceRow) else SourceRow(i + 2, r) for i, r in enumerate(rows)]
    if not source_rows:
        raise ImportRejected([RowError(0, "没有数据行。")])
    errors = _check_headers(source_rows)
    if errors:
        raise ImportRejected(errors)
    parsed = [p for p in (_parse_row(r, errors) for r in source_rows) if p is not None]
    _cross_check(parsed, errors)

    with transaction.atomic(durable=True):
        places = _resolve_places(parsed, errors)
        projects = {
            p.code: p for p in _in_chunks(Project.objects.all(), "code", {r.project_code for r in parsed})
        }
        if actor is not None:
            roles = [r for r in roles_of(actor) if r.can_edit]
            reported: set[str] = set()
            for row in parsed:
                place = places.get((row.project["district"], row.project["subdistrict"]))
                if place is None or row.project_code in reported:
                    continue
                if not _writable(
                    roles, project=projects.get(row.project_code), district=place[0], subdistrict=place[1]
                ):
                    reported.add(row.project_code)
                    errors.append(
                        RowError(row.number, f"物业项目“{row.project_code}”不在您可编辑的范围内，不能导入。")
                    )
        if errors:
            raise ImportRejected(errors)
        result = ImportResult(source=source, rows=len(source_rows))
        _write(parsed, places, projects, result, actor)
        record(
            actor=actor,
            action="registry.import.completed",
            data={"source": source, **result.as_dict()},
            actor_label="" if actor is not None else "系统（import_registry）",
        )
    return result


def _resolve_places(
    rows: list[_Row], errors: list[RowError]
) -> dict[tuple[str, str], tuple[District, Subdistrict]]:
    """Known (district, subdistrict) pairs: in the database or in Shenzhen's reference list (created if missing)."""
    reference = {name: (code, set(subs)) for code, name, subs in SHENZHEN_DISTRICTS}
    districts = {d.name: d for d in District.objects.all()}
    subs = {(s.district.name, s.name): s for s in Subdistrict.objects.select_related("district")}
    out: dict[tuple[str, str], tuple[District, Subdistrict]] = {}
    known = "、".join(dict.fromkeys([*reference, *districts]))
    for row in rows:
        pair = (row.project["district"], row.project["subdistrict"])
        if pair in out:
            continue
        dname, sname = pair
        if dname not in districts and dname not in reference:
            errors.append(RowError(row.number, f"未知的行政区“{dname}”，应为：{known}。"))
        elif pair not in subs and sname not in reference.get(dname, ("", set()))[1]:
            errors.append(
                RowError(row.number, f"“{sname}”不是{dname}的街道，请核对街道名称（如“莲花街道”）。")
            )
        else:
            out[pair] = (districts.get(dname), subs.get(pair))  # type: ignore[assignment]
    return out


def _write(rows: list[_Row], places, projects: dict[str, Project], result: ImportResult, actor) -> None:
    today = clock.today()
    reference_codes = {name: code for code, name, _subs in SHENZHEN_DISTRICTS}
    # Places: create the reference districts/subdistricts that are missing.
    for pair, (district, subdistrict) in list(places.items()):
        if district is None:
            district = District.objects.filter(name=pair[0]).first()
            if district is None:
                district = District.objects.create(code=reference_codes[pair[0]], name=pair[0])
                result.created["districts"] += 1
        if subdistrict is None:
            subdistrict, made = Subdistrict.objects.get_or_create(district=district, name=pair[1])
            result.created["subdistricts"] += int(made)
        places[pair] = (district, subdistrict)
    communities = {
        (c.subdistrict_id, c.name): c
        for c in Community.objects.filter(subdistrict__in=[s for _d, s in places.values()])
    }

    # Projects.
    first: dict[str, _Row] = {}
    for row in rows:
        first.setdefault(row.project_code, row)
    to_update: list[Project] = []
    for code, row in first.items():
        district, subdistrict = places[(row.project["district"], row.project["subdistrict"])]
        community = None
        if row.project["community"]:
            community = communities.get((subdistrict.id, row.project["community"]))
            if community is None:
                community = Community.objects.create(subdistrict=subdistrict, name=row.project["community"])
                communities[(subdistrict.id, community.name)] = community
                result.created["communities"] += 1
        wanted = {
            "name": row.project["name"],
            "address": row.project["address"],
            "district_id": district.id,
            "subdistrict_id": subdistrict.id,
        }
        if community is not None:
            wanted["community_id"] = community.id
        if row.project["service_phone"]:
            wanted["service_phone"] = row.project["service_phone"]
        project = projects.get(code)
        if project is None:
            project = Project(code=code, **wanted)
            project.save()
            projects[code] = project
            result.created["projects"] += 1
        elif _apply(project, wanted):
            project.name_initials = initials(project.name)
            project.updated_at = clock.now()
            to_update.append(project)
            result.updated["projects"] += 1
        else:
            result.unchanged["projects"] += 1
    if to_update:
        Project.objects.bulk_update(
            to_update,
            [
                "name",
                "name_initials",
                "address",
                "district",
                "subdistrict",
                "community",
                "service_phone",
                "updated_at",
            ],
        )
        # bulk_update bypasses Project.save() and its signals: index and invalidate the public reads here
        index_projects([p.pk for p in to_update])
        public_cache.invalidate(PUBLIC_NAMESPACE)

    # Buildings.
    project_ids = [projects[c].id for c in first]
    buildings = {
        (b.project_id, b.number): b for b in _in_chunks(Building.objects.all(), "project_id", project_ids)
    }
    max_floor: dict[tuple[str, str], int] = defaultdict(lambda: 1)
    first_b: dict[tuple[str, str], _Row] = {}
    for row in rows:
        key = (row.project_code, row.building_number)
        first_b.setdefault(key, row)
        max_floor[key] = max(max_floor[key], row.unit["floor"])
    new_b, upd_b = [], []
    for key, row in first_b.items():
        project = projects[key[0]]
        building = buildings.get((project.id, key[1]))
        floors = row.building["floors"]
        if building is None:
            building = Building(
                project=project,
                number=key[1],
                floors=floors or max_floor[key],
                has_lift=True if row.building["has_lift"] is None else row.building["has_lift"],
            )
            new_b.append(building)
            buildings[(project.id, key[1])] = building
            continue
        wanted = {"floors": floors if floors is not None else max(building.floors, max_floor[key])}
        if row.building["has_lift"] is not None:
            wanted["has_lift"] = row.building["has_lift"]
        if _apply(building, wanted):
            upd_b.append(building)
        else:
            result.unchanged["buildings"] += 1
    Building.objects.bulk_create(new_b, batch_size=2000)
    Building.objects.bulk_update(upd_b, ["floors", "has_lift"], batch_size=2000)
    result.created["buildings"] += len(new_b)
    result.updated["buildings"] += len(upd_b)

    # Units.
    def building_of(row: _Row) -> Building:
        return buildings[(projects[row.project_code].id, row.building_number)]

    units = {
        (u.building_id, u.number): u
        for u in _in_chunks(Unit.objects.all(), "building_id", [b.id for b in buildings.values()])
    }
    first_u: dict[tuple[str, str, str], _Row] = {}
    for row in rows:
        first_u.setdefault(row.unit_key, row)
    new_u, upd_u = [], []
    for key, row in first_u.items():
        building = building_of(row)
        unit = units.get((building.id, key[2]))
        wanted = {"floor": row.unit["floor"], "use": row.unit["use"], "area": row.unit["area"]}
        for name in ("area_source", "delivered", "developer_held"):
            if row.unit[name] is not None:
                wanted[name] = row.unit[name]
        if unit is None:
            unit = Unit(project_id=building.project_id, building=building, number=key[2], **wanted)
            new_u.append(unit)
            units[(building.id, key[2])] = unit
        elif _apply(unit, wanted):
            upd_u.append(unit)
        else:
            result.unchanged["units"] += 1
    Unit.objects.bulk_create(new_u, batch_size=2000)
    Unit.objects.bulk_update(
        upd_u, ["floor", "use", "area", "area_source", "delivered", "developer_held"], batch_size=2000
    )
    result.created["units"] += len(new_u)
    result.updated["units"] += len(upd_u)

    # Title records, matched by (unit, ID type, hash) among the unit's current records.
    holder_rows = [r for r in rows if r.holder is not None]
    unit_ids = {units[(building_of(r).id, r.unit_number)].id for r in holder_rows}
    current: dict[int, dict[tuple[str, str], TitleRecord]] = defaultdict(dict)
    for t in _in_chunks(TitleRecord.objects.current(), "unit_id", unit_ids):
        current[t.unit_id][(t.id_type, t.id_number_hash)] = t
    kept: set[int] = set()
    new_t, upd_t = [], []
    now = clock.now()
    for row in holder_rows:
        unit = units[(building_of(row).id, row.unit_number)]
        h = row.holder
        digest = crypto.id_number_hash(h["id_type"], h["id_number"])
        existing = current[unit.id].get((h["id_type"], digest))
        wanted = {"holder_name": h["name"], "share": h["share"]}
        if h["registered_on"] is not None:
            wanted["registered_on"] = h["registered_on"]
        if h["certificate_no"]:
            wanted["certificate_no"] = h["certificate_no"]
        if existing is None:
            title = TitleRecord(unit=unit, **wanted)
            title.set_id_number(h["id_type"], h["id_number"])
            new_t.append(title)
            continue
        kept.add(existing.id)
        if _apply(existing, wanted):
            existing.updated_at = now
            upd_t.append(existing)
        else:
            result.unchanged["titles"] += 1
    ended = [t for by_unit in current.values() for t in by_unit.values() if t.id not in kept]
    for t in ended:
        t.ended_on = today
        t.updated_at = now
    TitleRecord.objects.bulk_create(new_t, batch_size=2000)
    TitleRecord.objects.bulk_update(
        [*upd_t, *ended],
        ["holder_name", "share", "registered_on", "certificate_no", "ended_on", "updated_at"],
        batch_size=2000,
    )
    result.created["titles"] += len(new_t)
    result.updated["titles"] += len(upd_t)
    result.titles_ended = len(ended)
    _follow_ended_titles(actor, {t.unit_id for t in ended})


def _follow_ended_titles(actor, unit_ids: set[int]) -> None:
    """A unit whose holder changed ends (or moves) its owners' bindings, in the import's transaction."""
    if not unit_ids:
        return
    from pmip.identity.binding import follow_title_changes
    from pmip.identity.models import BindingStatus, HouseBinding

    bound = HouseBinding.objects.filter(unit_id__in=unit_ids, status=BindingStatus.ACTIVE).values("unit_id")
    for unit in Unit.objects.filter(pk__in=bound).order_by("pk"):
        follow_title_changes(actor=actor, unit=unit)


def _in_chunks(queryset, field_name: str, values, size: int = 5000) -> list:
    """`filter(<field>__in=values)` in slices, so a large file stays under the database's parameter limit."""
    values = list(values)
    out: list = []
    for start in range(0, len(values), size):
        out.extend(queryset.filter(**{f"{field_name}__in": values[start : start + size]}))
    return out


def _apply(obj, wanted: dict[str, Any]) -> bool:
    """Set the fields that differ; True when anything changed."""
    changed = False
    for name, value in wanted.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed
