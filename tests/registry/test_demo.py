"""The demo city: invariants, valid ID numbers, determinism, --if-empty and the demo log-ins."""

from __future__ import annotations

import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from pmip import demo
from pmip.audit.models import AuditEntry
from pmip.core import crypto
from pmip.core.errors import PermissionDenied
from pmip.core.idnumbers import ID_TYPES, validate
from pmip.core.masking import mask_id
from pmip.demo import load as demo_load
from pmip.identity.models import Account, AccountKind, ScopeLevel, StaffRole
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
from pmip.registry.selectors import projects_for_staff


def _load(seed: int = 1) -> demo.DemoResult:
    return demo.load_demo_city(scale="tiny", seed=seed)


def _wipe_projects() -> None:
    """Remove everything hanging off projects (places, companies and banks stay, as a re-load reuses them)."""
    StaffRole.objects.all().delete()
    for model in (
        CommitteeMember,
        Committee,
        OwnersAssembly,
        PartyBranch,
        Practitioner,
        Facility,
        SafetyInspection,
        TitleRecord,
        Unit,
        Building,
        Project,
    ):
        model.objects.all().delete()


def test_tiny_demo_has_the_fixed_flagship_and_matching_counts(db):
    result = _load()

    assert District.objects.count() == 10
    assert Subdistrict.objects.count() == 74
    assert Community.objects.count() == 222
    assert DataSharingBank.objects.count() == 6
    assert PropertyCompany.objects.count() == 3
    assert Project.objects.count() == 2
    assert Unit.objects.count() == 300
    assert set(District.objects.values_list("code", "name")) == {
        ("440303", "罗湖区"),
        ("440304", "福田区"),
        ("440305", "南山区"),
        ("440306", "宝安区"),
        ("440307", "龙岗区"),
        ("440308", "盐田区"),
        ("440309", "龙华区"),
        ("440310", "坪山区"),
        ("440311", "光明区"),
        ("440399", "大鹏新区"),
    }
    assert Subdistrict.objects.filter(district__name="福田区").count() == 10
    assert Subdistrict.objects.filter(district__name="大鹏新区", name="南澳街道").exists()

    flagship = Project.objects.get(code=demo.FLAGSHIP_CODE)
    assert (flagship.name, flagship.name_initials, flagship.district.name, flagship.subdistrict.name) == (
        "莲花山庄",
        "lhsz",
        "福田区",
        "莲花街道",
    )
    uses = Counter(flagship.units.values_list("use", flat=True))
    assert uses == {"residential": 144, "commercial": 6, "storage": 10, "parking": 40}
    held = flagship.units.filter(developer_held=True)
    assert held.count() == 17
    assert held.filter(delivered=False).count() == 17
    assert sorted(held.filter(area_source="contract").values_list("number", flat=True)) == ["1203", "1204"]
    assert not TitleRecord.objects.filter(unit__developer_held=True).exists()
    assert list(flagship.buildings.order_by("id").values_list("number", "floors", "has_lift")) == [
        ("1", 13, True),
        ("2", 12, True),
        ("3", 12, True),
        ("地库", 1, True),
    ]

    # The counts reported (and audited) are the counts in the database.
    c = result.counts
    assert c["projects"] == 2 and c["units"] == 300
    assert c["buildings"] == Building.objects.count()
    for use in ("residential", "commercial", "parking", "storage"):
        assert c.get(f"units_{use}", 0) == Unit.objects.filter(use=use).count()
    assert c["units_developer_held"] == Unit.objects.filter(developer_held=True).count()
    assert c["titles"] == TitleRecord.objects.count()
    co_owned = Unit.objects.annotate(n=Count("titles")).filter(n__gt=1).count()
    assert c["units_co_owned"] == co_owned > 0
    holders = TitleRecord.objects.values("id_type", "id_number_hash").distinct().count()
    assert c["holders"] == holders
    several = (
        TitleRecord.objects.values("id_type", "id_number_hash")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    assert c["holders_with_several_units"] == several > 0
    assert c["assemblies"] == OwnersAssembly.objects.count() >= 1
    assert c["committees"] == Committee.objects.count() >= 1
    assert c["committee_members"] == CommitteeMember.objects.count() >= 5
    assert c["party_branches"] == PartyBranch.objects.count() >= 1
    assert c["practitioners"] == Practitioner.objects.count() >= 3
    assert c["facilities"] == Facility.objects.count()
    assert Facility.objects.filter(project=flagship, kind="lift").count() == 8
    assert c["inspections"] == SafetyInspection.objects.count() >= 3
    assert c["accounts"] == 6

    entry = AuditEntry.objects.get()
    assert entry.action == "registry.demo.loaded"
    assert entry.actor is None
    assert entry.data == {"scale": "tiny", "seed": 1, "counts": c}


def test_every_title_decrypts_to_a_valid_number_and_shares_add_up(db):
    _load()
    for title in TitleRecord.objects.all():
        number = title.reveal_id_number()
        assert validate(title.id_type, number) == number
        assert title.id_number_hash == crypto.id_number_hash(title.id_type, number)
        assert title.id_number_masked == mask_id(number)
        assert title.registered_on is not None
    sums = Unit.objects.annotate(total=Sum("titles__share")).filter(total__isnull=False)
    assert sums.filter(total__gt=Decimal("1")).count() == 0
    assert set(TitleRecord.objects.values_list("id_type", flat=True)) >= {
        "mainland",
        "return_home",
        "passport",
    }
    # Areas: positive, two places.
    for area in Unit.objects.values_list("area", flat=True):
        assert area > 0 and area == area.quantize(Decimal("0.01"))


def test_generated_people_cover_every_id_type_and_all_validate():
    gen = demo._Generator(7)
    people = [gen.person() for _ in range(3000)]
    assert {p.id_type for p in people} == set(ID_TYPES)
    for p in people:
        assert validate(p.id_type, p.id_number) == p.id_number
    assert len({(p.id_type, p.id_number) for p in people}) == 3000
    mainland = [p for p in people if p.id_type == "mainland"]
    assert {p.id_number[:6] for p in mainland} <= set(demo._ID_REGIONS)


def _uscc_ok(code: str) -> bool:
    """GB 32100-2015 check, written independently: the weighted sum including the check character is 0 mod 31,
    and the embedded organisation code passes GB 11714 (weights 3 7 9 10 5 8 4 2, mod 11)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [3**i % 31 for i in range(17)]
    total = sum(alphabet.index(ch) * w for ch, w in zip(code[:17], weights, strict=True))
    org = code[8:17]
    c9 = (11 - sum(int(d) * w for d, w in zip(org[:8], (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11) % 11
    return (total + alphabet.index(code[17])) % 31 == 0 and org[8] == ("X" if c9 == 10 else str(c9))


def test_credit_codes_have_valid_check_characters(db):
    assert all(_uscc_ok(demo.credit_code(f"{n * 7919:08d}")) for n in range(500))
    good = demo.credit_code("12345678")
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    assert _uscc_ok(good) and not _uscc_ok(wrong_check)
    _load()
    codes = list(PropertyCompany.objects.values_list("credit_code", flat=True))
    assert len(codes) == 3 and all(len(c) == 18 and c.startswith("91440300") and _uscc_ok(c) for c in codes)


def test_demo_owners_are_placed_with_one_token_per_holder(db):
    _load()
    multi = next(o for o in demo.DEMO_OWNERS if o.key == "multi")
    records = list(
        TitleRecord.objects.for_id("mainland", multi.id_number).select_related(
            "unit__building", "unit__project"
        )
    )
    flagship = sorted(
        (r.unit.building.number, r.unit.number) for r in records if r.unit.project.code == demo.FLAGSHIP_CODE
    )
    assert flagship == [("2", "301"), ("2", "302"), ("地库", "B1-005")]
    elsewhere = [r.unit for r in records if r.unit.project.code != demo.FLAGSHIP_CODE]
    assert [(u.project.code, u.building.number, u.use, u.floor >= 2) for u in elsewhere] == [
        ("4403040002", "1", "residential", True)
    ]
    assert len({r.id_number_enc for r in records}) == 1  # encrypted once, reused

    co = TitleRecord.objects.filter(
        unit__project__code=demo.FLAGSHIP_CODE, unit__building__number="1", unit__number="1002"
    ).order_by("holder_name")
    assert [(t.holder_name, t.share) for t in co] == [
        ("李静", Decimal("0.5000")),
        ("王强", Decimal("0.5000")),
    ]
    hk = TitleRecord.objects.get(id_type="return_home", holder_name="黄家豪")
    assert (hk.unit.building.number, hk.unit.number, hk.reveal_id_number()) == ("2", "1201", "H10384726")


def test_same_seed_gives_the_same_data_and_another_seed_does_not(db):
    _load(1)
    first = demo.registry_digest()
    codes = list(Project.objects.values_list("code", "name"))
    _wipe_projects()
    _load(1)
    assert demo.registry_digest() == first
    assert list(Project.objects.values_list("code", "name")) == codes
    assert PropertyCompany.objects.count() == 3  # reused by credit code, not duplicated
    _wipe_projects()
    _load(2)
    assert demo.registry_digest() != first


def test_demo_accounts_have_their_scopes(db):
    _load()
    accounts = {a.username: a for a in Account.objects.prefetch_related("staff_roles")}
    assert set(accounts) == {s.username for s in demo.DEMO_STAFF}
    for spec in demo.DEMO_STAFF:
        account = accounts[spec.username]
        assert account.check_password(demo.DEMO_PASSWORD)
        assert account.mobile == spec.mobile
    ops = accounts["demo_ops"]
    assert (ops.kind, ops.is_superuser, ops.is_staff, ops.staff_roles.count()) == (
        AccountKind.OPERATOR,
        True,
        True,
        0,
    )
    roles = {a.username: a.staff_roles.get() for a in accounts.values() if a.username != "demo_ops"}
    assert {u: (r.level, r.can_edit) for u, r in roles.items()} == {
        "demo_city": (ScopeLevel.CITY, True),
        "demo_district": (ScopeLevel.DISTRICT, False),
        "demo_subdistrict": (ScopeLevel.SUBDISTRICT, True),
        "demo_committee": (ScopeLevel.COMMITTEE, True),
        "demo_company": (ScopeLevel.COMPANY, False),
    }
    assert all(a.kind == AccountKind.STAFF for u, a in accounts.items() if u != "demo_ops")
    assert roles["demo_committee"].project.code == demo.FLAGSHIP_CODE
    assert projects_for_staff(actor=accounts["demo_city"]).count() == 2
    assert list(projects_for_staff(actor=accounts["demo_committee"]).values_list("code", flat=True)) == [
        demo.FLAGSHIP_CODE
    ]
    assert projects_for_staff(actor=accounts["demo_subdistrict"], editable=True).count() == 2
    assert projects_for_staff(actor=accounts["demo_district"], editable=True).count() == 0


def test_demo_logins_print_staff_and_owners(db):
    assert demo.demo_logins() == []
    _load()
    lines = demo.demo_logins()
    text = "\n".join(lines)
    assert (
        lines[0] == "演示账号（仅供演示，密码均为 Pmip-demo-2026；后台登录还需短信验证码，见 SMS outbox）："
    )
    for spec in demo.DEMO_STAFF:
        assert spec.username in text and spec.mobile in text
    for owner in demo.DEMO_OWNERS:
        assert f"{owner.id_number}，手机 {owner.phone}" in text
    assert any(line.strip().startswith("莲花山庄（4403040001）1-801，住宅") for line in lines)
    staff, owners = demo.demo_login_facts()
    assert [o.name for o in owners] == ["张伟明", "李静", "王强", "陈建国", "黄家豪", "DAVID MILLER"]
    assert [len(o.units) for o in owners] == [1, 1, 1, 4, 1, 1]
    assert staff[0].role == "市住建局：全市，可编辑"


def test_command_if_empty_and_refusal(db):
    out = io.StringIO()
    call_command("demo_city", "--scale", "tiny", "--seed", "1", "--if-empty", "--no-progress", stdout=out)
    assert "演示城市加载完成" in out.getvalue()
    assert Project.objects.count() == 2
    audit_before = AuditEntry.objects.count()

    out = io.StringIO()
    call_command("demo_city", "--scale", "tiny", "--seed", "2", "--if-empty", stdout=out)
    assert out.getvalue() == "数据库中已有2个物业项目，跳过加载演示数据。\n"

    with pytest.raises(CommandError, match="数据库中已有2个物业项目"):
        call_command("demo_city", "--scale", "tiny", "--seed", "2", stdout=io.StringIO())
    assert Project.objects.count() == 2
    assert Unit.objects.count() == 300
    assert AuditEntry.objects.count() == audit_before


def test_service_refuses_non_empty_database_and_non_operators(db, city):
    before = (Project.objects.count(), Unit.objects.count(), AuditEntry.objects.count())
    with pytest.raises(demo.DemoRefused, match="数据库中已有4个物业项目"):
        demo.load_demo_city(scale="tiny", seed=1)
    owner = Account.objects.create_user(username="someone", kind=AccountKind.OWNER)
    with pytest.raises(PermissionDenied):
        demo.load_demo_city(scale="tiny", seed=1, actor=owner)
    assert (Project.objects.count(), Unit.objects.count(), AuditEntry.objects.count()) == before


def test_demo_mobile_taken_by_another_account_refuses_and_rolls_back(db):
    Account.objects.create_user(username="real_person", mobile="+8613700000003")
    with pytest.raises(demo.DemoRefused, match=r"演示账号的手机号\+8613700000003已被其他账户使用"):
        _load()
    assert (
        Project.objects.count(),
        Unit.objects.count(),
        District.objects.count(),
        AuditEntry.objects.count(),
    ) == (
        0,
        0,
        0,
        0,
    )


def test_existing_demo_accounts_are_reset_not_duplicated(db):
    stale = Account.objects.create_user(
        username="demo_city", password="old-password-1", mobile="+8613700000001"
    )
    _load()
    stale.refresh_from_db()
    assert stale.check_password(demo.DEMO_PASSWORD)
    assert (stale.kind, stale.staff_roles.get().level) == (AccountKind.STAFF, ScopeLevel.CITY)
    assert Account.objects.count() == 6


def test_large_load_rebuilds_the_suspended_indexes_on_postgresql(db, monkeypatch):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("index suspension is PostgreSQL-only")

    def index_defs():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'registry_titlerecord'"
            )
            return sorted(cursor.fetchall())

    before = index_defs()
    assert any("id_number_hash" in d for _n, d in before)
    monkeypatch.setattr(demo_load, "SUSPEND_INDEXES_FROM_UNITS", 1)
    _load()
    assert index_defs() == before
    multi = next(o for o in demo.DEMO_OWNERS if o.key == "multi")
    assert TitleRecord.objects.for_id("mainland", multi.id_number).count() == 4
