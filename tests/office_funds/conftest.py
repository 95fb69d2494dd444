"""Fixtures for the back-office money pages and the staff funds API: the small city (tests/factories.py), one staff
account per scope level, 莲花山庄's units, the frozen clock and the embedded bank of the funds tests."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client

from pmip.funds import services
from pmip.registry.models import DataSharingBank
from tests.factories import login_staff
from tests.funds.conftest import T0, frozen_clock, lianhua, owner, units  # noqa: F401 (fixtures)

BASE = "/office/funds"
LIANHUA = "440304001"  # 莲花山庄: 莲花街道, 福田区; company 万家
JINGHUA = "440304002"  # 景华苑: 莲花街道
HAIAN = "440305001"  # 海岸城小区: 粤海街道, 南山区


@pytest.fixture
def client_for(staff):
    """client_for("city") → a Client logged into the back office as that staff account."""

    def make(key: str) -> Client:
        client = Client()
        login_staff(client, staff[key])
        return client

    return make


@pytest.fixture
def deposits(lianhua, units, staff):  # noqa: F811 (fixtures imported above)
    """First deposits of every unit of 莲花山庄 on 2026-01-01 (default settings, buildings with lifts: 2482 元/m² × 2 %
    = 49.64 元/m²): 1-101 4467.60, 1-102 4393.14, 1-201 5969.21, 2-101 3727.96, 2-102 2978.40; 21536.31 in all."""
    return services.post_first_deposits(actor=staff["city"], project=lianhua, occurred_on=dt.date(2026, 1, 1))


@pytest.fixture
def bank(db):
    return DataSharingBank.objects.create(name="招商银行深圳分行")


@pytest.fixture
def account(lianhua, bank, staff):  # noqa: F811
    return services.open_common_fund_account(
        actor=staff["committee"],
        project=lianhua,
        bank=bank,
        name="莲花山庄业主大会",
        number="6222021234567890123",
        opened_on=dt.date(2025, 1, 1),
    )


def csv_file(lines: list[str], name: str = "upload.csv") -> io.BytesIO:
    f = io.BytesIO(("\ufeff" + "\n".join(lines) + "\n").encode())
    f.name = name
    return f


__all__ = ["T0", "BASE", "LIANHUA", "JINGHUA", "HAIAN", "csv_file"]
