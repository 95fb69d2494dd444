"""Ledger browsing (filters, pagination, query counts), postings through the pages, reversals through the page, and
the absence of any edit or delete path for posted entries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import get_resolver

from pmip.audit.models import AuditEntry
from pmip.funds import services
from pmip.funds.models import LedgerEntry, ProjectBalance, UnitBalance
from tests.office_funds.conftest import BASE, LIANHUA
from tests.office_funds.support import table, text

D = Decimal
LEDGER = f"{BASE}/{LIANHUA}/ledger/"


def entry_of(units, label: str, kind: str) -> LedgerEntry:
    return LedgerEntry.objects.get(unit=units[label], kind=kind)


# --- postings ---------------------------------------------------------------------------------------------------


def test_first_deposits_and_monthly_contributions_through_the_pages(client_for, lianhua, units):
    client = client_for("city")
    url = f"{BASE}/{LIANHUA}/postings/first-deposits/"

    unticked = client.post(url, {"occurred_on": "2026-01-01"})
    assert "请勾选确认后再提交。" in text(unticked)
    assert LedgerEntry.objects.count() == 0

    some = client.post(
        url, {"occurred_on": "2026-01-01", "unit_codes": "1-101 2-102", "confirm": "on"}, follow=True
    )
    assert "首期维修资金已记账：2 户，合计 7,446.00 元。" in text(some)
    rest = client.post(url, {"occurred_on": "2026-01-02", "confirm": "on"}, follow=True)
    assert (
        "首期维修资金已记账：3 户，合计 14,090.31 元。另有 2 户未记账（1-101：已缴存首期；2-102：已缴存首期）。"
        in text(rest)
    )
    again = client.post(url, {"unit_codes": "1-101", "confirm": "on"})
    assert "以下房屋已缴存首期维修资金：1-101。" in text(again)
    assert ProjectBalance.objects.get(project=lianhua).first_deposit == D("21536.31")

    monthly = f"{BASE}/{LIANHUA}/postings/monthly/"
    bad = client.post(monthly, {"period": "2026-13", "confirm": "on"})
    assert "月份格式应为 YYYY-MM，例如 2026-03。" in text(bad)
    done = client.post(monthly, {"period": "2026-02", "confirm": "on"}, follow=True)
    assert "2026-02日常维修资金已记账：5 户，合计 108.47 元。" in text(done)
    twice = client.post(monthly, {"period": "2026-02", "confirm": "on"})
    assert "2026-02的日常维修资金已记账，不能重复记账。" in text(twice)
    assert LedgerEntry.objects.filter(kind="monthly").count() == 5
    assert set(LedgerEntry.objects.filter(kind="monthly").values_list("occurred_on", flat=True)) == {
        dt.date(2026, 2, 28)
    }


def test_interest_received_then_allocated_after_a_preview(client_for, lianhua, units, deposits):
    client = client_for("city")
    url = f"{BASE}/{LIANHUA}/postings/interest/"
    received = client.post(
        url,
        {
            "action": "receive",
            "r-amount": "100.00",
            "r-occurred_on": "2026-03-31",
            "r-period": "2026Q1",
            "r-confirm": "on",
        },
        follow=True,
    )
    assert "利息收益 100.00 元已记入本小区待分配利息。" in text(received)
    assert ProjectBalance.objects.get(project=lianhua).pool == D("100.00")

    form = {"a-period_end": "2026-03-31", "a-period": "2026Q1"}
    preview = client.post(url, {**form, "action": "preview"})
    rows, foot = table(preview, "interest-preview")
    assert [(r[0], r[2]) for r in rows] == [
        ("1-101", "20.74"),
        ("1-102", "20.40"),
        ("1-201", "27.72"),
        ("2-101", "17.31"),
        ("2-102", "13.83"),
    ]
    assert foot[0][-1] == "100.00"
    assert LedgerEntry.objects.filter(kind="interest", unit__isnull=False).count() == 0
    digest = preview.content.decode().split('name="preview_digest" value="')[1][:64]

    response = client.post(url, {**form, "action": "allocate", "preview_digest": digest, "confirm": "on"})
    assert response.status_code == 302
    assert {
        f"{e.building.number}-{e.unit.number}": e.amount
        for e in LedgerEntry.objects.filter(kind="interest", unit__isnull=False).select_related(
            "unit", "building"
        )
    } == {
        "1-101": D("20.74"),
        "1-102": D("20.40"),
        "1-201": D("27.72"),
        "2-101": D("17.31"),
        "2-102": D("13.83"),
    }
    assert ProjectBalance.objects.get(project=lianhua).pool == D("0.00")


# --- browsing ---------------------------------------------------------------------------------------------------


def test_ledger_filters_by_kind_building_and_date(client_for, lianhua, units, deposits, staff):
    services.post_monthly_contributions(actor=staff["city"], project=lianhua, period="2026-02")
    services.post_monthly_contributions(actor=staff["city"], project=lianhua, period="2026-03")
    client = client_for("futian")  # a read-only district bureau reads the ledger

    everything = client.get(LEDGER)
    assert "共 15 笔" in text(everything)
    rows, _ = table(everything, "ledger-table")
    assert rows[0][:4] == ["2026-03-31", "日常", "2-102", "15.00"]  # newest first, then the latest posted
    assert all(r[-1] == "" for r in rows)  # no reversal links for a reader

    monthly_b2 = client.get(LEDGER, {"kind": "monthly", "building": units["2-101"].building_id})
    assert [(r[0], r[2], r[3]) for r in table(monthly_b2, "ledger-table")[0]] == [
        ("2026-03-31", "2-102", "15.00"),
        ("2026-03-31", "2-101", "18.78"),
        ("2026-02-28", "2-102", "15.00"),
        ("2026-02-28", "2-101", "18.78"),
    ]
    february = client.get(LEDGER, {"date_from": "2026-02-01", "date_to": "2026-02-28"})
    assert "共 5 笔" in text(february)
    backwards = client.get(LEDGER, {"date_from": "2026-03-01", "date_to": "2026-02-01"})
    assert "截止日期不能早于起始日期。" in text(backwards)
    assert "没有符合条件的记账记录。" in text(backwards)


def test_ledger_page_is_paginated_with_a_fixed_number_of_queries(
    client_for, lianhua, units, deposits, staff, django_assert_max_num_queries
):
    for month in range(1, 13):
        services.post_monthly_contributions(actor=staff["city"], project=lianhua, period=f"2025-{month:02d}")
    client = client_for("city")
    client.get(LEDGER)  # warm caches (sessions, content types)
    with django_assert_max_num_queries(14):
        first = client.get(LEDGER)
    assert len(table(first, "ledger-table")[0]) == 50
    assert "第 1 / 2 页" in text(first)
    last = client.get(LEDGER, {"page": 2})
    assert len(table(last, "ledger-table")[0]) == 15  # 5 first deposits + 60 monthly = 65


def test_building_and_unit_pages_show_exact_figures(client_for, lianhua, units, deposits, staff):
    services.post_monthly_contributions(actor=staff["city"], project=lianhua, period="2026-02")
    client = client_for("lianhua")
    building = client.get(f"{BASE}/{LIANHUA}/buildings/{units['1-101'].building_id}/")
    assert "3 套房屋，专有部分面积合计 298.75 ㎡；低于续筹线 0 户" in text(building)
    unit = client.get(f"{BASE}/{LIANHUA}/units/{units['1-101'].pk}/")
    rows, _ = table(unit, "unit-ledger")
    assert [r[:4] for r in rows] == [
        ["2026-01-01", "首期", "4,467.60", "4,467.60"],
        ["2026-02-28", "日常", "22.50", "4,490.10"],
    ]
    assert "续筹线 首期的 30%（平台默认值），即 1,340.28 元 状态 正常" in text(unit)


# --- reversals --------------------------------------------------------------------------------------------------


def test_reversal_through_the_page_needs_a_reason_and_a_confirmation(
    client_for, lianhua, units, deposits, staff
):
    services.post_monthly_contributions(actor=staff["city"], project=lianhua, period="2026-02")
    entry = entry_of(units, "1-101", "monthly")
    url = f"{BASE}/{LIANHUA}/entries/{entry.pk}/reverse/"
    client = client_for("lianhua")  # the subdistrict office (editable) keeps 莲花街道's ledgers

    page = client.get(url)
    assert "冲正将新记一笔金额为 22.50 元的相反数 的记录，原记录保持不变" in text(page)
    empty = client.post(url, {})
    assert "请填写冲正原因。" in text(empty) and "请勾选确认后再提交。" in text(empty)
    assert LedgerEntry.objects.filter(kind="reversal").count() == 0

    done = client.post(url, {"reason": "重复缴存", "confirm": "on", "occurred_on": "2026-03-02"}, follow=True)
    reversal = LedgerEntry.objects.get(kind="reversal")
    assert (reversal.amount, reversal.category, reversal.reversal_of_id, reversal.occurred_on) == (
        D("-22.50"),
        "monthly",
        entry.pk,
        dt.date(2026, 3, 2),
    )
    assert reversal.memo == "冲正：重复缴存"
    assert f"已冲正：{entry.reference}，冲正金额 -22.50 元" in text(done)
    original = LedgerEntry.objects.get(pk=entry.pk)
    assert (original.amount, original.kind, original.memo) == (entry.amount, entry.kind, entry.memo)
    assert UnitBalance.objects.get(unit=units["1-101"]).balance == D("4467.60")
    audit = AuditEntry.objects.get(action="funds.entry.reversed")
    assert (audit.actor_id, audit.data["reason"]) == (staff["lianhua"].pk, "重复缴存")

    rows, _ = table(
        client.get(LEDGER, {"kind": "monthly", "building": units["1-101"].building_id}), "ledger-table"
    )
    assert rows[0][:4] == ["2026-03-02", "冲正（日常）", "1-101", "-22.50"]
    assert [r[-1] for r in rows if r[0] == "2026-02-28"] == ["冲正", "冲正", "已冲正"]  # 1-201, 1-102, 1-101

    second = client.post(url, {"reason": "再来一次", "confirm": "on"})
    assert "该记录已被冲正。" in text(second)
    assert LedgerEntry.objects.filter(kind="reversal").count() == 1


def test_a_repair_share_cannot_be_reversed_alone(client_for, lianhua, units, deposits, staff):
    repair = services.create_repair(
        actor=staff["city"],
        project=lianhua,
        title="屋面防水",
        amount="90.00",
        scope_kind="units",
        unit_ids=[units["1-101"].pk],
        decision_ref="LH-1",
    )
    services.charge_repair(actor=staff["city"], repair_id=repair.pk)
    share = LedgerEntry.objects.get(repair=repair)
    client = client_for("city")
    rows, _ = table(client.get(LEDGER, {"kind": "repair_charge"}), "ledger-table")
    assert rows[0][-1] == ""  # no reversal link on a repair share
    response = client.post(f"{BASE}/{LIANHUA}/entries/{share.pk}/reverse/", {"reason": "x", "confirm": "on"})
    assert "维修分摊须整笔撤销（撤销维修记录），不能单独冲正其中一户。" in text(response)
    assert LedgerEntry.objects.filter(kind="reversal").count() == 0


# --- no edit, no delete ------------------------------------------------------------------------------------------


def test_there_is_no_url_to_edit_or_delete_posted_records():
    patterns = get_resolver().url_patterns
    funds = next(p for p in patterns if getattr(p, "namespace", None) == "office_funds")
    names = {p.name for p in funds.url_patterns}
    writers = {n for n in names if any(w in n for w in ("edit", "delete", "remove", "update"))}
    # the only changes besides postings: a DRAFT disclosure's text, a DRAFT report's lines and a repair not yet
    # charged (the service refuses a charged one: it is corrected by cancelling, i.e. reversal)
    assert writers == {"disclosure_edit", "report_line_remove", "repair_edit"}


@pytest.mark.parametrize(
    "suffix",
    [
        "entries/{id}/",
        "entries/{id}/edit/",
        "entries/{id}/delete/",
        "entries/{id}/update/",
        "ledger/{id}/delete/",
    ],
)
def test_guessed_edit_and_delete_paths_are_404_and_change_nothing(client_for, units, deposits, suffix):
    entry = entry_of(units, "1-101", "first_deposit")
    url = f"{BASE}/{LIANHUA}/" + suffix.format(id=entry.pk)
    client = client_for("city")
    assert client.post(url, {"amount": "1.00"}).status_code == 404
    assert client.delete(url).status_code == 404
    assert LedgerEntry.objects.get(pk=entry.pk).amount == D("4467.60")
    assert LedgerEntry.objects.count() == 5


def test_write_verbs_on_read_pages_are_405(client_for, units, deposits):
    entry = entry_of(units, "1-101", "first_deposit")
    client = client_for("city")
    assert client.post(LEDGER, {"amount": "0"}).status_code == 405
    assert client.delete(f"{BASE}/{LIANHUA}/entries/{entry.pk}/reverse/").status_code == 405
    assert client.put(f"{BASE}/{LIANHUA}/units/{units['1-101'].pk}/").status_code == 405
    assert LedgerEntry.objects.count() == 5
