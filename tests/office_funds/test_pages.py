"""Every back-office money page renders for the city bureau with real data, shows exact figures, and stays within a
fixed number of queries whatever the page size."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pmip.funds import services
from pmip.funds.models import LedgerEntry
from tests.office_funds.conftest import BASE, LIANHUA

D = Decimal


@pytest.fixture
def busy(lianhua, units, staff, deposits, account):
    """Deposits, a month of contributions, interest received and allocated, a charged repair, a notice, a report."""
    city = staff["city"]
    services.post_monthly_contributions(actor=city, project=lianhua, period="2026-02")
    services.receive_interest(actor=city, project=lianhua, amount="50.00", occurred_on=dt.date(2026, 3, 1))
    services.allocate_interest(actor=city, project=lianhua, period_end=dt.date(2026, 3, 1))
    repair = services.create_repair(
        actor=city,
        project=lianhua,
        title="1栋电梯维修",
        amount="1000.00",
        scope_kind="buildings",
        building_ids=[units["1-101"].building_id],
        decision_ref="LH-2026-01",
    )
    services.charge_repair(actor=city, repair_id=repair.pk, occurred_on=dt.date(2026, 3, 10))
    notice = services.create_notice(
        actor=city, project=lianhua, title="2025年度维修资金公开", body="详见附表。"
    )
    report = services.open_quarterly_report(actor=city, project=lianhua, year=2026, quarter=1)
    services.add_report_line(
        actor=city, report_id=report.pk, section="business_income", item="电梯广告", amount="8000.00"
    )
    return {"repair": repair, "notice": notice, "report": report}


def test_every_page_renders_for_the_city(client_for, busy, units, account):
    client = client_for("city")
    repair, notice, report = busy["repair"], busy["notice"], busy["report"]
    entry = LedgerEntry.objects.filter(kind="monthly").order_by("id").first()
    pages = [
        f"{BASE}/",
        f"{BASE}/import/",
        f"{BASE}/reconcile/",
        f"{BASE}/{LIANHUA}/",
        f"{BASE}/{LIANHUA}/ledger/",
        f"{BASE}/{LIANHUA}/ledger/?kind=monthly&date_from=2026-02-01&date_to=2026-02-28",
        f"{BASE}/{LIANHUA}/entries/{entry.pk}/reverse/",
        f"{BASE}/{LIANHUA}/buildings/{units['1-101'].building_id}/",
        f"{BASE}/{LIANHUA}/units/{units['1-101'].pk}/",
        f"{BASE}/{LIANHUA}/flags/",
        f"{BASE}/{LIANHUA}/repairs/",
        f"{BASE}/{LIANHUA}/repairs/new/",
        f"{BASE}/{LIANHUA}/repairs/{repair.pk}/",
        f"{BASE}/{LIANHUA}/repairs/{repair.pk}/cancel/",
        f"{BASE}/{LIANHUA}/postings/first-deposits/",
        f"{BASE}/{LIANHUA}/postings/monthly/",
        f"{BASE}/{LIANHUA}/postings/interest/",
        f"{BASE}/{LIANHUA}/accounts/",
        f"{BASE}/{LIANHUA}/accounts/{account.pk}/",
        f"{BASE}/{LIANHUA}/accounts/{account.pk}/close/",
        f"{BASE}/{LIANHUA}/disclosures/",
        f"{BASE}/{LIANHUA}/disclosures/new/",
        f"{BASE}/{LIANHUA}/disclosures/{notice.pk}/",
        f"{BASE}/{LIANHUA}/disclosures/{notice.pk}/edit/",
        f"{BASE}/{LIANHUA}/disclosures/{notice.pk}/publish/",
        f"{BASE}/{LIANHUA}/reports/",
        f"{BASE}/{LIANHUA}/reports/{report.pk}/",
        f"{BASE}/{LIANHUA}/reports/{report.pk}/publish/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
