"""Uploads through the pages: fund-centre entries and bank statements — every row error in Chinese with its row
number, nothing written on any error, idempotent re-import, large-transfer disclosures above the threshold."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from pmip.audit.models import AuditEntry
from pmip.funds.models import BankFlow, CommonFundAccount, Disclosure, LedgerEntry, UnitBalance
from tests.office_funds.conftest import BASE, LIANHUA, csv_file
from tests.office_funds.support import table, text

D = Decimal
IMPORT = f"{BASE}/import/"
HEADER = "业务流水号,物业项目编号,楼栋号,房号,业务类型,金额,发生日期,所属期间,原流水号,摘要"
GOOD = [
    "FC001,440304001,1,101,首期,4467.60,2026-01-05,,,首期维修资金",
    "FC002,440304001,1,101,日常,22.50,2026-02-28,2026-02,,2月日常",
    "FC003,440304001,,,利息,120.00,2026-03-21,2026Q1,,一季度利息",
    "FC004,440304001,1,101,冲正,,2026-03-25,,FC002,重复缴存",
]
BAD = [
    GOOD[0],
    "FC002,440304001,1,999,日常,22.50,2026-02-28,2026-02,,",
    "FC003,440304001,1,101,补缴,10.00,2026-02-28,,,",
    "FC001,440304001,1,102,首期,1.00,2026-01-05,,,",
    "FC005,440304001,1,102,日常,abc,2026-02-28,,,",
]


def upload(client, url, lines, *, name="fund.csv", confirm=True):
    data = {"file": csv_file(lines, name)}
    if confirm:
        data["confirm"] = "on"
    return client.post(url, data)


@pytest.fixture
def jobs_run_at_once(settings, tmp_path):
    """The fund-centre import runs as an office job (pmip.jobs): here the task runs at once, so the page the upload
    redirects to shows the finished job."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def imported(client, lines, **kwargs):
    """Upload through the page, then the job's page it sends the browser to."""
    response = upload(client, IMPORT, lines, **kwargs)
    assert response.status_code == 302 and response["Location"].startswith("/office/jobs/"), (
        response.status_code
    )
    return client.get(response["Location"])


def test_every_row_error_is_shown_with_its_row_number_and_nothing_is_imported(
    client_for, units, jobs_run_at_once
):
    client = client_for("city")
    response = imported(client, [HEADER, *BAD])

    assert "失败" in text(response)
    assert "导入文件共有4处错误，未导入任何数据。请修改后重新导入。" in text(response)
    assert table(response, "job-row-errors")[0] == [
        ["第3行", "物业项目“440304001”中没有房屋 1栋999。"],
        ["第4行", "“业务类型”的值“补缴”无法识别，可填：首期、日常、利息、维修支出、退款、划转、冲正。"],
        ["第5行", "业务流水号“FC001”与第2行重复。"],
        ["第6行", "“金额”缺失或格式不正确（最多两位小数）。"],
    ]
    assert "错误明细（共 4 处，未导入任何数据）" in text(response)
    assert LedgerEntry.objects.count() == 0  # FC001 on row 2 was fine, and still nothing was written
    assert UnitBalance.objects.count() == 0
    assert not AuditEntry.objects.filter(action="funds.import.completed").exists()


def test_good_file_imports_and_the_same_file_again_changes_nothing(client_for, units, jobs_run_at_once):
    client = client_for("city")
    first = imported(client, [HEADER, *GOOD])
    assert first.status_code == 200
    page = text(first)
    assert "导入完成：fund.csv，共4行，新记账 4 笔，已存在未变 0 笔。" in page
    assert LedgerEntry.objects.filter(source="fund_centre").count() == 4
    assert UnitBalance.objects.get(unit=units["1-101"]).balance == D("4467.60")

    again = imported(client, [HEADER, *GOOD])
    assert "导入完成：fund.csv，共4行，新记账 0 笔，已存在未变 4 笔。" in text(again)
    assert "文件中的记录均已导入过，本次没有新增记账。" in text(again)
    assert LedgerEntry.objects.filter(source="fund_centre").count() == 4
    assert UnitBalance.objects.get(unit=units["1-101"]).balance == D("4467.60")


def test_xlsx_upload_and_refusals_before_reading(client_for, units, jobs_run_at_once):
    client = client_for("city")
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(["FC101", "440304001", "2", "102", "首期", 2978.4, "2026-01-05", None, None, None])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "fund.xlsx"
    response = client.post(IMPORT, {"file": buf, "confirm": "on"}, follow=True)
    assert "导入完成：fund.xlsx，共1行，新记账 1 笔，已存在未变 0 笔。" in text(response)
    assert LedgerEntry.objects.get(reference="FC101").amount == D("2978.40")

    xls = client.post(IMPORT, {"file": csv_file([HEADER, *GOOD], "fund.xls"), "confirm": "on"})
    assert "只支持 .xlsx 或 .csv 文件（.xls 请另存为 .xlsx）。" in text(xls)
    unconfirmed = upload(client, IMPORT, [HEADER, *GOOD], confirm=False)
    assert "请勾选确认后再提交。" in text(unconfirmed)
    assert (xls.status_code, unconfirmed.status_code) == (422, 422)  # refused on the form: no job queued
    assert LedgerEntry.objects.count() == 1


