"""Fixed facts of the demo city: scales, the reference date, the flagship project, demo staff and owners, banks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pmip.core.errors import DomainError
from pmip.core.idnumbers import make_mainland_number
from pmip.identity.models import ScopeLevel

# Share of the city's housing stock (weights for placing projects) and a rough centre for coordinates.
_DISTRICT_WEIGHT = {
    "罗湖区": 10,
    "福田区": 11,
    "南山区": 12,
    "宝安区": 18,
    "龙岗区": 18,
    "盐田区": 3,
    "龙华区": 12,
    "坪山区": 4,
    "光明区": 5,
    "大鹏新区": 2,
}
_DISTRICT_CENTRE = {
    "罗湖区": (22.548, 114.131),
    "福田区": (22.541, 114.055),
    "南山区": (22.533, 113.930),
    "宝安区": (22.655, 113.883),
    "龙岗区": (22.720, 114.247),
    "盐田区": (22.557, 114.237),
    "龙华区": (22.697, 114.045),
    "坪山区": (22.708, 114.350),
    "光明区": (22.749, 113.936),
    "大鹏新区": (22.593, 114.480),
}
# Placement of the first projects, so even the small city spreads over the districts.
_DISTRICT_ROTATION = (
    "宝安区",
    "南山区",
    "龙岗区",
    "罗湖区",
    "龙华区",
    "光明区",
    "坪山区",
    "盐田区",
    "大鹏新区",
)
# Region codes of Shenzhen used in the demo's mainland ID numbers (440301 = the city's old all-city code).
_ID_REGIONS = (
    "440301",
    "440303",
    "440304",
    "440305",
    "440306",
    "440307",
    "440308",
    "440309",
    "440310",
    "440311",
)
_ID_REGION_WEIGHTS = (6, 14, 16, 14, 18, 18, 3, 5, 3, 3)

BANKS: tuple[tuple[str, str, str, str], ...] = (
    ("中国工商银行", "深圳市分行", "深圳市罗湖区深南东路5055号", "0755-95588"),
    ("中国建设银行", "深圳市分行", "深圳市福田区益田路6003号", "0755-95533"),
    ("中国银行", "深圳市分行", "深圳市罗湖区建设路2022号", "0755-95566"),
    ("招商银行", "深圳分行", "深圳市福田区深南大道7088号", "0755-95555"),
    ("平安银行", "深圳分行", "深圳市罗湖区深南东路5047号", "0755-95511"),
    ("交通银行", "深圳分行", "深圳市福田区深南中路3018号", "0755-95559"),
)

# --------------------------------------------------------------------------------------------------------------
# Scales, fixed demo facts
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    projects: int
    units: int


#: `tiny` exists for tests; `small` is what `make run` loads.
SCALES: dict[str, Scale] = {
    "tiny": Scale(projects=2, units=300),
    "small": Scale(projects=7, units=3_000),
    "medium": Scale(projects=200, units=100_000),
    "city": Scale(projects=5_000, units=3_000_000),
}

#: Dates are relative to this day, never to the clock, so the same seed gives the same data on any day.
REFERENCE_DATE = dt.date(2026, 11, 1)

#: For the demo only. Never use these accounts or this password on a real deployment.
DEMO_PASSWORD = "Pmip-demo-2026"

FLAGSHIP_CODE = "4403040001"
FLAGSHIP_NAME = "莲花山庄"
FLAGSHIP_DISTRICT = "福田区"
FLAGSHIP_SUBDISTRICT = "莲花街道"


@dataclass(frozen=True)
class DemoStaffSpec:
    username: str
    display_name: str
    mobile: str
    level: str  # ScopeLevel value, or "operator"
    can_edit: bool
    title: str


DEMO_STAFF: tuple[DemoStaffSpec, ...] = (
    DemoStaffSpec(
        "demo_city",
        "市住建局（演示）",
        "+8613700000001",
        ScopeLevel.CITY,
        True,
        "深圳市住房和建设局 物业监管处",
    ),
    DemoStaffSpec(
        "demo_district",
        "福田区住建局（演示）",
        "+8613700000002",
        ScopeLevel.DISTRICT,
        False,
        "福田区住房和建设局",
    ),
    DemoStaffSpec(
        "demo_subdistrict",
        "莲花街道办（演示）",
        "+8613700000003",
        ScopeLevel.SUBDISTRICT,
        True,
        "莲花街道办事处 物业管理科",
    ),
    DemoStaffSpec(
        "demo_committee",
        "莲花山庄业委会（演示）",
        "+8613700000004",
        ScopeLevel.COMMITTEE,
        True,
        "莲花山庄业主委员会",
    ),
    DemoStaffSpec(
        "demo_company",
        "物业服务企业（演示）",
        "+8613700000005",
        ScopeLevel.COMPANY,
        False,
        "莲花山庄物业管理处",
    ),
    DemoStaffSpec("demo_ops", "平台运维（演示）", "+8613700000009", "operator", True, "平台运维"),
)


@dataclass(frozen=True)
class DemoOwnerSpec:
    key: str
    role: str  # what this owner demonstrates
    name: str
    id_type: str
    id_number: str
    phone: str


DEMO_OWNERS: tuple[DemoOwnerSpec, ...] = (
    DemoOwnerSpec(
        "plain",
        "普通业主（居民身份证，一套房）",
        "张伟明",
        "mainland",
        make_mainland_number("440304", dt.date(1982, 3, 15), 135),
        "+8613900000001",
    ),
    DemoOwnerSpec(
        "coowner_a",
        "共有房屋的共有人之一（与王强各占50%）",
        "李静",
        "mainland",
        make_mainland_number("440303", dt.date(1985, 7, 22), 246),
        "+8613900000002",
    ),
    DemoOwnerSpec(
        "coowner_b",
        "共有房屋的另一共有人（与李静各占50%）",
        "王强",
        "mainland",
        make_mainland_number("440305", dt.date(1983, 11, 2), 317),
        "+8613900000003",
    ),
    DemoOwnerSpec(
        "multi",
        "多套房业主（同一小区三处房屋，另一小区一套）",
        "陈建国",
        "mainland",
        make_mainland_number("440306", dt.date(1968, 5, 8), 71),
        "+8613900000004",
    ),
    DemoOwnerSpec(
        "hongkong", "香港业主（港澳居民来往内地通行证）", "黄家豪", "return_home", "H10384726", "+85261234567"
    ),
    DemoOwnerSpec("passport", "外籍业主（护照）", "DAVID MILLER", "passport", "568402913", "+8613900000006"),
)

# Fixed placement of the demo owners in the flagship project: (building, unit) -> [(owner key, share)].
_FLAGSHIP_FORCED: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("1", "801"): [("plain", "1")],
    ("1", "1002"): [("coowner_a", "0.5"), ("coowner_b", "0.5")],
    ("2", "301"): [("multi", "1")],
    ("2", "302"): [("multi", "1")],
    ("地库", "B1-005"): [("multi", "1")],
    ("2", "1201"): [("hongkong", "1")],
    ("3", "501"): [("passport", "1")],
}


class DemoRefused(DomainError):
    code = "demo_refused"
    status = 409
