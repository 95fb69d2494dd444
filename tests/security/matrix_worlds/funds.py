"""The victim's maintenance fund and common funds for the access matrix (`tests/security/test_access_matrix.py`).

`build` gives the victim's project (海岸城小区, another district and another property company than every attacker)
what each funds route takes an id of, made through `pmip.funds.services` as the system would (actor None):
first deposits and a month of 日常 (ledger entries, sub-ledger balances), a charged repair and a draft one, a
common-fund account at a data-sharing bank with flows (one above the disclosure threshold: a draft large-transfer
disclosure), a draft and a published notice, a draft and a published quarterly report with lines, and the victim
following the project on 维修金概览. The draft objects are the ones the write routes would change (charge, edit,
cancel, publish, add and remove lines); the published ones are what owners of the project may read, so that a read
route is tried on an object it would really show.

`fingerprint` is what a write to any of it would change; `MARKERS` are texts of the victim's fund data that no
answer to anyone else may contain.
"""

from __future__ import annotations

import datetime as dt

from pmip.funds import services
from pmip.funds.choices import RepairScopeKind, ReportSection
from pmip.funds.models import (
    BankFlow,
    CommonFundAccount,
    Disclosure,
    FundPolicy,
    LedgerEntry,
    ProjectBalance,
    ProjectFollow,
    QuarterlyReport,
    Repair,
    RepairShare,
    ReportLine,
    UnitBalance,
)
from pmip.registry.models import DataSharingBank

REPAIR_DRAFT = "海滨苑外墙渗水维修"
REPAIR_CHARGED = "海滨苑电梯钢丝绳更换"
ACCOUNT_NAME = "海滨苑业主大会共有资金户"
ACCOUNT_NUMBER = "6222020000567891234"
FLOW_COUNTERPARTY = "深圳市海滨苑广告传媒有限公司"
FLOW_OUT_COUNTERPARTY = "深圳市海滨苑建设工程有限公司"
NOTICE_DRAFT = "海滨苑草稿公告"
NOTICE_PUBLISHED = "海滨苑停车收益公告"
REPORT_LINE = "海滨苑电梯广告收入"
REPORT_LINE_DRAFT = "海滨苑未收停车费"
UNIT_MEMO = "海滨苑一栋101退还多缴"  # on the victim's own sub-ledger only
MARKERS = (
    REPAIR_DRAFT,
    REPAIR_CHARGED,
    ACCOUNT_NAME,
    ACCOUNT_NUMBER,
    FLOW_COUNTERPARTY,
    FLOW_OUT_COUNTERPARTY,
    NOTICE_DRAFT,
    NOTICE_PUBLISHED,
    REPORT_LINE,
    REPORT_LINE_DRAFT,
    UNIT_MEMO,
)