def test_a_subdistrict_importing_rows_of_another_subdistrict_imports_nothing(
    client_for, units, jobs_run_at_once
):
    client = client_for("lianhua")
    response = imported(client, [HEADER, GOOD[0], "FC009,440305001,1,101,首期,100.00,2026-01-01,,,"])
    assert "失败" in text(response)
    assert table(response, "job-row-errors")[0] == [["文件", "您无权为物业项目“440305001”记账。"]]
    assert LedgerEntry.objects.count() == 0


# --- bank statements --------------------------------------------------------------------------------------------

STATEMENT = "交易日期,银行流水号,收支方向,金额,对方户名,摘要,余额"
FLOWS = [
    "2026-03-01,B001,收入,8000.00,深圳市万象广告传媒有限公司,电梯广告费,108000.00",
    "2026-03-05,B002,支出,50000.00,深圳市安泰建设工程有限公司,外墙工程款（首期）,58000.00",
    "2026-03-06,B003,支出,50000.01,深圳市安泰建设工程有限公司,外墙工程款（尾款）,7999.99",
    "2026-03-07,B004,收入,1.00,王小明,退回多收费用,8000.99",
]


def test_statement_upload_lists_the_large_transfer_disclosure_above_the_threshold(client_for, account):
    client = client_for("committee")
    url = f"{BASE}/{LIANHUA}/accounts/{account.pk}/statement/"
    response = client.post(
        url, {"file": csv_file([STATEMENT, *FLOWS], "statement.csv"), "confirm": "on"}, follow=True
    )

    assert (
        "对账单已导入：新增流水 4 笔，已存在未变 0 笔。其中 1 笔支出超过 50,000.00 元，已生成大额资金转账公示草稿。"
        in text(response)
    )
    disclosure = Disclosure.objects.get()
    assert (disclosure.kind, disclosure.status, disclosure.amount, disclosure.bank_flow.bank_reference) == (
        "large_transfer",
        "draft",
        D("50000.01"),
        "B003",
    )
    rows, _ = table(response, "flows-table")
    assert rows[0] == ["2026-03-07", "收入", "1.00", "王**", "退回多收费用", "8,000.99", "B004"]
    transfers = text(response).split("大额资金转账公示", 1)[1]
    assert (
        "2026-03-06 50,000.01 深圳市安泰建设工程有限公司 大额资金转账公示：2026年03月06日支出50,000.01元 待公示"
        in transfers
    )
    assert CommonFundAccount.objects.get().balance == D("8000.99")

    again = client.post(
        url, {"file": csv_file([STATEMENT, *FLOWS], "statement.csv"), "confirm": "on"}, follow=True
    )
    assert "对账单已导入：新增流水 0 笔，已存在未变 4 笔。" in text(again)
    assert (BankFlow.objects.count(), Disclosure.objects.count()) == (4, 1)


def test_statement_errors_are_listed_by_row_and_nothing_is_recorded(client_for, account):
    client = client_for("committee")
    url = f"{BASE}/{LIANHUA}/accounts/{account.pk}/statement/"
    lines = [
        STATEMENT,
        FLOWS[0],
        "2026-03-05,B002,支出,50000.00,深圳市安泰建设工程有限公司,外墙工程款,58000.01",
        "2026/13/40,B003,支出,1.00,某公司,,",
        "2026-03-07,B001,转账,1.00,某公司,,",
    ]
    response = client.post(url, {"file": csv_file(lines, "statement.csv"), "confirm": "on"})

    assert response.status_code == 422
    assert "导入文件共有4处错误，未导入任何数据。请修改后重新导入。" in text(response)
    assert table(response, "row-errors-table")[0] == [
        [
            "第3行",
            "余额不连续：上一笔余额 108,000.00，本笔支出 50,000.00，应为 58,000.00，文件中为 58,000.01。",
        ],
        ["第4行", "“交易日期”缺失或格式不正确（应为 YYYY-MM-DD）。"],
        ["第5行", "银行流水号“B001”与第2行重复。"],
        ["第5行", "“收支方向”的值“转账”无法识别，可填：收入、支出。"],
    ]
    assert (BankFlow.objects.count(), Disclosure.objects.count()) == (0, 0)
    assert not AuditEntry.objects.filter(action="funds.flows.recorded").exists()


def test_readers_get_no_upload_form_and_their_upload_is_refused(client_for, account):
    client = client_for("company")
    page = client.get(f"{BASE}/{LIANHUA}/accounts/{account.pk}/")
    assert page.status_code == 200
    assert "上传银行对账单" not in page.content.decode()
    response = client.post(
        f"{BASE}/{LIANHUA}/accounts/{account.pk}/statement/",
        {"file": csv_file([STATEMENT, *FLOWS], "statement.csv"), "confirm": "on"},
    )
    assert response.status_code == 403
    assert BankFlow.objects.count() == 0
