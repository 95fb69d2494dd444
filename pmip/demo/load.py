"""`load_demo_city`: the generator's plan written in one transaction with one audit entry."""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections import Counter
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from pmip.audit.services import record
from pmip.core import clock, public_cache
from pmip.core.errors import PermissionDenied
from pmip.demo.generator import (
    DemoResult,
    _communities,
    _Content,
    _date_between,
    _Generator,
    _Person,
    _ProjectPlan,
)
from pmip.demo.names import _FINDINGS, _INSPECTORS
from pmip.demo.specs import (
    BANKS,
    DEMO_PASSWORD,
    DEMO_STAFF,
    FLAGSHIP_CODE,
    REFERENCE_DATE,
    SCALES,
    DemoRefused,
    Scale,
)
from pmip.demo.writer import _TITLE_COLUMNS, _UNIT_COLUMNS, _Writer
from pmip.identity.models import Account, AccountKind, ScopeLevel, StaffRole
from pmip.registry.choices import (
    CommitteeKind,
    CommitteeRole,
    FacilityKind,
    InspectionResult,
    PractitionerRole,
    UnitUse,
)
from pmip.registry.districts import SHENZHEN_DISTRICTS
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

#: From this many units, the title records' blind-index indexes are built after the load (PostgreSQL).
SUSPEND_INDEXES_FROM_UNITS = 500_000


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
    # Kept whole: the city loads in the fixed order of the seeded random draws (same seed, same city).
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
    # Kept whole: one chunk's bulk inserts, parents before children, in the order the ids were reserved.
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
    # Kept whole: one pass in the fixed order of the seeded random draws (same seed, same data).
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
