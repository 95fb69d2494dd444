"""Test data built in code with exact, known values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from pmip.core.idnumbers import make_mainland_number
from pmip.identity.models import Account, AccountKind, ScopeLevel, StaffRole
from pmip.identity.services import mark_second_factor
from pmip.registry.models import (
    Building,
    Community,
    District,
    Project,
    PropertyCompany,
    Subdistrict,
    TitleRecord,
    Unit,
)

STAFF_PASSWORD = "Pmip-test-2026"


def login_staff(client, account) -> None:
    """A back-office session as the real two-step log-in leaves it: Django's log-in plus the second-factor mark
    (`mark_second_factor`, the call the office log-in makes after the SMS code). The one way tests log staff in
    without going through the SMS step; a bare `force_login` is a password-only session, which /office/,
    /api/v1/office/ and /ops/ refuse."""
    client.force_login(account, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    mark_second_factor(session)
    session.save()


def mainland_id(n: int, region: str = "440304") -> str:
    return make_mainland_number(region, dt.date(1970, 1, 1) + dt.timedelta(days=97 * n), n % 1000)


def project(*, code: str, name: str, subdistrict: Subdistrict, company=None, address: str = "") -> Project:
    return Project.objects.create(
        code=code,
        name=name,
        address=address or f"深圳市{subdistrict.district.name}{subdistrict.name}{name}",
        district=subdistrict.district,
        subdistrict=subdistrict,
        community=subdistrict.communities.first(),
        service_phone="0755-88881234",
        company=company,
    )


def building(
    project: Project, number: str, *, units: list[tuple[str, str]] = (), floors: int = 10
) -> Building:
    b = Building.objects.create(project=project, number=number, floors=floors)
    for room, area in units:
        Unit.objects.create(
            project=project, building=b, number=room, floor=int(room[:-2] or 1), area=Decimal(area)
        )
    return b


def title(
    unit: Unit, holder: str, number: str, *, id_type: str = "mainland", share: str = "1"
) -> TitleRecord:
    record = TitleRecord(
        unit=unit, holder_name=holder, share=Decimal(share), registered_on=dt.date(2015, 6, 1)
    )
    record.set_id_number(id_type, number)
    record.save()
    return record


@dataclass
class SmallCity:
    districts: dict[str, District] = field(default_factory=dict)
    subdistricts: dict[str, Subdistrict] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    companies: dict[str, PropertyCompany] = field(default_factory=dict)


def small_city() -> SmallCity:
    c = SmallCity()
    c.districts["futian"] = District.objects.create(code="440304", name="福田区")
    c.districts["nanshan"] = District.objects.create(code="440305", name="南山区")
    c.subdistricts["lianhua"] = Subdistrict.objects.create(district=c.districts["futian"], name="莲花街道")
    c.subdistricts["xiangmihu"] = Subdistrict.objects.create(
        district=c.districts["futian"], name="香蜜湖街道"
    )
    c.subdistricts["yuehai"] = Subdistrict.objects.create(district=c.districts["nanshan"], name="粤海街道")
    for sd in c.subdistricts.values():
        Community.objects.create(subdistrict=sd, name=f"{sd.name[:-2]}社区")
    c.companies["wanjia"] = PropertyCompany.objects.create(
        name="深圳市万家物业服务有限公司", credit_code="91440300MA5F000001", phone="0755-80000001"
    )
    c.companies["anju"] = PropertyCompany.objects.create(
        name="深圳市安居物业管理有限公司", credit_code="91440300MA5F000002", phone="0755-80000002"
    )
    c.projects["lianhua"] = project(
        code="440304001",
        name="莲花山庄",
        subdistrict=c.subdistricts["lianhua"],
        company=c.companies["wanjia"],
    )
    c.projects["jinghua"] = project(
        code="440304002", name="景华苑", subdistrict=c.subdistricts["lianhua"], company=c.companies["anju"]
    )
    c.projects["xiangmi"] = project(
        code="440304101",
        name="香蜜花园",
        subdistrict=c.subdistricts["xiangmihu"],
        company=c.companies["wanjia"],
    )
    c.projects["haian"] = project(
        code="440305001", name="海岸城小区", subdistrict=c.subdistricts["yuehai"], company=c.companies["anju"]
    )
    for i, p in enumerate(c.projects.values()):
        b1 = building(p, "1", units=[("101", "90.00"), ("102", "88.50"), ("201", "120.25")])
        building(p, "2", units=[("101", "75.10"), ("102", "60.00")])
        title(b1.units.get(number="101"), "张三", mainland_id(i + 1))
    return c


def account(username: str, *, kind: str = AccountKind.OWNER, mobile: str = "", name: str = "") -> Account:
    user = Account.objects.create_user(username=username, password=STAFF_PASSWORD, kind=kind, mobile=mobile)
    user.display_name = name or username
    user.save()
    return user


def staff_accounts(c: SmallCity) -> dict[str, Account]:
    """city, futian (district), lianhua (subdistrict, can edit), yuehai (subdistrict), committee of 莲花山庄, company."""
    spec = {
        "city": dict(level=ScopeLevel.CITY, can_edit=True),
        "futian": dict(level=ScopeLevel.DISTRICT, district=c.districts["futian"]),
        "lianhua": dict(level=ScopeLevel.SUBDISTRICT, subdistrict=c.subdistricts["lianhua"], can_edit=True),
        "yuehai": dict(level=ScopeLevel.SUBDISTRICT, subdistrict=c.subdistricts["yuehai"], can_edit=True),
        "committee": dict(level=ScopeLevel.COMMITTEE, project=c.projects["lianhua"], can_edit=True),
        "company": dict(level=ScopeLevel.COMPANY, company=c.companies["wanjia"]),
    }
    out = {}
    for i, (key, kwargs) in enumerate(spec.items()):
        user = account(
            f"staff_{key}", kind=AccountKind.STAFF, mobile=f"+861380000{i:04d}", name=f"工作人员{key}"
        )
        StaffRole.objects.create(account=user, **kwargs)
        out[key] = user
    return out
