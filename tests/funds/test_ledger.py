"""Postings: first deposits, monthly contributions, refunds, transfers, reversals; append-only; permissions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pmip.audit.models import AuditEntry
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.funds import services
from pmip.funds.models import (
    AppendOnlyError,
    BuildingBalance,
    FundPolicy,
    LedgerEntry,
    ProjectBalance,
    UnitBalance,
)
from pmip.funds.reconcile import reconcile

D = Decimal
FIRST = {
    "1-101": D("4467.60"),
    "1-102": D("4393.14"),
    "1-201": D("5969.21"),
    "2-101": D("3727.96"),
    "2-102": D("2978.40"),
}


def balance(unit) -> UnitBalance:
    return UnitBalance.objects.get(unit=unit)


def test_first_deposit_is_area_times_cost_standard_times_rate(lianhua, units, clerk):
    result = services.post_first_deposits(actor=clerk, project=lianhua, occurred_on=dt.date(2026, 3, 1))

    assert result.count == 5
    assert result.total == D("21536.31")
    got = {
        f"{e.unit.building.number}-{e.unit.number}": e.amount
        for e in LedgerEntry.objects.select_related("unit__building")
    }
    assert got == FIRST
    entry = LedgerEntry.objects.get(unit=units["1-101"])
    assert entry.calc == {
        "formula": "面积 × 建安造价 × 首期比例",
        "area": "90.00",
        "has_lift": True,
        "cost_standard": "2482.00",
        "cost_standard_source": "default",
        "rate": "0.0200",
        "rate_source": "default",
    }
    b = balance(units["1-101"])
    assert (b.first_deposit, b.deposited, b.balance, b.used, b.interest) == (
        D("4467.60"),
        D("4467.60"),
        D("4467.60"),
        D("0.00"),
        D("0.00"),
    )
    assert BuildingBalance.objects.get(building=units["1-101"].building).balance == D("14829.95")
    assert ProjectBalance.objects.get(project=lianhua).balance == D("21536.31")
    audit = AuditEntry.objects.get(action="funds.first_deposit.posted")
    assert audit.data["count"] == 5 and audit.data["total"] == "21536.31"
    assert audit.data["settings"]["sources"]["cost_standard_lift"] == "default"
    assert reconcile() == []


def test_building_without_lift_uses_1783_and_project_settings_override(lianhua, units, clerk, settings):
    building = units["2-101"].building
    building.has_lift = False
    building.save()
    settings.PMIP_FUNDS = {"first_deposit_rate": "0.03"}
    FundPolicy.objects.create(project=lianhua, cost_standard_no_lift=D("1800.00"))

    services.post_first_deposits(
        actor=clerk, project=lianhua, unit_ids=[units["2-101"].pk, units["1-101"].pk]
    )

    no_lift = LedgerEntry.objects.get(unit=units["2-101"])
    assert no_lift.amount == D("4055.40")  # 75.10 × 1800 × 3 %
    assert no_lift.calc["cost_standard_source"] == "project"
    assert no_lift.calc["rate_source"] == "platform"
    assert LedgerEntry.objects.get(unit=units["1-101"]).amount == D("6701.40")  # 90 × 2482 × 3 %
    assert LedgerEntry.objects.count() == 2


def test_default_no_lift_standard(lianhua, units, clerk):
    building = units["1-101"].building
    building.has_lift = False
    building.save()
    services.post_first_deposits(actor=clerk, project=lianhua, unit_ids=[units["1-101"].pk])
    assert LedgerEntry.objects.get().amount == D("3209.40")  # 90 × 1783 × 2 %


def test_first_deposit_twice_is_refused_for_listed_units_and_skipped_for_the_project(lianhua, units, clerk):
    services.post_first_deposits(actor=clerk, project=lianhua, unit_ids=[units["1-101"].pk])
    with pytest.raises(ValidationFailed) as exc:
        services.post_first_deposits(
            actor=clerk, project=lianhua, unit_ids=[units["1-101"].pk, units["1-102"].pk]
        )
    assert exc.value.message == "以下房屋已缴存首期维修资金：1-101。"
    assert LedgerEntry.objects.count() == 1

    result = services.post_first_deposits(actor=clerk, project=lianhua)
    assert result.count == 4
    assert result.skipped == {"1-101": "已缴存首期"}
    with pytest.raises(ValidationFailed) as exc:
        services.post_first_deposits(actor=clerk, project=lianhua)
    assert exc.value.message == "没有需要缴存首期维修资金的房屋。"
    assert LedgerEntry.objects.count() == 5


def test_unit_of_another_project_is_refused(lianhua, city, clerk):
    other = city.projects["jinghua"].units.first()
    with pytest.raises(ValidationFailed):
        services.post_first_deposits(actor=clerk, project=lianhua, unit_ids=[other.pk])
    assert LedgerEntry.objects.count() == 0


@pytest.mark.parametrize("who", ["committee", "company", "futian", "yuehai"])
def test_only_editable_government_roles_in_scope_post(lianhua, staff, who):
    # committee/company roles never post to the ledger; futian is read-only; yuehai is out of scope.
    with pytest.raises(PermissionDenied):
        services.post_first_deposits(actor=staff[who], project=lianhua)
    assert LedgerEntry.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="funds.").exists()


def test_owner_cannot_post(lianhua, owner):
    with pytest.raises(PermissionDenied):
        services.post_monthly_contributions(actor=owner, project=lianhua, period="2026-02")
    assert LedgerEntry.objects.count() == 0


def test_subdistrict_editable_role_may_post(lianhua, staff):
    result = services.post_first_deposits(actor=staff["lianhua"], project=lianhua)
    assert result.count == 5
    assert LedgerEntry.objects.first().posted_by == staff["lianhua"]


def test_monthly_contributions_once_per_month(lianhua, units, clerk, settings):
    settings.PMIP_FUNDS = {"monthly_rate": "0.25"}
    result = services.post_monthly_contributions(actor=clerk, project=lianhua, period="2026-02")
    assert result.count == 5
    # 90×0.25=22.50, 88.5×0.25=22.125→22.13, 120.25×0.25=30.0625→30.06, 75.1×0.25=18.775→18.78, 60×0.25=15.00
    assert result.total == D("108.47")
    entry = LedgerEntry.objects.get(unit=units["1-102"])
    assert (entry.amount, entry.period, entry.occurred_on) == (D("22.13"), "2026-02", dt.date(2026, 2, 28))
    assert entry.calc["rate_source"] == "platform"
    with pytest.raises(ValidationFailed) as exc:
        services.post_monthly_contributions(actor=clerk, project=lianhua, period="2026-02")
    assert exc.value.message == "2026-02的日常维修资金已记账，不能重复记账。"
    assert LedgerEntry.objects.count() == 5
    assert balance(units["1-101"]).deposited == D("22.50")
    assert balance(units["1-101"]).first_deposit == D("0.00")


@pytest.mark.parametrize("period", ["2026-13", "202602", "", "2026-2"])
def test_monthly_period_format(lianhua, clerk, period):
    with pytest.raises(ValidationFailed) as exc:
        services.post_monthly_contributions(actor=clerk, project=lianhua, period=period)
    assert exc.value.field == "period"
    assert LedgerEntry.objects.count() == 0


def test_reversal_negates_and_keeps_the_original(lianhua, units, clerk):
    services.post_first_deposits(actor=clerk, project=lianhua)
    original = LedgerEntry.objects.get(unit=units["1-101"])

    reversal = services.reverse_entry(actor=clerk, entry_id=original.pk, reason="面积登记有误")

    assert (reversal.kind, reversal.category, reversal.amount) == ("reversal", "first_deposit", D("-4467.60"))
    assert reversal.reversal_of_id == original.pk
    assert reversal.memo == "冲正：面积登记有误"
    original.refresh_from_db()
    assert original.amount == D("4467.60")
    b = balance(units["1-101"])
    assert (b.first_deposit, b.deposited, b.balance) == (D("0.00"), D("0.00"), D("0.00"))
    assert ProjectBalance.objects.get(project=lianhua).balance == D("21536.31") - D("4467.60")
    assert AuditEntry.objects.get(action="funds.entry.reversed").data["reverses"] == original.pk
    assert reconcile() == []

    with pytest.raises(ValidationFailed) as exc:
        services.reverse_entry(actor=clerk, entry_id=original.pk, reason="再来一次")
    assert exc.value.message == "该记录已被冲正。"
    with pytest.raises(ValidationFailed) as exc:
        services.reverse_entry(actor=clerk, entry_id=reversal.pk, reason="冲正的冲正")
    assert exc.value.code == "reverse_reversal"
    assert LedgerEntry.objects.count() == 6

    # After the reversal the unit may get its (corrected) first deposit again.
    services.post_first_deposits(actor=clerk, project=lianhua, unit_ids=[units["1-101"].pk])
    assert balance(units["1-101"]).first_deposit == D("4467.60")


def test_reversal_needs_a_reason_and_permission(lianhua, units, clerk, staff):
    services.post_first_deposits(actor=clerk, project=lianhua)
    entry = LedgerEntry.objects.first()
    with pytest.raises(ValidationFailed):
        services.reverse_entry(actor=clerk, entry_id=entry.pk, reason="  ")
    with pytest.raises(PermissionDenied):
        services.reverse_entry(actor=staff["committee"], entry_id=entry.pk, reason="错误")
    with pytest.raises(NotFound):
        services.reverse_entry(actor=clerk, entry_id=999999, reason="错误")
    assert LedgerEntry.objects.count() == 5


def test_refund_and_transfer(lianhua, units, clerk):
    services.post_first_deposits(actor=clerk, project=lianhua)
    unit = units["2-102"]
    with pytest.raises(ValidationFailed) as exc:
        services.post_refund(actor=clerk, unit_id=unit.pk, amount="2978.41", memo="房屋拆除")
    assert exc.value.message == "退款金额 2,978.41 元超过该房屋分户账余额 2,978.40 元。"
    refund = services.post_refund(actor=clerk, unit_id=unit.pk, amount="978.40", memo="房屋拆除")
    assert refund.amount == D("-978.40")
    transfer_in = services.post_transfer(
        actor=clerk, unit_id=unit.pk, amount="100.00", memo="原建设单位账户划入"
    )
    transfer_out = services.post_transfer(actor=clerk, unit_id=unit.pk, amount="-50.00", memo="划出")
    assert (transfer_in.amount, transfer_out.amount) == (D("100.00"), D("-50.00"))
    with pytest.raises(ValidationFailed):
        services.post_transfer(actor=clerk, unit_id=unit.pk, amount="-2050.01", memo="划出")
    b = balance(unit)
    assert (b.refunded, b.transferred, b.balance) == (D("978.40"), D("50.00"), D("2050.00"))
    assert reconcile() == []


@pytest.mark.parametrize("amount", ["0", "-1", "1.005", "abc", 1.5])
def test_refund_amount_validation(lianhua, units, clerk, amount):
    with pytest.raises(ValidationFailed):
        services.post_refund(actor=clerk, unit_id=units["1-101"].pk, amount=amount, memo="退款")
    assert LedgerEntry.objects.count() == 0


def test_ledger_entry_cannot_be_changed_or_deleted(lianhua, units, clerk):
    services.post_first_deposits(actor=clerk, project=lianhua, unit_ids=[units["1-101"].pk])
    entry = LedgerEntry.objects.get()
    entry.amount = D("1.00")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=D("1.00"))
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.get().amount == D("4467.60")


def test_database_refuses_wrong_signs(lianhua, units, clerk):
    from django.db import IntegrityError, transaction

    unit = units["1-101"]
    base = dict(
        project=lianhua,
        building=unit.building,
        unit=unit,
        occurred_on=dt.date(2026, 1, 1),
        reference="x",
        batch="b",
        posted_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    for kind, amount in [
        ("first_deposit", D("-1")),
        ("repair_charge", D("1")),
        ("refund", D("1")),
        ("monthly", D("0")),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            LedgerEntry.objects.create(kind=kind, category=kind, amount=amount, **base)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            kind="reversal", category="monthly", amount=D("1"), **base
        )  # no reversal_of
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(kind="monthly", category="interest", amount=D("1"), **base)
    with pytest.raises(IntegrityError), transaction.atomic():  # project-level entries are interest only
        LedgerEntry.objects.create(
            kind="monthly", category="monthly", amount=D("1"), **{**base, "unit": None, "building": None}
        )
    assert LedgerEntry.objects.count() == 0


def test_fund_policy_service(lianhua, clerk, staff):
    services.set_fund_policy(actor=clerk, project=lianhua, monthly_rate="0.30", replenish_threshold_pct="25")
    from pmip.funds.policy import policy_for

    policy = policy_for(lianhua)
    assert (policy.monthly_rate, policy.replenish_threshold_pct) == (D("0.30"), D("25"))
    assert policy.source_of("monthly_rate") == "project"
    assert policy.label_of("first_deposit_rate") == "平台默认值"
    assert AuditEntry.objects.get(action="funds.policy.updated").data["after"] == {
        "monthly_rate": "0.3000",
        "replenish_threshold_pct": "25.00",
    }
    with pytest.raises(ValidationFailed):
        services.set_fund_policy(actor=clerk, project=lianhua, first_deposit_rate="1.5")
    with pytest.raises(ValidationFailed):
        services.set_fund_policy(actor=clerk, project=lianhua, colour="red")
    with pytest.raises(PermissionDenied):
        services.set_fund_policy(actor=staff["committee"], project=lianhua, monthly_rate="1")
    assert policy_for(lianhua).first_deposit_rate == D("0.0200")


def test_admin_is_read_only_even_for_superusers(db, rf):
    from django.contrib import admin

    from pmip.funds.models import BankFlow
    from tests import factories

    superuser = factories.account("root", kind="operator")
    superuser.is_superuser = superuser.is_staff = True
    superuser.save()
    request = rf.get("/admin/")
    request.user = superuser
    for model in (LedgerEntry, BankFlow):
        model_admin = admin.site._registry[model]
        assert model_admin.has_view_permission(request) is True
        assert model_admin.has_add_permission(request) is False
        assert model_admin.has_change_permission(request) is False
        assert model_admin.has_delete_permission(request) is False
