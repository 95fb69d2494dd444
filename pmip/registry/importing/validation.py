"""Checks of the registry import beyond single cells: rows that contradict each other, districts and subdistricts
(Shenzhen's), and whether a staff actor may write each project."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from pmip.core.tables import RowError
from pmip.identity.models import ScopeLevel, StaffRole
from pmip.registry.districts import SHENZHEN_DISTRICTS
from pmip.registry.importing.parsing import ParsedRow
from pmip.registry.models import District, Project, Subdistrict

# Known (district, subdistrict) name pairs; None for a reference one not in the database yet (`writing` creates it).
Places = dict[tuple[str, str], tuple[District | None, Subdistrict | None]]

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


def cross_check(rows: list[ParsedRow], errors: list[RowError]) -> None:
    """Consistency between rows: same project/building/unit described the same way, duplicates, share sums."""
    first_project: dict[str, ParsedRow] = {}
    first_building: dict[tuple[str, str], ParsedRow] = {}
    first_unit: dict[tuple[str, str, str], ParsedRow] = {}
    holders: dict[tuple, ParsedRow] = {}
    bare_unit: dict[tuple[str, str, str], ParsedRow] = {}
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


def writable(
    roles: Sequence[StaffRole],
    *,
    project: Project | None,
    district: District | None,
    subdistrict: Subdistrict | None,
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


def resolve_places(rows: list[ParsedRow], errors: list[RowError]) -> Places:
    """Known (district, subdistrict) pairs: in the database or in Shenzhen's reference list (created if missing)."""
    reference = {name: (code, set(subs)) for code, name, subs in SHENZHEN_DISTRICTS}
    districts = {d.name: d for d in District.objects.all()}
    subs = {(s.district.name, s.name): s for s in Subdistrict.objects.select_related("district")}
    out: Places = {}
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
            out[pair] = (districts.get(dname), subs.get(pair))
    return out
