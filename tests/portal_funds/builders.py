"""Builders shared by the money page tests and the browser walk: a house binding and the known ledger (the
figures are worked out in tests/portal_funds/conftest.py's docstring)."""

from __future__ import annotations

import datetime as dt

from pmip.core import clock
from pmip.funds import services
from pmip.funds.models import Disclosure
from pmip.identity.models import BindingStatus, HouseBinding
from pmip.registry.models import DataSharingBank
from tests import factories


def bind(account, unit) -> HouseBinding:
    title = unit.titles.first() or factories.title(unit, "业主", factories.mainland_id(900 + unit.pk))
    return HouseBinding.objects.create(
        account=account,
        unit=unit,
        project=unit.project,
        title_record=title,
        status=BindingStatus.ACTIVE,
        bound_at=clock.now(),
    )


def build_ledger(lianhua, units: dict, clerk) -> dict:
    """The ledger described in the module docstring (also used by the browser walk)."""
    services.post_first_deposits(actor=clerk, project=lianhua, occurred_on=dt.date(2025, 12, 20))
    services.post_monthly_contributions(actor=clerk, project=lianhua, period="2026-02")
    roof = services.create_repair(
        actor=clerk,
        project=lianhua,
        title="1栋屋面防水",
        amount="1000.00",
        scope_kind="buildings",
        building_ids=[units["1-101"].building_id],
        emergency_kind="roof",
        contractor="深圳市安泰建设工程有限公司",
    )
    services.charge_repair(actor=clerk, repair_id=roof.pk, occurred_on=dt.date(2026, 3, 10))
    pump = services.create_repair(
        actor=clerk,
        project=lianhua,
        title="2栋水泵",
        amount="600.00",
        scope_kind="buildings",
        building_ids=[units["2-101"].building_id],
        decision_ref="JC-2",
    )
    services.charge_repair(actor=clerk, repair_id=pump.pk, occurred_on=dt.date(2026, 3, 25))
    services.receive_interest(actor=clerk, project=lianhua, amount="30.00", occurred_on=dt.date(2026, 3, 20))
    services.allocate_interest(actor=clerk, project=lianhua, period_end=dt.date(2026, 3, 31), period="2026Q1")
    services.post_refund(
        actor=clerk,
        unit_id=units["1-102"].pk,
        amount="50.00",
        memo="房屋灭失退款",
        occurred_on=dt.date(2026, 4, 2),
    )
    return {"roof": roof, "pump": pump}


def build_accounts(lianhua, bank, committee) -> dict:
    """Two common-fund accounts: 招商 with 25 flows (the 3rd an outflow of 60000.00 → a large-transfer
    disclosure), 建设 with one flow."""
    cmb = services.open_common_fund_account(
        actor=committee,
        project=lianhua,
        bank=bank,
        name="莲花山庄业主大会",
        number="6222021234567890123",
        opened_on=dt.date(2025, 1, 1),
    )
    ccb_bank = DataSharingBank.objects.create(name="建设银行深圳分行")
    ccb = services.open_common_fund_account(
        actor=committee, project=lianhua, bank=ccb_bank, name="莲花山庄业主大会", number="6217000011112222"
    )
    flows = [
        {
            "date": "2026-03-01",
            "reference": "B001",
            "direction": "收入",
            "amount": "100000.00",
            "counterparty": "深圳市万象广告传媒有限公司",
            "memo": "电梯广告费",
            "balance_after": "100000.00",
        },
        {
            "date": "2026-03-02",
            "reference": "B002",
            "direction": "收入",
            "amount": "500.00",
            "counterparty": "王小明",
            "memo": "场地租金",
            "balance_after": "100500.00",
        },
        {
            "date": "2026-03-05",
            "reference": "B003",
            "direction": "支出",
            "amount": "60000.00",
            "counterparty": "深圳市安泰建设工程有限公司",
            "memo": "外墙工程款",
            "balance_after": "40500.00",
        },
    ]
    balance = 40500
    for i in range(4, 26):
        balance += 10
        flows.append(
            {
                "date": f"2026-03-{i:02d}",
                "reference": f"B{i:03d}",
                "direction": "收入",
                "amount": "10.00",
                "counterparty": "深圳市停车服务有限公司",
                "memo": f"临时停车费{i}",
                "balance_after": f"{balance}.00",
            }
        )
    services.receive_bank_push(account=cmb, flows=flows)
    services.receive_bank_push(
        account=ccb,
        flows=[
            {
                "date": "2026-03-08",
                "reference": "C001",
                "direction": "收入",
                "amount": "2000.00",
                "counterparty": "深圳市快递柜运营有限公司",
                "memo": "快递柜场地费",
                "balance_after": "2000.00",
            }
        ],
    )
    return {"cmb": cmb, "ccb": ccb}


def publish_disclosures(lianhua, committee) -> dict:
    """Published: the large transfer (60000.00) and the emergency repair; a draft notice stays unpublished."""
    published = []
    for item in Disclosure.objects.filter(project=lianhua).order_by("id"):
        published.append(services.publish_disclosure(actor=committee, disclosure_id=item.pk))
    draft = services.create_notice(actor=committee, project=lianhua, title="草稿：停车场改造", body="未公示")
    return {"published": published, "draft": draft}


def build_report(lianhua, committee) -> dict:
    """季度收支报表 2026Q1 (published) and 2026Q2 (draft)."""
    r = services.open_quarterly_report(actor=committee, project=lianhua, year=2026, quarter=1)
    for section, item, amount, extra in [
        ("receivable", "物业服务费欠缴", "12000.00", {"note": "12户"}),
        ("business_income", "电梯广告收入", "8000.00", {"voucher_no": "000123"}),
        ("business_income", "临时停车收入", "15000.50", {}),
        ("business_expense", "公共设施维护", "3200.00", {"voucher_no": "000124"}),
    ]:
        services.add_report_line(
            actor=committee, report_id=r.pk, section=section, item=item, amount=amount, **extra
        )
    services.publish_quarterly_report(actor=committee, report_id=r.pk)
    draft = services.open_quarterly_report(actor=committee, project=lianhua, year=2026, quarter=2)
    return {"published": r, "draft": draft}
