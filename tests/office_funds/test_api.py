"""Staff API /api/v1/office/funds: scoped reads, repair preview + post (the preview is what is posted), reversal,
disclosure publish — the same services and error codes as the pages; session auth, CSRF on writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from pmip.audit.models import AuditEntry
from pmip.funds import services
from pmip.funds.models import Disclosure, LedgerEntry, Repair, RepairShare
from pmip.registry.models import Unit
from tests.factories import login_staff
from tests.office_funds.conftest import JINGHUA, LIANHUA

D = Decimal
API = "/api/v1/office/funds"


def post(client, url, body=None, **extra):
    return client.post(url, body or {}, content_type="application/json", **extra)


def test_unauthenticated_and_owners_get_401(client, owner):
    assert client.get(f"{API}/projects/{LIANHUA}").status_code == 401
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(f"{API}/projects/{LIANHUA}")
    assert response.status_code == 401
    assert response.json() == {"code": "unauthenticated", "message": "请先登录管理后台。", "status": 401}


def test_overview_and_project_list_are_scoped(client_for, lianhua, units, deposits):
    client = client_for("committee")
    body = client.get(f"{API}/projects/{LIANHUA}").json()
    assert body["figures"] == {
        "first_deposit": "21536.31",
        "deposited": "21536.31",
        "interest": "0.00",
        "used": "0.00",
        "refunded": "0.00",
        "transferred": "0.00",
        "balance": "21536.31",
        "pool": "0.00",
    }
    assert (body["unit_count"], body["total_area"], body["may"]) == (
        5,
        "433.85",
        {"post_ledger": False, "manage": True},
    )
    assert {"name": "first_deposit_rate", "value": "0.0200", "source": "default"} in body["settings"]
    assert [p["code"] for p in client.get(f"{API}/projects").json()["items"]] == [LIANHUA]
    missing = client.get(f"{API}/projects/{JINGHUA}")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    city = client_for("city").get(f"{API}/projects").json()
    assert city["count"] == 4


def test_entries_page_with_filters_and_the_unit_ledger(client_for, lianhua, units, deposits, staff):
    services.post_monthly_contributions(actor=staff["city"], project=lianhua, period="2026-02")
    client = client_for("futian")
    page = client.get(
        f"{API}/projects/{LIANHUA}/entries", {"kind": "monthly", "building_id": units["2-101"].building_id}
    )
    body = page.json()
    assert body["count"] == 2
    assert [(e["unit"], e["amount"], e["kind"], e["reversed"]) for e in body["items"]] == [
        ("2-102", "15.00", "monthly", False),
        ("2-101", "18.78", "monthly", False),
    ]
    dated = client.get(f"{API}/projects/{LIANHUA}/entries", {"date_to": "2026-01-31"}).json()
    assert dated["count"] == 5
    ledger = client.get(f"{API}/units/{units['1-101'].pk}/ledger").json()
    assert [(line["kind"], line["amount"], line["balance_after"]) for line in ledger["lines"]] == [
        ("first_deposit", "4467.60", "4467.60"),
        ("monthly", "22.50", "4490.10"),
    ]
    assert (ledger["unit"], ledger["threshold_pct"], ledger["below_line"]) == ("1-101", "30.00", False)
    other = client_for("yuehai").get(f"{API}/units/{units['1-101'].pk}/ledger")
    assert other.status_code == 404


def test_preview_then_create_then_charge_posts_exactly_the_preview(client_for, lianhua, units, deposits):
    client = client_for("city")
    scope = {"amount": "1000.00", "scope_kind": "buildings", "building_ids": [units["1-101"].building_id]}
    preview = post(client, f"{API}/projects/{LIANHUA}/repairs/preview", scope).json()
    assert [(s["unit"], s["area"], s["amount"], s["got_leftover_fen"]) for s in preview["shares"]] == [
        ("1-101", "90.00", "301.26", True),
        ("1-102", "88.50", "296.23", False),
        ("1-201", "120.25", "402.51", False),
    ]
    assert (preview["total"], preview["bill"], preview["area_total"], preview["unit_count"]) == (
        "1000.00",
        "1000.00",
        "298.75",
        3,
    )
    assert Repair.objects.count() == 0

    created = post(
        client, f"{API}/projects/{LIANHUA}/repairs", {**scope, "title": "1栋电梯", "decision_ref": "LH-1"}
    )
    assert created.status_code == 201
    repair = created.json()
    assert (repair["status"], repair["preview_digest"]) == ("draft", preview["preview_digest"])

    charged = post(
        client, f"{API}/repairs/{repair['id']}/charge", {"preview_digest": preview["preview_digest"]}
    )
    assert charged.status_code == 200
    body = charged.json()
    assert (body["entries"], body["total"], body["repair"]["status"]) == (3, "1000.00", "charged")
    assert [(s["unit"], s["amount"]) for s in body["repair"]["shares"]] == [
        (s["unit"], s["amount"]) for s in preview["shares"]
    ]
    assert {s.label: s.amount for s in RepairShare.objects.all()} == {
        "1-101": D("301.26"),
        "1-102": D("296.23"),
        "1-201": D("402.51"),
    }
    again = post(client, f"{API}/repairs/{repair['id']}/charge", {})
    assert again.status_code == 422 and again.json()["code"] == "repair_not_draft"


def test_charge_is_refused_when_the_preview_changed_or_no_decision(
    client_for, lianhua, units, deposits, staff
):
    client = client_for("city")
    scope = {"amount": "90.00", "scope_kind": "units", "unit_ids": [units["1-101"].pk, units["1-102"].pk]}
    preview = post(client, f"{API}/projects/{LIANHUA}/repairs/preview", scope).json()
    repair = post(client, f"{API}/projects/{LIANHUA}/repairs", {**scope, "title": "楼道"}).json()

    no_decision = post(client, f"{API}/repairs/{repair['id']}/charge", {})
    assert no_decision.status_code == 422
    assert no_decision.json()["code"] == "decision_required"

    Unit.objects.filter(pk=units["1-102"].pk).update(area=D("88.60"))
    changed = post(
        client, f"{API}/repairs/{repair['id']}/charge", {"preview_digest": preview["preview_digest"]}
    )
    assert changed.status_code == 409
    assert changed.json() == {
        "code": "preview_changed",
        "message": "分摊结果已变化（房屋或面积有更新），未记账。请重新预览核对。",
        "status": 409,
    }
    assert LedgerEntry.objects.filter(repair__isnull=False).count() == 0


def test_repair_writes_by_role(client_for, lianhua, units, deposits, city):
    scope = {"amount": "100.00", "scope_kind": "project", "title": "围墙", "decision_ref": "LH-2"}
    committee = client_for("committee")
    draft = post(committee, f"{API}/projects/{LIANHUA}/repairs", scope)
    assert draft.status_code == 201
    refused = post(committee, f"{API}/repairs/{draft.json()['id']}/charge", {})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    reader = post(client_for("futian"), f"{API}/projects/{LIANHUA}/repairs/preview", scope)
    assert reader.status_code == 403
    elsewhere = post(committee, f"{API}/projects/{JINGHUA}/repairs", scope)
    assert elsewhere.status_code == 404
    assert (Repair.objects.count(), LedgerEntry.objects.filter(repair__isnull=False).count()) == (1, 0)


def test_reversal_through_the_api(client_for, lianhua, units, deposits, city, staff):
    entry = LedgerEntry.objects.get(unit=units["1-101"])
    services.post_first_deposits(actor=staff["city"], project=city.projects["jinghua"])
    jinghua_entry = LedgerEntry.objects.filter(project=city.projects["jinghua"]).first()

    committee = client_for("committee")
    assert post(committee, f"{API}/entries/{entry.pk}/reverse", {"reason": "录错"}).status_code == 403
    assert post(committee, f"{API}/entries/{jinghua_entry.pk}/reverse", {"reason": "录错"}).status_code == 404
    assert LedgerEntry.objects.filter(kind="reversal").count() == 0

    client = client_for("lianhua")
    empty = post(client, f"{API}/entries/{entry.pk}/reverse", {"reason": " "})
    assert empty.status_code == 422 and empty.json()["message"] == "请填写冲正原因。"
    done = post(
        client, f"{API}/entries/{entry.pk}/reverse", {"reason": "录错房号", "occurred_on": "2026-03-01"}
    )
    assert done.status_code == 201
    body = done.json()
    assert (body["kind"], body["category"], body["amount"], body["reversal_of_id"], body["unit"]) == (
        "reversal",
        "first_deposit",
        "-4467.60",
        entry.pk,
        "1-101",
    )
    assert body["occurred_on"] == "2026-03-01"
    twice = post(client, f"{API}/entries/{entry.pk}/reverse", {"reason": "again"})
    assert twice.status_code == 422 and twice.json()["code"] == "already_reversed"
    listed = client.get(
        f"{API}/projects/{LIANHUA}/entries", {"kind": "first_deposit", "date_to": "2026-01-01"}
    )
    assert [e["reversed"] for e in listed.json()["items"] if e["id"] == entry.pk] == [True]


def test_no_api_path_edits_or_deletes_an_entry(client_for, units, deposits):
    entry = LedgerEntry.objects.get(unit=units["1-101"])
    client = client_for("city")
    for method in ("patch", "put", "delete"):
        response = getattr(client, method)(
            f"{API}/entries/{entry.pk}", {"amount": "1.00"}, content_type="application/json"
        )
        assert response.status_code in (404, 405), method
    assert client.delete(f"{API}/entries/{entry.pk}/reverse").status_code == 405
    assert LedgerEntry.objects.get(pk=entry.pk).amount == D("4467.60")
    assert LedgerEntry.objects.count() == 5


def test_disclosure_publish_and_reads(client_for, lianhua, staff):
    notice = services.create_notice(actor=staff["committee"], project=lianhua, title="公告", body="内容")
    reader = client_for("futian")
    listed = reader.get(f"{API}/projects/{LIANHUA}/disclosures", {"status": "draft"}).json()
    assert [(d["title"], d["status"]) for d in listed["items"]] == [("公告", "draft")]
    assert post(reader, f"{API}/disclosures/{notice.pk}/publish").status_code == 403
    assert post(client_for("yuehai"), f"{API}/disclosures/{notice.pk}/publish").status_code == 404
    assert Disclosure.objects.get().status == "draft"

    client = client_for("committee")
    published = post(client, f"{API}/disclosures/{notice.pk}/publish")
    assert published.status_code == 200
    assert (published.json()["status"], published.json()["published_at"]) == (
        "published",
        "2026-03-15T02:00:00Z",
    )
    twice = post(client, f"{API}/disclosures/{notice.pk}/publish")
    assert twice.status_code == 422 and twice.json()["code"] == "disclosure_published"
    assert AuditEntry.objects.filter(action="funds.disclosure.published").count() == 1


def test_reports_read(client_for, lianhua, deposits, staff):
    report = services.open_quarterly_report(actor=staff["committee"], project=lianhua, year=2026, quarter=1)
    services.add_report_line(
        actor=staff["committee"],
        report_id=report.pk,
        section="receivable",
        item="物业费",
        amount="300.00",
        voucher_no="007",
    )
    client = client_for("company")
    assert client.get(f"{API}/projects/{LIANHUA}/reports").json() == [
        {"id": report.pk, "year": 2026, "quarter": 1, "version": 1, "status": "draft", "published_at": None}
    ]
    body = client.get(f"{API}/reports/{report.pk}").json()
    assert (body["fund_opening"], body["fund_closing"], body["totals"]["receivable"]) == (
        "0.00",
        "21536.31",
        "300.00",
    )
    assert body["lines"][0]["voucher_no"] == "007"
    assert client_for("yuehai").get(f"{API}/reports/{report.pk}").status_code == 404


def test_writes_need_the_csrf_token(lianhua, units, deposits, staff):
    entry = LedgerEntry.objects.get(unit=units["1-101"])
    client = Client(enforce_csrf_checks=True)
    login_staff(client, staff["city"])
    refused = post(client, f"{API}/entries/{entry.pk}/reverse", {"reason": "x"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert LedgerEntry.objects.filter(kind="reversal").count() == 0
    client.get("/office/")
    token = client.cookies["csrftoken"].value
    ok = post(client, f"{API}/entries/{entry.pk}/reverse", {"reason": "x"}, HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 201


@pytest.mark.parametrize("key", ["city", "committee"])
def test_entries_page_is_query_bounded(
    client_for, lianhua, units, deposits, staff, key, django_assert_max_num_queries
):
    for month in range(1, 7):
        services.post_monthly_contributions(actor=staff["city"], project=lianhua, period=f"2025-{month:02d}")
    client = client_for(key)
    client.get(f"{API}/projects/{LIANHUA}/entries")
    with django_assert_max_num_queries(10):
        body = client.get(f"{API}/projects/{LIANHUA}/entries").json()
    assert (body["count"], len(body["items"])) == (35, 20)
    dates = [dt.date.fromisoformat(e["occurred_on"]) for e in body["items"]]
    assert (dates[0], dates[4], dates[5], dates[19]) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 1, 1),
        dt.date(2025, 6, 30),
        dt.date(2025, 4, 30),
    )


def test_a_draft_repair_is_edited_over_the_api_and_a_charged_one_is_not(client_for, lianhua, units, deposits):
    client = client_for("city")
    body = {"amount": "100.00", "scope_kind": "project", "title": "围墙"}
    repair = post(client, f"{API}/projects/{LIANHUA}/repairs", body).json()
    assert post(client, f"{API}/repairs/{repair['id']}/charge", {}).json()["code"] == "decision_required"
    edited = client.put(
        f"{API}/repairs/{repair['id']}", {**body, "decision_ref": "LH-5"}, content_type="application/json"
    )
    assert edited.status_code == 200
    assert (edited.json()["decision_ref"], edited.json()["status"]) == ("LH-5", "draft")
    assert AuditEntry.objects.get(action="funds.repair.edited").data["changes"] == {
        "decision_ref": {"from": "", "to": "LH-5"}
    }
    assert post(client, f"{API}/repairs/{repair['id']}/charge", {}).status_code == 200
    refused = client.put(
        f"{API}/repairs/{repair['id']}", {**body, "decision_ref": "LH-6"}, content_type="application/json"
    )
    assert refused.status_code == 422 and refused.json()["code"] == "repair_not_draft"
    assert Repair.objects.get(pk=repair["id"]).decision_ref == "LH-5"
    reader = client_for("futian").put(
        f"{API}/repairs/{repair['id']}", {**body, "decision_ref": "x"}, content_type="application/json"
    )
    assert reader.status_code in (403, 404)


def test_a_published_report_is_corrected_over_the_api(client_for, lianhua, staff, frozen_clock):
    report = services.open_quarterly_report(actor=staff["committee"], project=lianhua, year=2026, quarter=1)
    client = client_for("committee")
    draft = post(client, f"{API}/reports/{report.pk}/correct", {"note": "x"})
    assert draft.status_code == 422 and draft.json()["code"] == "report_not_published"
    frozen_clock.advance(days=20)
    services.publish_quarterly_report(actor=staff["committee"], report_id=report.pk)
    client = client_for("committee")  # a new session: the old one expired with the clock
    made = post(client, f"{API}/reports/{report.pk}/correct", {"note": "补记利息"})
    assert made.status_code == 201
    body = made.json()
    assert (body["version"], body["status"], body["corrects_id"], body["correction_note"]) == (
        2,
        "draft",
        report.pk,
        "补记利息",
    )
    services.publish_quarterly_report(actor=staff["committee"], report_id=body["id"])
    old = client.get(f"{API}/reports/{report.pk}").json()
    assert (old["status"], old["superseded_by_id"]) == ("superseded", body["id"])
    outsider = post(client_for("futian"), f"{API}/reports/{report.pk}/correct", {"note": "x"})
    assert outsider.status_code in (403, 404)
