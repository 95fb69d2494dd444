"""Back office → 维修资金 → 记账: 首期, 日常, 利息收益 (receive and allocate, from a confirmed preview)."""

from __future__ import annotations

from django.contrib import messages
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from pmip.core import display
from pmip.core.errors import ValidationFailed
from pmip.funds import services
from pmip.funds.apportion import apportionment_digest
from pmip.funds.choices import (
    InterestMethod,
)
from pmip.funds.policy import policy_for
from pmip.funds.services import PreviewChanged
from pmip.office.flow import act_on_form, form_error, posted, succeeded
from pmip.office.funds.forms import (
    AllocateInterestForm,
    FirstDepositForm,
    MonthlyForm,
    ReceiveInterestForm,
)
from pmip.office.funds.views.common import (
    POLICY_LABELS,
    _policy_rows,
    _project,
    _project_context,
    _require_ledger,
    _resolve_units,
    funds_view,
)

# --- postings (ledger role) ---------------------------------------------------------------------------------------


def _posting_summary(result, what: str) -> str:
    text = f"{what}已记账：{result.count} 户，合计 {display.format_money(result.total)} 元。"
    if result.skipped:
        text += f"另有 {len(result.skipped)} 户未记账（{'；'.join(f'{k}：{v}' for k, v in list(result.skipped.items())[:5])}"
        text += "等）。" if len(result.skipped) > 5 else "）。"
    return text


@funds_view
@require_http_methods(["GET", "POST"])
def post_first_deposits(request, code: str):
    project = _project(request, code)
    _require_ledger(request, project)
    form = FirstDepositForm(posted(request))

    def act(data):
        unit_ids, missing = _resolve_units(project, data["unit_codes"])
        if missing:
            raise ValidationFailed(f"本小区没有以下房屋：{'、'.join(missing[:20])}。", field="unit_codes")
        return services.post_first_deposits(
            actor=request.user, project=project, unit_ids=unit_ids or None, occurred_on=data["occurred_on"]
        )

    done = act_on_form(
        request,
        form,
        act,
        done=lambda result: succeeded(
            request, _posting_summary(result, "首期维修资金"), "office_funds:ledger", code=project.code
        ),
    )
    if done:
        return done
    context = _project_context(request, project, "postings")
    policy = policy_for(project)
    context.update({"form": form, "policy_rows": _policy_rows(policy)[:3], "title": "首期维修资金记账"})
    return render(request, "office/funds/post_first.html", context)


@funds_view
@require_http_methods(["GET", "POST"])
def post_monthly(request, code: str):
    project = _project(request, code)
    _require_ledger(request, project)
    form = MonthlyForm(posted(request))
    done = act_on_form(
        request,
        form,
        lambda data: services.post_monthly_contributions(
            actor=request.user, project=project, period=data["period"], occurred_on=data["occurred_on"]
        ),
        done=lambda result: succeeded(
            request,
            _posting_summary(result, f"{form.cleaned_data['period']}日常维修资金"),
            "office_funds:ledger",
            code=project.code,
        ),
    )
    if done:
        return done
    context = _project_context(request, project, "postings")
    policy = policy_for(project)
    context.update({"form": form, "policy_rows": _policy_rows(policy)[3:4]})
    return render(request, "office/funds/post_monthly.html", context)


@funds_view
@require_http_methods(["GET", "POST"])
def post_interest(request, code: str):
    """利息收益: receive into the project's pool; allocate the pool to the sub-ledgers (preview, then a confirmed
    post of exactly the previewed shares)."""
    project = _project(request, code)
    _require_ledger(request, project)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    receive_form = ReceiveInterestForm(request.POST if action == "receive" else None, prefix="r")
    allocate_form = AllocateInterestForm(
        request.POST if action in ("preview", "allocate") else None, prefix="a"
    )
    pool = services.unallocated_pool(project)
    preview, confirm_error = None, ""
    if action == "receive":
        received = act_on_form(
            request,
            receive_form,
            lambda data: services.receive_interest(
                actor=request.user,
                project=project,
                amount=data["amount"],
                occurred_on=data["occurred_on"],
                period=data["period"],
                memo=data["memo"],
            ),
            done=lambda entry: succeeded(
                request,
                f"利息收益 {display.format_money(entry.amount)} 元已记入本小区待分配利息。",
                "office_funds:post_interest",
                code=project.code,
            ),
        )
        if received:
            return received
    if action in ("preview", "allocate") and allocate_form.is_valid():
        choice = _interest_choice(allocate_form.cleaned_data)
        preview = _interest_preview(project, allocate_form, choice)
        if preview is not None and action == "allocate":
            outcome = _allocate_interest(request, project, allocate_form, choice)
            if isinstance(outcome, HttpResponseBase):
                return outcome
            if outcome is None:  # the form shows the service's refusal
                preview = None
            else:
                confirm_error = outcome
    policy = policy_for(project)
    context = _project_context(request, project, "postings")
    context.update(
        {
            "receive_form": receive_form,
            "allocate_form": allocate_form,
            "preview": preview,
            "confirm_error": confirm_error,
            "pool": pool,
            "policy_rows": [
                r for r in _policy_rows(policy) if r["label"] == POLICY_LABELS["interest_method"]
            ],
        }
    )
    return render(request, "office/funds/post_interest.html", context)


def _interest_choice(data: dict) -> dict:
    """What the allocation form chose, as the service's preview and allocation take it."""
    return {
        "period_end": data["period_end"],
        "period_start": data["period_start"],
        "method": data["method"] or None,
        "amount": data["amount"] or None,  # none: the whole pool (the service's default)
    }


def _interest_preview(project, form, choice: dict) -> dict | None:
    """The allocation the choice gives (what the page shows), or None when the form shows the refusal."""
    try:
        p = services.preview_interest_allocation(project=project, **choice)
    except ValidationFailed as exc:
        form_error(form, exc)
        return None
    return {
        "method": dict(InterestMethod.choices)[p.method],
        "amount": p.amount,
        "total": p.total,
        "without": p.units_without_share,
        "rows": p.allocations,
        "digest": apportionment_digest(p.allocations),
    }


def _allocate_interest(request, project, form, choice: dict) -> HttpResponseBase | str | None:
    """Post exactly the previewed shares (the service compares the digest under the project lock): a redirect once
    posted, the confirmation error to show next to the preview, or None when the form shows the refusal."""
    if request.POST.get("confirm") != "on":
        return "请勾选确认后再提交。"
    try:
        result = services.allocate_interest(
            actor=request.user,
            project=project,
            **choice,
            period=form.cleaned_data["period"],
            expected_digest=request.POST.get("preview_digest", ""),
        )
    except PreviewChanged:
        return "内容已修改，分配结果随之变化。请核对下面新的分配预览后再确认。"
    except ValidationFailed as exc:
        form_error(form, exc)
        return None
    messages.success(
        request,
        f"利息收益 {display.format_money(result.total)} 元已分配至 {result.count - 1} 户分户账。",
    )
    return redirect("office_funds:ledger", code=project.code)
