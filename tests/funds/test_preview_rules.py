"""The "post exactly what was previewed" rules live in the services (issue 9): the digest of a preview is compared
under the project lock by `charge_repair`, `create_repair(charge=True)` and `allocate_interest`; interest pool
defaulting and the reversal rule are the services' too. Pages and API only pass the digest back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pmip.audit.models import AuditEntry
from pmip.core.errors import PermissionDenied, ValidationFailed
from pmip.funds import services
from pmip.funds.apportion import Allocation, apportionment_digest
from pmip.funds.models import LedgerEntry, ProjectBalance, Repair
from pmip.registry.models import Unit

D = Decimal


@pytest.fixture
def funded(lianhua, clerk):
    services.post_first_deposits(actor=clerk, project=lianhua, occurred_on=dt.date(2026, 1, 1))
    return lianhua


def _draft(project, actor, units, **kwargs):
    return services.create_repair(
        actor=actor,
        project=project,
        title="1栋电梯更换",
        amount="1000.00",
        scope_kind="units",
        unit_ids=[units["1-101"].pk, units["1-102"].pk],
        decision_ref="JC2026-001",
        **kwargs,
    )


def test_the_digest_covers_unit_weight_and_share():
    a = [Allocation(key=1, label="1-101", weight=9000, amount=D("1.00"), remainder=0, got_leftover_fen=False)]
    b = [Allocation(key=1, label="1-101", weight=9001, amount=D("1.00"), remainder=0, got_leftover_fen=False)]
    c = [Allocation(key=1, label="1-101", weight=9000, amount=D("1.01"), remainder=0, got_leftover_fen=False)]
    assert len({apportionment_digest(a), apportionment_digest(b), apportionment_digest(c)}) == 3
    assert apportionment_digest(a) == apportionment_digest(list(a))


def test_charge_posts_only_the_previewed_apportionment(funded, units, clerk):
    repair = _draft(funded, clerk, units)
    seen = apportionment_digest(services.preview_repair(repair=repair))
    Unit.objects.filter(pk=units["1-102"].pk).update(
        area=D("10.00")
    )  # the registry changes after the preview

    with pytest.raises(services.PreviewChanged) as exc:
        services.charge_repair(actor=clerk, repair_id=repair.pk, expected_digest=seen)
    assert (exc.value.code, exc.value.status) == ("preview_changed", 409)
    assert not LedgerEntry.objects.filter(repair=repair).exists()
    assert Repair.objects.get(pk=repair.pk).status == "draft"

    fresh = apportionment_digest(services.preview_repair(repair=repair))
    result = services.charge_repair(actor=clerk, repair_id=repair.pk, expected_digest=fresh)
    assert result.count == 2 and result.total == D("1000.00")


def test_create_with_charge_is_both_or_neither(funded, units, clerk, staff):
    preview = services.preview_apportionment(
        project=funded, amount="1000.00", scope_kind="units", unit_ids=[units["1-101"].pk, units["1-102"].pk]
    )
    with pytest.raises(services.PreviewChanged):
        _draft(funded, clerk, units, charge=True, expected_digest="0" * 64)
    with pytest.raises(PermissionDenied):  # the committee may register, not charge: nothing is created
        _draft(funded, staff["committee"], units, charge=True, expected_digest=apportionment_digest(preview))
    assert not Repair.objects.exists()
    assert not AuditEntry.objects.filter(action="funds.repair.created").exists()

    repair = _draft(funded, clerk, units, charge=True, expected_digest=apportionment_digest(preview))
    assert repair.status == "charged"
    assert LedgerEntry.objects.filter(repair=repair).count() == 2
    assert list(
        AuditEntry.objects.filter(action__startswith="funds.repair.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["funds.repair.created", "funds.repair.charged"]


def test_a_draft_saved_from_a_stale_preview_is_refused(funded, units, clerk):
    with pytest.raises(services.PreviewChanged):
        _draft(funded, clerk, units, expected_digest="stale")
    assert not Repair.objects.exists()


def test_interest_preview_defaults_to_the_pool_and_allocation_checks_the_digest(funded, clerk):
    end = dt.date(2026, 3, 31)
    with pytest.raises(ValidationFailed) as exc:
        services.preview_interest_allocation(project=funded, period_end=end)
    assert (exc.value.code, exc.value.message) == ("empty_pool", "没有待分配的利息。")

    services.receive_interest(actor=clerk, project=funded, amount="100.00", occurred_on=end)
    assert services.unallocated_pool(funded) == D("100.00")
    preview = services.preview_interest_allocation(project=funded, period_end=end)
    assert preview.amount == D("100.00") and preview.total == D("100.00")

    stale = services.preview_interest_allocation(project=funded, period_end=end, amount="50.00")
    with pytest.raises(services.PreviewChanged):
        services.allocate_interest(
            actor=clerk,
            project=funded,
            period_end=end,
            expected_digest=apportionment_digest(stale.allocations),
        )
    assert ProjectBalance.objects.get(project=funded).pool == D("100.00")

    result = services.allocate_interest(
        actor=clerk, project=funded, period_end=end, expected_digest=apportionment_digest(preview.allocations)
    )
    assert result.total == D("100.00")
    assert services.unallocated_pool(funded) == D("0.00")


def test_the_reversal_rule_is_the_services(funded, units, clerk):
    deposit = LedgerEntry.objects.filter(unit=units["1-101"]).first()
    assert services.is_reversible(deposit) and not services.is_reversed(deposit)
    reversal = services.reverse_entry(actor=clerk, entry_id=deposit.pk, reason="录入错误")
    deposit = LedgerEntry.objects.select_related("reversed_by").get(pk=deposit.pk)
    assert services.is_reversed(deposit) and not services.is_reversible(deposit)
    assert not services.is_reversible(reversal)
    assert services.reversal_refusal(reversal).code == "reverse_reversal"
    assert services.is_reversible(deposit, reversed=False)  # the caller's own knowledge of "reversed" is used

    repair = _draft(funded, clerk, units, charge=True)
    share = LedgerEntry.objects.filter(repair=repair).first()
    assert services.reversal_refusal(share).code == "reverse_repair_share"
    with pytest.raises(ValidationFailed) as exc:
        services.reverse_entry(actor=clerk, entry_id=share.pk, reason="x")
    assert exc.value.code == "reverse_repair_share"
