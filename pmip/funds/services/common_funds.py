"""业主共有资金 accounts and bank flows: `open_common_fund_account`, `close_common_fund_account`,
`record_bank_flows`, `receive_bank_push` (every outflow above the threshold creates a draft disclosure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.display import format_money
from pmip.core.errors import NotFound, ValidationFailed
from pmip.funds import ledger, permissions
from pmip.funds.bank import FlowData, FlowError, same_flow, validate_flows
from pmip.funds.choices import (
    AccountStatus,
    DisclosureKind,
    FlowDirection,
    FlowSource,
)
from pmip.funds.models import (
    ZERO,
    BankFlow,
    CommonFundAccount,
    Disclosure,
    mask_counterparty,
)
from pmip.funds.policy import policy_for
from pmip.funds.services.disclosures import _create_disclosure
from pmip.identity.models import Account
from pmip.registry.models import DataSharingBank, Project

# --------------------------------------------------------------------------------------------------------------
# Common funds: accounts and bank flows
# --------------------------------------------------------------------------------------------------------------


def open_common_fund_account(
    *,
    actor: Account | None,
    project: Project,
    bank: DataSharingBank,
    name: str,
    number: str,
    opened_on: dt.date | None = None,
) -> CommonFundAccount:
    """Register the owners' assembly's account at a data-sharing bank. The number (8–32 digits) is stored
    encrypted; the same bank and number cannot be registered twice. Audit: funds.account.opened (masked)."""
    permissions.require_manage(actor, project)
    digits = "".join((number or "").split())
    if not digits.isdigit() or not 8 <= len(digits) <= 32:
        raise ValidationFailed("银行账号应为8至32位数字。", field="number")
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise ValidationFailed("请填写户名（不超过100个字）。", field="name")
    account = CommonFundAccount(
        project=project, bank=bank, name=name, opened_on=opened_on, created_at=clock.now()
    )
    account.set_number(digits)
    try:
        with transaction.atomic():
            account.save()
            record(
                actor=actor,
                action="funds.account.opened",
                obj=account,
                data={"bank": bank.name, "number": account.number_masked},
            )
    except IntegrityError as exc:
        raise ValidationFailed("该银行账号已登记。", field="number") from exc
    return account


def close_common_fund_account(*, actor: Account | None, account_id: int) -> CommonFundAccount:
    """销户: flows stay readable; no new flows are accepted. Audit: funds.account.closed."""
    with transaction.atomic():
        account = (
            CommonFundAccount.objects.select_for_update(of=("self",))
            .select_related("project")
            .filter(pk=account_id)
            .first()
        )
        if account is None:
            raise NotFound("未找到该账户。")
        permissions.require_manage(actor, account.project)
        if account.status == AccountStatus.CLOSED:
            raise ValidationFailed("该账户已销户。")
        account.status = AccountStatus.CLOSED
        account.save(update_fields=["status"])
        record(
            actor=actor, action="funds.account.closed", obj=account, data={"number": account.number_masked}
        )
    return account


class FlowsRejected(ValidationFailed):
    """The flows have errors; nothing was recorded. `errors` lists every one."""

    code = "flows_rejected"

    def __init__(self, errors: Sequence[FlowError]):
        self.errors = sorted(errors, key=lambda e: e.row)
        super().__init__(f"银行流水共有{len(self.errors)}处错误，未导入任何流水。请核对后重新提交。")


@dataclass
class FlowsResult:
    batch: str
    created: list[BankFlow] = field(default_factory=list)
    unchanged: int = 0
    disclosures: list[Disclosure] = field(default_factory=list)
    threshold: Decimal = ZERO


def record_bank_flows(
    *,
    actor: Account | None,
    account: CommonFundAccount,
    flows: Sequence[FlowData],
    source: str,
    source_name: str = "",
) -> FlowsResult:
    """Write already validated flows, all or nothing. A flow whose bank reference is already stored with the same
    facts is skipped (idempotent); with different facts the whole set is refused. Every new outflow strictly
    greater than the project's disclosure threshold creates a draft large-transfer disclosure.
    Audit: funds.flows.recorded (+ funds.disclosure.created)."""
    # Kept whole: one transaction under the account's row lock: duplicates, inserts, disclosures, audit.
    permissions.require_manage(actor, account.project)
    with transaction.atomic():
        account = (
            CommonFundAccount.objects.select_for_update(of=("self",))
            .select_related("project")
            .get(pk=account.pk)
        )
        if account.status != AccountStatus.ACTIVE:
            raise ValidationFailed("该账户已销户，不能再导入流水。", code="account_closed")
        existing = {
            f.bank_reference: f
            for f in BankFlow.objects.filter(
                account=account, bank_reference__in=[x.bank_reference for x in flows]
            )
        }
        errors = [
            FlowError(f.row, f"银行流水号“{f.bank_reference}”已导入，但内容与本次不同。")
            for f in flows
            if f.bank_reference in existing and not same_flow(existing[f.bank_reference], f)
        ]
        if errors:
            raise FlowsRejected(errors)
        threshold = policy_for(account.project_id).disclosure_threshold
        result = FlowsResult(batch=ledger.new_batch(), threshold=threshold)
        now = clock.now()
        new = [f for f in flows if f.bank_reference not in existing]
        result.unchanged = len(flows) - len(new)
        result.created = BankFlow.objects.bulk_create(
            [
                BankFlow(
                    account=account,
                    project_id=account.project_id,
                    occurred_on=f.occurred_on,
                    direction=f.direction,
                    amount=f.amount,
                    counterparty=mask_counterparty(f.counterparty),
                    memo=f.memo,
                    balance_after=f.balance_after,
                    bank_reference=f.bank_reference,
                    source=source,
                    recorded_at=now,
                    batch=result.batch,
                )
                for f in new
            ]
        )
        latest = (
            BankFlow.objects.filter(account=account, balance_after__isnull=False)
            .order_by("-occurred_on", "-id")
            .first()
        )
        if (
            latest is not None
            and latest.balance_after is not None
            and latest.balance_after != account.balance
        ):
            account.balance = latest.balance_after
            account.save(update_fields=["balance"])
        for flow in result.created:
            if flow.direction == FlowDirection.OUT and flow.amount > threshold:
                result.disclosures.append(
                    _create_disclosure(
                        actor=actor,
                        project=account.project,
                        kind=DisclosureKind.LARGE_TRANSFER,
                        title=f"大额资金转账公示：{flow.occurred_on:%Y年%m月%d日}支出{format_money(flow.amount)}元"[
                            :120
                        ],
                        body=(
                            f"账户：{account.name}（{account.number_masked}）\n交易日期：{flow.occurred_on:%Y-%m-%d}\n"
                            f"支出金额：{format_money(flow.amount)} 元\n收款方：{flow.counterparty or '—'}\n用途/摘要：{flow.memo or '—'}"
                        ),
                        amount=flow.amount,
                        bank_flow=flow,
                        threshold=threshold,
                    )
                )
        record(
            actor=actor,
            action="funds.flows.recorded",
            obj=account,
            data={
                "batch": result.batch,
                "source": source,
                "file": source_name[:100],
                "created": len(result.created),
                "unchanged": result.unchanged,
                "disclosures": len(result.disclosures),
                "threshold": str(threshold),
            },
        )
    return result


def receive_bank_push(*, account: CommonFundAccount, flows: Sequence[Mapping[str, Any]]) -> FlowsResult:
    """A data-sharing bank pushes flows of an account (the system is the actor). Each flow is a mapping with the
    keys of `pmip.funds.bank` (date, reference, direction, amount, counterparty, memo, balance_after). Validated
    as a whole: any error refuses all (FlowsRejected). Re-pushing the same flows changes nothing."""
    if not flows:
        raise ValidationFailed("没有收到流水。", code="empty_push")
    parsed, errors = validate_flows((i + 1, f) for i, f in enumerate(flows))
    if errors:
        raise FlowsRejected(errors)
    return record_bank_flows(
        actor=None,
        account=account,
        flows=parsed,
        source=FlowSource.PUSH,
        source_name=f"push:{account.bank_id}",
    )
