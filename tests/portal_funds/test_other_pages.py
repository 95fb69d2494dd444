"""业主共有资金, 季度收支报表 (with XLSX/PDF through the page), 信息公开 of the project, 维修金概览 and 关注."""

from __future__ import annotations

import io
import re

from django.urls import reverse
from openpyxl import load_workbook

from pmip.audit.models import AuditEntry
from pmip.funds.models import ProjectFollow
from pmip.portal.menus import MENUS
from tests import factories
from tests.portal.helpers import fields, hrefs, text
from tests.portal_funds.builders import bind


def flow_refs(body: str) -> list[str]:
    return re.findall(r'data-flow="([^"]+)"', body)


# --- menus ------------------------------------------------------------------------------------------------------


def test_menus_point_at_the_money_pages():
    service = {e.label: e.url for e in MENUS["service"].entries}
    assert service["维修资金情况"] == reverse("portal_funds:index")
    assert service["信息公开"] == reverse("portal_funds:disclosures")
    assert service["季度收支报表"] == reverse("portal_funds:reports")
    assert service["业主共有资金"] == reverse("portal_funds:common")
    tabs = {e.label: e.url for e in MENUS["disclosure"].tabs}
    assert tabs["维修金概览"] == reverse("portal_funds:overview")


# --- 业主共有资金 ------------------------------------------------------------------------------------------------


def test_common_funds_default_account_and_pagination(owner_client, accounts):
    url = reverse("portal_funds:common")
    body = owner_client.get(url).content.decode()
    got = fields(body)
    assert got["account_number"] == "6222 **** **** 0123"
    assert got["bank"] == "招商银行深圳分行"
    assert got["account_balance"] == "40,720.00 元"
    assert "6222021234567890123" not in body
    assert flow_refs(body) == [f"B{i:03d}" for i in range(25, 5, -1)]
    assert "第 1 / 2 页" in body
    page2 = owner_client.get(url + "?page=2", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="flows").content.decode()
    assert "<html" not in page2
    assert flow_refs(page2) == ["B005", "B003", "B004", "B002", "B001"]  # newest date first, then newest
    # a person's name is masked, a company's is not
    assert "王*" in page2 and "王小明" not in page2
    assert "深圳市安泰建设工程有限公司" in page2
    assert "-60,000.00" in text(page2)


def test_common_funds_switch_account(owner_client, owner, accounts, units):
    body = owner_client.get(reverse("portal_funds:common")).content.decode()
    assert "切换账号" in body
    assert "切换房屋" not in body  # one unit only
    switch = f"?unit={units['1-101'].pk}&account={accounts['ccb'].pk}"
    assert switch in hrefs(body)
    other = owner_client.get(reverse("portal_funds:common") + switch).content.decode()
    assert flow_refs(other) == ["C001"]
    assert fields(other)["account_number"] == "6217 **** **** 2222"


def test_common_funds_switch_unit(owner_client, owner, accounts, units, city):
    haian_unit = city.projects["haian"].units.select_related("building").first()
    bind(owner, haian_unit)
    body = owner_client.get(reverse("portal_funds:common")).content.decode()
    assert "切换房屋" in body
    assert f"?unit={haian_unit.pk}" in hrefs(body)
    haian = owner_client.get(reverse("portal_funds:common") + f"?unit={haian_unit.pk}").content.decode()
    assert "本小区尚未开通业主共有资金账户" in haian
    assert flow_refs(haian) == []


def test_common_funds_of_someone_elses_unit_or_account_is_404(owner_client, accounts, units, city, staff):
    assert owner_client.get(reverse("portal_funds:common") + f"?unit={units['2-101'].pk}").status_code == 404
    bank = accounts["cmb"].bank
    from pmip.funds import services

    foreign = services.open_common_fund_account(
        actor=staff["city"],
        project=city.projects["haian"],
        bank=bank,
        name="海岸城业主大会",
        number="6222999988887777",
    )
    response = owner_client.get(reverse("portal_funds:common") + f"?account={foreign.pk}")
    assert response.status_code == 404
    assert "6222 **** **** 7777" not in response.content.decode()


# --- 季度收支报表 ------------------------------------------------------------------------------------------------


def test_reports_list_shows_published_reports_only(owner_client, report):
    body = owner_client.get(reverse("portal_funds:reports")).content.decode()
    assert re.findall(r'data-report="([^"]+)"', body) == ["2026Q1"]
    draft_url = reverse("portal_funds:report", args=[report["draft"].pk])
    assert owner_client.get(draft_url).status_code == 404


