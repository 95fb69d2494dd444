"""Every permission branch of the money pages: who sees which projects, which buttons, and what a write attempt
outside one's rights does (403 inside the scope, 404 outside it) — always with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest

from pmip.audit.models import AuditEntry
from pmip.funds import services
from pmip.funds.models import Disclosure, LedgerEntry, QuarterlyReport, Repair
from tests.office_funds.conftest import BASE, HAIAN, JINGHUA, LIANHUA
from tests.office_funds.support import text


def listed_codes(response) -> list[str]:
    page = text(response)
    return [code for code in ("440304001", "440304002", "440304101", "440305001") if code in page]


@pytest.mark.parametrize(
    ("key", "codes"),
    [
        ("city", ["440304001", "440304002", "440304101", "440305001"]),
        ("futian", ["440304001", "440304002", "440304101"]),
        ("lianhua", ["440304001", "440304002"]),
        ("yuehai", ["440305001"]),
        ("committee", ["440304001"]),
        ("company", ["440304001", "440304101"]),
    ],
)
def test_each_role_lists_the_projects_of_its_scope(client_for, key, codes):
    response = client_for(key).get(f"{BASE}/")
    assert response.status_code == 200
    assert listed_codes(response) == codes


@pytest.mark.parametrize(
    ("key", "status", "tag", "buttons"),
    [
        ("city", 200, "可记账", {"登记维修", "首期记账", "新建信息公开"}),
        ("lianhua", 200, "可记账", {"登记维修", "首期记账", "新建信息公开"}),
        ("committee", 200, "可办理维修申报、共有资金、公示、报表", {"登记维修", "新建信息公开"}),
        ("futian", 200, "只读", set()),
        ("company", 200, "只读", set()),
        ("yuehai", 404, None, None),
    ],
)
def test_project_page_shows_only_what_the_role_may_do(client_for, key, status, tag, buttons):
    response = client_for(key).get(f"{BASE}/{LIANHUA}/")
    assert response.status_code == status
    if status == 200:
        page = text(response)
        assert tag in page
        assert {b for b in ("登记维修", "首期记账", "新建信息公开") if b in page} == buttons


def test_index_shows_import_and_reconcile_only_to_whom_they_belong(client_for):
    assert {
        k: ("导入资金中心明细" in text(client_for(k).get(f"{BASE}/")))
        for k in ("city", "lianhua", "committee", "futian")
    } == {
        "city": True,
        "lianhua": True,
        "committee": False,
        "futian": False,
    }
    assert {
        k: ("维修资金对账" in text(client_for(k).get(f"{BASE}/"))) for k in ("city", "lianhua", "futian")
    } == {
        "city": True,
        "lianhua": False,
        "futian": False,
    }


@pytest.fixture
def jinghua_data(city, staff):
    """A posted entry, a draft repair, a draft disclosure and a draft report of 景华苑 (another project)."""
    jinghua = city.projects["jinghua"]
    services.post_first_deposits(actor=staff["city"], project=jinghua, occurred_on=dt.date(2026, 1, 1))
    repair = services.create_repair(
        actor=staff["city"],
        project=jinghua,
        title="景华苑屋面",
        amount="500.00",
        scope_kind="project",
        decision_ref="JH-1",
    )
    notice = services.create_notice(actor=staff["city"], project=jinghua, title="景华苑公告", body="内容")
    report = services.open_quarterly_report(actor=staff["city"], project=jinghua, year=2026, quarter=1)
    return {
        "entry": LedgerEntry.objects.filter(project=jinghua).first(),
        "repair": repair,
        "notice": notice,
        "report": report,
    }


def counts() -> tuple:
    return (
        LedgerEntry.objects.count(),
        Repair.objects.count(),
        Repair.objects.filter(status="draft").count(),
        Disclosure.objects.count(),
        Disclosure.objects.filter(status="published").count(),
        QuarterlyReport.objects.filter(status="published").count(),
        AuditEntry.objects.count(),
    )


def test_a_committee_of_another_project_gets_404_by_url_and_by_post_and_nothing_is_written(
    client_for, jinghua_data, units
):
    client = client_for("committee")  # 莲花山庄's committee
    entry, repair = jinghua_data["entry"], jinghua_data["repair"]
    notice, report = jinghua_data["notice"], jinghua_data["report"]
    before = counts()
    gets = [
        f"{BASE}/{JINGHUA}/",
        f"{BASE}/{JINGHUA}/ledger/",
        f"{BASE}/{JINGHUA}/repairs/",
        f"{BASE}/{JINGHUA}/repairs/{repair.pk}/",
        f"{BASE}/{JINGHUA}/disclosures/{notice.pk}/",
        f"{BASE}/{JINGHUA}/reports/{report.pk}/",
        f"{BASE}/{JINGHUA}/reports/{report.pk}/download.xlsx",
        f"{BASE}/{JINGHUA}/units/{entry.unit_id}/",
        # another project's objects through one's own project's URLs
        f"{BASE}/{LIANHUA}/repairs/{repair.pk}/",
        f"{BASE}/{LIANHUA}/disclosures/{notice.pk}/",
        f"{BASE}/{LIANHUA}/reports/{report.pk}/",
        f"{BASE}/{LIANHUA}/units/{entry.unit_id}/",
        f"{BASE}/{LIANHUA}/buildings/{entry.building_id}/",
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        (
            f"{BASE}/{JINGHUA}/repairs/new/",
            {"title": "x", "amount": "1.00", "scope_kind": "project", "action": "save", "confirm": "on"},
        ),
        (f"{BASE}/{JINGHUA}/repairs/{repair.pk}/charge/", {"preview_digest": "0" * 64, "confirm": "on"}),
        (f"{BASE}/{JINGHUA}/repairs/{repair.pk}/cancel/", {"reason": "x", "confirm": "on"}),
        (f"{BASE}/{JINGHUA}/entries/{entry.pk}/reverse/", {"reason": "x", "confirm": "on"}),
        (f"{BASE}/{LIANHUA}/entries/{entry.pk}/reverse/", {"reason": "x", "confirm": "on"}),
        (f"{BASE}/{JINGHUA}/disclosures/new/", {"title": "x", "body": "y"}),
        (f"{BASE}/{JINGHUA}/disclosures/{notice.pk}/publish/", {"confirm": "on"}),
        (f"{BASE}/{LIANHUA}/disclosures/{notice.pk}/publish/", {"confirm": "on"}),
        (
            f"{BASE}/{JINGHUA}/reports/{report.pk}/lines/",
            {"section": "receivable", "item": "x", "amount": "1.00"},
        ),
        (f"{BASE}/{JINGHUA}/reports/{report.pk}/publish/", {"confirm": "on"}),
        (f"{BASE}/{JINGHUA}/reports/open/", {"year": "2026", "quarter": "2"}),
        (f"{BASE}/{JINGHUA}/postings/first-deposits/", {"confirm": "on"}),
        (f"{BASE}/{JINGHUA}/accounts/new/", {"name": "x", "number": "12345678"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert counts() == before


def test_inside_the_scope_a_reader_or_a_committee_is_refused_ledger_writes_with_403(
    client_for, lianhua, units, deposits
):
    entry = LedgerEntry.objects.filter(project=lianhua).first()
    before = counts()
    ledger_writes = [
        (f"{BASE}/{LIANHUA}/postings/first-deposits/", {"confirm": "on"}),
        (f"{BASE}/{LIANHUA}/postings/monthly/", {"period": "2026-02", "confirm": "on"}),
        (
            f"{BASE}/{LIANHUA}/postings/interest/",
            {"action": "receive", "r-amount": "1.00", "r-confirm": "on"},
        ),
        (f"{BASE}/{LIANHUA}/entries/{entry.pk}/reverse/", {"reason": "x", "confirm": "on"}),
    ]
    for key in ("committee", "futian", "company"):
        client = client_for(key)
        for url, data in ledger_writes:
            assert client.get(url).status_code == 403, (key, url)
            response = client.post(url, data)
            assert response.status_code == 403, (key, url)
            assert "只有负责该小区的住房建设部门（可编辑角色）可以办理维修资金记账。" in text(response)
        assert client.get(f"{BASE}/import/").status_code == 403
        assert client.get(f"{BASE}/reconcile/").status_code == 403
        assert client.post(f"{BASE}/reconcile/", {}).status_code == 403
    assert counts() == before


def test_readers_are_refused_management_writes_with_403(client_for, lianhua, units, staff):
    notice = services.create_notice(actor=staff["committee"], project=lianhua, title="公告", body="内容")
    before = counts()
    for key in ("futian", "company"):
        client = client_for(key)
        for url, data in [
            (f"{BASE}/{LIANHUA}/repairs/new/", {"title": "x", "amount": "1.00", "scope_kind": "project"}),
            (f"{BASE}/{LIANHUA}/disclosures/new/", {"title": "x", "body": "y"}),
            (f"{BASE}/{LIANHUA}/disclosures/{notice.pk}/publish/", {"confirm": "on"}),
            (f"{BASE}/{LIANHUA}/reports/open/", {"year": "2026", "quarter": "1"}),
            (f"{BASE}/{LIANHUA}/accounts/new/", {"name": "x", "number": "12345678"}),
        ]:
            response = client.post(url, data)
            assert response.status_code == 403, (key, url)
            assert "只有该小区的业委会或负责该小区的住房建设部门可以办理此项业务。" in text(response)
        detail = client.get(f"{BASE}/{LIANHUA}/disclosures/{notice.pk}/")
        assert detail.status_code == 200 and "修改草稿" not in text(detail)
    assert counts() == before


def test_the_subdistrict_office_of_another_district_cannot_see_the_project(
    client_for, lianhua, units, deposits
):
    client = client_for("yuehai")
    entry = LedgerEntry.objects.filter(project=lianhua).first()
    assert client.get(f"{BASE}/{LIANHUA}/ledger/").status_code == 404
    assert (
        client.post(
            f"{BASE}/{LIANHUA}/entries/{entry.pk}/reverse/", {"reason": "x", "confirm": "on"}
        ).status_code
        == 404
    )
    assert client.get(f"{BASE}/{HAIAN}/").status_code == 200
    assert LedgerEntry.objects.filter(kind="reversal").count() == 0


def test_owners_and_anonymous_visitors_never_reach_the_money_pages(client, owner):
    anonymous = client.get(f"{BASE}/{LIANHUA}/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/office/login/")
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(f"{BASE}/{LIANHUA}/").status_code == 403


def test_objects_of_another_project_are_404_under_this_project_even_for_the_city(client_for, jinghua_data):
    client = client_for("city")
    entry, repair = jinghua_data["entry"], jinghua_data["repair"]
    before = counts()
    for url in (
        f"{BASE}/{LIANHUA}/repairs/{repair.pk}/",
        f"{BASE}/{LIANHUA}/disclosures/{jinghua_data['notice'].pk}/",
        f"{BASE}/{LIANHUA}/reports/{jinghua_data['report'].pk}/",
        f"{BASE}/{LIANHUA}/units/{entry.unit_id}/",
        f"{BASE}/{LIANHUA}/buildings/{entry.building_id}/",
        f"{BASE}/{LIANHUA}/entries/{entry.pk}/reverse/",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            f"{BASE}/{LIANHUA}/entries/{entry.pk}/reverse/", {"reason": "x", "confirm": "on"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"{BASE}/{LIANHUA}/repairs/{repair.pk}/cancel/", {"reason": "x", "confirm": "on"}
        ).status_code
        == 404
    )
    assert counts() == before
