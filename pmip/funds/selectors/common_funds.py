"""业主共有资金 accounts and their bank flows."""

from __future__ import annotations

from django.db.models import QuerySet

from pmip.core.errors import NotFound
from pmip.funds import permissions
from pmip.funds.models import BankFlow, CommonFundAccount
from pmip.registry.models import Project


def common_fund_accounts(*, actor, project: Project) -> QuerySet[CommonFundAccount]:
    """小区共有资金 accounts (masked numbers only)."""
    permissions.require_read_project(actor, project)
    return CommonFundAccount.objects.filter(project=project).select_related("bank").order_by("id")


def get_common_fund_account(*, actor, account_id: int) -> CommonFundAccount:
    account = CommonFundAccount.objects.select_related("project", "bank").filter(pk=account_id).first()
    if account is None or not permissions.may_read_project(actor, account.project):
        raise NotFound("未找到该账户，或您没有查看权限。")
    return account


def account_flows(*, actor, account_id: int) -> QuerySet[BankFlow]:
    """账户流水, newest first (callers paginate)."""
    account = get_common_fund_account(actor=actor, account_id=account_id)
    return BankFlow.objects.filter(account=account).order_by("-occurred_on", "-id")
