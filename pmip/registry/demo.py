"""演示城市 (demo city): a deterministic synthetic Shenzhen for development, demos, benchmarks and tests.

`load_demo_city(scale=..., seed=...)` fills an empty registry with the real 10 districts and 74 subdistricts of
Shenzhen, synthetic communities, property companies, data-sharing banks and projects with buildings, units, title
holders, owners' assemblies, committees, party branches, practitioners, facilities and safety inspections, plus demo
log-ins (back-office staff at every scope level, an operator) and a handful of named demo owners.

Rules:
- Same seed, same data: every random choice comes from a `random.Random` seeded with the seed, never from the clock
  (dates are relative to the fixed `REFERENCE_DATE`). Only the ciphertexts differ between runs (random nonces).
- Everything is written in one transaction with one audit entry (`registry.demo.loaded`, with counts).
- Loading refuses a database that already has projects (`DemoRefused`).
- Bulk writes: primary keys are allocated up front (PostgreSQL sequence / SQLite max id inside the write lock), units
  and title records are written with COPY on PostgreSQL and `bulk_create` in large batches elsewhere.
- A holder with several units gets one encrypted ID token, reused on all their title records.

The demo owners and staff accounts are fixed (not seed-dependent); `demo_logins()` prints them from the database.
Demo passwords are for the demo only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import sys
import time
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, connection, transaction
from django.db.models import Max

from pmip.audit.services import record
from pmip.core import clock, public_cache
from pmip.core.errors import DomainError, PermissionDenied
from pmip.core.idnumbers import ID_TYPES, check_character, make_mainland_number
from pmip.identity.models import Account, AccountKind, ScopeLevel, StaffRole
from pmip.registry.choices import (
    AreaSource,
    CommitteeKind,
    CommitteeRole,
    FacilityKind,
    InspectionResult,
    PractitionerRole,
    UnitUse,
)
from pmip.registry.models import (
    Building,
    Committee,
    CommitteeMember,
    Community,
    DataSharingBank,
    District,
    Facility,
    OwnersAssembly,
    PartyBranch,
    Practitioner,
    Project,
    PropertyCompany,
    SafetyInspection,
    Subdistrict,
    TitleRecord,
    Unit,
)
from pmip.registry.pinyin import initials
from pmip.registry.search_index import rebuild_search_index
from pmip.registry.selectors import PUBLIC_NAMESPACE

# --------------------------------------------------------------------------------------------------------------
# Reference data: Shenzhen's districts (行政区) and subdistricts (街道). Codes are GB/T 2260 codes; 大鹏新区 is a
# functional area administered from 龙岗区 with no code of its own, so PMIP uses the placeholder 440399 for it.
# --------------------------------------------------------------------------------------------------------------

DAPENG_PLACEHOLDER_CODE = "440399"

SHENZHEN_DISTRICTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "440303",
        "罗湖区",
        (
            "桂园街道",
            "黄贝街道",
            "东门街道",
            "翠竹街道",
            "南湖街道",
            "笋岗街道",
            "东湖街道",
            "莲塘街道",
            "东晓街道",
            "清水河街道",
        ),
    ),
    (
        "440304",
        "福田区",
        (
            "园岭街道",
            "南园街道",
            "福田街道",
            "沙头街道",
            "香蜜湖街道",
            "梅林街道",
            "莲花街道",
            "华富街道",
            "福保街道",
            "华强北街道",
        ),
    ),
    (
        "440305",
        "南山区",
        ("南头街道", "南山街道", "沙河街道", "蛇口街道", "招商街道", "粤海街道", "桃源街道", "西丽街道"),
    ),
    (
        "440306",
        "宝安区",
        (
            "新安街道",
            "西乡街道",
            "航城街道",
            "福永街道",
            "福海街道",
            "沙井街道",
            "新桥街道",
            "松岗街道",
            "燕罗街道",
            "石岩街道",
        ),
    ),
    (
        "440307",
        "龙岗区",
        (
            "平湖街道",
            "坂田街道",
            "布吉街道",
            "吉华街道",
            "南湾街道",
            "横岗街道",
            "园山街道",
            "龙城街道",
            "龙岗街道",
            "宝龙街道",
            "坪地街道",
        ),
    ),
    ("440308", "盐田区", ("梅沙街道", "盐田街道", "沙头角街道", "海山街道")),
    ("440309", "龙华区", ("观湖街道", "民治街道", "龙华街道", "大浪街道", "福城街道", "观澜街道")),
    ("440310", "坪山区", ("坪山街道", "马峦街道", "碧岭街道", "石井街道", "坑梓街道", "龙田街道")),
    ("440311", "光明区", ("光明街道", "公明街道", "新湖街道", "凤凰街道", "玉塘街道", "马田街道")),
    (DAPENG_PLACEHOLDER_CODE, "大鹏新区", ("葵涌街道", "大鹏街道", "南澳街道")),
)

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
_COMMUNITY_SUFFIXES = ("北", "南", "东", "西", "中心", "新村", "花园")
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

#: From this many units, the title records' blind-index indexes are built after the load (PostgreSQL).
SUSPEND_INDEXES_FROM_UNITS = 500_000

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


# --------------------------------------------------------------------------------------------------------------
# Name pools
# --------------------------------------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_SURNAME_WEIGHTS = tuple(1.0 / (rank + 4) for rank in range(len(_SURNAMES)))
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "司徒")
_MALE = "伟强磊军洋勇杰涛明超辉刚健斌鹏飞华平俊峰建国志浩宇文博海波东亮宁龙林成思远嘉晨子轩然锋凯斌"
_FEMALE = "芳娜敏静丽艳娟霞秀英玲红燕萍婷雪慧颖琳洁倩梅佳欣怡雨晴思涵梓萱诗琪淑兰月"
_HK_GIVEN = ("家豪", "嘉欣", "志明", "美玲", "俊杰", "慧敏", "子健", "咏诗", "浩文", "淑仪", "伟业", "凯琳")
_TW_GIVEN = ("志豪", "怡君", "淑芬", "冠宇", "雅婷", "家铭", "宗翰", "佩珊", "俊宏", "欣怡")
_LATIN_GIVEN = (
    "JAMES",
    "JOHN",
    "DAVID",
    "MICHAEL",
    "ROBERT",
    "MARIA",
    "ANNA",
    "EMMA",
    "SOPHIE",
    "PETER",
    "LAURA",
)
_LATIN_FAMILY = (
    "SMITH",
    "JOHNSON",
    "BROWN",
    "WILSON",
    "TAYLOR",
    "MUELLER",
    "MARTIN",
    "GARCIA",
    "TANAKA",
    "KIM",
)

_PROJECT_STEMS = _words(
    "景华 翠湖 碧海 锦绣 阳光 金色 海滨 星海 丽景 桂园 翠竹 荔枝 紫荆 凤凰 东海 南国 天骄 华侨 银湖 香山 万象 蔚蓝 "
    "云海 御景 彩虹 百花 桃源 水榭 泰华 恒丰 宏发 金海 半岛 绿景 信和 富通 祥和 怡景 康乐 明珠 滨海 碧云 长城 "
    "金众 深业 鹏程 华富 新洲 皇庭 雅颂 时代 国际 中心 海月 汇景 宝城 沁园 松坪 枫林 榕树 棕榈 春天 丹枫 嘉年 "
    "润园 和平 鸿景 锦华 华联 峰景 名仕 帝景 龙园 海湾"
)
_PROJECT_SUFFIXES = (
    ("花园", 10),
    ("苑", 8),
    ("山庄", 3),
    ("家园", 4),
    ("名苑", 3),
    ("雅苑", 2),
    ("新村", 2),
    ("公馆", 2),
    ("华庭", 2),
    ("豪庭", 1),
    ("广场", 1),
    ("大厦", 2),
    ("府", 1),
    ("城", 2),
    ("雅居", 1),
    ("名门", 1),
    ("新城", 1),
    ("御园", 1),
    ("轩", 1),
    ("阁", 1),
)
_ROAD_STEMS = _words(
    "红荔 新洲 彩田 景田 皇岗 益田 香梅 侨香 深南 滨河 北环 梅林 笋岗 宝安 文锦 春风 沿河 桂园 宝岗 南海 科苑 "
    "沙河 创业 前海 兴华 宝民 建安 新湖 松白 布龙 龙岗 龙翔 爱联 深汕 坪山 金碧 光明 华夏 观澜 民治 人民 梅观 "
    "盐田 沙头角 大鹏 葵新"
)
_ROAD_SUFFIXES = ("路", "路", "路", "大道", "街", "二路", "一路")
_COMPANY_STEMS = _words(
    "万嘉 安居 鹏城 华宇 中深 福泰 龙城 南粤 金地利 宏泰 德润 华侨城 永安 卓信 信诚 海岸 鼎和 恒信 康泰 城安 "
    "广厦 瑞丰 福星 天安 国贸 友谊 名家 百仕达 中航 长城 特发 鸿荣"
)
_INSPECTORS = ("{district}住房和建设局", "{subdistrict}办事处安全生产执法队", "{district}消防救援大队")
_FINDINGS = {
    InspectionResult.PASSED: (
        "消防通道畅通，消防设施完好。",
        "电梯维保记录齐全，运行正常。",
        "未发现安全隐患。",
    ),
    InspectionResult.RECTIFY: (
        "地下车库消防通道堆放杂物，限期15日内清理。",
        "2号水泵房应急照明损坏，限期整改。",
        "电梯年检标志过期，限期30日内完成年检。",
        "电动自行车在楼道内充电，要求立即整改。",
    ),
    InspectionResult.FAILED: ("消防控制室无人值守，消防主机故障未修复。", "外墙瓷砖空鼓脱落，存在坠落风险。"),
}


# --------------------------------------------------------------------------------------------------------------
# Plans: plain data produced by the generator, written by the loader
# --------------------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Person:
    name: str
    id_type: str
    id_number: str
    phone: str = ""
    units: int = 0  # title records written so far
    _token: tuple[str, str, str] | None = None

    def token(self) -> tuple[str, str, str]:
        """(encrypted, hash, masked), computed once per holder through TitleRecord.set_id_number."""
        if self._token is None:
            self._token = _id_token(self.id_type, self.id_number)
        return self._token


_probe: list[TitleRecord] = []


def _id_token(id_type: str, number: str) -> tuple[str, str, str]:
    if not _probe:
        _probe.append(TitleRecord())
    probe = _probe[0]
    probe.set_id_number(id_type, number)
    return probe.id_number_enc, probe.id_number_hash, probe.id_number_masked


@dataclass
class _ProjectPlan:
    index: int
    code: str
    name: str
    district: str
    subdistrict: str
    community: str
    address: str
    service_phone: str
    company: int | None  # index into the company list; None = self-managed
    built_year: int
    latitude: Decimal
    longitude: Decimal
    target_units: int
    id: int = 0


@dataclass
class _BuildingPlan:
    number: str
    name: str
    floors: int
    has_lift: bool
    lifts: int = 0
    id: int = 0


@dataclass
class _UnitPlan:
    building: int  # index into the project's buildings
    number: str
    floor: int
    use: str
    area: Decimal
    area_source: str = AreaSource.REGISTERED
    delivered: bool = True
    developer_held: bool = False
    holders: list[tuple[_Person, Decimal]] = field(default_factory=list)
    registered_on: dt.date | None = None
    certificate_no: str = ""
    id: int = 0


@dataclass
class _Content:
    buildings: list[_BuildingPlan]
    units: list[_UnitPlan]


@dataclass
class DemoResult:
    scale: str
    seed: int
    counts: dict[str, Any]
    seconds: float


# --------------------------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------------------------


def _cents(value: float) -> Decimal:
    return Decimal(round(value * 100)).scaleb(-2)


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return end
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def credit_code(org_digits: str, region: str = "440300") -> str:
    """An 18-character unified social credit code (GB 32100-2015) with valid check characters.

    '91' (enterprise) + 6-digit region + 9-character organisation code (GB 11714 check) + check character.
    """
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(org_digits, weights, strict=True))
    c9 = 11 - total % 11
    org = org_digits + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + region + org
    uscc_weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    s = sum(alphabet.index(ch) * w for ch, w in zip(body, uscc_weights, strict=True))
    return body + alphabet[(31 - s % 31) % 31]


class _Generator:
    """All random choices, in one fixed order, from one seeded generator."""

    def __init__(self, seed: int):
        self.rng = random.Random(f"pmip-demo:{seed}")
        self.used_ids: set[str] = {f"{o.id_type}:{o.id_number}" for o in DEMO_OWNERS}
        self.investors: deque[_Person] = deque(maxlen=400)  # holders who buy in other projects too
        self.demo = {o.key: _Person(o.name, o.id_type, o.id_number, o.phone) for o in DEMO_OWNERS}
        self.used_names: set[str] = {FLAGSHIP_NAME}
        self.used_credit: set[str] = set()
        self.certificate_seq = 0

    # --- people -----------------------------------------------------------------------------------------
    def chinese_name(self, male: bool) -> str:
        rng = self.rng
        if rng.random() < 0.006:
            surname = rng.choice(_COMPOUND_SURNAMES)
        else:
            surname = rng.choices(_SURNAMES, weights=_SURNAME_WEIGHTS)[0]
        pool = _MALE if male else _FEMALE
        given = rng.choice(pool) if rng.random() < 0.3 else rng.choice(pool) + rng.choice(pool)
        return surname + given

    def _unique(self, id_type: str, make) -> str:
        while True:
            number = make()
            key = f"{id_type}:{number}"
            if key not in self.used_ids:
                self.used_ids.add(key)
                return number

    def _birth(self) -> dt.date:
        age_days = self.rng.randint(24 * 365, 82 * 365)
        return REFERENCE_DATE - dt.timedelta(days=age_days)

    def person(self) -> _Person:
        rng = self.rng
        r = rng.random()
        male = rng.random() < 0.52
        if r < 0.96:
            region = rng.choices(_ID_REGIONS, weights=_ID_REGION_WEIGHTS)[0]

            def make():
                seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
                return make_mainland_number(region, self._birth(), seq)

            return _Person(self.chinese_name(male), "mainland", self._unique("mainland", make))
        if r < 0.966:
            region = rng.choices(("810000", "820000", "830000"), weights=(6, 2.5, 1.5))[0]

            def make():
                return make_mainland_number(
                    region, self._birth(), rng.randrange(0, 500) * 2 + (1 if male else 0)
                )

            given = _TW_GIVEN if region == "830000" else _HK_GIVEN
            return _Person(
                rng.choices(_SURNAMES[:30])[0] + rng.choice(given),
                "hk_mo_tw_residence",
                self._unique("hk_mo_tw_residence", make),
            )
        if r < 0.981:
            prefix = "H" if rng.random() < 0.75 else "M"
            number = self._unique("return_home", lambda: f"{prefix}{rng.randrange(10**8):08d}")
            return _Person(rng.choices(_SURNAMES[:30])[0] + rng.choice(_HK_GIVEN), "return_home", number)
        if r < 0.986:
            number = self._unique("taiwan_compatriot", lambda: f"{rng.randrange(10**8):08d}")
            return _Person(
                rng.choices(_SURNAMES[:30])[0] + rng.choice(_TW_GIVEN), "taiwan_compatriot", number
            )
        latin = f"{rng.choice(_LATIN_GIVEN)} {rng.choice(_LATIN_FAMILY)}"
        if r < 0.989:
            if rng.random() < 0.6:

                def make():
                    first17 = f"9{rng.randrange(10**16):016d}"
                    return first17 + check_character(first17)

            else:

                def make():
                    country = rng.choice(("USA", "GBR", "CAN", "AUS", "DEU", "FRA", "JPN", "KOR", "SGP"))
                    return f"{country}{rng.randrange(10**12):012d}"

            return _Person(latin, "foreign_permanent", self._unique("foreign_permanent", make))

        def make():
            style = rng.random()
            if style < 0.5:
                return f"{rng.randrange(10**8, 10**9)}"
            letter = rng.choice("ABCEGKLMNPST")
            return f"{letter}{rng.randrange(10**7, 10**8)}"

        return _Person(latin, "passport", self._unique("passport", make))

    def mobile(self) -> str:
        return f"+861{self.rng.choice('3456789')}{self.rng.randrange(10**9):09d}"

    def certificate(self, year: int) -> str:
        self.certificate_seq += 1
        if year >= 2016:
            return f"粤（{year}）深圳市不动产权第{(year * 7919 + self.certificate_seq) % 10**7:07d}号"
        return f"深房地字第{3000000000 + self.certificate_seq:010d}号"

    # --- places, companies, projects -----------------------------------------------------------------------
    def companies(self, count: int) -> list[tuple[str, str, str, str]]:
        rng = self.rng
        out = []
        names: set[str] = set()
        for i in range(count):
            stem = _COMPANY_STEMS[i % len(_COMPANY_STEMS)]
            kind = rng.choice(("物业服务有限公司", "物业管理有限公司", "物业发展有限公司"))
            name = f"深圳市{stem}{kind}"
            n = 2
            while name in names:
                name = f"深圳市{stem}{n}{kind}" if n < 10 else f"深圳市{stem}{rng.randrange(100, 999)}{kind}"
                n += 1
            names.add(name)
            code = ""
            while not code or code in self.used_credit:
                code = credit_code(f"{rng.randrange(10**8):08d}")
            self.used_credit.add(code)
            district = rng.choice(SHENZHEN_DISTRICTS)
            address = f"深圳市{district[1]}{rng.choice(_ROAD_STEMS)}{rng.choice(_ROAD_SUFFIXES)}{rng.randint(1, 3999)}号"
            out.append((name, code, address, self.landline()))
        return out

    def landline(self) -> str:
        return f"0755-{self.rng.choice('2345678')}{self.rng.randrange(10**7):07d}"

    def project_name(self, subdistrict: str) -> str:
        rng = self.rng
        suffixes, weights = zip(*_PROJECT_SUFFIXES, strict=True)
        name = rng.choice(_PROJECT_STEMS) + rng.choices(suffixes, weights=weights)[0]
        if name in self.used_names:
            name = subdistrict.removesuffix("街道") + name
        phase = 2
        base = name
        while name in self.used_names:
            name = f"{base}{'二三四五六七八九'[phase - 2] if phase < 10 else phase}期"
            phase += 1
        self.used_names.add(name)
        return name

    def targets(self, scale: Scale) -> list[int]:
        """Units per project: the flagship is fixed, the rest share the remainder (log-normal sizes, exact sum)."""
        others = scale.projects - 1
        rest = scale.units - FLAGSHIP_UNITS
        if others <= 0:
            return [FLAGSHIP_UNITS]
        weights = [self.rng.lognormvariate(0, 0.6) for _ in range(others)]
        minimum = min(40, rest // others)
        spread = rest - minimum * others
        total = sum(weights)
        sizes = [minimum + int(spread * w / total) for w in weights]
        for i in range(rest - sum(sizes)):
            sizes[i % others] += 1
        return [FLAGSHIP_UNITS, *sizes]

    def projects(self, scale: Scale, company_count: int) -> list[_ProjectPlan]:
        rng = self.rng
        targets = self.targets(scale)
        by_name = {name: (code, subs) for code, name, subs in SHENZHEN_DISTRICTS}
        district_names = list(_DISTRICT_WEIGHT)
        district_weights = list(_DISTRICT_WEIGHT.values())
        plans = []
        per_district: Counter[str] = Counter()
        for i, target in enumerate(targets):
            if i <= 1:
                district, subdistrict = FLAGSHIP_DISTRICT, FLAGSHIP_SUBDISTRICT
            else:
                if i - 2 < len(_DISTRICT_ROTATION):
                    district = _DISTRICT_ROTATION[i - 2]
                else:
                    district = rng.choices(district_names, weights=district_weights)[0]
                subdistrict = rng.choice(by_name[district][1])
            code = by_name[district][0]
            per_district[district] += 1
            community = _communities(subdistrict)[0 if i == 0 else rng.randrange(3)]
            if i == 0:
                name, built = FLAGSHIP_NAME, 2016
            else:
                name = self.project_name(subdistrict)
                built = int(rng.triangular(1985, 2026, 2012))
            road = rng.choice(_ROAD_STEMS) + rng.choice(_ROAD_SUFFIXES)
            address = f"深圳市{district}{subdistrict}{road}{rng.randint(1, 3999)}号"
            if i == 0:
                address = "深圳市福田区莲花街道红荔路1001号"
            lat, lon = _DISTRICT_CENTRE[district]
            latitude = Decimal(f"{lat + rng.uniform(-0.03, 0.03):.6f}")
            longitude = Decimal(f"{lon + rng.uniform(-0.04, 0.04):.6f}")
            if i == 0:
                company: int | None = 0
            elif rng.random() < 0.03:
                company = None  # 业主自行管理
            else:
                company = min(int(rng.paretovariate(1.2)) - 1, company_count - 1)
                company = rng.randrange(company_count) if rng.random() < 0.5 else company
            plans.append(
                _ProjectPlan(
                    index=i,
                    code=f"{code}{per_district[district]:04d}",
                    name=name,
                    district=district,
                    subdistrict=subdistrict,
                    community=community,
                    address=address,
                    service_phone=self.landline(),
                    company=company,
                    built_year=built,
                    latitude=latitude,
                    longitude=longitude,
                    target_units=target,
                )
            )
        return plans

    # --- buildings and units ------------------------------------------------------------------------------
    def content(self, plan: _ProjectPlan) -> _Content:
        content = _flagship_layout(self.rng) if plan.index == 0 else self._layout(plan)
        self._statuses(plan, content)
        self._holders(plan, content)
        return content

    def _layout(self, plan: _ProjectPlan) -> _Content:
        rng = self.rng
        target, built = plan.target_units, plan.built_year
        if built < 2000 and rng.random() < 0.75:
            style, floors_range, per_floor_range, park = "walkup", (6, 8), (2, 4), rng.uniform(0, 0.05)
            layout_range = (45, 95, 68)
        elif built < 2008 and rng.random() < 0.4:
            style, floors_range, per_floor_range, park = "midrise", (9, 17), (2, 6), rng.uniform(0.08, 0.2)
            layout_range = (55, 130, 85)
        else:
            style, floors_range, per_floor_range, park = "highrise", (18, 34), (4, 8), rng.uniform(0.1, 0.25)
            layout_range = (60, 160, 92) if rng.random() > 0.05 else (120, 280, 170)
        lift = style != "walkup"
        n_park = round(target * park)
        n_shop = round(target * rng.uniform(0.005, 0.05)) if rng.random() < 0.6 else 0
        n_store = round(target * rng.uniform(0.01, 0.04)) if rng.random() < 0.25 else 0
        n_office = 0
        if style == "highrise" and built >= 2005 and rng.random() < 0.06:
            n_office = round(target * rng.uniform(0.08, 0.2))
        n_res = target - n_park - n_shop - n_store - n_office
        if n_res < max(10, target // 2):
            n_park = n_shop = n_store = n_office = 0
            n_res = target

        # Residential buildings: (units per floor, units, floors needed)
        blocks: list[tuple[int, int]] = []
        remaining = n_res
        while remaining > 0:
            floors, per_floor = rng.randint(*floors_range), rng.randint(*per_floor_range)
            take = min(floors * per_floor, remaining)
            if 0 < remaining - take < per_floor * 3:
                take = remaining
            blocks.append((per_floor, take))
            remaining -= take
        shops_per: list[int] = [0] * len(blocks)
        if n_shop:
            with_shops = max(1, min(len(blocks), math.ceil(n_shop / 12)))
            for k in range(n_shop):
                shops_per[k % with_shops] += 1
        store_per: list[int] = [0] * len(blocks)
        for k in range(n_store):
            store_per[k % len(blocks)] += 1

        buildings: list[_BuildingPlan] = []
        units: list[_UnitPlan] = []
        for b, (per_floor, count) in enumerate(blocks):
            first_floor = 2 if shops_per[b] else 1
            floors = math.ceil(count / per_floor) + first_floor - 1
            lifts = 0 if not lift else (1 if floors <= 11 else 2) + (1 if per_floor > 6 else 0)
            buildings.append(_BuildingPlan(str(b + 1), "", floors, lift, lifts))
            lo, hi, mode = layout_range
            layouts = [rng.triangular(lo, hi, mode) for _ in range(per_floor)]
            for k in range(shops_per[b]):
                units.append(
                    _UnitPlan(b, f"S{k + 1:02d}", 1, UnitUse.COMMERCIAL, _cents(rng.triangular(15, 220, 45)))
                )
            for k in range(store_per[b]):
                units.append(
                    _UnitPlan(b, f"B{k + 1:02d}", -1, UnitUse.STORAGE, _cents(rng.triangular(4, 18, 8)))
                )
            for k in range(count):
                floor = first_floor + k // per_floor
                pos = k % per_floor
                area = layouts[pos] if rng.random() < 0.88 else layouts[pos] + rng.uniform(-1.5, 1.5)
                units.append(_UnitPlan(b, f"{floor}{pos + 1:02d}", floor, UnitUse.RESIDENTIAL, _cents(area)))
        if n_office:
            per_floor = rng.randint(6, 12)
            floors = math.ceil(n_office / per_floor)
            b = len(buildings)
            buildings.append(_BuildingPlan(str(b + 1), f"{b + 1}栋写字楼", floors, True, 3 + floors // 15))
            for k in range(n_office):
                floor = 1 + k // per_floor
                area = _cents(rng.triangular(50, 400, 120))
                units.append(_UnitPlan(b, f"{floor}{k % per_floor + 1:02d}", floor, UnitUse.OFFICE, area))
        if n_park:
            levels = 1 if n_park <= 400 else 2 if n_park <= 1200 else 3
            per_level = math.ceil(n_park / levels)
            b = len(buildings)
            buildings.append(_BuildingPlan("地库", "地下停车库", levels, lift, 2 if lift else 0))
            with_shared = rng.random() < 0.4
            for k in range(n_park):
                level = 1 + k // per_level
                width = 3 if per_level < 1000 else 4
                area = rng.triangular(26, 40, 30) if with_shared else rng.triangular(11.5, 16.5, 12.5)
                units.append(
                    _UnitPlan(
                        b, f"B{level}-{k % per_level + 1:0{width}d}", -level, UnitUse.PARKING, _cents(area)
                    )
                )
        return _Content(buildings, units)

    def _statuses(self, plan: _ProjectPlan, content: _Content) -> None:
        """Developer-held (unsold / sold but undelivered) units and the area source of each unit."""
        rng = self.rng
        built = plan.built_year
        if plan.index == 0:
            for u in content.units:
                key = (content.buildings[u.building].number, u.number)
                if key in _FLAGSHIP_UNSOLD:
                    u.developer_held, u.delivered, u.area_source = True, False, AreaSource.SURVEYED
                elif key in _FLAGSHIP_SOLD_UNDELIVERED:
                    u.developer_held, u.delivered, u.area_source = True, False, AreaSource.CONTRACT
            return
        new = built >= 2022
        unsold = {
            UnitUse.RESIDENTIAL: rng.uniform(0.03, 0.2)
            if new
            else (rng.uniform(0, 0.01) if built >= 2015 else 0),
            UnitUse.COMMERCIAL: rng.uniform(0, 0.3) if built >= 2010 else 0,
            UnitUse.OFFICE: rng.uniform(0, 0.4),
            UnitUse.PARKING: rng.uniform(0.1, 0.6) if built >= 2005 else rng.uniform(0, 0.15),
            UnitUse.STORAGE: rng.uniform(0, 0.2),
        }
        undelivered = rng.uniform(0.02, 0.12) if new else 0.0
        unregistered = 0.15 if new else 0.015
        for u in content.units:
            r = rng.random()
            if r < unsold[u.use]:
                u.developer_held, u.delivered, u.area_source = True, False, AreaSource.SURVEYED
            elif r < unsold[u.use] + undelivered:
                u.developer_held, u.delivered, u.area_source = True, False, AreaSource.CONTRACT
            elif rng.random() < unregistered:
                # Delivered, not yet registered: the buyer may be deemed owner but has no title record yet.
                u.area_source = AreaSource.SURVEYED if rng.random() < 0.7 else AreaSource.CONTRACT

    def _holders(self, plan: _ProjectPlan, content: _Content) -> None:
        rng = self.rng
        owners: list[
            _Person
        ] = []  # sole holders of flats here, who may buy more here (parking, a second flat)
        forced: dict[tuple[str, str], list[tuple[str, str]]] = _FLAGSHIP_FORCED if plan.index == 0 else {}
        multi_placed = plan.index != 1  # project 1 gets one unit of the demo owner with several units
        for u in content.units:
            if u.developer_held or u.area_source != AreaSource.REGISTERED:
                continue
            key = (content.buildings[u.building].number, u.number)
            start = max(dt.date(plan.built_year + 1, 1, 1), REFERENCE_DATE - dt.timedelta(days=3650 * 4))
            start = min(start, REFERENCE_DATE - dt.timedelta(days=60))
            u.registered_on = _date_between(rng, start, REFERENCE_DATE - dt.timedelta(days=14))
            u.certificate_no = self.certificate(u.registered_on.year)
            if key in forced:
                u.holders = [(self.demo[k], Decimal(share)) for k, share in forced[key]]
                continue
            if not multi_placed and u.use == UnitUse.RESIDENTIAL and u.floor >= 2 and key[0] == "1":
                u.holders = [(self.demo["multi"], Decimal("1"))]
                multi_placed = True
                continue
            if u.use in (UnitUse.PARKING, UnitUse.STORAGE) and owners and rng.random() < 0.7:
                u.holders = [(rng.choice(owners), Decimal("1"))]
                continue
            r = rng.random()
            if r < 0.80 or u.use == UnitUse.PARKING:
                q = rng.random()
                if q < 0.05 and owners:
                    person = rng.choice(owners)
                elif q < 0.065 and self.investors:
                    person = rng.choice(self.investors)
                else:
                    person = self.person()
                    owners.append(person)
                    if rng.random() < 0.03:
                        self.investors.append(person)
                u.holders = [(person, Decimal("1"))]
            elif r < 0.97:
                shares = rng.choices((("0.5", "0.5"), ("0.6", "0.4"), ("0.7", "0.3")), weights=(8, 1, 1))[0]
                u.holders = [(self.person(), Decimal(s)) for s in shares]
            else:
                shares = rng.choice((("0.3334", "0.3333", "0.3333"), ("0.5", "0.25", "0.25")))
                u.holders = [(self.person(), Decimal(s)) for s in shares]


def _communities(subdistrict: str) -> list[str]:
    """Three synthetic community names per subdistrict, independent of the seed."""
    stem = subdistrict.removesuffix("街道")
    start = sum(ord(ch) for ch in subdistrict) % len(_COMMUNITY_SUFFIXES)
    return [f"{stem}{_COMMUNITY_SUFFIXES[(start + k) % len(_COMMUNITY_SUFFIXES)]}社区" for k in range(3)]


# The flagship 莲花山庄 has a fixed shape so the demo owners' units exist at every scale and seed.
_FLAGSHIP_UNSOLD = {("3", "1201"), ("3", "1202"), ("1", "S06")} | {
    ("地库", f"B1-{k:03d}") for k in range(29, 41)
}
_FLAGSHIP_SOLD_UNDELIVERED = {("3", "1203"), ("3", "1204")}


def _flagship_layout(rng: random.Random) -> _Content:
    buildings = [
        _BuildingPlan("1", "", 13, True, 2),
        _BuildingPlan("2", "", 12, True, 2),
        _BuildingPlan("3", "", 12, True, 2),
        _BuildingPlan("地库", "地下停车库", 1, True, 2),
    ]
    units: list[_UnitPlan] = []
    for k in range(6):
        units.append(
            _UnitPlan(0, f"S{k + 1:02d}", 1, UnitUse.COMMERCIAL, _cents(rng.triangular(25, 160, 45)))
        )
    for b, first in ((0, 2), (1, 1), (2, 1)):
        layouts = [rng.triangular(70, 140, 90) for _ in range(4)]
        for floor in range(first, first + 12):
            for pos in range(4):
                units.append(
                    _UnitPlan(b, f"{floor}{pos + 1:02d}", floor, UnitUse.RESIDENTIAL, _cents(layouts[pos]))
                )
    for k in range(10):
        units.append(_UnitPlan(2, f"B{k + 1:02d}", -1, UnitUse.STORAGE, _cents(rng.triangular(5, 12, 7))))
    for k in range(40):
        units.append(
            _UnitPlan(3, f"B1-{k + 1:03d}", -1, UnitUse.PARKING, _cents(rng.triangular(11.5, 15, 12.5)))
        )
    return _Content(buildings, units)


FLAGSHIP_UNITS = 200


# --------------------------------------------------------------------------------------------------------------
# The writer: primary keys allocated up front, COPY on PostgreSQL, bulk_create elsewhere
# --------------------------------------------------------------------------------------------------------------

_UNIT_COLUMNS = (
    "id",
    "project_id",
    "building_id",
    "number",
    "floor",
    "use",
    "area",
    "area_source",
    "delivered",
    "developer_held",
)
_TITLE_COLUMNS = (
    "unit_id",
    "holder_name",
    "id_type",
    "id_number_enc",
    "id_number_hash",
    "id_number_masked",
    "share",
    "registered_on",
    "ended_on",
    "certificate_no",
    "created_at",
    "updated_at",
)


class _Writer:
    """Units and title records are the bulk: COPY on PostgreSQL, executemany of plain tuples on SQLite (the ORM's
    per-value preparation would triple the load time), `bulk_create` on anything else."""

    BATCH = 5_000

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self._next: dict[type, int] = {}
        self._suspended: list[str] = []  # CREATE INDEX statements to run at the end

    def stamp(self, value: dt.datetime):
        """A datetime as the bulk path wants it (SQLite stores naive UTC text)."""
        return connection.ops.adapt_datetimefield_value(value) if self.vendor == "sqlite" else value

    def ids(self, model, n: int) -> list[int]:
        """Reserve n primary keys. PostgreSQL: from the table's sequence. Others: above MAX(id), which is safe
        because the load runs in one write transaction (SQLite holds the database write lock)."""
        if n <= 0:
            return []
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [model._meta.db_table, n],
                )
                return [row[0] for row in cursor.fetchall()]
        start = self._next.get(model)
        if start is None:
            start = (model.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        self._next[model] = start + n
        return list(range(start, start + n))

    def suspend_indexes(self, model, column: str) -> None:
        """PostgreSQL only: drop the plain (non-unique) indexes on `column` until `restore_indexes()`."""
        if self.vendor != "postgresql":
            return
        table = model._meta.db_table
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, table)
            names = [
                name
                for name, info in constraints.items()
                if info["index"]
                and not info["unique"]
                and not info["primary_key"]
                and column in info["columns"]
            ]
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s",
                [table],
            )
            definitions = dict(cursor.fetchall())
            for name in names:
                self._suspended.append(definitions[name])
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")

    def restore_indexes(self) -> None:
        if not self._suspended:
            return
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            # CREATE INDEX refuses a table with pending deferred foreign-key checks: run them now (they would run
            # at commit anyway), then defer again.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for definition in self._suspended:
                cursor.execute(definition)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        self._suspended = []

    def insert(self, model, objects: list) -> None:
        if objects:
            model.objects.bulk_create(objects, batch_size=self.BATCH)

    def rows(self, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(by_attname[c]) for c in columns)
        if self.vendor == "postgresql":
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        elif self.vendor == "sqlite":
            sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608 (names from model meta)
            with connection.cursor() as cursor:
                for start in range(0, len(rows), self.BATCH):
                    cursor.executemany(sql, rows[start : start + self.BATCH])
        else:
            objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
            model.objects.bulk_create(objects, batch_size=self.BATCH)


# --------------------------------------------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------------------------------------------


def load_demo_city(
    *, scale: str, seed: int, actor: Account | None = None, progress: bool = False
) -> DemoResult:
    """Load the demo city into an empty registry, in one transaction, with one audit entry.

    `actor` None means the command line (the system). A given actor must be a superuser. Raises `DemoRefused`
    when any project exists, `ValueError` for an unknown scale.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("只有平台运维人员可以加载演示数据。")
    started = time.monotonic()
    size = SCALES[scale]
    with transaction.atomic(durable=True):
        existing = Project.objects.count()
        if existing:
            raise DemoRefused(f"数据库中已有{existing}个物业项目，演示数据只能加载到没有物业项目的数据库。")
        _check_demo_mobiles()
        counts = _load(size, seed, progress)
        counts["search_grams"] = rebuild_search_index()
        public_cache.invalidate(PUBLIC_NAMESPACE)  # bulk-loaded rows sent no signals
        counts["accounts"] = _demo_accounts()
        record(
            actor=actor,
            action="registry.demo.loaded",
            data={"scale": scale, "seed": seed, "counts": counts},
            actor_label="" if actor else "系统（demo_city）",
        )
    return DemoResult(scale=scale, seed=seed, counts=counts, seconds=round(time.monotonic() - started, 1))


