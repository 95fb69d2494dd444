"""Evaluation fixtures: verified owners of 莲花山庄 and its committee."""

from __future__ import annotations

import datetime as dt

import pytest

from pmip.core import clock
from pmip.delegation.models import Delegation, DelegationStatus
from pmip.registry.models import Committee
from tests.identity.factories_offline import mainland_owner, offline_env, owner_account  # noqa: F401


@pytest.fixture(autouse=True)
def _env(offline_env):  # noqa: F811
    return offline_env


@pytest.fixture
def owners(city):
    return [
        mainland_owner(city, f"owner{i}", 10 + i, unit=unit, name=name)
        for i, (unit, name) in enumerate(
            [(("1", "102"), "李四"), (("1", "201"), "赵六"), (("2", "101"), "钱七"), (("2", "102"), "孙八")]
        )
    ]


@pytest.fixture
def committee(city):
    today = clock.today()
    return Committee.objects.create(
        project=city.projects["lianhua"],
        term_start=today - dt.timedelta(days=365),
        term_end=today + dt.timedelta(days=365 * 4),
    )


def delegate_for(owner, project, *, username="delegate"):
    account = owner_account(username, mobile="+8613700009999", name="王五")
    Delegation.objects.create(
        owner=owner,
        project=project,
        delegate_name="王五",
        delegate_mobile="+8613700009999",
        delegate_account=account,
        status=DelegationStatus.ACTIVE,
        granted_at=clock.now(),
    )
    return account
