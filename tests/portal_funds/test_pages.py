"""Owner money pages: 维修资金情况 (project → building → unit), with the exact figures of the ledger in conftest."""

from __future__ import annotations

import datetime as dt
import json
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pmip.funds import services
from pmip.funds.models import LedgerEntry
from pmip.registry.models import Committee, CommitteeMember
from tests import factories
from tests.portal.helpers import fields, hrefs, text
from tests.portal_funds.builders import bind

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "fund-details"}


def blocks(body: str, marker: str) -> list[str]:
    """The HTML of each list row carrying the attribute `marker`, up to the next row."""
    parts = re.split(rf'(?=<(?:div|a) class="weui-cell[^"]*" {marker})', body)
    return [p for p in parts[1:]]


def rows(body: str, marker: str) -> list[tuple[str, str]]:
    """(label, amount) of every entry line carrying `marker` (data-entry-group / data-ledger-entry)."""
    out = []
    for block in blocks(body, marker):
        label = text(re.search(r"data-label>(.*?)</p>", block, re.S).group(1))
        amount = text(re.search(r"data-amount>(.*?)</span>", block, re.S).group(1))
        out.append((label, amount))
    return out


def chart_data(body: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', body, re.S)
    return json.loads(match.group(1))


# --- access -----------------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_owner_log_in(client, lianhua, units):
    for url in [
        reverse("portal_funds:index"),
        reverse("portal_funds:project", args=[lianhua.pk]),
        reverse("portal_funds:unit", args=[units["1-101"].pk]),
        reverse("portal_funds:common"),
        reverse("portal_funds:reports"),
        reverse("portal_funds:disclosures"),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/me/login/?next=")


def test_owner_without_a_binding_sees_how_to_bind(client, city):
    client.force_login(factories.account("nobody", mobile="+8613900009999"))
    for name in ("index", "common", "reports", "disclosures"):
        response = client.get(reverse(f"portal_funds:{name}"))
        assert response.status_code == 200
        body = response.content.decode()
        assert "您还没有绑定房屋" in body
        assert reverse("portal_account:binding") in hrefs(body)


def test_index_lists_the_owners_projects_and_units(owner_client, ledger, lianhua, units):
    body = owner_client.get(reverse("portal_funds:index")).content.decode()
    assert reverse("portal_funds:project", args=[lianhua.pk]) in hrefs(body)
    assert text(re.search(r"data-project-balance>(.*?)</span>", body).group(1)) == "20,024.78"
    unit_block = re.search(r'data-my-unit="1-101">(.*?)</a>', body, re.S).group(1)
    assert "4,195.11" in text(unit_block)
    assert reverse("portal_funds:unit", args=[units["1-101"].pk]) in hrefs(body)
    assert 'data-my-unit="2-101"' not in body


def test_owner_cannot_open_a_project_they_are_not_bound_in(owner_client, ledger, city):
    response = owner_client.get(reverse("portal_funds:project", args=[city.projects["jinghua"].pk]))
    assert response.status_code == 404
    assert "未找到该小区的维修资金信息，或您没有查看权限。" in response.content.decode()
    building = city.projects["jinghua"].buildings.first()
    assert owner_client.get(reverse("portal_funds:building", args=[building.pk])).status_code == 404


def test_owner_cannot_open_another_units_sub_ledger(owner_client, ledger, units):
    other = owner_client.get(reverse("portal_funds:unit", args=[units["2-101"].pk]))
    missing = owner_client.get(reverse("portal_funds:unit", args=[999999]))
    assert other.status_code == missing.status_code == 404
    body = other.content.decode()
    # 2-101: first 3,727.96, balance 3,418.32, its repair share 333.53 — none of it leaks
    for leaked in ("3,727.96", "3,418.32", "333.53", "2-101", "2栋101"):
        assert leaked not in body
    assert text(body) == text(missing.content.decode())


# --- project ----------------------------------------------------------------------------------------------------


def test_project_page_overview_statistics_and_committee(owner_client, ledger, lianhua):
    committee = Committee.objects.create(
        project=lianhua,
        term_start=dt.date(2024, 1, 1),
        term_end=dt.date(2028, 12, 31),
        filing_no="FT-2024-001",
    )
    CommitteeMember.objects.create(committee=committee, name="王大明", role="chair")
    body = owner_client.get(reverse("portal_funds:project", args=[lianhua.pk])).content.decode()
    got = fields(body)
    assert {k: got[k] for k in ("balance", "first_deposit", "deposited", "interest", "used", "refunded")} == {
        "balance": "20,024.78",
        "first_deposit": "21,536.31",
        "deposited": "21,644.78",
        "interest": "30.00",
        "used": "1,600.00",
        "refunded": "50.00",
    }
    assert (got["transferred"], got["pool"]) == ("0.00", "0.00")
    assert got["building_count"] == "2栋"
    assert got["unit_count"] == "5户"
    assert got["total_area"] == "433.85 ㎡"
    assert got["repair_count"] == "2项"
    assert got["flagged_count"] == "0户 （余额低于首期缴存的30.00%，依据平台默认值）"
    assert got["committee_filing"] == "FT-2024-001"
    assert got["committee_members"].startswith("王**（")
    assert "王大明" not in body
    # 所在楼栋 and 房屋号: the owner's own
    assert re.findall(r'data-building="([^"]+)"', body) == ["1"]
    assert re.findall(r'data-my-unit="([^"]+)"', body) == ["1-101"]


def test_project_charts_data(owner_client, ledger, lianhua):
    body = owner_client.get(reverse("portal_funds:project", args=[lianhua.pk])).content.decode()
    charts = chart_data(body, "project-charts")
    assert charts["balance"] == [
        ["2025-12-31", "21536.31"],
        ["2026-02-28", "21644.78"],
        ["2026-03-31", "20074.78"],
        ["2026-04-30", "20024.78"],
    ]
    assert charts["quarters"] == {
        "labels": ["2025Q4", "2026Q1", "2026Q2"],
        "income": ["21536.31", "138.47", "0.00"],
        "expense": ["0.00", "1600.00", "50.00"],
    }
    assert charts["repairs"] == {
        "by_building": [["1栋", "1000.00"], ["2栋", "600.00"]],
        "by_kind": [["紧急维修（屋面渗漏）", "1000.00"], ["一般维修", "600.00"]],
    }
    assert "/static/vendor/echarts/echarts.min.js" in body
    assert (
        'data-chart="balance"' in body and 'data-chart="quarters"' in body and 'data-chart="repairs"' in body
    )


def test_project_entries_tab_one_line_per_posting(owner_client, ledger, lianhua):
    url = reverse("portal_funds:project", args=[lianhua.pk])
    response = owner_client.get(url + "?tab=entries", **HTMX)
    body = response.content.decode()
    assert "<html" not in body  # only the fragment
    assert rows(body, "data-entry-group") == [
        ("退款", "-50.00"),
        ("利息分配（转出待分配利息）", "-30.00"),
        ("利息分配至分户账 2026Q1", "+30.00"),
        ("维修分摊：2栋水泵", "-600.00"),
        ("利息收益到账（待分配）", "+30.00"),
        ("维修分摊：1栋屋面防水", "-1,000.00"),
        ("日常缴存 2026-02", "+108.47"),
        ("首期缴存", "+21,536.31"),
    ]
    assert "5户" in body and "3户" in body
    assert response["Vary"].count("HX-Request") == 1


def test_monthly_tab(owner_client, ledger, lianhua):
    url = reverse("portal_funds:project", args=[lianhua.pk])
    body = owner_client.get(url + "?tab=monthly", **HTMX).content.decode()
    assert rows(body, "data-entry-group") == [("日常缴存 2026-02", "+108.47")]


def test_repairs_tab_shows_apportionment_total_and_own_share(owner_client, ledger, lianhua):
    url = reverse("portal_funds:project", args=[lianhua.pk])
    body = owner_client.get(url + "?tab=repairs", **HTMX).content.decode()
    found = {}
    for block in blocks(body, "data-repair"):
        repair_id = re.search(r'data-repair="(\d+)"', block).group(1)
        found[int(repair_id)] = (
            text(re.search(r"data-apportioned>(.*?)</span>", block).group(1)),
            text(re.search(r"data-own-share>(.*?)</span>", block).group(1)),
            text(re.search(r"data-repair-amount>(.*?)</span>", block).group(1)),
        )
    assert found == {
        ledger["roof"].pk: ("1,000.00", "301.26 元", "1,000.00"),
        ledger["pump"].pk: ("600.00", "不涉及", "600.00"),
    }
    assert "紧急维修（屋面渗漏）" in body and "一般维修" in body


def test_buildings_tab_lists_building_figures(owner_client, ledger, lianhua):
    url = reverse("portal_funds:project", args=[lianhua.pk])
    body = owner_client.get(url + "?tab=buildings", **HTMX).content.decode()
    balances = dict(re.findall(r'data-building-row="(\d+)".*?data-building-balance>([\d,.]+)<', body, re.S))
    assert balances == {"1": "13,875.45", "2": "6,149.33"}


def test_full_page_with_a_tab_in_the_query_renders_that_tab(owner_client, ledger, lianhua):
    url = reverse("portal_funds:project", args=[lianhua.pk])
    body = owner_client.get(url + "?tab=monthly").content.decode()
    assert "<html" in body
    assert rows(body, "data-entry-group") == [("日常缴存 2026-02", "+108.47")]
    assert 'data-tab="monthly" aria-current="page"' in body


def test_common_tab_shows_masked_accounts(owner_client, ledger, accounts, lianhua):
    url = reverse("portal_funds:project", args=[lianhua.pk])
    body = owner_client.get(url + "?tab=common", **HTMX).content.decode()
    assert "6222 **** **** 0123" in body and "6217 **** **** 2222" in body
    assert "6222021234567890123" not in body
    assert "40,720.00" in body  # 招商 balance after the 25th flow


def test_entries_tab_paginates(owner_client, ledger, lianhua, clerk):
    periods = ["2024-12"] + [f"2025-{month:02d}" for month in range(1, 13)]
    for period in periods:
        services.post_monthly_contributions(actor=clerk, project=lianhua, period=period)
    url = reverse("portal_funds:project", args=[lianhua.pk])
    monthly = owner_client.get(url + "?tab=monthly", **HTMX).content.decode()
    assert [label for label, _ in rows(monthly, "data-entry-group")] == ["日常缴存 2026-02"] + [
        f"日常缴存 {p}" for p in reversed(periods)
    ]
    assert "pm-pager" not in monthly  # 14 lines: one page

    first = owner_client.get(url + "?tab=entries", **HTMX).content.decode()
    second = owner_client.get(url + "?tab=entries&page=2", **HTMX).content.decode()
    assert len(rows(first, "data-entry-group")) == 20
    assert rows(second, "data-entry-group") == [("日常缴存 2024-12", "+108.47")]  # 8 + 13 = 21 lines
    assert "第 1 / 2 页" in first and "第 2 / 2 页" in second
    # the pager asks htmx for the next page of the same tab
    assert 'hx-get="?tab=entries&amp;page=2" hx-target="#fund-details"' in first


# --- building ---------------------------------------------------------------------------------------------------


def test_building_page_figures_and_unit_list(owner_client, ledger, units):
    url = reverse("portal_funds:building", args=[units["1-101"].building_id])
    body = owner_client.get(url).content.decode()
    got = fields(body)
    assert {k: got[k] for k in ("balance", "first_deposit", "deposited", "interest", "used", "refunded")} == {
        "balance": "13,875.45",
        "first_deposit": "14,829.95",
        "deposited": "14,904.64",
        "interest": "20.81",
        "used": "1,000.00",
        "refunded": "50.00",
    }
    assert (got["unit_count"], got["total_area"], got["flagged_count"]) == ("3户", "298.75 ㎡", "0户")
    assert rows(body, "data-entry-group") == [
        ("退款", "-50.00"),
        ("利息分配至分户账 2026Q1", "+20.81"),
        ("维修分摊：1栋屋面防水", "-1,000.00"),
        ("日常缴存 2026-02", "+74.69"),
        ("首期缴存", "+14,829.95"),
    ]

    units_page = owner_client.get(url + "?tab=units").content.decode()
    listed = re.findall(r'data-unit-row="([^"]+)"', units_page)
    assert listed == ["1-101", "1-102", "1-201"]
    areas = [text(a) for a in re.findall(r"data-area>(.*?)</span>", units_page)]
    assert areas == ["90.00 ㎡", "88.50 ㎡", "120.25 ㎡"]
    # only the owner's own unit is a link; the others' balances never appear
    unit_links = [h for h in hrefs(units_page) if h.startswith("/funds/units/")]
    assert unit_links == [reverse("portal_funds:unit", args=[units["1-101"].pk])]
    for other_balance in ("4,075.20", "5,605.14", "4,393.14", "5,969.21"):
        assert other_balance not in units_page


def test_building_unit_list_paginates_and_has_no_n_plus_one(
    owner_client, ledger, lianhua, clerk, units, django_assert_max_num_queries
):
    big = factories.building(
        lianhua, "3", units=[(f"{f}{r:02d}", "80.00") for f in range(1, 8) for r in (1, 2, 3, 4, 5)]
    )
    services.post_first_deposits(actor=clerk, project=lianhua, occurred_on=dt.date(2026, 1, 5))
    small_url = reverse("portal_funds:building", args=[units["1-101"].building_id]) + "?tab=units"
    big_url = reverse("portal_funds:building", args=[big.pk]) + "?tab=units"
    with CaptureQueriesContext(connection) as small:
        owner_client.get(small_url)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page1 = owner_client.get(big_url).content.decode()
    assert len(re.findall(r"data-unit-row=", page1)) == 30
    assert "第 1 / 2 页" in page1
    page2 = owner_client.get(big_url + "&page=2").content.decode()
    assert re.findall(r'data-unit-row="([^"]+)"', page2) == [f"3-7{r:02d}" for r in (1, 2, 3, 4, 5)]


# --- unit -------------------------------------------------------------------------------------------------------


def test_unit_page_overview_replenishment_and_sub_ledger(owner_client, ledger, units):
    body = owner_client.get(reverse("portal_funds:unit", args=[units["1-101"].pk])).content.decode()
    got = fields(body)
    assert {k: got[k] for k in ("balance", "first_deposit", "deposited", "interest", "used", "refunded")} == {
        "balance": "4,195.11",
        "first_deposit": "4,467.60",
        "deposited": "4,490.10",
        "interest": "6.27",
        "used": "301.26",
        "refunded": "0.00",
    }
    assert got["rule"] == "余额低于首期缴存的30.00%时需续筹（恰好等于不需续筹）"
    assert got["line"] == "1,340.28 元（首期 4,467.60 元 × 30.00%）"  # THE money format (issue 12)
    assert got["threshold_source"] == "平台默认值"
    assert got["area"] == "90.00 ㎡"
    assert 'data-below-line="0"' in body
    assert "无需续筹" in body
    assert rows(body, "data-ledger-entry") == [
        ("利息收益 2026Q1", "+6.27"),
        ("维修分摊：1栋屋面防水", "-301.26"),
        ("日常缴存 2026-02", "+22.50"),
        ("首期缴存", "+4,467.60"),
    ]
    assert [text(b) for b in re.findall(r"data-balance-after>(.*?)</span>", body)] == [
        "4,195.11",
        "4,188.84",
        "4,490.10",
        "4,467.60",
    ]
    assert chart_data(body, "unit-charts") == {
        "balance": [
            ["2025-12-20", "4467.60"],
            ["2026-02-28", "4490.10"],
            ["2026-03-10", "4188.84"],
            ["2026-03-31", "4195.11"],
        ]
    }


def test_unit_below_the_projects_own_line_is_flagged(owner_client, ledger, lianhua, units, clerk):
    services.set_fund_policy(actor=clerk, project=lianhua, replenish_threshold_pct="95.00", note="测试")
    body = owner_client.get(reverse("portal_funds:unit", args=[units["1-101"].pk])).content.decode()
    got = fields(body)
    assert got["line"] == "4,244.22 元（首期 4,467.60 元 × 95.00%）"
    assert got["threshold_source"] == "本小区设置"
    assert 'data-below-line="1"' in body
    assert "需续筹</strong>：本户余额 4,195.11 元，低于续筹线 4,244.22 元。" in body


def test_unit_ledger_shows_reversals(owner_client, ledger, units, clerk):
    entry = LedgerEntry.objects.get(unit=units["1-101"], kind="monthly")
    services.reverse_entry(
        actor=clerk, entry_id=entry.pk, reason="重复计收", occurred_on=dt.date(2026, 4, 10)
    )
    body = owner_client.get(reverse("portal_funds:unit", args=[units["1-101"].pk])).content.decode()
    assert rows(body, "data-ledger-entry")[0] == ("冲正（日常）", "-22.50")
    assert fields(body)["balance"] == "4,172.61"
    assert "已冲正" in body


def test_unit_ledger_paginates_with_a_fixed_number_of_queries(
    owner_client, ledger, lianhua, units, clerk, django_assert_max_num_queries
):
    url = reverse("portal_funds:unit", args=[units["1-101"].pk])
    with CaptureQueriesContext(connection) as few:
        owner_client.get(url)
    for month in range(1, 13):
        services.post_monthly_contributions(actor=clerk, project=lianhua, period=f"2025-{month:02d}")
        services.post_monthly_contributions(actor=clerk, project=lianhua, period=f"2024-{month:02d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = owner_client.get(url).content.decode()
    assert len(rows(body, "data-ledger-entry")) == 20
    assert "第 1 / 2 页" in body
    page2 = owner_client.get(
        url + "?page=2", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="unit-ledger"
    ).content.decode()
    assert "<html" not in page2
    assert rows(page2, "data-ledger-entry")[-1] == ("日常缴存 2024-01", "+22.50")  # the oldest entry
    assert len(rows(page2, "data-ledger-entry")) == 28 - 20


def test_owner_with_two_projects_sees_both(owner_client, owner, ledger, city):
    haian_unit = city.projects["haian"].units.select_related("building").first()
    bind(owner, haian_unit)
    body = owner_client.get(reverse("portal_funds:index")).content.decode()
    assert reverse("portal_funds:project", args=[city.projects["haian"].pk]) in hrefs(body)
    assert reverse("portal_funds:project", args=[city.projects["lianhua"].pk]) in hrefs(body)


def test_demo_ledger_lines_add_up_and_interest_pool_legs_are_separate(owner_client, lianhua):
    """The demo writes the interest received and its allocation in one batch: the pool's two legs stay two lines."""
    from decimal import Decimal

    from pmip.demo.funds import seed_demo_funds
    from pmip.funds.models import ProjectBalance

    seed_demo_funds(project_ids=[lianhua.pk], seed=1)
    url = reverse("portal_funds:project", args=[lianhua.pk])
    lines = []
    for page in (1, 2, 3):
        lines += rows(
            owner_client.get(url + f"?tab=entries&page={page}", **HTMX).content.decode(), "data-entry-group"
        )
        if len(lines) < 20 * page:
            break
    amounts = [Decimal(amount.replace(",", "")) for _, amount in lines]
    assert Decimal("0") not in amounts
    assert sum(amounts) == ProjectBalance.objects.get(project=lianhua).balance
    labels = [label for label, _ in lines]
    received = [a for (label, a) in lines if label.startswith("利息收益到账")]
    allocated = [a for (label, a) in lines if label.startswith("利息分配（转出")]
    assert len(received) == len(allocated) == 1
    assert Decimal(received[0].replace(",", "")) == -Decimal(allocated[0].replace(",", "")) > 0
    assert "首期缴存" in labels


def test_quarter_chart_runs_up_to_the_current_quarter_and_at_most_eight(owner, ledger, lianhua, clerk):
    from pmip.core import clock
    from pmip.funds import presenters as data

    with clock.frozen(dt.datetime(2026, 11, 15, 2, 0, tzinfo=dt.UTC)):
        flows = data.quarter_flows(actor=owner, project=lianhua)
    assert [(q.label, str(q.income), str(q.expense)) for q in flows] == [
        ("2025Q4", "21536.31", "0.00"),
        ("2026Q1", "138.47", "1600.00"),
        ("2026Q2", "0.00", "50.00"),
        ("2026Q3", "0.00", "0.00"),
        ("2026Q4", "0.00", "0.00"),
    ]
    services.post_monthly_contributions(actor=clerk, project=lianhua, period="2023-01")
    flows = data.quarter_flows(actor=owner, project=lianhua)
    assert [q.label for q in flows] == [
        "2024Q3",
        "2024Q4",
        "2025Q1",
        "2025Q2",
        "2025Q3",
        "2025Q4",
        "2026Q1",
        "2026Q2",
    ]
