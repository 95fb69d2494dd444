"""业主评价 back office: evaluations in scope with replies (项目经理 / 业委会主任), evaluation items and the ranking
policy (city). Views never write models: replies, items and the policy go through `pmip.evaluation.services`."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from pmip.core import clock
from pmip.core.errors import DomainError
from pmip.evaluation import selectors, services
from pmip.evaluation.choices import PERIOD_MONTHS_CHOICES, Target
from pmip.identity.scopes import is_city
from pmip.office.views import office_required

PAGE_SIZE = 20


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@office_required
@require_http_methods(["GET"])
def evaluations(request):
    target = request.GET.get("target", "")
    unreplied = request.GET.get("unreplied") == "1"
    project = request.GET.get("project", "")[:32]
    qs = selectors.staff_evaluations(
        actor=request.user, target=target, unreplied=unreplied, project_code=project
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    policy = services.get_policy()
    now = clock.now()
    rows = []
    for e in page.object_list:
        r = selectors.reply_of(e)
        rows.append(
            {
                "e": e,
                "reply": r,
                "may_reply": services.reply_role(request.user, e) is not None,
                "editable": r is not None
                and r.author_id == request.user.pk
                and now <= services.reply_editable_until(r, policy),
            }
        )
    context = {
        "page": page,
        "rows": rows,
        "target": target,
        "unreplied": unreplied,
        "project": project,
        "targets": Target.choices,
        "city": is_city(request.user),
    }
    return render(request, "office/evaluation/list.html", context)


@office_required
@require_http_methods(["GET", "POST"])
def reply(request, evaluation_id: int):
    evaluation = selectors.get_staff_evaluation(actor=request.user, evaluation_id=evaluation_id)
    existing = selectors.reply_of(evaluation)
    error = None
    body = existing.body if existing else ""
    if request.method == "POST":
        body = request.POST.get("body", "")[:2000]
        try:
            if existing is None:
                services.reply_to_evaluation(actor=request.user, evaluation_id=evaluation.pk, body=body)
                messages.success(request, "回复已发布，业主将收到通知。24小时内可修改。")
            else:
                services.edit_reply(actor=request.user, reply_id=existing.pk, body=body)
                messages.success(request, "回复已修改。")
        except DomainError as exc:
            error = exc.message
        else:
            return redirect("office_evaluation:list")
    context = {
        "e": evaluation,
        "existing": existing,
        "body": body,
        "error": error,
        "role": services.reply_role(request.user, evaluation),
    }
    return render(request, "office/evaluation/reply.html", context, status=422 if error else 200)


@office_required
@require_http_methods(["GET", "POST"])
def items(request):
    error = None
    if request.method == "POST":
        try:
            services.save_item(
                actor=request.user,
                target=request.POST.get("target", ""),
                name=request.POST.get("name", "")[:100],
                position=_int(request.POST.get("position"), -1),
                active=request.POST.get("active") == "1",
                item_id=_int(request.POST.get("item_id")),
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "评价项目已保存。")
            return redirect("office_evaluation:items")
    context = {
        "items": selectors.items(),
        "targets": Target.choices,
        "error": error,
        "city": is_city(request.user),
    }
    return render(request, "office/evaluation/items.html", context, status=422 if error else 200)


@office_required
@require_http_methods(["GET", "POST"])
def policy(request):
    error = None
    current = services.get_policy()
    if request.method == "POST":
        try:
            services.update_policy(
                actor=request.user,
                prior_weight=_int(request.POST.get("prior_weight"), -1),
                min_count=_int(request.POST.get("min_count"), -1),
                period_months=_int(request.POST.get("period_months"), -1),
                reply_edit_hours=_int(request.POST.get("reply_edit_hours"), -1),
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "评价规则已保存，排名立即按新规则计算。")
            return redirect("office_evaluation:policy")
    context = {
        "policy": current,
        "period_choices": PERIOD_MONTHS_CHOICES,
        "error": error,
        "city": is_city(request.user),
    }
    return render(request, "office/evaluation/policy.html", context, status=422 if error else 200)