def test_report_page_figures(owner_client, report):
    body = owner_client.get(reverse("portal_funds:report", args=[report["published"].pk])).content.decode()
    totals = dict(re.findall(r'data-total="(\w+)">([-\d,.]+)<', body))
    assert totals == {
        "receivable": "12,000.00",
        "opening": "21,536.31",
        "fund_income": "138.47",
        "fund_expense": "1,600.00",
        "closing": "20,074.78",
        "business_income": "23,000.50",
        "business_expense": "3,200.00",
        "business_net": "19,800.50",
    }
    assert "莲花山庄2026年第1季度收支报表" in body
    assert "000123" in body


def test_report_xlsx_downloaded_through_the_page_reads_back(owner_client, report):
    page = owner_client.get(reverse("portal_funds:report", args=[report["published"].pk])).content.decode()
    xlsx_url = re.search(r'href="([^"]+)" download id="download-xlsx"', page).group(1)
    response = owner_client.get(xlsx_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="440304001-2026Q1.xlsx"'
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "莲花山庄2026年第1季度收支报表"
    values = {row[1]: row[4] for row in ws.iter_rows(values_only=True) if len(row) > 4 and row[1]}
    assert float(values["期末余额"]) == 20074.78
    assert float(values["业务收入合计"]) == 23000.50
    assert float(values["收支差额（收入－支出）"]) == 19800.50

    pdf_url = re.search(r'href="([^"]+)" download id="download-pdf"', page).group(1)
    pdf = owner_client.get(pdf_url)
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_report_of_another_project_and_bad_format_are_404(owner_client, report, city, staff):
    from pmip.funds import services

    other = services.open_quarterly_report(
        actor=staff["city"], project=city.projects["haian"], year=2026, quarter=1
    )
    services.publish_quarterly_report(actor=staff["city"], report_id=other.pk)
    assert owner_client.get(reverse("portal_funds:report", args=[other.pk])).status_code == 404
    url = reverse("portal_funds:report_download", args=[other.pk, "xlsx"])
    assert owner_client.get(url).status_code == 404
    bad = reverse("portal_funds:report_download", args=[report["published"].pk, "docx"])
    assert owner_client.get(bad).status_code == 404


# --- 信息公开 ----------------------------------------------------------------------------------------------------


def test_disclosures_published_only_with_kind_filter(owner_client, disclosures):
    url = reverse("portal_funds:disclosures")
    body = owner_client.get(url).content.decode()
    listed = [int(i) for i in re.findall(r'data-disclosure="(\d+)"', body)]
    assert sorted(listed) == sorted(d.pk for d in disclosures["published"])
    assert len(listed) == 2
    assert "草稿：停车场改造" not in body
    large = owner_client.get(
        url + "?kind=large_transfer", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="disclosure-list"
    )
    large_body = large.content.decode()
    assert "<html" not in large_body
    assert len(re.findall(r'data-disclosure="', large_body)) == 1
    assert "60,000.00" in large_body
    draft = owner_client.get(reverse("portal_funds:disclosure", args=[disclosures["draft"].pk]))
    assert draft.status_code == 404


def test_disclosure_detail(owner_client, disclosures):
    item = next(d for d in disclosures["published"] if d.kind == "large_transfer")
    body = owner_client.get(reverse("portal_funds:disclosure", args=[item.pk])).content.decode()
    got = fields(body)
    assert (got["amount"], got["flow_date"], got["threshold"]) == (
        "60,000.00 元",
        "2026-03-05",
        "超过 50,000.00 元",
    )
    assert got["counterparty"] == "深圳市安泰建设工程有限公司"


def test_disclosures_paginate(owner_client, lianhua, staff):
    from pmip.funds import services

    for i in range(23):
        notice = services.create_notice(
            actor=staff["committee"], project=lianhua, title=f"通知{i}", body="内容"
        )
        services.publish_disclosure(actor=staff["committee"], disclosure_id=notice.pk)
    url = reverse("portal_funds:disclosures")
    first = owner_client.get(url).content.decode()
    second = owner_client.get(url + f"?project={lianhua.pk}&page=2").content.decode()
    assert len(re.findall(r'data-disclosure="', first)) == 20
    assert len(re.findall(r'data-disclosure="', second)) == 3


# --- 维修金概览 (public) and 关注 --------------------------------------------------------------------------------


def test_overview_is_public_with_city_and_district_figures(client, ledger, city):
    body = client.get(reverse("portal_funds:overview")).content.decode()
    got = fields(body)
    assert (got["city_deposited"], got["city_used"], got["city_interest"], got["city_balance"]) == (
        "21,644.78",
        "1,600.00",
        "30.00",
        "20,024.78",
    )
    assert (got["city_projects"], got["city_flagged"]) == ("4个", "0户")
    districts = text(body[body.index('id="districts"') : body.index('id="followed"')])
    assert (
        "福田区 3个项目 缴存 21,644.78 使用 1,600.00 余额 20,024.78 需续筹 0户 南山区 1个项目 缴存 0.00 使用 0.00 余额 0.00 需续筹 0户"
        in districts
    )
    assert re.findall(r'data-overview-project="([^"]+)"', body) == [
        "440304001",
        "440304002",
        "440304101",
        "440305001",
    ]
    assert "登录</a>后可以关注小区" in body
    assert "data-follow=" not in body


def test_overview_search_fragment(client, ledger):
    url = reverse("portal_funds:overview") + "?q=lhsz"
    body = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="overview-results").content.decode()
    assert "<html" not in body
    assert re.findall(r'data-overview-project="([^"]+)"', body) == ["440304001"]
    block = body[body.index('data-overview-project="440304001"') :]
    assert re.search(r'data-fig="balance">([\d,.]+)<', block).group(1) == "20,024.78"
    nanshan = client.get(reverse("portal_funds:overview") + "?district=440305").content.decode()
    assert re.findall(r'data-overview-project="([^"]+)"', nanshan) == ["440305001"]


