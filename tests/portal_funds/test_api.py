"""/api/v1/funds: the owner endpoints scoped like the pages, and the public open data in JSON and CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from pmip.funds.models import ProjectFollow

API = "/api/v1/funds"


def test_owner_endpoints_need_an_owner_session(client, ledger, lianhua, units, staff):
    for path in ["/projects", "/units", f"/projects/{lianhua.pk}", f"/units/{units['1-101'].pk}/ledger"]:
        response = client.get(API + path)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"
    client.force_login(staff["city"])  # staff are not owners
    assert client.get(API + "/projects").status_code == 401


def test_my_projects_and_units(owner_client, ledger, lianhua, units):
    projects = owner_client.get(API + "/projects").json()
    assert projects == [
        {
            "id": lianhua.pk,
            "code": "440304001",
            "name": "莲花山庄",
            "district": "福田区",
            "figures": {
                "first_deposit": "21536.31",
                "deposited": "21644.78",
                "interest": "30.00",
                "used": "1600.00",
                "refunded": "50.00",
                "transferred": "0.00",
                "balance": "20024.78",
                "pool": "0.00",
            },
        }
    ]
    mine = owner_client.get(API + "/units").json()
    assert [(u["label"], u["area"], u["figures"]["balance"], u["below_line"]) for u in mine] == [
        ("1-101", "90.00", "4195.11", False)
    ]


def test_project_overview_and_charts(owner_client, ledger, lianhua):
    body = owner_client.get(f"{API}/projects/{lianhua.pk}").json()
    assert (body["building_count"], body["unit_count"], body["total_area"]) == (2, 5, "433.85")
    assert (body["repair_count"], body["account_count"], body["flagged_count"]) == (2, 0, 0)
    assert body["replenish_rule"] == {"threshold_pct": "30.00", "source": "平台默认值"}
    assert body["committee"] is None
    assert [u["label"] for u in body["my_units"]] == ["1-101"]
    charts = owner_client.get(f"{API}/projects/{lianhua.pk}/charts").json()
    assert charts["quarters"] == [
        {"quarter": "2025Q4", "income": "21536.31", "expense": "0.00"},
        {"quarter": "2026Q1", "income": "138.47", "expense": "1600.00"},
        {"quarter": "2026Q2", "income": "0.00", "expense": "50.00"},
    ]
    assert charts["balance"][-1] == ["2026-04-30", "20024.78"]
    assert charts["repairs"]["by_building"] == [["1栋", "1000.00"], ["2栋", "600.00"]]


def test_entries_repairs_buildings(owner_client, ledger, lianhua, units):
    entries = owner_client.get(f"{API}/projects/{lianhua.pk}/entries").json()
    assert entries["count"] == 8
    assert sum(Decimal(i["total"]) for i in entries["items"]) == Decimal("20024.78")
    assert entries["items"][-1] == {
        "occurred_on": "2025-12-20",
        "kind": "first_deposit",
        "category": "first_deposit",
        "label": "首期缴存",
        "units": 5,
        "total": "21536.31",
        "project_level": False,
    }
    monthly = owner_client.get(f"{API}/projects/{lianhua.pk}/entries?kind=monthly").json()
    assert [(i["label"], i["total"]) for i in monthly["items"]] == [("日常缴存 2026-02", "108.47")]
    repairs = owner_client.get(f"{API}/projects/{lianhua.pk}/repairs").json()["items"]
    assert [(r["title"], r["apportioned"], r["own_share"], r["unit_count"]) for r in repairs] == [
        ("2栋水泵", "600.00", None, 2),
        ("1栋屋面防水", "1000.00", "301.26", 3),
    ]
    buildings = owner_client.get(f"{API}/projects/{lianhua.pk}/buildings").json()["items"]
    assert [(b["number"], b["figures"]["balance"]) for b in buildings] == [
        ("1", "13875.45"),
        ("2", "6149.33"),
    ]
    building = owner_client.get(f"{API}/buildings/{units['1-101'].building_id}").json()
    assert (building["figures"]["balance"], building["unit_count"], building["total_area"]) == (
        "13875.45",
        3,
        "298.75",
    )
    listed = owner_client.get(f"{API}/buildings/{units['1-101'].building_id}/units").json()["items"]
    assert listed == [
        {"id": units["1-101"].pk, "label": "1-101", "number": "101", "area": "90.00", "mine": True},
        {"id": units["1-102"].pk, "label": "1-102", "number": "102", "area": "88.50", "mine": False},
        {"id": units["1-201"].pk, "label": "1-201", "number": "201", "area": "120.25", "mine": False},
    ]
    b_entries = owner_client.get(f"{API}/buildings/{units['1-101'].building_id}/entries").json()
    assert sum(Decimal(i["total"]) for i in b_entries["items"]) == Decimal("13875.45")


def test_unit_overview_and_ledger(owner_client, ledger, units):
    unit = owner_client.get(f"{API}/units/{units['1-101'].pk}").json()
    assert unit["figures"]["balance"] == "4195.11"
    assert unit["replenish"] == {
        "below_line": False,
        "line": "1340.28",
        "threshold_pct": "30.00",
        "source": "平台默认值",
        "applies": True,
    }
    assert unit["entry_count"] == 4
    assert unit["balance_series"][0] == ["2025-12-20", "4467.60"]
    ledger_page = owner_client.get(f"{API}/units/{units['1-101'].pk}/ledger").json()
    assert [(i["label"], i["amount"], i["balance_after"]) for i in ledger_page["items"]] == [
        ("利息收益 2026Q1", "6.27", "4195.11"),
        ("维修分摊：1栋屋面防水", "-301.26", "4188.84"),
        ("日常缴存 2026-02", "22.50", "4490.10"),
        ("首期缴存", "4467.60", "4467.60"),
    ]
    assert (ledger_page["count"], ledger_page["num_pages"]) == (4, 1)


def test_another_units_sub_ledger_is_404_and_leaks_nothing(owner_client, ledger, units):
    for path in (f"/units/{units['2-101'].pk}", f"/units/{units['2-101'].pk}/ledger"):
        response = owner_client.get(API + path)
        assert response.status_code == 404
        assert response.json() == {
            "code": "not_found",
            "message": "未找到该房屋的维修资金信息，或您没有查看权限。",
            "status": 404,
        }
    missing = owner_client.get(f"{API}/units/999999")
    assert missing.json() == owner_client.get(f"{API}/units/{units['2-101'].pk}").json()


def test_other_projects_are_404(owner_client, ledger, city):
    other = city.projects["haian"]
    for path in (f"/projects/{other.pk}", f"/projects/{other.pk}/entries", f"/projects/{other.pk}/accounts"):
        assert owner_client.get(API + path).status_code == 404
    assert owner_client.get(f"{API}/buildings/{other.buildings.first().pk}").status_code == 404


def test_accounts_and_flows(owner_client, accounts, lianhua):
    listed = owner_client.get(f"{API}/projects/{lianhua.pk}/accounts").json()
    assert [(a["bank"], a["number_masked"], a["balance"]) for a in listed] == [
        ("招商银行深圳分行", "6222 **** **** 0123", "40720.00"),
        ("建设银行深圳分行", "6217 **** **** 2222", "2000.00"),
    ]
    page1 = owner_client.get(f"{API}/accounts/{accounts['cmb'].pk}/flows").json()
    page2 = owner_client.get(f"{API}/accounts/{accounts['cmb'].pk}/flows?page=2").json()
    assert (page1["count"], page1["num_pages"], len(page1["items"]), len(page2["items"])) == (25, 2, 20, 5)
    assert page2["items"][-1]["bank_reference"] == "B001"
    assert "6222021234567890123" not in str(listed)


def test_reports_and_xlsx(owner_client, report, lianhua):
    listed = owner_client.get(f"{API}/projects/{lianhua.pk}/reports").json()
    assert [(r["year"], r["quarter"]) for r in listed] == [(2026, 1)]
    body = owner_client.get(f"{API}/reports/{report['published'].pk}").json()
    assert body["title"] == "莲花山庄2026年第1季度收支报表"
    assert body["totals"] == {
        "receivable": "12000.00",
        "business_income": "23000.50",
        "business_expense": "3200.00",
    }
    assert (body["fund"]["opening"], body["fund"]["closing"], body["business_net"]) == (
        "21536.31",
        "20074.78",
        "19800.50",
    )
    xlsx = owner_client.get(f"{API}/reports/{report['published'].pk}/xlsx")
    assert xlsx.status_code == 200
    assert load_workbook(io.BytesIO(xlsx.content)).active["A1"].value == "莲花山庄2026年第1季度收支报表"
    assert owner_client.get(f"{API}/reports/{report['draft'].pk}").status_code == 404
    assert owner_client.get(f"{API}/reports/{report['published'].pk}/docx").status_code == 422


def test_disclosures_api(owner_client, disclosures, lianhua):
    body = owner_client.get(f"{API}/projects/{lianhua.pk}/disclosures").json()
    assert body["count"] == 2
    assert {i["kind"] for i in body["items"]} == {"large_transfer", "emergency_repair"}
    large = owner_client.get(f"{API}/projects/{lianhua.pk}/disclosures?kind=large_transfer").json()
    assert [i["amount"] for i in large["items"]] == ["60000.00"]
    assert owner_client.get(f"{API}/disclosures/{disclosures['draft'].pk}").status_code == 404


def test_follows_api(owner_client, owner, ledger, lianhua):
    assert owner_client.get(API + "/follows").json() == []
    created = owner_client.post(API + "/follows", {"code": lianhua.code}, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["balance"] == "20024.78"
    again = owner_client.post(API + "/follows", {"code": lianhua.code}, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (422, "already_following")
    assert [p["code"] for p in owner_client.get(API + "/follows").json()] == ["440304001"]
    assert owner_client.delete(f"{API}/follows/{lianhua.code}").status_code == 204
    assert owner_client.delete(f"{API}/follows/{lianhua.code}").status_code == 404
    assert ProjectFollow.objects.filter(account=owner).count() == 0


def test_open_data_overview_json_and_csv(client, ledger):
    body = client.get(API + "/open-data/overview").json()
    assert body["city"] == {
        "code": "440300",
        "name": "深圳市",
        "project_count": 4,
        "deposited": "21644.78",
        "used": "1600.00",
        "interest": "30.00",
        "balance": "20024.78",
        "flagged_units": 0,
    }
    response = client.get(API + "/open-data/overview?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(table[0]) == [
        "level",
        "code",
        "name",
        "project_count",
        "deposited",
        "used",
        "interest",
        "balance",
        "flagged_units",
    ]
    city, districts = table[0], table[1:]
    assert (city["level"], city["name"], city["balance"]) == ("city", "深圳市", "20024.78")
    assert [d["name"] for d in districts] == ["福田区", "南山区"]
    for key in ("deposited", "used", "interest", "balance"):
        assert sum(Decimal(d[key]) for d in districts) == Decimal(city[key])
    assert sum(int(d["project_count"]) for d in districts) == int(city["project_count"])


def test_open_data_projects_json_and_csv(client, ledger, lianhua):
    page = client.get(API + "/open-data/projects?q=莲花山庄").json()
    assert [(p["code"], p["balance"], p["unit_count"]) for p in page["items"]] == [
        ("440304001", "20024.78", 5)
    ]
    response = client.get(API + "/open-data/projects?format=csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["code"] for r in rows] == ["440304001", "440304002", "440304101", "440305001"]
    city = client.get(API + "/open-data/overview").json()["city"]
    assert sum(Decimal(r["balance"]) for r in rows) == Decimal(city["balance"])
    assert sum(Decimal(r["deposited"]) for r in rows) == Decimal(city["deposited"])
    assert rows[1]["balance"] == "0.00"
    assert client.get(API + "/open-data/projects?district=999999").status_code == 404
    assert client.get(API + "/open-data/overview?format=xml").status_code == 422


def test_a_corrected_report_says_its_version_and_what_changed(owner_client, report, lianhua, staff):
    """Issue 12: the owner API shows the version, the correction note and every version of the quarter."""
    from pmip.funds import services

    committee = staff["committee"]
    v1 = report["published"]
    v2 = services.correct_quarterly_report(
        actor=committee, report_id=v1.pk, note="补记3月电梯年检费 800.00 元。"
    )
    services.add_report_line(
        actor=committee, report_id=v2.pk, section="business_expense", item="电梯年检", amount="800.00"
    )
    services.publish_quarterly_report(actor=committee, report_id=v2.pk)

    listed = owner_client.get(f"{API}/projects/{lianhua.pk}/reports").json()
    assert [(r["id"], r["version"], r["status"]) for r in listed] == [(v2.pk, 2, "published")]
    current = owner_client.get(f"{API}/reports/{v2.pk}").json()
    assert (current["version"], current["corrects_id"], current["correction_note"]) == (
        2,
        v1.pk,
        "补记3月电梯年检费 800.00 元。",
    )
    assert [(v["id"], v["status"]) for v in current["versions"]] == [
        (v2.pk, "published"),
        (v1.pk, "superseded"),
    ]
    old = owner_client.get(f"{API}/reports/{v1.pk}").json()
    assert (old["version"], old["status"], old["status_label"]) == (1, "superseded", "已被更正")
    assert (old["corrected_by_id"], old["corrected_by_note"], old["correction_note"]) == (
        v2.pk,
        "补记3月电梯年检费 800.00 元。",
        "",
    )
