"""业主共有资金: a project's common-fund accounts and their bank flows."""

from __future__ import annotations

from ninja import Query

from pmip.api.funds.common import _ERRORS, _owner_project, _paged, owner_auth, router
from pmip.api.funds.schemas import AccountOut, FlowOut, FlowPageOut, PageIn
from pmip.api.pagination import page_of
from pmip.funds import selectors
from pmip.funds.presenters import money

# --- 业主共有资金 ------------------------------------------------------------------------------------------------


def _account(a) -> AccountOut:
    return AccountOut(
        id=a.pk,
        bank=a.bank.name,
        name=a.name,
        number_masked=a.number_masked,
        status=a.status,
        opened_on=a.opened_on,
        balance=money(a.balance),
    )


@router.get(
    "/projects/{project_id}/accounts",
    auth=owner_auth,
    response={200: list[AccountOut], **_ERRORS},
    summary="业主共有资金账户（账号已掩码）",
)
def project_accounts(request, project_id: int):
    project = _owner_project(request.auth, project_id)
    return [_account(a) for a in selectors.common_fund_accounts(actor=request.auth, project=project)]


@router.get(
    "/accounts/{account_id}/flows",
    auth=owner_auth,
    response={200: FlowPageOut, **_ERRORS},
    summary="共有资金账户流水（最新在前）",
)
def account_flows(request, account_id: int, filters: Query[PageIn]):
    result = page_of(selectors.account_flows(actor=request.auth, account_id=account_id), filters.page)
    items = [
        FlowOut(
            occurred_on=f.occurred_on,
            direction=f.direction,
            amount=money(f.amount),
            counterparty=f.counterparty,
            memo=f.memo,
            balance_after=None if f.balance_after is None else money(f.balance_after),
            bank_reference=f.bank_reference,
        )
        for f in result[3]
    ]
    return _paged(FlowPageOut, filters.page, result, items)