def test_follow_and_unfollow(owner_client, owner, ledger, lianhua):
    overview = reverse("portal_funds:overview")
    follow_url = reverse("portal_funds:follow", args=[lianhua.code])
    response = owner_client.post(follow_url, {"next": overview + "?q=莲花"})
    assert response.status_code == 302
    assert response["Location"] == overview + "?q=%E8%8E%B2%E8%8A%B1"
    assert ProjectFollow.objects.filter(account=owner, project=lianhua).count() == 1
    assert AuditEntry.objects.filter(action="funds.follow.added").count() == 1
    body = owner_client.get(overview).content.decode()
    followed = body[body.index('id="followed"') : body.index("小区查询")]
    assert re.findall(r'data-overview-project="([^"]+)"', followed) == ["440304001"]
    assert "已关注莲花山庄。" in body
    assert re.search(r'data-fig="balance">([\d,.]+)<', followed).group(1) == "20,024.78"

    again = owner_client.post(follow_url, {"next": overview})
    assert again.status_code == 302
    assert "您已关注该小区。" in owner_client.get(overview).content.decode()
    assert ProjectFollow.objects.filter(account=owner).count() == 1

    owner_client.post(
        reverse("portal_funds:unfollow", args=[lianhua.code]), {"next": "https://evil.example/"}
    )
    assert ProjectFollow.objects.filter(account=owner).count() == 0
    assert AuditEntry.objects.filter(action="funds.follow.removed").count() == 1


def test_anonymous_cannot_follow_and_nothing_is_written(client, lianhua):
    response = client.post(reverse("portal_funds:follow", args=[lianhua.code]))
    assert response.status_code == 302 and response["Location"].startswith("/me/login/")
    assert ProjectFollow.objects.count() == 0
    assert client.get(reverse("portal_funds:follow", args=[lianhua.code])).status_code == 302


def test_follow_requires_post(owner_client, lianhua):
    assert owner_client.get(reverse("portal_funds:follow", args=[lianhua.code])).status_code == 405
    assert ProjectFollow.objects.count() == 0


def test_overview_marks_followed_projects(client, ledger, lianhua):
    user = factories.account("follower", mobile="+8613900007777")
    client.force_login(user)
    from pmip.funds import services

    services.follow_project(actor=user, project=lianhua)
    body = client.get(reverse("portal_funds:overview")).content.decode()
    assert f'data-unfollow="{lianhua.code}"' in body
    assert 'data-follow="440304002"' in body


def test_owner_sees_the_current_version_with_its_note_and_can_open_the_superseded_one(
    owner_client, report, staff
):
    from pmip.funds import services

    old = report["published"]
    v2 = services.correct_quarterly_report(
        actor=staff["committee"], report_id=old.pk, note="临时停车收入少记 100.00 元。"
    )
    services.publish_quarterly_report(actor=staff["committee"], report_id=v2.pk)
    listing = owner_client.get(
        reverse("portal_funds:reports") + f"?project={old.project_id}"
    ).content.decode()
    assert reverse("portal_funds:report", args=[v2.pk]) in listing
    assert reverse("portal_funds:report", args=[old.pk]) not in listing
    current = owner_client.get(reverse("portal_funds:report", args=[v2.pk])).content.decode()
    assert "临时停车收入少记 100.00 元。" in current and "第2版" in current
    assert reverse("portal_funds:report", args=[old.pk]) in current
    earlier = owner_client.get(reverse("portal_funds:report", args=[old.pk]))
    assert earlier.status_code == 200
    assert "本报表已被更正。" in earlier.content.decode()
    assert reverse("portal_funds:report", args=[v2.pk]) in earlier.content.decode()