def build(*, project, unit, owner) -> dict[str, object]:
    """The victim's fund data in `project` (with `unit` the victim's own unit, `owner` the victim's account);
    returns the ids to merge into the matrix world's `ids`."""
    services.post_first_deposits(actor=None, project=project, occurred_on=dt.date(2025, 1, 10))
    services.post_monthly_contributions(actor=None, project=project, period="2025-02")
    entry = LedgerEntry.objects.filter(unit=unit, kind="first_deposit").get()
    services.post_refund(actor=None, unit_id=unit.pk, amount="100.00", memo=UNIT_MEMO)

    charged = services.create_repair(
        actor=None,
        project=project,
        title=REPAIR_CHARGED,
        amount="1200.00",
        scope_kind=RepairScopeKind.PROJECT,
        contractor="深圳市海滨苑电梯维保公司",
        decision_ref="海滨苑业决〔2025〕1号",
    )
    services.charge_repair(actor=None, repair_id=charged.pk, occurred_on=dt.date(2025, 3, 3))
    draft = services.create_repair(
        actor=None,
        project=project,
        title=REPAIR_DRAFT,
        amount="800.00",
        scope_kind=RepairScopeKind.UNITS,
        unit_ids=[unit.pk],
        decision_ref="海滨苑业决〔2025〕2号",
    )

    bank = DataSharingBank.objects.create(name="海滨苑测试银行")
    account = services.open_common_fund_account(
        actor=None,
        project=project,
        bank=bank,
        name=ACCOUNT_NAME,
        number=ACCOUNT_NUMBER,
        opened_on=dt.date(2025, 1, 1),
    )
    pushed = services.receive_bank_push(
        account=account,
        flows=[
            {
                "date": "2025-02-01",
                "reference": "HB0001",
                "direction": "收入",
                "amount": "8000.00",
                "counterparty": FLOW_COUNTERPARTY,
                "memo": "电梯广告费",
                "balance_after": "108000.00",
            },
            {
                "date": "2025-02-05",
                "reference": "HB0002",
                "direction": "支出",
                "amount": "60000.00",
                "counterparty": FLOW_OUT_COUNTERPARTY,
                "memo": "外墙工程款",
                "balance_after": "48000.00",
            },
        ],
    )
    assert pushed.disclosures, (
        "the outflow above the threshold must have made a draft large-transfer disclosure"
    )

    draft_notice = services.create_notice(
        actor=None, project=project, title=NOTICE_DRAFT, body="海滨苑草稿正文，尚未公示。"
    )
    published_notice = services.create_notice(
        actor=None, project=project, title=NOTICE_PUBLISHED, body="海滨苑停车收益的使用情况。"
    )
    services.publish_disclosure(actor=None, disclosure_id=published_notice.pk)

    published_report = services.open_quarterly_report(actor=None, project=project, year=2025, quarter=1)
    services.add_report_line(
        actor=None,
        report_id=published_report.pk,
        section=ReportSection.BUSINESS_INCOME,
        item=REPORT_LINE,
        amount="8000.00",
        counterparty=FLOW_COUNTERPARTY,
        voucher_no="0001",
    )
    services.publish_quarterly_report(actor=None, report_id=published_report.pk)
    draft_report = services.open_quarterly_report(actor=None, project=project, year=2025, quarter=2)
    line = services.add_report_line(
        actor=None,
        report_id=draft_report.pk,
        section=ReportSection.RECEIVABLE,
        item=REPORT_LINE_DRAFT,
        amount="1500.00",
        voucher_no="0002",
    )

    services.follow_project(actor=owner, project=project)

    return {
        "fund_project": project.pk,
        "fund_entry": entry.pk,
        "fund_repair": draft.pk,
        "fund_account": account.pk,
        "fund_disclosure": draft_notice.pk,
        "fund_disclosure_published": published_notice.pk,
        "fund_report": draft_report.pk,
        "fund_report_published": published_report.pk,
        "fund_report_line": line.pk,
        "fund_format": "xlsx",
    }


def fingerprint() -> tuple:
    """Everything a write to the victim's fund data would change."""
    return (
        tuple(FundPolicy.objects.order_by("pk").values_list("pk", "monthly_rate", "replenish_threshold_pct")),
        tuple(LedgerEntry.objects.order_by("pk").values_list("pk", "amount")),
        tuple(UnitBalance.objects.order_by("pk").values_list("pk", "balance")),
        tuple(ProjectBalance.objects.order_by("pk").values_list("pk", "balance", "pool")),
        tuple(Repair.objects.order_by("pk").values_list("pk", "status", "title", "amount", "decision_ref")),
        tuple(RepairShare.objects.order_by("pk").values_list("pk", "amount")),
        tuple(CommonFundAccount.objects.order_by("pk").values_list("pk", "status", "name", "balance")),
        tuple(BankFlow.objects.order_by("pk").values_list("pk")),
        tuple(Disclosure.objects.order_by("pk").values_list("pk", "status", "title", "body")),
        tuple(QuarterlyReport.objects.order_by("pk").values_list("pk", "status", "version")),
        tuple(ReportLine.objects.order_by("pk").values_list("pk", "item", "amount")),
        tuple(ProjectFollow.objects.order_by("pk").values_list("pk", "account_id", "project_id")),
    )
