"""Selector-level scoping of a delegate (被委托人, issue 5): the delegated project's figures and exactly the
principal's bound units there; nothing elsewhere, nothing once revoked or once the principal's binding ended."""

from __future__ import annotations

import pytest

from pmip.core import clock
from pmip.core.errors import NotFound
from pmip.delegation.models import Delegation, DelegationStatus
from pmip.funds import permissions, selectors
from pmip.identity.models import BindingStatus, HouseBinding
from pmip.registry.models import Unit
from tests import factories
from tests.funds.conftest import bind


@pytest.fixture
def delegate(db):
    return factories.account("wangwu", mobile="+8613700000001", name="王五")


@pytest.fixture
def delegation(owner, delegate, lianhua, units):
    bind(owner, units["1-102"])  # the principal has two units in 莲花山庄
    return Delegation.objects.create(
        owner=owner,
        project=lianhua,
        delegate_name="王五",
        delegate_mobile="+8613700000001",
        delegate_account=delegate,
        granted_at=clock.now(),
    )


def test_delegate_reads_exactly_the_principals_units(delegate, delegation, lianhua, units, city):
    expected = {units["1-101"].pk, units["1-102"].pk}
    assert permissions.bound_unit_ids(delegate, lianhua.pk) == set()
    assert permissions.readable_unit_ids(delegate, lianhua) == expected
    assert permissions.may_read_project(delegate, lianhua) is True
    assert permissions.may_read_project(delegate, city.projects["jinghua"]) is False
    assert selectors.unit_overview(actor=delegate, unit_id=units["1-101"].pk).label == "1-101"
    assert selectors.unit_ledger(actor=delegate, unit_id=units["1-102"].pk) == []
    assert selectors.owner_fund_project(actor=delegate, project_id=lianhua.pk) == lianhua
    with pytest.raises(NotFound):
        selectors.unit_ledger(actor=delegate, unit_id=units["1-201"].pk)
    with pytest.raises(NotFound):
        selectors.owner_fund_project(actor=delegate, project_id=city.projects["jinghua"].pk)
    # the delegation does not make the delegate an owner of the project (维修资金情况 lists it separately)
    assert list(selectors.my_fund_projects(actor=delegate)) == []
    [row] = selectors.delegated_fund_projects(actor=delegate)
    assert (row.project, row.principals, [u.label for u in row.units]) == (
        lianhua,
        [delegation.owner],
        ["1-101", "1-102"],
    )


def test_delegated_projects_in_few_queries(delegate, delegation, city, units, django_assert_max_num_queries):
    jinghua = city.projects["jinghua"]
    other = factories.account("owner_b", mobile="+8613900002222", name="李四")
    bind(other, Unit.objects.filter(project=jinghua).order_by("pk").first())
    Delegation.objects.create(
        owner=other,
        project=jinghua,
        delegate_name="王五",
        delegate_mobile="+8613700000001",
        delegate_account=delegate,
        granted_at=clock.now(),
    )
    with django_assert_max_num_queries(
        5
    ):  # delegations, bindings, the settings of each of the 2 projects (+1)
        rows = selectors.delegated_fund_projects(actor=delegate)
    assert sorted(r.project.code for r in rows) == sorted([jinghua.code, delegation.project.code])


def test_revoked_or_unbound_principal_gives_nothing(delegate, delegation, owner, lianhua, units):
    Delegation.objects.filter(pk=delegation.pk).update(status=DelegationStatus.REVOKED)
    assert permissions.readable_unit_ids(delegate, lianhua) == set()
    assert selectors.delegated_fund_projects(actor=delegate) == []
    with pytest.raises(NotFound):
        selectors.unit_ledger(actor=delegate, unit_id=units["1-101"].pk)

    Delegation.objects.filter(pk=delegation.pk).update(status=DelegationStatus.ACTIVE)
    HouseBinding.objects.filter(account=owner).update(status=BindingStatus.ENDED)
    assert permissions.may_read_project(delegate, lianhua) is False
    assert selectors.delegated_fund_projects(actor=delegate) == []
    with pytest.raises(NotFound):
        selectors.project_overview(actor=delegate, project=lianhua)


def test_owner_reads_unchanged(owner, delegation, lianhua, units):
    assert permissions.readable_unit_ids(owner, lianhua) == {units["1-101"].pk, units["1-102"].pk}
    assert permissions.delegations_for(owner, lianhua) == []
    assert [u.label for u in selectors.my_fund_units(actor=owner)] == ["1-101", "1-102"]
    with pytest.raises(NotFound):
        selectors.unit_ledger(actor=owner, unit_id=units["1-201"].pk)
