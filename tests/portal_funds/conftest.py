"""A known ledger of 莲花山庄 for the owner money pages and API, with every figure worked out by hand.

Units (area, first deposit = area × 2482 × 2 %): 1-101 90.00 → 4467.60, 1-102 88.50 → 4393.14, 1-201 120.25 →
5969.21, 2-101 75.10 → 3727.96, 2-102 60.00 → 2978.40 (total 21536.31), posted 2025-12-20.
日常 2026-02 (× 0.25, posted 2026-02-28): 22.50, 22.13, 30.06, 18.78, 15.00 (total 108.47).
Repair 1 "1栋屋面防水" 1000.00, emergency (roof), building 1 (298.75 m²), charged 2026-03-10:
  1-101 301.25|.552 → 301.26 (leftover fen), 1-102 296.23, 1-201 402.51.
Repair 2 "2栋水泵" 600.00, decision JC-2, building 2 (135.10 m²), charged 2026-03-25: 2-101 333.53, 2-102 266.47.
Interest 30.00 received 2026-03-20, allocated pro rata to the 2026-03-31 balances (4188.84, 4119.04, 5596.76,
  3413.21, 2726.93 → fen 626, 616, 837, 510, 408 + leftover fen to 1-101, 2-101, 1-201):
  1-101 6.27, 1-102 6.16, 1-201 8.38, 2-101 5.11, 2-102 4.08.
Refund 50.00 from 1-102 on 2026-04-02.

1-101's sub-ledger: +4467.60 → 4467.60, +22.50 → 4490.10, −301.26 → 4188.84, +6.27 → 4195.11.
Project: first 21536.31, deposited 21644.78, interest 30.00, used 1600.00, refunded 50.00, balance 20024.78.
Building 1: first 14829.95, deposited 14904.64, interest 20.81, used 1000.00, refunded 50.00, balance 13875.45.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pmip.core import clock
from pmip.registry.models import DataSharingBank, Unit
from tests import factories
from tests.portal_funds.builders import bind, build_accounts, build_ledger, build_report, publish_disclosures

T0 = dt.datetime(2026, 4, 15, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(T0) as frozen:
        yield frozen


@pytest.fixture
def lianhua(city):
    return city.projects["lianhua"]


@pytest.fixture
def units(lianhua):
    return {
        f"{u.building.number}-{u.number}": u
        for u in Unit.objects.filter(project=lianhua).select_related("building")
    }


@pytest.fixture
def clerk(staff):
    return staff["city"]


@pytest.fixture
def owner(db, units):
    """Bound to 莲花山庄 1-101."""
    user = factories.account("owner_a", mobile="+8613900001111", name="张三")
    bind(user, units["1-101"])
    return user


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def ledger(lianhua, units, clerk):
    return build_ledger(lianhua, units, clerk)


@pytest.fixture
def bank(db):
    return DataSharingBank.objects.create(name="招商银行深圳分行")


@pytest.fixture
def accounts(lianhua, bank, staff):
    return build_accounts(lianhua, bank, staff["committee"])


@pytest.fixture
def disclosures(lianhua, ledger, accounts, staff):
    return publish_disclosures(lianhua, staff["committee"])


@pytest.fixture
def report(lianhua, ledger, staff):
    return build_report(lianhua, staff["committee"])
