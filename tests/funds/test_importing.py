"""Fund-centre entry import: all or nothing, idempotent, reversals, permissions, the command."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from pmip.audit.models import AuditEntry
from pmip.funds.importing import ImportRejected, import_fund_entries, read_table
from pmip.funds.models import LedgerEntry, ProjectBalance, UnitBalance
from pmip.funds.reconcile import reconcile

D = Decimal
HEADER = "业务流水号,物业项目编号,楼栋号,房号,业务类型,金额,发生日期,所属期间,原流水号,摘要"
GOOD = [
    "FC001,440304001,1,101,首期,4467.60,2026-01-05,,,首期维修资金",
    "FC002,440304001,1,101,日常,22.50,2026-02-28,2026-02,,2月日常",
    "FC003,440304001,,,利息,120.00,2026-03-21,2026Q1,,一季度利息",
    "FC004,440304001,1,101,冲正,,2026-03-25,,FC002,重复缴存",
    "FC005,440304001,2,102,维修支出,10.00,2026-03-26,,,楼道灯",
    "FC006,440305001,1,101,划转,-5.00,2026-03-27,,,划出",
    "FC007,440305001,1,101,首期,100.00,2026-01-01,,,",
]


def csv_rows(lines: list[str], header: str = HEADER):
    data = ("\ufeff" + "\n".join([header, *lines]) + "\n").encode()
    return read_table(io.BytesIO(data), filename="fund.csv")


def test_import_posts_everything_and_twice_changes_nothing(city, units):
    result = import_fund_entries(actor=None, rows=csv_rows(GOOD), source="fund.csv")

    assert sum(result.created.values()) == 7
    assert result.created == {
        "first_deposit": 2,
        "monthly": 1,
        "interest": 1,
        "reversal": 1,
        "repair_charge": 1,
        "transfer": 1,
    }
    assert LedgerEntry.objects.filter(source="fund_centre").count() == 7
    reversal = LedgerEntry.objects.get(reference="FC004")
    assert (reversal.amount, reversal.category, reversal.reversal_of.reference) == (
        D("-22.50"),
        "monthly",
        "FC002",
    )
    assert reversal.unit_id == units["1-101"].pk  # taken from the original
    b = UnitBalance.objects.get(unit=units["1-101"])
    assert (b.first_deposit, b.deposited, b.balance) == (D("4467.60"), D("4467.60"), D("4467.60"))
    assert UnitBalance.objects.get(unit=units["2-102"]).used == D("10.00")
    assert ProjectBalance.objects.get(project=city.projects["lianhua"]).pool == D("120.00")
    assert LedgerEntry.objects.get(reference="FC006").amount == D("-5.00")
    audit = AuditEntry.objects.get(action="funds.import.completed")
    assert (audit.data["file"], audit.data["unchanged"], audit.data["projects"]) == ("fund.csv", 0, 2)
    assert reconcile() == []

    again = import_fund_entries(actor=None, rows=csv_rows(GOOD), source="fund.csv")
    assert (sum(again.created.values()), again.unchanged) == (0, 7)
    assert LedgerEntry.objects.count() == 7
    assert reconcile() == []


def test_one_bad_row_rejects_the_whole_file(city):
    lines = GOOD + [
        "FC008,440304001,1,999,日常,1.00,2026-03-01,,,",
        "FC009,440304001,1,101,补缴,1.00,2026-03-01,,,",
        "FC001,440304001,1,101,首期,1.00,2026-03-01,,,",
        "FC010,440304001,1,101,日常,1.005,2026-03-01,,,",
        "FC011,440304001,1,101,日常,1.00,2026-13-01,,,",
        "FC012,440304001,1,101,退款,-1.00,2026-03-01,,,",
        "FC013,440304001,1,101,冲正,,2026-03-01,,NOPE,",
        "FC014,440304001,1,101,冲正,,2026-03-01,,FC002,",
        "FC015,440304001,,,日常,1.00,2026-03-01,,,",
        "FC016,999999,1,101,日常,1.00,2026-03-01,,,",
        "FC017,440304001,1,,日常,1.00,2026-03-01,,,",
    ]
    with pytest.raises(ImportRejected) as exc:
        import_fund_entries(actor=None, rows=csv_rows(lines), source="bad.csv")
    assert [str(e) for e in exc.value.errors] == [
        "第9行：物业项目“440304001”中没有房屋 1栋999。",
        "第10行：“业务类型”的值“补缴”无法识别，可填：首期、日常、利息、维修支出、退款、划转、冲正。",
        "第11行：业务流水号“FC001”与第2行重复。",
        "第12行：“金额”缺失或格式不正确（最多两位小数）。",
        "第13行：“发生日期”缺失或格式不正确（应为 YYYY-MM-DD）。",
        "第14行：“金额”必须大于0（支出类业务按类型自动记为支出）。",
        "第15行：原流水号“NOPE”在资金中心已导入的记录和本文件前面的行中都找不到。",
        "第16行：原流水号“FC002”已被冲正。",
        "第17行：只有利息收益可以不填楼栋号和房号（记入小区待分配利息）。",
        "第18行：物业项目编号“999999”不存在。",
        "第19行：“楼栋号”和“房号”须同时填写（小区级利息两者都不填）。",
    ]
    assert exc.value.message == "导入文件共有11处错误，未导入任何数据。请修改后重新导入。"
    assert LedgerEntry.objects.count() == 0
    assert not UnitBalance.objects.exists()
    assert not AuditEntry.objects.filter(action="funds.import.completed").exists()


def test_changed_facts_under_a_known_reference_are_refused(city):
    import_fund_entries(actor=None, rows=csv_rows(GOOD[:1]), source="a.csv")
    changed = [
        "FC001,440304001,1,101,首期,4467.61,2026-01-05,,,首期维修资金",
        "FC100,440304001,1,102,首期,1.00,2026-01-05,,,",
    ]
    with pytest.raises(ImportRejected) as exc:
        import_fund_entries(actor=None, rows=csv_rows(changed), source="b.csv")
    assert [str(e) for e in exc.value.errors] == ["第2行：业务流水号“FC001”已导入，但内容与本次不同。"]
    assert LedgerEntry.objects.count() == 1


def test_reversal_of_an_earlier_import_and_amount_check(city):
    import_fund_entries(actor=None, rows=csv_rows(GOOD[:2]), source="a.csv")
    with pytest.raises(ImportRejected) as exc:
        import_fund_entries(
            actor=None, rows=csv_rows(["R1,440304001,1,101,冲正,22.49,2026-03-01,,FC002,"]), source="b.csv"
        )
    assert [e.message for e in exc.value.errors] == ["冲正金额须为空或等于原记录金额。"]
    import_fund_entries(
        actor=None, rows=csv_rows(["R1,440304001,1,101,冲正,22.50,2026-03-01,,FC002,"]), source="b.csv"
    )
    assert LedgerEntry.objects.get(reference="R1").amount == D("-22.50")
    assert reconcile() == []


def test_missing_columns_and_empty_files():
    with pytest.raises(ImportRejected) as exc:
        import_fund_entries(actor=None, rows=csv_rows(["x,y"], header="业务流水号,摘要"), source="x.csv")
    assert str(exc.value.errors[0]) == "缺少必填列：物业项目编号、业务类型、金额、发生日期。"
    with pytest.raises(ImportRejected):
        read_table(io.BytesIO(b""), filename="x.csv")
    with pytest.raises(ImportRejected):
        read_table(io.BytesIO(HEADER.encode()), filename="x.csv")
    with pytest.raises(ImportRejected):
        read_table(io.BytesIO(b"abc"), filename="x.xls")


def test_permission_is_checked_per_project(city, staff):
    with pytest.raises(ImportRejected) as exc:
        import_fund_entries(actor=staff["lianhua"], rows=csv_rows(GOOD), source="fund.csv")
    assert [str(e) for e in exc.value.errors] == ["您无权为物业项目“440305001”记账。"]
    assert LedgerEntry.objects.count() == 0
    result = import_fund_entries(actor=staff["lianhua"], rows=csv_rows(GOOD[:5]), source="fund.csv")
    assert sum(result.created.values()) == 5
    assert LedgerEntry.objects.first().posted_by == staff["lianhua"]


def test_xlsx_with_date_cells_and_numbers(city, units):
    wb = Workbook()
    ws = wb.active
    ws.append(["业务流水号", "物业项目编号", "楼栋号", "房号", "业务类型", "金额（元）", "发生日期"])
    ws.append(["X1", "440304001", 1, 101, "首期", 4467.6, dt.datetime(2026, 1, 5)])
    ws.append(["X2", 440304001, "2", "102", "日常", "15.00", "2026/02/28"])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    result = import_fund_entries(actor=None, rows=read_table(out, filename="f.xlsx"), source="f.xlsx")
    assert sum(result.created.values()) == 2
    entry = LedgerEntry.objects.get(reference="X1")
    assert (entry.amount, entry.occurred_on, entry.unit_id) == (
        D("4467.60"),
        dt.date(2026, 1, 5),
        units["1-101"].pk,
    )


def test_command(city, tmp_path, capsys):
    path = tmp_path / "fund.csv"
    path.write_text("\n".join([HEADER, *GOOD]) + "\n", encoding="utf-8")
    call_command("import_fund_entries", str(path))
    out = capsys.readouterr().out
    assert "导入完成：fund.csv，共7行，新记账 7 笔，已存在未变 0 笔。" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([HEADER, "Z1,440304001,1,101,首期,abc,2026-01-01,,,"]) + "\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_fund_entries", str(bad))
    assert "第2行：“金额”缺失或格式不正确（最多两位小数）。" in capsys.readouterr().err
    assert LedgerEntry.objects.count() == 7
    with pytest.raises(CommandError):
        call_command("import_fund_entries", str(path), "--actor", "nobody")
