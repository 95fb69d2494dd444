"""The seeded plan of the demo city: people, projects, buildings, units and their content (no writes).

`_Generator` is one class of ~400 lines on purpose: every draw must come from its one `random.Random` in a fixed
order (same seed, same city), and splitting it would spread that order over several modules."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter, deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pmip.core.idnumbers import check_character, make_mainland_number
from pmip.demo.names import (
    _COMMUNITY_SUFFIXES,
    _COMPANY_STEMS,
    _COMPOUND_SURNAMES,
    _FEMALE,
    _HK_GIVEN,
    _LATIN_FAMILY,
    _LATIN_GIVEN,
    _MALE,
    _PROJECT_STEMS,
    _PROJECT_SUFFIXES,
    _ROAD_STEMS,
    _ROAD_SUFFIXES,
    _SURNAME_WEIGHTS,
    _SURNAMES,
    _TW_GIVEN,
)
from pmip.demo.specs import (
    _DISTRICT_CENTRE,
    _DISTRICT_ROTATION,
    _DISTRICT_WEIGHT,
    _FLAGSHIP_FORCED,
    _ID_REGION_WEIGHTS,
    _ID_REGIONS,
    DEMO_OWNERS,
    FLAGSHIP_DISTRICT,
    FLAGSHIP_NAME,
    FLAGSHIP_SUBDISTRICT,
    REFERENCE_DATE,
    Scale,
)
from pmip.registry.choices import (
    AreaSource,
    UnitUse,
)
from pmip.registry.districts import SHENZHEN_DISTRICTS
from pmip.registry.models import sealed_id_number

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
            self._token = sealed_id_number(self.id_type, self.id_number)
        return self._token


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
        # Kept whole: one pass in the fixed order of the seeded random draws (same seed, same data).
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
