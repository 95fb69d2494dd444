"""Back office → 共有资金: accounts, bank statements (对账单) and closing an account."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pmip.core import display
from pmip.core.errors import ValidationFailed
from pmip.funds import importing, selectors, services
from pmip.funds.choices import (
    AccountStatus,
    DisclosureKind,
)
from pmip.funds.policy import policy_for
from pmip.office.flow import act_on_form, succeeded
from pmip.office.funds.forms import (
    AccountOpenForm,
    UploadForm,
)
from pmip.office.funds.views.common import (
    ROWS_PER_PAGE,
    _belongs,
    _project,
    _project_context,
    _require_manage,
    confirm_view,
    funds_view,
)
from pmip.registry.models import DataSharingBank, Project

# --- common funds -------------------------------------------------------------------------------------------------


@funds_view
@require_GET
def account_list(request, code: str):
    project = _project(request, code)
    accounts = list(selectors.common_fund_accounts(actor=request.user, project=project))
    context = _project_context(request, project, "accounts")
    context.update({"accounts": accounts})
    if context["may"]["manage"]:
        context["form"] = AccountOpenForm(banks=DataSharingBank.objects.order_by("name"))
    return render(request, "office/funds/accounts.html", context)


@funds_view
@require_POST
def account_open(request, code: str):
    project = _project(request, code)
    _require_manage(request, project)
    form = AccountOpenForm(request.POST, banks=DataSharingBank.objects.order_by("name"))
    done = act_on_form(
        request,
        form,
        lambda data: services.open_common_fund_account(
            actor=request.user,
            project=project,
            bank=data["bank"],
            name=data["name"],
            number=data["number"],
            opened_on=data["opened_on"],
        ),
        done=lambda account: succeeded(
            request,
            f"已登记共有资金账户：{account.bank.name} {account.number_masked}。",
            "office_funds:account",
            code=project.code,
            account_id=account.pk,
        ),
    )
    if done:
        return done
    context = _project_context(request, project, "accounts")
    context.update(
        {"accounts": list(selectors.common_fund_accounts(actor=request.user, project=project)), "form": form}
    )
    return render(request, "office/funds/accounts.html", context, status=422)


def _account(request, project: Project, account_id: int):
    account = selectors.get_common_fund_account(actor=request.user, account_id=account_id)
    _belongs(account, project, "未找到该账户，或您没有查看权限。")
    return account


def _account_context(request, project: Project, account, *, form=None, errors=(), result=None) -> dict:
    context = _project_context(request, project, "accounts")
    page = Paginator(
        selectors.account_flows(actor=request.user, account_id=account.pk), ROWS_PER_PAGE
    ).get_page(request.GET.get("page"))
    transfers = list(
        selectors.disclosures_for(actor=request.user, project=project, kind=DisclosureKind.LARGE_TRANSFER)
        .filter(bank_flow__account=account)
        .select_related("bank_flow")
    )
    context.update(
        {
            "account": account,
            "page": page,
            "transfers": transfers,
            "threshold": policy_for(project).disclosure_threshold,
            "errors": errors,
            "result": result,
            "active": account.status == AccountStatus.ACTIVE,
        }
    )
    if context["may"]["manage"] and account.status == AccountStatus.ACTIVE:
        context["form"] = form or UploadForm()
    return context


@funds_view
@require_GET
def account_detail(request, code: str, account_id: int):
    project = _project(request, code)
    account = _account(request, project, account_id)
    return render(request, "office/funds/account.html", _account_context(request, project, account))


@funds_view
@require_POST
def account_statement(request, code: str, account_id: int):
    """对账单导入: validated as a whole; outflows above the threshold create draft large-transfer disclosures."""
    project = _project(request, code)
    account = _account(request, project, account_id)
    _require_manage(request, project)
    form = UploadForm(request.POST, request.FILES)
    errors, result = [], None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = importing.read_table(upload, filename=upload.name)
            result = importing.import_bank_statement(
                actor=request.user, account=account, rows=rows, source=upload.name
            )
        except importing.ImportRejected as exc:
            errors = exc.errors
            form.add_error(None, exc.message)
        except ValidationFailed as exc:
            form.add_error(None, exc.message)
        else:
            text = f"对账单已导入：新增流水 {len(result.created)} 笔，已存在未变 {result.unchanged} 笔。"
            if result.disclosures:
                text += f"其中 {len(result.disclosures)} 笔支出超过 {display.format_money(result.threshold)} 元，已生成大额资金转账公示草稿。"
            messages.success(request, text)
            return redirect("office_funds:account", code=project.code, account_id=account.pk)
    account = _account(request, project, account_id)
    context = _account_context(request, project, account, form=form, errors=errors, result=result)
    return render(request, "office/funds/account.html", context, status=422)


@funds_view
@require_http_methods(["GET", "POST"])
def account_close(request, code: str, account_id: int):
    project = _project(request, code)
    account = _account(request, project, account_id)
    _require_manage(request, project)
    return confirm_view(
        request,
        act=lambda: services.close_common_fund_account(actor=request.user, account_id=account.pk),
        done=lambda _: succeeded(
            request,
            f"账户 {account.number_masked} 已销户；流水仍可查看。",
            "office_funds:account",
            code=project.code,
            account_id=account.pk,
        ),
        template="office/funds/account_close.html",
        context=lambda: {**_project_context(request, project, "accounts"), "account": account},
    )
