"""seed_demo_funds: deterministic, consistent with the ledger (reconcile finds nothing), skips seeded projects."""

from __future__ import annotations

from decimal import Decimal

from pmip.audit.models import AuditEntry
from pmip.demo.funds import seed_demo_funds
from pmip.funds import selectors
from pmip.funds.models import BankFlow, Disclosure, LedgerEntry, ProjectBalance, QuarterlyReport, UnitBalance
from pmip.funds.reconcile import reconcile
from pmip.registry.models import DataSharingBank, OwnersAssembly


def test_seed_demo_funds(city):
    bank = DataSharingBank.objects.create(name="中国建设银行深圳分行")
    OwnersAssembly.objects.create(project=city.projects["lianhua"], bank_account_bank=bank)
    ids = [p.pk for p in city.projects.values()]

    counts = seed_demo_funds(project_ids=ids, seed=1)

    assert counts["projects"] == 4
    assert counts["entries"] == LedgerEntry.objects.count() > 0
    assert UnitBalance.objects.count() == 20
    assert reconcile() == []
    assert counts["common_fund_accounts"] == 1 and BankFlow.objects.count() == counts["bank_flows"] > 0
    assert QuarterlyReport.objects.filter(project=city.projects["lianhua"], status="published").count() == 1
    assert Disclosure.objects.count() == counts.get("disclosures", 0)
    for first, interest in UnitBalance.objects.values_list("first_deposit", "interest"):
        assert first > 0 and interest >= 0
    assert all(pb.pool == Decimal("0.00") for pb in ProjectBalance.objects.all())
    assert AuditEntry.objects.get(action="funds.demo.seeded").data["counts"]["projects"] == 4
    overview = selectors.city_overview()
    assert overview.city.balance == sum(
        ProjectBalance.objects.values_list("balance", flat=True), Decimal("0.00")
    )

    digest = sorted(LedgerEntry.objects.values_list("reference", "amount"))
    again = seed_demo_funds(project_ids=ids, seed=1)
    assert (again.get("projects", 0), again["projects_skipped"]) == (0, 4)
    assert sorted(LedgerEntry.objects.values_list("reference", "amount")) == digest


def test_same_seed_same_data(city):
    from django.db import transaction

    ids = [p.pk for p in city.projects.values()]

    def digest(seed):
        with transaction.atomic():
            seed_demo_funds(project_ids=ids, seed=seed)
            out = sorted(LedgerEntry.objects.values_list("reference", "kind", "amount", "occurred_on"))
            transaction.set_rollback(True)
        return out

    first = digest(7)
    assert first == digest(7)
    assert first != digest(8)
