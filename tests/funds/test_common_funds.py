"""Common funds: accounts (encrypted numbers), bank statement import and pushes, large-transfer disclosures."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from pmip.audit.models import AuditEntry
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.funds import selectors, services
from pmip.funds.importing import ImportRejected, import_bank_statement, read_table
from pmip.funds.models import AppendOnlyError, BankFlow, CommonFundAccount, Disclosure, FundPolicy
from pmip.registry.models import DataSharingBank
from tests.funds.fake_bank import EmbeddedBank

D = Decimal
NUMBER = "6222021234567890123"
HEADER = "交易日期,银行流水号,收支方向,金额,对方户名,摘要,余额"


@pytest.fixture
def bank(db):
    return DataSharingBank.objects.create(name="招商银行深圳分行")


@pytest.fixture
def account(lianhua, bank, staff):
    return services.open_common_fund_account(
        actor=staff["committee"],
        project=lianhua,
        bank=bank,
        name="莲花山庄业主大会",
        number=NUMBER,
        opened_on=dt.date(2025, 1, 1),
    )


def statement(lines: list[str], header: str = HEADER):
    return read_table(io.BytesIO(("\n".join([header, *lines]) + "\n").encode()), filename="statement.csv")


ROWS = [
    "2026-03-01,B001,收入,8000.00,深圳市万象广告传媒有限公司,电梯广告费,108000.00",
    "2026-03-05,B002,支出,50000.00,深圳市安泰建设工程有限公司,外墙工程款（首期）,58000.00",
    "2026-03-06,B003,支出,50000.01,深圳市安泰建设工程有限公司,外墙工程款（尾款）,7999.99",
    "2026-03-07,B004,收入,1.00,王小明,退回多收费用,8000.99",
]


def test_account_number_is_encrypted_and_masked(account):
    stored = CommonFundAccount.objects.get(pk=account.pk)
    assert stored.number_masked == "6222 **** **** 0123"
    assert NUMBER not in stored.number_enc
    assert stored.reveal_number() == NUMBER
    assert NUMBER not in str(AuditEntry.objects.get(action="funds.account.opened").data)


def test_same_number_twice_and_bad_numbers(lianhua, bank, account, staff):
    with pytest.raises(ValidationFailed) as exc:
        services.open_common_fund_account(
            actor=staff["committee"], project=lianhua, bank=bank, name="x", number="6222 0212 3456 7890 123"
        )
    assert exc.value.message == "该银行账号已登记。"
    with pytest.raises(ValidationFailed):
        services.open_common_fund_account(
            actor=staff["committee"], project=lianhua, bank=bank, name="x", number="12ab"
        )
    with pytest.raises(PermissionDenied):
        services.open_common_fund_account(
            actor=staff["company"], project=lianhua, bank=bank, name="x", number="12345678"
        )
    assert CommonFundAccount.objects.count() == 1


def test_statement_import_disclosure_only_strictly_above_the_threshold(account, staff):
    result = import_bank_statement(
        actor=staff["committee"], account=account, rows=statement(ROWS), source="s.csv"
    )

    assert (len(result.created), result.unchanged, result.threshold) == (4, 0, D("50000.00"))
    # 50,000.00 exactly is not above the threshold; 50,000.01 is.
    assert [(d.amount, d.status, d.bank_flow.bank_reference) for d in result.disclosures] == [
        (D("50000.01"), "draft", "B003")
    ]
    disclosure = Disclosure.objects.get()
    assert disclosure.kind == "large_transfer"
    assert disclosure.title == "大额资金转账公示：2026年03月06日支出50,000.01元"  # issue 12: one money format
    assert "支出金额：50,000.01 元" in disclosure.body
    assert "收款方：深圳市安泰建设工程有限公司" in disclosure.body
    flows = {f.bank_reference: f for f in BankFlow.objects.all()}
    assert flows["B004"].counterparty == "王**"  # a person's name is masked
    assert flows["B001"].counterparty == "深圳市万象广告传媒有限公司"
    account.refresh_from_db()
    assert account.balance == D("8000.99")
    audit = AuditEntry.objects.get(action="funds.flows.recorded")
    assert (audit.data["created"], audit.data["disclosures"]) == (4, 1)

    again = import_bank_statement(
        actor=staff["committee"], account=account, rows=statement(ROWS), source="s.csv"
    )
    assert (len(again.created), again.unchanged, again.disclosures) == (0, 4, [])
    assert BankFlow.objects.count() == 4 and Disclosure.objects.count() == 1


def test_project_threshold_applies(lianhua, account, staff):
    FundPolicy.objects.create(project=lianhua, disclosure_threshold=D("10000.00"))
    result = import_bank_statement(
        actor=staff["committee"], account=account, rows=statement(ROWS), source="s.csv"
    )
    assert [d.amount for d in result.disclosures] == [D("50000.00"), D("50000.01")]


def test_statement_errors_reject_everything(account, staff):
    bad = [
        *ROWS,
        "2026-03-08,B005,转账,1.00,,,",
        "2026-03-09,B001,收入,1.00,,,",
        "2026-02-30,B006,收入,1.00,,,",
        "2026-03-10,B007,支出,abc,,,",
        "2026-03-11,B008,收入,5.00,,,9.99",
        "2026-03-12,B009,收入,1.00,,,11.00",
    ]
    with pytest.raises(ImportRejected) as exc:
        import_bank_statement(
            actor=staff["committee"], account=account, rows=statement(bad), source="bad.csv"
        )
    assert [str(e) for e in exc.value.errors] == [
        "第6行：“收支方向”的值“转账”无法识别，可填：收入、支出。",
        "第7行：银行流水号“B001”与第2行重复。",
        "第8行：“交易日期”缺失或格式不正确（应为 YYYY-MM-DD）。",
        "第9行：“金额”缺失或格式不正确（最多两位小数）。",
        "第10行：余额不连续：上一笔余额 8,000.99，本笔收入 5.00，应为 8,005.99，文件中为 9.99。",
        "第11行：余额不连续：上一笔余额 9.99，本笔收入 1.00，应为 10.99，文件中为 11.00。",
    ]
    assert BankFlow.objects.count() == 0 and Disclosure.objects.count() == 0


def test_changed_flow_under_a_known_reference_is_refused(account, staff):
    import_bank_statement(actor=staff["committee"], account=account, rows=statement(ROWS[:1]), source="s.csv")
    changed = ["2026-03-01,B001,收入,8000.01,深圳市万象广告传媒有限公司,电梯广告费,108000.01"]
    with pytest.raises(ImportRejected) as exc:
        import_bank_statement(
            actor=staff["committee"], account=account, rows=statement(changed), source="s.csv"
        )
    assert [str(e) for e in exc.value.errors] == ["第2行：银行流水号“B001”已导入，但内容与本次不同。"]
    assert BankFlow.objects.count() == 1


def test_signed_amounts_without_direction(account, staff):
    rows = statement(
        ["2026-03-01,S1,-60000.00,公司A", "2026-03-02,S2,12.30,"], header="日期,流水号,交易金额,对方户名"
    )
    result = import_bank_statement(actor=staff["committee"], account=account, rows=rows, source="s.csv")
    assert [(f.direction, f.amount) for f in result.created] == [("out", D("60000.00")), ("in", D("12.30"))]
    assert len(result.disclosures) == 1


def test_bank_push_through_the_embedded_bank(account):
    flows = [
        {
            "date": "2026-03-10",
            "reference": "P1",
            "direction": "out",
            "amount": "70000.00",
            "counterparty": "某某工程公司",
            "memo": "电梯更换",
            "balance_after": "30000.00",
        },
        {
            "date": "2026-03-11",
            "reference": "P2",
            "direction": "in",
            "amount": "500.00",
            "balance_after": "30500.00",
        },
    ]
    bank = EmbeddedBank()
    result = bank.push(account=account, flows=flows)
    assert [f.bank_reference for f in result.created] == ["P1", "P2"]
    assert [d.amount for d in result.disclosures] == [D("70000.00")]
    assert BankFlow.objects.get(bank_reference="P1").source == "push"
    assert bank.flows_since(account_number=NUMBER, since=dt.date(2026, 3, 11)) == [flows[1]]
    # The bank pushes again (retry): nothing new.
    again = services.receive_bank_push(account=account, flows=flows)
    assert (again.created, again.unchanged) == ([], 2)
    with pytest.raises(services.FlowsRejected):
        services.receive_bank_push(account=account, flows=[{"date": "x", "reference": "P3", "amount": "1"}])
    assert BankFlow.objects.count() == 2


def test_closed_account_takes_no_flows(account, staff):
    services.close_common_fund_account(actor=staff["committee"], account_id=account.pk)
    with pytest.raises(ValidationFailed):
        services.receive_bank_push(
            account=account, flows=[{"date": "2026-03-01", "reference": "Z", "amount": "1.00"}]
        )
    assert BankFlow.objects.count() == 0


def test_bank_flows_are_append_only(account):
    services.receive_bank_push(
        account=account, flows=[{"date": "2026-03-01", "reference": "Z", "amount": "1.00"}]
    )
    flow = BankFlow.objects.get()
    with pytest.raises(AppendOnlyError):
        flow.save()
    with pytest.raises(AppendOnlyError):
        BankFlow.objects.all().delete()


def test_publishing_and_owner_visibility(lianhua, account, staff, owner, city):
    services.receive_bank_push(
        account=account,
        flows=[{"date": "2026-03-01", "reference": "Z", "direction": "支出", "amount": "80000.00"}],
    )
    notice = services.create_notice(
        actor=staff["committee"], project=lianhua, title="2026年停车收费调整", body="见附件。"
    )
    transfer = Disclosure.objects.get(kind="large_transfer")
    assert (
        list(selectors.disclosures_for(actor=owner, project=lianhua)) == []
    )  # drafts are not shown to owners
    assert selectors.disclosures_for(actor=staff["futian"], project=lianhua).count() == 2
    with pytest.raises(NotFound):
        selectors.get_disclosure(actor=owner, disclosure_id=transfer.pk)

    services.edit_disclosure(
        actor=staff["committee"], disclosure_id=transfer.pk, title="大额资金转账公示（电梯）", body="说明"
    )
    with pytest.raises(PermissionDenied):
        services.publish_disclosure(actor=staff["futian"], disclosure_id=transfer.pk)  # read-only role
    with pytest.raises(NotFound):
        services.publish_disclosure(actor=staff["yuehai"], disclosure_id=transfer.pk)  # out of scope
    services.publish_disclosure(actor=staff["committee"], disclosure_id=transfer.pk)
    with pytest.raises(ValidationFailed):
        services.publish_disclosure(actor=staff["committee"], disclosure_id=transfer.pk)
    with pytest.raises(ValidationFailed):
        services.edit_disclosure(actor=staff["committee"], disclosure_id=transfer.pk, title="改", body="")

    assert [d.title for d in selectors.disclosures_for(actor=owner, project=lianhua)] == [
        "大额资金转账公示（电梯）"
    ]
    published = AuditEntry.objects.get(action="funds.disclosure.published")
    assert (published.actor, published.object_id) == (staff["committee"], str(transfer.pk))
    assert notice.status == "draft"
    with pytest.raises(NotFound):
        selectors.disclosures_for(actor=owner, project=city.projects["jinghua"])


def test_owner_reads_common_fund_flows_of_their_project(lianhua, account, owner, other_owner, city):
    services.receive_bank_push(
        account=account, flows=[{"date": "2026-03-01", "reference": "Z", "amount": "1.00"}]
    )
    assert [a.number_masked for a in selectors.common_fund_accounts(actor=owner, project=lianhua)] == [
        "6222 **** **** 0123"
    ]
    assert selectors.account_flows(actor=owner, account_id=account.pk).count() == 1
    outsider = city.projects["jinghua"]
    with pytest.raises(NotFound):
        selectors.common_fund_accounts(actor=owner, project=outsider)