def _load(size: Scale, seed: int, progress: bool) -> dict[str, Any]:
    gen = _Generator(seed)
    writer = _Writer()
    now = writer.stamp(clock.now())
    counts: Counter[str] = Counter()

    # Places (seed-independent; reused when present).
    districts: dict[str, District] = {d.name: d for d in District.objects.all()}
    for code, name, _subs in SHENZHEN_DISTRICTS:
        if name not in districts:
            districts[name] = District.objects.create(code=code, name=name)
    subdistricts = {(s.district_id, s.name): s for s in Subdistrict.objects.all()}
    new_subs = [
        Subdistrict(district=districts[dname], name=s)
        for _code, dname, subs in SHENZHEN_DISTRICTS
        for s in subs
        if (districts[dname].id, s) not in subdistricts
    ]
    Subdistrict.objects.bulk_create(new_subs)
    subdistricts = {
        s.name: s
        for s in Subdistrict.objects.filter(district__in=[districts[n] for _c, n, _s in SHENZHEN_DISTRICTS])
    }
    communities = {(c.subdistrict_id, c.name): c for c in Community.objects.all()}
    new_comms = [
        Community(subdistrict=sd, name=c)
        for sd in subdistricts.values()
        for c in _communities(sd.name)
        if (sd.id, c) not in communities
    ]
    Community.objects.bulk_create(new_comms)
    communities = {
        (c.subdistrict_id, c.name): c for c in Community.objects.filter(subdistrict__in=subdistricts.values())
    }
    banks = []
    for name, branch, address, phone in BANKS:
        bank, _ = DataSharingBank.objects.get_or_create(
            name=name + branch, defaults={"branch": branch, "address": address, "phone": phone}
        )
        banks.append(bank)
    counts.update(districts=len(districts), subdistricts=len(subdistricts), communities=len(communities))
    counts["banks"] = len(banks)

    # Companies (reused by credit code when present).
    company_specs = gen.companies(max(3, size.projects // 12))
    found = {
        c.credit_code: c
        for c in PropertyCompany.objects.filter(credit_code__in=[s[1] for s in company_specs])
    }
    missing = [s for s in company_specs if s[1] not in found]
    PropertyCompany.objects.bulk_create(
        [PropertyCompany(name=n, credit_code=c, address=a, phone=p) for n, c, a, p in missing]
    )
    found = {
        c.credit_code: c
        for c in PropertyCompany.objects.filter(credit_code__in=[s[1] for s in company_specs])
    }
    companies = [found[s[1]] for s in company_specs]
    counts["companies"] = len(companies)

    # Projects.
    plans = gen.projects(size, len(companies))
    for plan, pk in zip(plans, writer.ids(Project, len(plans)), strict=True):
        plan.id = pk
    writer.insert(
        Project,
        [
            Project(
                id=p.id,
                code=p.code,
                name=p.name,
                name_initials=initials(p.name),
                address=p.address,
                district=districts[p.district],
                subdistrict=subdistricts[p.subdistrict],
                community=communities[(subdistricts[p.subdistrict].id, p.community)],
                service_phone=p.service_phone,
                company=companies[p.company] if p.company is not None else None,
                latitude=p.latitude,
                longitude=p.longitude,
            )
            for p in plans
        ],
    )
    counts["projects"] = len(plans)

    if size.units >= SUSPEND_INDEXES_FROM_UNITS:
        # Random blind-index hashes make B-tree inserts scattered: building those indexes once at the end is
        # several times faster than maintaining them row by row (PostgreSQL; transactional DDL, so a failed load
        # leaves them as they were).
        writer.suspend_indexes(TitleRecord, "id_number_hash")
    bar = _progress(size.units, progress)
    chunk: list[tuple[_ProjectPlan, _Content]] = []
    chunk_units = 0
    for plan in plans:
        content = gen.content(plan)
        chunk.append((plan, content))
        chunk_units += len(content.units)
        if chunk_units >= 20_000:
            _write_chunk(gen, writer, chunk, companies, banks, now, counts)
            bar.update(chunk_units)
            chunk, chunk_units = [], 0
    _write_chunk(gen, writer, chunk, companies, banks, now, counts)
    bar.update(chunk_units)
    bar.close()
    writer.restore_indexes()
    return dict(sorted(counts.items()))


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="户", unit_scale=True, desc="房屋", disable=not enabled, file=sys.stderr)


def _write_chunk(gen, writer, chunk, companies, banks, now, counts) -> None:
    if not chunk:
        return
    buildings: list[Building] = []
    for plan, content in chunk:
        for b, pk in zip(content.buildings, writer.ids(Building, len(content.buildings)), strict=True):
            b.id = pk
            buildings.append(
                Building(
                    id=pk,
                    project_id=plan.id,
                    number=b.number,
                    name=b.name,
                    floors=b.floors,
                    has_lift=b.has_lift,
                )
            )
    writer.insert(Building, buildings)
    counts["buildings"] += len(buildings)

    unit_rows: list[tuple] = []
    title_rows: list[tuple] = []
    for plan, content in chunk:
        for u, pk in zip(content.units, writer.ids(Unit, len(content.units)), strict=True):
            u.id = pk
            unit_rows.append(
                (
                    pk,
                    plan.id,
                    content.buildings[u.building].id,
                    u.number,
                    u.floor,
                    u.use,
                    u.area,
                    u.area_source,
                    u.delivered,
                    u.developer_held,
                )
            )
            counts[f"units_{u.use}"] += 1
            counts["units"] += 1
            if u.developer_held:
                counts["units_developer_held"] += 1
            if not u.delivered:
                counts["units_undelivered"] += 1
            counts[f"units_area_{u.area_source}"] += 1
            if len(u.holders) > 1:
                counts["units_co_owned"] += 1
            for person, share in u.holders:
                enc, digest, masked = person.token()
                title_rows.append(
                    (pk, person.name, person.id_type, enc, digest, masked, share, u.registered_on, None,
                     u.certificate_no, now, now)
                )  # fmt: skip
                person.units += 1
                if person.units == 1:
                    counts["holders"] += 1
                elif person.units == 2:
                    counts["holders_with_several_units"] += 1
                counts["titles"] += 1
                counts[f"titles_{person.id_type}"] += 1
    writer.rows(Unit, _UNIT_COLUMNS, unit_rows)
    writer.rows(TitleRecord, _TITLE_COLUMNS, title_rows)
    del unit_rows, title_rows

    _governance(gen, writer, chunk, companies, banks, counts)


def _governance(gen, writer, chunk, companies, banks, counts) -> None:
    """Assemblies, committees (+ members), party branches, practitioners, facilities, inspections of a chunk."""
    rng = gen.rng
    assemblies, committees, members, branches, practitioners, facilities, inspections = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    committee_specs: list[tuple[Committee, list[tuple[str, str, str, int | None]]]] = []
    for plan, content in chunk:
        flagship = plan.index == 0
        first_unit: dict[int, tuple[_Person, int]] = {}
        for u in content.units:
            if len(u.holders) == 1 and u.use == UnitUse.RESIDENTIAL and u.holders[0][0].id_type == "mainland":
                first_unit.setdefault(id(u.holders[0][0]), (u.holders[0][0], u.id))
        sole_owners = list(first_unit.values())
        built = plan.built_year
        age = REFERENCE_DATE.year - built
        has_assembly = flagship or (age >= 3 and rng.random() < min(0.85, 0.25 + age * 0.03))
        if has_assembly and len(sole_owners) >= 5:
            established = _date_between(
                rng, dt.date(max(built + 2, 2008), 1, 1), REFERENCE_DATE - dt.timedelta(days=400)
            )
            if flagship:
                established = dt.date(2019, 6, 18)
            district_short = plan.district.removesuffix("新区").removesuffix("区")
            assemblies.append(
                OwnersAssembly(
                    project_id=plan.id,
                    established_on=established,
                    filing_no=f"{district_short}业备字〔{established.year}〕{rng.randint(1, 300):03d}号",
                    bank_account_bank=rng.choice(banks) if flagship or rng.random() < 0.7 else None,
                )
            )
            # Current term: five years, started at the assembly or at the last re-election.
            start = established
            while start + dt.timedelta(days=5 * 365) < REFERENCE_DATE:
                start = start + dt.timedelta(days=5 * 365 + 1)
            if flagship:
                start = dt.date(2024, 6, 20)
            terms = [(CommitteeKind.COMMITTEE, start, _add_years(start, 5))]
            if start > established:
                terms.append((CommitteeKind.COMMITTEE, established, _add_years(established, 5)))
            if terms[0][2] - REFERENCE_DATE < dt.timedelta(days=180):
                terms.append((CommitteeKind.REELECTION, REFERENCE_DATE - dt.timedelta(days=40), terms[0][2]))
            for kind, term_start, term_end in terms:
                c = Committee(
                    project_id=plan.id,
                    kind=kind,
                    term_start=term_start,
                    term_end=term_end,
                    filing_no=f"{district_short}业委备字〔{term_start.year}〕{rng.randint(1, 300):03d}号",
                )
                committee_specs.append((c, _committee_people(gen, sole_owners, kind)))
        elif age >= 2 and len(sole_owners) >= 5 and rng.random() < 0.25:
            start = REFERENCE_DATE - dt.timedelta(days=rng.randint(20, 200))
            c = Committee(
                project_id=plan.id,
                kind=CommitteeKind.PREPARATORY,
                term_start=start,
                term_end=_add_years(start, 1),
            )
            committee_specs.append((c, _committee_people(gen, sole_owners, CommitteeKind.PREPARATORY)))
        if flagship or rng.random() < 0.35:
            branches.append(
                PartyBranch(
                    project_id=plan.id,
                    name=f"中共{plan.name}党支部",
                    secretary=gen.chinese_name(rng.random() < 0.5),
                    members_count=rng.randint(3, 60),
                    established_on=_date_between(rng, dt.date(max(built, 2012), 1, 1), REFERENCE_DATE),
                )
            )
        if plan.company is not None:
            roles = [
                PractitionerRole.PROJECT_MANAGER,
                PractitionerRole.ENGINEER,
                PractitionerRole.CUSTOMER_SERVICE,
            ]
            if flagship or rng.random() < 0.5:
                roles.append(PractitionerRole.SECURITY)
            for role in roles:
                practitioners.append(
                    Practitioner(
                        company=companies[plan.company],
                        project_id=plan.id,
                        name=gen.chinese_name(rng.random() < 0.6),
                        role=role,
                        certificate_no=f"SZWY{rng.randint(2008, 2025)}{rng.randrange(10**6):06d}",
                    )
                )
        installed = dt.date(max(built, 1985), rng.randint(1, 12), rng.randint(1, 28))
        for b in content.buildings:
            for k in range(b.lifts):
                facilities.append(
                    Facility(
                        project_id=plan.id,
                        building_id=b.id,
                        kind=FacilityKind.LIFT,
                        name=f"{b.name or b.number + '栋'}{k + 1}号电梯",
                        location=b.name or f"{b.number}栋",
                        installed_on=installed,
                    )
                )
        first = content.buildings[0]
        common = [
            (FacilityKind.FIRE, "消防控制室", f"{first.number}栋首层"),
            (
                FacilityKind.POWER,
                "高低压配电房",
                "地下一层" if any(b.lifts for b in content.buildings) else "小区东侧",
            ),
            (FacilityKind.CCTV, "监控中心", f"{first.number}栋首层"),
            (FacilityKind.ACCESS, "小区出入口门禁", "小区主入口"),
        ]
        if any(b.has_lift for b in content.buildings):
            common.append((FacilityKind.WATER_PUMP, "生活水泵房", "地下一层"))
        for kind, name, location in common:
            facilities.append(
                Facility(project_id=plan.id, kind=kind, name=name, location=location, installed_on=installed)
            )
        for _ in range(3 if flagship else rng.randint(1, 4)):
            result = rng.choices(
                (InspectionResult.PASSED, InspectionResult.RECTIFY, InspectionResult.FAILED),
                weights=(75, 20, 5),
            )[0]
            inspections.append(
                SafetyInspection(
                    project_id=plan.id,
                    inspected_on=REFERENCE_DATE - dt.timedelta(days=rng.randint(3, 720)),
                    result=result,
                    findings=rng.choice(_FINDINGS[result]),
                    inspector=rng.choice(_INSPECTORS).format(
                        district=plan.district, subdistrict=plan.subdistrict
                    ),
                )
            )
    for (c, _people), pk in zip(committee_specs, writer.ids(Committee, len(committee_specs)), strict=True):
        c.id = pk
        committees.append(c)
    for c, people in committee_specs:
        for name, role, phone, unit_id in people:
            members.append(
                CommitteeMember(committee_id=c.id, name=name, role=role, phone=phone, unit_id=unit_id)
            )
    writer.insert(OwnersAssembly, assemblies)
    writer.insert(Committee, committees)
    writer.insert(CommitteeMember, members)
    writer.insert(PartyBranch, branches)
    writer.insert(Practitioner, practitioners)
    writer.insert(Facility, facilities)
    writer.insert(SafetyInspection, inspections)
    counts["assemblies"] += len(assemblies)
    counts["committees"] += len(committees)
    counts["committee_members"] += len(members)
    counts["party_branches"] += len(branches)
    counts["practitioners"] += len(practitioners)
    counts["facilities"] += len(facilities)
    counts["inspections"] += len(inspections)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _committee_people(gen, sole_owners, kind) -> list[tuple[str, str, str, int | None]]:
    rng = gen.rng
    size = min(len(sole_owners), rng.choice((5, 5, 7, 7, 9)))
    chosen = rng.sample(sole_owners, size)
    people = []
    for k, (person, unit_id) in enumerate(chosen):
        if k == 0:
            role = CommitteeRole.CHAIR
        elif k == 1 and kind == CommitteeKind.COMMITTEE:
            role = CommitteeRole.VICE_CHAIR
        else:
            role = CommitteeRole.MEMBER
        people.append((person.name, role, person.phone or gen.mobile(), unit_id))
    if kind == CommitteeKind.COMMITTEE:
        if rng.random() < 0.6:
            people.append(
                (gen.chinese_name(rng.random() < 0.4), CommitteeRole.EXECUTIVE_SECRETARY, gen.mobile(), None)
            )
        if rng.random() < 0.4 and len(sole_owners) > size:
            person, unit_id = rng.choice([p for p in sole_owners if p not in chosen])
            people.append((person.name, CommitteeRole.SUPERVISOR, gen.mobile(), unit_id))
    return people


def _check_demo_mobiles() -> None:
    taken = list(
        Account.objects.filter(mobile__in=[s.mobile for s in DEMO_STAFF])
        .exclude(username__in=[s.username for s in DEMO_STAFF])
        .values_list("mobile", flat=True)
    )
    if taken:
        raise DemoRefused(f"演示账号的手机号{'、'.join(taken)}已被其他账户使用，无法创建演示账号。")


def _demo_accounts() -> int:
    """The demo staff accounts and operator: created, or reset when the username already exists."""
    flagship = Project.objects.select_related("company", "district", "subdistrict").get(code=FLAGSHIP_CODE)
    scope: dict[str, dict[str, Any]] = {
        ScopeLevel.CITY: {},
        ScopeLevel.DISTRICT: {"district": flagship.district},
        ScopeLevel.SUBDISTRICT: {"subdistrict": flagship.subdistrict},
        ScopeLevel.COMMITTEE: {"project": flagship},
        ScopeLevel.COMPANY: {"company": flagship.company},
    }
    hashed = make_password(DEMO_PASSWORD)  # hashed once: the demo accounts share one demo password
    for spec in DEMO_STAFF:
        operator = spec.level == "operator"
        account = Account.objects.filter(username=spec.username).first() or Account(username=spec.username)
        account.kind = AccountKind.OPERATOR if operator else AccountKind.STAFF
        account.display_name = spec.display_name
        account.mobile = spec.mobile
        account.is_staff = operator
        account.is_superuser = operator
        account.is_active = True
        account.password = hashed
        account.save()
        StaffRole.objects.filter(account=account).delete()
        if not operator:
            StaffRole.objects.create(
                account=account,
                level=spec.level,
                can_edit=spec.can_edit,
                title=spec.title,
                **scope[spec.level],
            )
    return len(DEMO_STAFF)


# --------------------------------------------------------------------------------------------------------------
# Reading the demo facts back
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    mobile: str
    role: str


@dataclass(frozen=True)
class DemoOwner:
    role: str
    name: str
    id_type_label: str
    id_number: str
    phone: str
    units: tuple[str, ...]


def demo_login_facts() -> tuple[list[DemoLogin], list[DemoOwner]]:
    """The demo log-ins that exist in the database (staff, operator) and the demo owners with their units."""
    accounts = {
        a.username: a
        for a in Account.objects.filter(username__in=[s.username for s in DEMO_STAFF]).prefetch_related(
            "staff_roles__district",
            "staff_roles__subdistrict",
            "staff_roles__project",
            "staff_roles__company",
        )
    }
    logins = []
    for spec in DEMO_STAFF:
        account = accounts.get(spec.username)
        if account is None:
            continue
        roles = list(account.staff_roles.all())
        if spec.level == "operator":
            role = "平台运维（/ops/，超级用户）"
        elif roles:
            r = roles[0]
            role = f"{r}{'，可编辑' if r.can_edit else '，只读'}"
        else:
            role = "（无角色）"
        logins.append(DemoLogin(spec.username, DEMO_PASSWORD, account.mobile, role))
    owners = []
    hashes = {}
    for spec in DEMO_OWNERS:
        hashes[(spec.id_type, _id_token(spec.id_type, spec.id_number)[1])] = spec
    titles = (
        TitleRecord.objects.current()
        .filter(id_number_hash__in=[h for _t, h in hashes])
        .select_related("unit__building", "unit__project")
        .order_by("unit__project__code", "unit__building__number", "unit__number")
    )
    units_of: dict[str, list[str]] = {s.key: [] for s in DEMO_OWNERS}
    for t in titles:
        spec = hashes.get((t.id_type, t.id_number_hash))
        if spec is None:
            continue
        u = t.unit
        share = "" if t.share == 1 else f"，份额{t.share.normalize()}"
        units_of[spec.key].append(
            f"{u.project.name}（{u.project.code}）{u.building.number}-{u.number}，{u.get_use_display()}{u.area}㎡{share}"
        )
    for spec in DEMO_OWNERS:
        if units_of[spec.key]:
            owners.append(
                DemoOwner(
                    spec.role,
                    spec.name,
                    ID_TYPES[spec.id_type],
                    spec.id_number,
                    spec.phone,
                    tuple(units_of[spec.key]),
                )
            )
    return logins, owners


def demo_logins() -> list[str]:
    """Printable lines with the demo log-ins and demo owners (empty when no demo data is loaded)."""
    try:
        logins, owners = demo_login_facts()
    except DatabaseError:
        return []
    if not logins and not owners:
        return []
    lines = [f"演示账号（仅供演示，密码均为 {DEMO_PASSWORD}；后台登录还需短信验证码，见 SMS outbox）："]
    for login in logins:
        lines.append(f"  {login.username:<17} 手机 {login.mobile:<15} {login.role}")
    if owners:
        lines.append("演示业主（业主端“业主身份绑定”时填写；验证码发往下列手机号，见 SMS outbox）：")
        for o in owners:
            lines.append(f"  {o.name} — {o.role}")
            lines.append(f"      {o.id_type_label} {o.id_number}，手机 {o.phone}")
            for unit in o.units:
                lines.append(f"      {unit}")
    return lines


def registry_digest() -> str:
    """SHA-256 over the registry's projects, units, areas and title holders (to compare two loads)."""
    h = hashlib.sha256()
    for row in Project.objects.order_by("code").values_list("code", "name", "address", "district__name"):
        h.update(repr(row).encode())
    units = Unit.objects.order_by("project__code", "building__number", "number").values_list(
        "project__code", "building__number", "number", "floor", "use", "area", "area_source", "delivered",
        "developer_held",
    )  # fmt: skip
    for row in units.iterator(chunk_size=10_000):
        h.update(repr(row).encode())
    titles = TitleRecord.objects.order_by(
        "unit__project__code", "unit__building__number", "unit__number", "id_number_hash"
    ).values_list("unit__project__code", "unit__building__number", "unit__number", "holder_name", "id_type",
                  "id_number_hash", "share", "registered_on")  # fmt: skip
    for row in titles.iterator(chunk_size=10_000):
        h.update(repr(row).encode())
    return h.hexdigest()


def format_counts(counts: dict[str, Any], lines: Iterable[str] = ()) -> str:
    labels = {
        "districts": "行政区",
        "subdistricts": "街道",
        "communities": "社区",
        "companies": "物业服务企业",
        "banks": "数据共享银行",
        "projects": "物业项目",
        "buildings": "楼栋",
        "units": "房屋",
        "units_residential": "  其中住宅",
        "units_commercial": "  其中商业",
        "units_office": "  其中办公",
        "units_parking": "  其中车位",
        "units_storage": "  其中储藏室",
        "units_developer_held": "  建设单位持有（未售或已售未交付）",
        "units_undelivered": "  未交付",
        "units_co_owned": "  共有房屋",
        "titles": "产权登记",
        "holders": "产权人",
        "holders_with_several_units": "  其中多套房产权人",
        "assemblies": "业主大会",
        "committees": "业委会/筹备组/换届小组",
        "committee_members": "成员",
        "party_branches": "党支部",
        "practitioners": "从业人员",
        "search_grams": "项目检索索引",
        "facilities": "设施设备",
        "inspections": "安全检查",
        "accounts": "演示账号",
    }
    out = [*lines]
    for key, label in labels.items():
        if key in counts:
            out.append(f"  {label}：{counts[key]:,}")
    return "\n".join(out)
