"""Fixtures for the funds tests: the small city, staff, owners bound to units of 莲花山庄."""

from __future__ import annotations

import datetime as dt

import pytest

from pmip.core import clock
from pmip.identity.models import BindingStatus, HouseBinding
from pmip.registry.models import Unit
from tests import factories

T0 = dt.datetime(2026, 3, 15, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(T0) as frozen:
        yield frozen


@pytest.fixture
def lianhua(city):
    return city.projects["lianhua"]


@pytest.fixture
def units(lianhua):
    """莲花山庄's units by label: 1-101 (90.00), 1-102 (88.50), 1-201 (120.25), 2-101 (75.10), 2-102 (60.00)."""
    return {
        f"{u.building.number}-{u.number}": u
        for u in Unit.objects.filter(project=lianhua).select_related("building")
    }


@pytest.fixture
def clerk(staff):
    """The city staff account (editable): may post to every project's ledger."""
    return staff["city"]


def bind(account, unit) -> HouseBinding:
    title = unit.titles.first() or factories.title(unit, "业主", factories.mainland_id(900 + unit.pk))
    return HouseBinding.objects.create(
        account=account,
        unit=unit,
        project=unit.project,
        title_record=title,
        status=BindingStatus.ACTIVE,
        bound_at=clock.now(),
    )


@pytest.fixture
def owner(db, units):
    """An owner bound to 莲花山庄 1-101."""
    user = factories.account("owner_a", mobile="+8613900001111", name="张三")
    bind(user, units["1-101"])
    return user


@pytest.fixture
def other_owner(db, units):
    """An owner bound to 莲花山庄 2-101."""
    user = factories.account("owner_b", mobile="+8613900002222", name="李四")
    bind(user, units["2-101"])
    return user
