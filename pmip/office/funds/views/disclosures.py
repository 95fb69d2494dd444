"""Back office → 信息公开: list, notice drafts, editing and 公示."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from pmip.funds import selectors, services
from pmip.funds.choices import (
    DisclosureStatus,
)
from pmip.office.flow import act_on_form, posted, succeeded
from pmip.office.funds.forms import (
    DisclosureFilterForm,
    NoticeForm,
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
from pmip.registry.models import Project

# --- disclosures --------------------------------------------------------------------------------------------------


@funds_view
@require_GET
def disclosure_list(request, code: str):
    project = _project(request, code)
    form = DisclosureFilterForm(request.GET or None)
    kind = status = ""
    if form.is_valid():
        kind, status = form.cleaned_data["kind"], form.cleaned_data["status"]
    qs = selectors.disclosures_for(actor=request.user, project=project, kind=kind or None)
    if status:
        qs = qs.filter(status=status)
    # drafts (to do) first, then the latest publications — the same order on PostgreSQL and SQLite
    qs = qs.order_by(F("published_at").desc(nulls_first=True), "-created_at", "-id")
    page = Paginator(qs, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = _project_context(request, project, "disclosures")
    context.update({"form": form, "page": page})
    return render(request, "office/funds/disclosures.html", context)


@funds_view
@require_http_methods(["GET", "POST"])
def disclosure_new(request, code: str):
    project = _project(request, code)
    _require_manage(request, project)
    form = NoticeForm(posted(request))
    done = act_on_form(
        request,
        form,
        lambda data: services.create_notice(
            actor=request.user, project=project, title=data["title"], body=data["body"]
        ),
        done=lambda disclosure: succeeded(
            request,
            "信息公开草稿已保存。核对后请点击“公示”发布。",
            "office_funds:disclosure",
            code=project.code,
            disclosure_id=disclosure.pk,
        ),
    )
    if done:
        return done
    context = _project_context(request, project, "disclosures")
    context.update({"form": form, "creating": True})
    return render(request, "office/funds/disclosure_form.html", context)


def _disclosure(request, project: Project, disclosure_id: int):
    disclosure = selectors.get_disclosure(actor=request.user, disclosure_id=disclosure_id)
    _belongs(disclosure, project, "未找到该公示。")
    return disclosure


@funds_view
@require_GET
def disclosure_detail(request, code: str, disclosure_id: int):
    project = _project(request, code)
    disclosure = _disclosure(request, project, disclosure_id)
    context = _project_context(request, project, "disclosures")
    context.update({"disclosure": disclosure, "is_draft": disclosure.status == DisclosureStatus.DRAFT})
    return render(request, "office/funds/disclosure.html", context)


@funds_view
@require_http_methods(["GET", "POST"])
def disclosure_edit(request, code: str, disclosure_id: int):
    project = _project(request, code)
    disclosure = _disclosure(request, project, disclosure_id)
    _require_manage(request, project)
    if disclosure.status != DisclosureStatus.DRAFT:
        messages.error(request, "已公示的内容不能修改。")
        return redirect("office_funds:disclosure", code=project.code, disclosure_id=disclosure.pk)
    form = NoticeForm(posted(request), initial={"title": disclosure.title, "body": disclosure.body})
    done = act_on_form(
        request,
        form,
        lambda data: services.edit_disclosure(
            actor=request.user, disclosure_id=disclosure.pk, title=data["title"], body=data["body"]
        ),
        done=lambda _: succeeded(
            request, "草稿已保存。", "office_funds:disclosure", code=project.code, disclosure_id=disclosure.pk
        ),
    )
    if done:
        return done
    context = _project_context(request, project, "disclosures")
    context.update({"form": form, "creating": False, "disclosure": disclosure})
    return render(request, "office/funds/disclosure_form.html", context)


@funds_view
@require_http_methods(["GET", "POST"])
def disclosure_publish(request, code: str, disclosure_id: int):
    """公示: draft → published, confirmed (irreversible; audited by the service)."""
    project = _project(request, code)
    disclosure = _disclosure(request, project, disclosure_id)
    _require_manage(request, project)
    return confirm_view(
        request,
        act=lambda: services.publish_disclosure(actor=request.user, disclosure_id=disclosure.pk),
        done=lambda _: succeeded(
            request,
            f"已公示：{disclosure.title}。本小区业主现在可以查看。",
            "office_funds:disclosure",
            code=project.code,
            disclosure_id=disclosure.pk,
        ),
        template="office/funds/disclosure_publish.html",
        context=lambda: {**_project_context(request, project, "disclosures"), "disclosure": disclosure},
    )
