"""Interest allocation (period-end and average daily balance) and repairs (preview, charge, emergency, cancel)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmip.audit.models import AuditEntry
from pmip.core.errors import PermissionDenied, ValidationFailed
from pmip.funds import services
from pmip.funds.choices import DisclosureKind
from pmip.funds.models import (
    Disclosure,
    LedgerEntry,
    ProjectBalance,
    Repair,
    RepairShare,
    UnitBalance,
)
from pmip.funds.reconcile import reconcile

D = Decimal


def label_of(entry) -> str:
    return f"{entry.unit.building.number}-{entry.unit.number}"


def interest_by_label(batch: str) -> dict[str, Decimal]:
    return {
        label_of(e): e.amount
        for e in LedgerEntry.objects.filter(batch=batch, unit__isnull=False).select_related("unit__building")
    }


# --- interest --------------------------------------------------------------------------------------------------


def test_interest_received_into_the_pool_then_allocated_pro_rata_to_period_end_balance(lianhua, units, clerk):
    services.post_first_deposits(actor=clerk, project=lianhua, occurred_on=dt.date(2026, 1, 1))
    services.receive_interest(actor=clerk, project=lianhua, amount="100.00", occurred_on=dt.date(2026, 3, 31))
    pb = ProjectBalance.objects.get(project=lianhua)
    assert (pb.pool, pb.interest, pb.balance) == (D("100.00"), D("100.00"), D("21636.31"))

    result = services.allocate_interest(
        actor=clerk, project=lianhua, period_end=dt.date(2026, 3, 31), period="2026Q1"
    )

    assert interest_by_label(result.batch) == {
        "1-101": D("20.74"),
        "1-102": D("20.40"),
        "1-201": D("27.72"),
        "2-101": D("17.31"),
        "2-102": D("13.83"),
    }
    pool_leg = LedgerEntry.objects.get(batch=result.batch, unit__isnull=True)
    assert pool_leg.amount == D("-100.00")
    pb.refresh_from_db()
    assert (pb.pool, pb.interest, pb.balance) == (D("0.00"), D("100.00"), D("21636.31"))
    assert UnitBalance.objects.get(unit=units["1-101"]).interest == D("20.74")
    audit = AuditEntry.objects.get(action="funds.interest.allocated")
    assert (audit.data["method"], audit.data["method_source"], audit.data["units"]) == (
        "period_end",
        "default",
        5,
    )
    assert reconcile() == []

    with pytest.raises(ValidationFailed) as exc:
        services.allocate_interest(actor=clerk, project=lianhua, period_end=dt.date(2026, 3, 31))
    assert exc.value.message == "没有待分配的利息。"


def test_average_daily_balance_weights_by_days_held(lianhua, units, clerk):
    services.post_first_deposits(
        actor=clerk, project=lianhua, unit_ids=[units["1-101"].pk], occurred_on=dt.date(2026, 1, 1)
    )
    services.post_first_deposits(
        actor=clerk, project=lianhua, unit_ids=[units["1-102"].pk], occurred_on=dt.date(2026, 3, 1)
    )
    services.receive_interest(actor=clerk, project=lianhua, amount="20.00")
    common = dict(
        project=lianhua, amount="10.00", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31)
    )

    period_end = services.preview_interest_allocation(method="period_end", **common)
    assert [(a.label, a.amount) for a in period_end.allocations] == [
        ("1-101", D("5.04")),
        ("1-102", D("4.96")),
    ]
    assert period_end.units_without_share == 3

    daily = services.preview_interest_allocation(method="average_daily", **common)
    # 4467.60 held 90 days, 4393.14 held 31 days.
    assert [(a.label, a.weight, a.amount) for a in daily.allocations] == [
        ("1-101", 446760 * 90, D("7.47")),
        ("1-102", 439314 * 31, D("2.53")),
    ]
    assert (
        LedgerEntry.objects.filter(kind="interest", unit__isnull=False).count() == 0
    )  # previews write nothing

    result = services.allocate_interest(
        actor=clerk,
        project=lianhua,
        amount="10.00",
        method="average_daily",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 3, 31),
    )
    assert interest_by_label(result.batch) == {"1-101": D("7.47"), "1-102": D("2.53")}
    assert ProjectBalance.objects.get(project=lianhua).pool == D("10.00")
    with pytest.raises(ValidationFailed) as exc:
        services.allocate_interest(
            actor=clerk, project=lianhua, amount="10.01", period_end=dt.date(2026, 3, 31)
        )
    assert exc.value.message == "分配金额 10.01 元超过待分配利息 10.00 元。"


def test_average_daily_needs_a_start(lianhua, clerk):
    with pytest.raises(ValidationFailed):
        services.preview_interest_allocation(
            project=lianhua, amount="1.00", period_end=dt.date(2026, 3, 31), method="average_daily"
        )


def test_no_positive_balance_no_allocation(lianhua, clerk):
    services.receive_interest(actor=clerk, project=lianhua, amount="5.00")
    with pytest.raises(ValidationFailed) as exc:
        services.allocate_interest(actor=clerk, project=lianhua, period_end=dt.date(2026, 3, 31))
    assert exc.value.code == "no_weights"
    assert LedgerEntry.objects.count() == 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    deposits=st.lists(st.integers(min_value=0, max_value=5_000_000), min_size=5, max_size=5),
    interest=st.integers(min_value=1, max_value=10_000_000),
)
def test_interest_allocation_sums_exactly(lianhua, units, clerk, deposits, interest):
    from django.db import transaction

    with transaction.atomic():
        for (_label, unit), fen in zip(sorted(units.items()), deposits, strict=True):
            if fen:
                services.post_transfer(actor=clerk, unit_id=unit.pk, amount=D(fen) / 100, memo="划入")
        amount = D(interest) / 100
        services.receive_interest(actor=clerk, project=lianhua, amount=amount)
        if not any(deposits):
            with pytest.raises(ValidationFailed):
                services.allocate_interest(actor=clerk, project=lianhua, period_end=dt.date(2026, 3, 31))
        else:
            result = services.allocate_interest(actor=clerk, project=lianhua, period_end=dt.date(2026, 3, 31))
            assert sum(interest_by_label(result.batch).values()) == amount
            assert ProjectBalance.objects.get(project=lianhua).pool == D("0.00")
            assert reconcile(project_ids=[lianhua.pk]) == []
        transaction.set_rollback(True)


# --- repairs ---------------------------------------------------------------------------------------------------


@pytest.fixture
def funded(lianhua, clerk):
    services.post_first_deposits(actor=clerk, project=lianhua, occurred_on=dt.date(2026, 1, 1))
    return lianhua


def test_preview_writes_nothing_and_matches_the_charge(funded, units, clerk, staff):
    b1 = units["1-101"].building
    preview = services.preview_apportionment(
        project=funded, amount="1000.00", scope_kind="buildings", building_ids=[b1.pk]
    )
    assert [(a.label, a.amount) for a in preview] == [
        ("1-101", D("301.26")),
        ("1-102", D("296.23")),
        ("1-201", D("402.51")),
    ]
    assert Repair.objects.count() == 0 and LedgerEntry.objects.filter(kind="repair_charge").count() == 0

    repair = services.create_repair(
        actor=staff["committee"],
        project=funded,
        title="1栋电梯更换",
        amount="1000.00",
        scope_kind="buildings",
        building_ids=[b1.pk],
        contractor="深圳市安泰建设工程有限公司",
        decision_ref="JC2026-001",
        started_on=dt.date(2026, 2, 1),
        finished_on=dt.date(2026, 3, 1),
    )
    assert repair.status == "draft"
    assert [(a.label, a.amount) for a in services.preview_repair(repair=repair)] == [
        (a.label, a.amount) for a in preview
    ]
    with pytest.raises(PermissionDenied):  # the committee registers repairs, the fund centre charges them
        services.charge_repair(actor=staff["committee"], repair_id=repair.pk)

    result = services.charge_repair(actor=clerk, repair_id=repair.pk, occurred_on=dt.date(2026, 3, 10))

    assert result.count == 3
    charges = {
        label_of(e): e.amount
        for e in LedgerEntry.objects.filter(repair=repair).select_related("unit__building")
    }
    assert charges == {"1-101": D("-301.26"), "1-102": D("-296.23"), "1-201": D("-402.51")}
    assert sum(RepairShare.objects.filter(repair=repair).values_list("amount", flat=True)) == D("1000.00")
    ub = UnitBalance.objects.get(unit=units["1-101"])
    assert (ub.used, ub.balance) == (D("301.26"), D("4467.60") - D("301.26"))
    assert UnitBalance.objects.get(unit=units["2-101"]).used == D("0.00")
    repair.refresh_from_db()
    assert (repair.status, repair.charged_on) == ("charged", dt.date(2026, 3, 10))
    assert not Disclosure.objects.exists()  # decided by the owners: no emergency publication
    assert reconcile() == []

    with pytest.raises(ValidationFailed) as exc:
        services.charge_repair(actor=clerk, repair_id=repair.pk)
    assert exc.value.code == "repair_not_draft"
    assert LedgerEntry.objects.filter(repair=repair).count() == 3


def test_charge_needs_a_decision_unless_emergency(funded, units, clerk):
    repair = services.create_repair(
        actor=clerk, project=funded, title="2栋外墙维修", amount="500.00", scope_kind="project"
    )
    with pytest.raises(ValidationFailed) as exc:
        services.charge_repair(actor=clerk, repair_id=repair.pk)
    assert exc.value.code == "decision_required"
    assert LedgerEntry.objects.filter(kind="repair_charge").count() == 0

    emergency = services.create_repair(
        actor=clerk,
        project=funded,
        title="1栋电梯困人故障抢修",
        amount="0.02",
        scope_kind="units",
        unit_ids=[units["1-101"].pk, units["1-102"].pk, units["1-201"].pk],
        emergency_kind="lift",
    )
    services.charge_repair(actor=clerk, repair_id=emergency.pk)
    # 0.02 over 90.00 / 88.50 / 120.25 m²: the two largest remainders (1-201, 1-101) get a fen; 1-102 gets 0.
    assert dict(RepairShare.objects.filter(repair=emergency).values_list("label", "amount")) == {
        "1-101": D("0.01"),
        "1-102": D("0.00"),
        "1-201": D("0.01"),
    }
    assert LedgerEntry.objects.filter(repair=emergency).count() == 2
    disclosure = Disclosure.objects.get()
    assert (disclosure.kind, disclosure.status, disclosure.repair_id) == (
        DisclosureKind.EMERGENCY_REPAIR,
        "draft",
        emergency.pk,
    )
    assert disclosure.title == "紧急维修公示：1栋电梯困人故障抢修"
    services.publish_disclosure(actor=clerk, disclosure_id=disclosure.pk)
    disclosure.refresh_from_db()
    assert disclosure.status == "published" and disclosure.published_by == clerk


def test_cancel_charged_repair_reverses_every_share(funded, units, clerk):
    repair = services.create_repair(
        actor=clerk,
        project=funded,
        title="屋面防水",
        amount="60000.00",
        scope_kind="project",
        decision_ref="JC-9",
    )
    services.charge_repair(actor=clerk, repair_id=repair.pk)
    assert ProjectBalance.objects.get(project=funded).used == D("60000.00")
    entry = LedgerEntry.objects.filter(repair=repair).first()
    with pytest.raises(ValidationFailed) as exc:
        services.reverse_entry(actor=clerk, entry_id=entry.pk, reason="单户冲正")
    assert exc.value.code == "reverse_repair_share"

    services.cancel_repair(actor=clerk, repair_id=repair.pk, reason="施工单位退回工程款")

    pb = ProjectBalance.objects.get(project=funded)
    assert (pb.used, pb.balance) == (D("0.00"), D("21536.31"))
    assert LedgerEntry.objects.filter(repair=repair, kind="reversal").count() == 5
    assert LedgerEntry.objects.filter(repair=repair, kind="repair_charge").count() == 5
    repair.refresh_from_db()
    assert repair.status == "cancelled"
    assert reconcile() == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": " "}, "title"),
        ({"amount": "0"}, "amount"),
        ({"amount": "10.001"}, "amount"),
        ({"scope_kind": "buildings", "building_ids": []}, "building_ids"),
        ({"scope_kind": "units", "unit_ids": [999999]}, "unit_ids"),
        ({"scope_kind": "galaxy"}, "scope_kind"),
        ({"emergency_kind": "meteor"}, "emergency_kind"),
        ({"started_on": dt.date(2026, 3, 2), "finished_on": dt.date(2026, 3, 1)}, "finished_on"),
    ],
)
def test_create_repair_validation(lianhua, clerk, kwargs, field):
    args = {"title": "维修", "amount": "100.00", "scope_kind": "project"} | kwargs
    with pytest.raises(ValidationFailed) as exc:
        services.create_repair(actor=clerk, project=lianhua, **args)
    assert exc.value.field == field
    assert Repair.objects.count() == 0


def test_buildings_of_another_project_are_refused(lianhua, city, clerk):
    other = city.projects["jinghua"].buildings.first()
    with pytest.raises(ValidationFailed):
        services.create_repair(
            actor=clerk,
            project=lianhua,
            title="x",
            amount="1.00",
            scope_kind="buildings",
            building_ids=[other.pk],
        )
    assert Repair.objects.count() == 0


def test_company_cannot_register_repairs(lianhua, staff):
    with pytest.raises(PermissionDenied):
        services.create_repair(
            actor=staff["company"], project=lianhua, title="x", amount="1.00", scope_kind="project"
        )
    assert Repair.objects.count() == 0


def _edit(repair, **changes):
    values = {
        "title": repair.title,
        "amount": str(repair.amount),
        "scope_kind": repair.scope_kind,
        "building_ids": list(repair.buildings.values_list("pk", flat=True)),
        "unit_ids": list(repair.units.values_list("pk", flat=True)),
        "description": repair.description,
        "contractor": repair.contractor,
        "started_on": repair.started_on,
        "finished_on": repair.finished_on,
        "emergency_kind": repair.emergency_kind,
        "decision_ref": repair.decision_ref,
    }
    values.update(changes)
    return values


def test_a_repair_without_decision_gets_its_number_by_an_audited_edit_then_charges(funded, units, clerk):
    repair = services.create_repair(
        actor=clerk, project=funded, title="2栋外墙维修", amount="500.00", scope_kind="project"
    )
    with pytest.raises(ValidationFailed):
        services.charge_repair(actor=clerk, repair_id=repair.pk)
    building = units["2-101"].building_id
    edited = services.update_repair(
        actor=clerk,
        repair_id=repair.pk,
        **_edit(repair, decision_ref="LH-2026-07", scope_kind="buildings", building_ids=[building]),
    )
    assert (edited.decision_ref, edited.scope_kind, edited.status) == ("LH-2026-07", "buildings", "draft")
    assert list(edited.buildings.values_list("pk", flat=True)) == [building]
    audit = AuditEntry.objects.get(action="funds.repair.edited")
    assert audit.data["changes"] == {
        "decision_ref": {"from": "", "to": "LH-2026-07"},
        "scope_kind": {"from": "project", "to": "buildings"},
        "building_ids": {"from": [], "to": [building]},
    }
    # Saving the same values again changes and records nothing.
    services.update_repair(actor=clerk, repair_id=repair.pk, **_edit(edited))
    assert AuditEntry.objects.filter(action="funds.repair.edited").count() == 1
    services.charge_repair(actor=clerk, repair_id=repair.pk)
    assert set(RepairShare.objects.filter(repair=repair).values_list("label", flat=True)) == {
        "2-101",
        "2-102",
    }


def test_a_charged_or_cancelled_repair_cannot_be_edited_and_bad_edits_write_nothing(
    funded, units, clerk, staff
):
    repair = services.create_repair(
        actor=clerk,
        project=funded,
        title="1栋水泵",
        amount="300.00",
        scope_kind="project",
        decision_ref="JC-1",
    )
    with pytest.raises(ValidationFailed):
        services.update_repair(actor=clerk, repair_id=repair.pk, **_edit(repair, amount="-1"))
    with pytest.raises(ValidationFailed) as exc:
        services.update_repair(
            actor=clerk, repair_id=repair.pk, **_edit(repair, scope_kind="units", unit_ids=[])
        )
    assert exc.value.field == "unit_ids"
    with pytest.raises(PermissionDenied):
        services.update_repair(actor=staff["company"], repair_id=repair.pk, **_edit(repair, title="改"))
    repair.refresh_from_db()
    assert (repair.title, repair.amount, repair.scope_kind) == ("1栋水泵", D("300.00"), "project")
    services.charge_repair(actor=clerk, repair_id=repair.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.update_repair(actor=clerk, repair_id=repair.pk, **_edit(repair, decision_ref="JC-2"))
    assert exc.value.code == "repair_not_draft"
    assert exc.value.message == "该维修记录已分摊入账，不能修改。"
    other = services.create_repair(
        actor=clerk, project=funded, title="路灯", amount="10.00", scope_kind="project"
    )
    services.cancel_repair(actor=clerk, repair_id=other.pk, reason="重复登记")
    with pytest.raises(ValidationFailed) as exc:
        services.update_repair(actor=clerk, repair_id=other.pk, **_edit(other, decision_ref="JC-3"))
    assert exc.value.code == "repair_not_draft"
    assert not AuditEntry.objects.filter(action="funds.repair.edited").exists()
    assert Repair.objects.get(pk=repair.pk).decision_ref == "JC-1"
