"""On PostgreSQL the database itself refuses UPDATE and DELETE of ledger entries and bank flows, and concurrent
postings to one project serialise on the project's balance row (no lost updates).

Run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db>; skipped on SQLite (no triggers, writers serialised).
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from pmip.funds import services
from pmip.funds.models import LedgerEntry, UnitBalance
from pmip.funds.reconcile import reconcile

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL triggers and row locks"),
]


def test_trigger_refuses_raw_update_and_delete(lianhua, units, clerk):
    services.post_first_deposits(actor=clerk, project=lianhua, unit_ids=[units["1-101"].pk])
    entry = LedgerEntry.objects.get()
    for sql in (
        "UPDATE funds_ledgerentry SET amount = 1 WHERE id = %s",
        "DELETE FROM funds_ledgerentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError) as exc, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
        assert "append-only table funds_ledgerentry" in str(exc.value)
    assert LedgerEntry.objects.get().amount == Decimal("4467.60")


def test_trigger_protects_bank_flows(lianhua, staff):
    from pmip.funds.models import BankFlow
    from pmip.registry.models import DataSharingBank

    bank = DataSharingBank.objects.create(name="测试银行")
    account = services.open_common_fund_account(
        actor=staff["committee"], project=lianhua, bank=bank, name="业主大会", number="62220212345678"
    )
    services.receive_bank_push(
        account=account, flows=[{"date": "2026-03-01", "reference": "Z", "amount": "1.00"}]
    )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM funds_bankflow")
    assert BankFlow.objects.count() == 1


def test_concurrent_postings_lose_nothing(transactional_db, city, clerk):
    project = city.projects["lianhua"]
    unit = project.units.order_by("id").first()
    services.post_first_deposits(actor=clerk, project=project, unit_ids=[unit.pk])
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def worker(i: int):
        try:
            barrier.wait()
            for _ in range(3):
                services.post_transfer(actor=clerk, unit_id=unit.pk, amount=Decimal("1.01"), memo=f"并发{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert UnitBalance.objects.get(unit=unit).balance == Decimal("4467.60") + Decimal("1.01") * 18
    assert reconcile() == []
