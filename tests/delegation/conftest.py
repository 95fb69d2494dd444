"""Delegation fixtures: four verified owners of 莲花山庄 (one unit each) and a delegate with an owner account."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pmip.identity.models import Account
from tests.identity.factories_offline import mainland_owner, offline_env, owner_account  # noqa: F401

DELEGATE_NAME = "王五"
DELEGATE_MOBILE = "+8613700000001"


@pytest.fixture(autouse=True)
def _env(offline_env):  # noqa: F811 - the imported fixture
    return offline_env


@dataclass
class Owners:
    li: Account
    zhao: Account
    qian: Account
    sun: Account
    delegate: Account


@pytest.fixture
def owners(city) -> Owners:
    return Owners(
        li=mainland_owner(city, "li", 1, unit=("1", "102"), name="李四"),
        zhao=mainland_owner(city, "zhao", 2, unit=("1", "201"), name="赵六"),
        qian=mainland_owner(city, "qian", 3, unit=("2", "101"), name="钱七"),
        sun=mainland_owner(city, "sun", 4, unit=("2", "102"), name="孙八"),
        delegate=owner_account("wangwu", mobile=DELEGATE_MOBILE, name=DELEGATE_NAME),
    )
