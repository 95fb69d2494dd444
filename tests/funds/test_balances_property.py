"""Maintained balances equal a recount from the entries after random postings (runs on SQLite and PostgreSQL:
`DATABASE_URL=postgres://… pytest tests/funds`). A refused posting writes nothing."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmip.core.errors import ValidationFailed
from pmip.funds import services
from pmip.funds.models import BuildingBalance, LedgerEntry, ProjectBalance, UnitBalance
from pmip.funds.reconcile import reconcile

D = Decimal
LABELS = ["1-101", "1-102", "1-201", "2-101", "2-102"]

money = st.integers(min_value=1, max_value=500_000).map(lambda fen: D(fen) / 100)
unit = st.sampled_from(LABELS)
operation = st.one_of(
    st.tuples(st.just("first"), st.lists(unit, min_size=1, max_size=3, unique=True)),
    st.tuples(st.just("monthly"), st.integers(min_value=1, max_value=12)),
    st.tuples(st.just("transfer"), unit, money, st.booleans()),
    st.tuples(st.just("refund"), unit, money),
    st.tuples(st.just("interest"), money),
    st.tuples(st.just("repair"), st.lists(unit, min_size=1, max_size=5, unique=True), money, st.booleans()),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=10_000)),
)


def run(op, project, units, clerk, repairs):
    kind = op[0]
    if kind == "first":
        services.post_first_deposits(
            actor=clerk, project=project, unit_ids=[units[label].pk for label in op[1]]
        )
    elif kind == "monthly":
        services.post_monthly_contributions(actor=clerk, project=project, period=f"2025-{op[1]:02d}")
    elif kind == "transfer":
        amount = op[2] if op[3] else -op[2]
        services.post_transfer(actor=clerk, unit_id=units[op[1]].pk, amount=amount, memo="划转")
    elif kind == "refund":
        services.post_refund(actor=clerk, unit_id=units[op[1]].pk, amount=op[2], memo="退款")
    elif kind == "interest":
        services.receive_interest(actor=clerk, project=project, amount=op[1])
        services.allocate_interest(actor=clerk, project=project, period_end=dt.date(2026, 3, 31))
    elif kind == "repair":
        repair = services.create_repair(
            actor=clerk,
            project=project,
            title="维修",
            amount=op[2],
            scope_kind="units",
            unit_ids=[units[label].pk for label in op[1]],
            decision_ref="JC",
        )
        services.charge_repair(actor=clerk, repair_id=repair.pk)
        repairs.append(repair.pk)
        if op[3]:
            services.cancel_repair(actor=clerk, repair_id=repairs.pop(0), reason="撤销")
    elif kind == "reverse":
        candidates = list(
            LedgerEntry.objects.filter(reversed_by__isnull=True, repair__isnull=True, unit__isnull=False)
            .exclude(kind="reversal")
            .order_by("id")
            .values_list("pk", flat=True)
        )
        if candidates:
            services.reverse_entry(actor=clerk, entry_id=candidates[op[1] % len(candidates)], reason="冲正")


def recount() -> tuple[dict, dict, dict]:
    """An independent recount in Python, straight from the rows."""
    units: dict = defaultdict(lambda: defaultdict(lambda: D("0.00")))
    buildings: dict = defaultdict(lambda: defaultdict(lambda: D("0.00")))
    project: dict = defaultdict(lambda: D("0.00"))
    figure = {
        "first_deposit": "deposited",
        "monthly": "deposited",
        "interest": "interest",
        "repair_charge": "used",
        "refund": "refunded",
        "transfer": "transferred",
    }
    for e in LedgerEntry.objects.all():
        name = figure[e.category]
        value = -e.amount if name in ("used", "refunded") else e.amount
        targets = [project] if e.unit_id is None else [project, units[e.unit_id], buildings[e.building_id]]
        for t in targets:
            t["balance"] += e.amount
            t[name] += value
            if e.category == "first_deposit":
                t["first_deposit"] += e.amount
        if e.unit_id is None:
            project["pool"] += e.amount
    return units, buildings, project


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=12))
def test_maintained_balances_equal_a_recount(lianhua, units, clerk, ops):
    with transaction.atomic():
        repairs: list[int] = []
        for op in ops:
            before = (
                LedgerEntry.objects.count(),
                list(UnitBalance.objects.order_by("id").values_list("balance", flat=True)),
            )
            try:
                run(op, lianhua, units, clerk, repairs)
            except ValidationFailed:
                after = (
                    LedgerEntry.objects.count(),
                    list(UnitBalance.objects.order_by("id").values_list("balance", flat=True)),
                )
                if op[0] not in ("interest", "repair"):  # two-step operations may have done their first step
                    assert after == before

        assert reconcile(project_ids=[lianhua.pk]) == []
        units_r, buildings_r, project_r = recount()
        for row in UnitBalance.objects.all():
            for name in UnitBalance.FIGURES:
                assert getattr(row, name) == units_r[row.unit_id][name], (row.unit_id, name)
        for row in BuildingBalance.objects.all():
            for name in BuildingBalance.FIGURES:
                assert getattr(row, name) == buildings_r[row.building_id][name], (row.building_id, name)
        pb = ProjectBalance.objects.filter(project=lianhua).first()
        if pb is not None:
            for name in ProjectBalance.FIGURES:
                assert getattr(pb, name) == project_r[name], name
            assert (
                pb.balance == sum(UnitBalance.objects.values_list("balance", flat=True), D("0.00")) + pb.pool
            )
        transaction.set_rollback(True)


def test_reconcile_reports_a_tampered_balance(lianhua, units, clerk):
    from pmip.audit.models import AuditEntry

    services.post_first_deposits(actor=clerk, project=lianhua)
    UnitBalance.objects.filter(unit=units["1-101"]).update(balance=D("1.00"))  # balances are not the ledger
    mismatches = reconcile()
    assert [(m.level, m.object_id, m.figure, m.stored, m.recomputed) for m in mismatches] == [
        ("unit", units["1-101"].pk, "balance", D("1.00"), D("4467.60"))
    ]
    audit = AuditEntry.objects.get(action="funds.reconcile.mismatch")
    assert audit.data["count"] == 1 and audit.project_id == lianhua.pk


def test_reconcile_command(lianhua, units, clerk, capsys):
    import pytest
    from django.core.management import CommandError, call_command

    services.post_first_deposits(actor=clerk, project=lianhua)
    call_command("reconcile_funds")
    assert "对账一致" in capsys.readouterr().out
    UnitBalance.objects.filter(unit=units["2-102"]).update(deposited=D("0.00"))
    with pytest.raises(CommandError) as exc:
        call_command("reconcile_funds", "--project", lianhua.code)
    assert str(exc.value) == "对账发现1处差异。"


def test_reconcile_task(lianhua, clerk, settings):
    from pmip.funds.tasks import reconcile_funds

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    services.post_first_deposits(actor=clerk, project=lianhua)
    result = reconcile_funds.enqueue()
    assert result.return_value == {"count": 0, "first": []}
