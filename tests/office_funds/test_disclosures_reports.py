"""Disclosures (draft → confirmed publish), quarterly reports (lines, publish, XLSX/PDF), the replenishment list and
the reconciliation run."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from pmip.audit.models import AuditEntry
from pmip.funds import services
from pmip.funds.models import Disclosure, ReportLine, UnitBalance
from tests.office_funds.conftest import BASE, LIANHUA
from tests.office_funds.support import table, text

D = Decimal


def test_notice_draft_then_confirmed_publish(client_for, lianhua):
    client = client_for("committee")
    empty = client.post(f"{BASE}/{LIANHUA}/disclosures/new/", {"title": "", "body": ""})
    assert "请填写标题。" in text(empty) and "请填写公开内容。" in text(empty)
    created = client.post(
        f"{BASE}/{LIANHUA}/disclosures/new/",
        {"title": "2025年度维修资金使用情况", "body": "全年使用 1,000.00 元。"},
    )
    notice = Disclosure.objects.get()
    assert created["Location"] == f"{BASE}/{LIANHUA}/disclosures/{notice.pk}/"
    assert (notice.kind, notice.status) == ("notice", "draft")

    edited = client.post(
        f"{BASE}/{LIANHUA}/disclosures/{notice.pk}/edit/",
        {"title": "2025年度维修资金公开", "body": "全年使用 1,000.00 元。"},
    )
    assert edited.status_code == 302
    url = f"{BASE}/{LIANHUA}/disclosures/{notice.pk}/publish/"
    unticked = client.post(url, {})
    assert "请勾选确认后再提交。" in text(unticked)
    assert Disclosure.objects.get().status == "draft"

    published = client.post(url, {"confirm": "on"}, follow=True)
    notice.refresh_from_db()
    assert (notice.status, notice.title, notice.published_at) == (
        "published",
        "2025年度维修资金公开",
        dt.datetime(2026, 3, 15, 2, 0, tzinfo=dt.UTC),
    )
    assert "已公示：2025年度维修资金公开。本小区业主现在可以查看。" in text(published)
    assert "修改草稿" not in text(published)
    audit = AuditEntry.objects.get(action="funds.disclosure.published")
    assert audit.data == {"kind": "notice", "title": "2025年度维修资金公开"}

    assert "该内容已公示。" in text(client.get(url))
    twice = client.post(url, {"confirm": "on"})
    assert "该内容已公示。" in text(twice)
    late_edit = client.post(
        f"{BASE}/{LIANHUA}/disclosures/{notice.pk}/edit/", {"title": "改", "body": "改"}, follow=True
    )
    assert "已公示的内容不能修改。" in text(late_edit)
    assert Disclosure.objects.get().title == "2025年度维修资金公开"
    assert AuditEntry.objects.filter(action="funds.disclosure.published").count() == 1


def test_disclosure_list_filters_by_status(client_for, lianhua, staff):
    services.create_notice(actor=staff["committee"], project=lianhua, title="草稿公告", body="x")
    done = services.create_notice(actor=staff["committee"], project=lianhua, title="已发公告", body="y")
    services.publish_disclosure(actor=staff["committee"], disclosure_id=done.pk)
    client = client_for("futian")
    drafts = table(client.get(f"{BASE}/{LIANHUA}/disclosures/", {"status": "draft"}), "disclosures-table")[0]
    assert [(r[0], r[3]) for r in drafts] == [("草稿公告", "待公示")]
    every = table(client.get(f"{BASE}/{LIANHUA}/disclosures/"), "disclosures-table")[0]
    assert [r[0] for r in every] == ["草稿公告", "已发公告"]  # drafts (to do) first


def test_quarterly_report_lines_publish_and_downloads(client_for, lianhua, units, deposits, frozen_clock):
    client = client_for("committee")
    opened = client.post(f"{BASE}/{LIANHUA}/reports/open/", {"year": "2026", "quarter": "1"})
    report_url = opened["Location"]
    assert report_url.startswith(f"{BASE}/{LIANHUA}/reports/")
    added = client.post(
        report_url + "lines/",
        {
            "section": "business_income",
            "item": "电梯广告",
            "counterparty": "深圳市万象广告传媒有限公司",
            "voucher_no": "0012",
            "amount": "8,000.00",
            "note": "",
        },
        follow=True,
    )
    assert "已添加：电梯广告 8,000.00 元。" in text(added)
    bad = client.post(
        report_url + "lines/", {"section": "business_expense", "item": "保洁", "amount": "1.234"}
    )
    assert bad.status_code == 422 and "金额最多保留两位小数（精确到分）。" in text(bad)
    client.post(report_url + "lines/", {"section": "business_expense", "item": "保洁", "amount": "3,000.00"})
    page = text(client.get(report_url))
    assert "期初余额 0.00 收入：首期缴存 21,536.31" in page
    assert "期末余额 21,536.31" in page
    assert "业务收支差额： 5,000.00 元" in page

    line = ReportLine.objects.get(item="保洁")
    client.post(report_url + f"lines/{line.pk}/remove/")
    assert list(ReportLine.objects.values_list("item", flat=True)) == ["电梯广告"]

    xlsx = client.get(report_url + "download.xlsx")
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx["Content-Disposition"] == 'attachment; filename="440304001-2026Q1.xlsx"'
    cells = [
        c for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True) for c in row
    ]
    assert "电梯广告" in cells and "0012" in cells
    pdf = client.get(report_url + "download.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    early = client.post(report_url + "publish/", {"confirm": "on"})  # 2026-03-15: the quarter is running
    assert "季度结束后（2026-04-01起）才能公布" in text(early)
    frozen_clock.advance(days=20)
    client = client_for("committee")  # a new session: the old one expired with the clock
    published = client.post(report_url + "publish/", {"confirm": "on"}, follow=True)
    assert "2026年第1季度收支报表已公布，本小区业主现在可以查看。" in text(published)
    assert "添加明细" not in text(published)
    late = client.post(report_url + "lines/", {"section": "receivable", "item": "物业费", "amount": "1.00"})
    assert late.status_code == 422 and "报表已公布，不能修改。" in text(late)
    assert ReportLine.objects.count() == 1


def test_replenishment_list_shows_units_strictly_below_the_line(client_for, lianhua, units, deposits, staff):
    # 2-102: first deposit 2,978.40, line 893.52; charge 2,084.88 leaves exactly 893.52 (not flagged), then 0.01 more
    for amount in ("2,084.88", "0.01"):
        repair = services.create_repair(
            actor=staff["city"],
            project=lianhua,
            title="2-102 内墙",
            amount=amount,
            scope_kind="units",
            unit_ids=[units["2-102"].pk],
            decision_ref="LH-9",
        )
        services.charge_repair(actor=staff["city"], repair_id=repair.pk)
        if amount == "2,084.88":
            assert UnitBalance.objects.get(unit=units["2-102"]).balance == D("893.52")
            assert "没有低于续筹线的房屋。" in text(client_for("futian").get(f"{BASE}/{LIANHUA}/flags/"))
    response = client_for("futian").get(f"{BASE}/{LIANHUA}/flags/")
    assert table(response, "flags-table")[0] == [
        ["2-102", "2,978.40", "893.52", "893.51", "30.00%", "分户账"]
    ]
    assert "续筹线：分户账余额低于首期的 30%（平台默认值；恰好等于不提示）。共 1 户。" in text(response)


def test_reconciliation_is_run_by_the_city_and_lists_mismatches(client_for, lianhua, units, deposits, staff):
    client = client_for("city")
    clean = client.post(f"{BASE}/reconcile/", {"project_code": ""})
    assert "对账结果：全市" in text(clean)
    assert "全部一致：保存的余额与按记账记录重算的结果没有差异。" in text(clean)
    assert not AuditEntry.objects.filter(action="funds.reconcile.mismatch").exists()
    unknown = client.post(f"{BASE}/reconcile/", {"project_code": "999999"})
    assert "未找到该物业项目，或不在您的管辖范围内。" in text(unknown)
    assert "对账结果" not in text(unknown)

    UnitBalance.objects.filter(unit=units["1-101"]).update(balance=D("4467.61"))  # a damaged maintained row
    found = client.post(f"{BASE}/reconcile/", {"project_code": LIANHUA})
    assert "对账结果：莲花山庄（440304001）" in text(found)
    assert "发现 1 处差异，请核查原因。" in text(found)
    rows, _ = table(found, "mismatch-table")
    assert rows == [
        ["莲花山庄 440304001", "房屋", f"#{units['1-101'].pk}", "余额", "4,467.61", "4,467.60", "0.01"]
    ]
    audit = AuditEntry.objects.get(action="funds.reconcile.mismatch")
    assert (audit.actor_id, audit.data["count"], audit.data["projects"]) == (
        staff["city"].pk,
        1,
        [lianhua.pk],
    )
    assert UnitBalance.objects.get(unit=units["1-101"]).balance == D(
        "4467.61"
    )  # reconciliation changes nothing


def test_publishing_a_report_of_a_running_quarter_is_refused_on_the_page(client_for, lianhua, staff):
    from pmip.core import clock

    report = services.open_quarterly_report(actor=staff["city"], project=lianhua, year=2026, quarter=4)
    url = f"{BASE}/{LIANHUA}/reports/{report.pk}/publish/"
    with clock.frozen(dt.datetime(2026, 12, 6, 4, tzinfo=dt.UTC)):
        refused = client_for("committee").post(url, {"confirm": "on"})
    assert refused.status_code == 200
    assert "季度结束后（2027-01-01起）才能公布该季度的收支报表" in text(refused)
    report.refresh_from_db()
    assert report.status == "draft"
    assert not AuditEntry.objects.filter(action="funds.report.published").exists()


def test_a_published_report_is_corrected_on_the_pages_and_the_old_one_is_marked(
    client_for, lianhua, staff, frozen_clock
):
    report = services.open_quarterly_report(actor=staff["city"], project=lianhua, year=2026, quarter=1)
    services.add_report_line(
        actor=staff["city"],
        report_id=report.pk,
        section="business_income",
        item="电梯广告",
        amount="8,000.00",
    )
    frozen_clock.advance(days=20)
    services.publish_quarterly_report(actor=staff["city"], report_id=report.pk)
    client = client_for("committee")  # logged in after the clock moved
    report_url = f"{BASE}/{LIANHUA}/reports/{report.pk}/"
    assert "更正报表" in text(client.get(report_url))
    empty = client.post(report_url + "correct/", {"note": ""})
    assert "请填写更正说明" in text(empty)
    made = client.post(report_url + "correct/", {"note": "电梯广告收入应为 8,500.00 元。"}, follow=True)
    v2 = ReportLine.objects.exclude(report=report).get().report
    assert "已创建更正版本（第2版）" in text(made) and "电梯广告收入应为 8,500.00 元。" in text(made)
    v2_url = f"{BASE}/{LIANHUA}/reports/{v2.pk}/"
    line = ReportLine.objects.get(report=v2)
    client.post(v2_url + f"lines/{line.pk}/remove/")
    client.post(v2_url + "lines/", {"section": "business_income", "item": "电梯广告", "amount": "8,500.00"})
    publish_page = text(client.get(v2_url + "publish/"))
    assert "公布后原报表标为“已被更正”" in publish_page
    client.post(v2_url + "publish/", {"confirm": "on"})
    report.refresh_from_db()
    v2.refresh_from_db()
    assert (report.status, v2.status) == ("superseded", "published")
    old_page = text(client.get(report_url))
    assert (
        "本报表已被更正，现行版本是" in old_page
        and f"reports/{v2.pk}/" in client.get(report_url).content.decode()
    )
    assert "更正报表" not in old_page
    listing = text(client.get(f"{BASE}/{LIANHUA}/reports/"))
    assert "2026年第1季度 第2版 已公布" in listing and "2026年第1季度 第1版 已被更正" in listing
    assert AuditEntry.objects.filter(action="funds.report.correction_opened").count() == 1
