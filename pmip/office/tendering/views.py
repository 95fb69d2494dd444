"""Back office: 招标投标 — tenders of the projects in scope; create, add bidders, record each step in order,
correct a step (a new version), attach files. Staff outside the scope get 404; read-only roles read."""

from __future__ import annotations

import os

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from pmip.core import clock
from pmip.core.errors import DomainError, NotFound
from pmip.office.views import office_required
from pmip.tendering import selectors, services
from pmip.tendering.choices import Step, TendererKind, TenderMethod

PER_PAGE = 20


class TenderForm(forms.Form):
    project_code = forms.CharField(label="物业项目编号", max_length=20)
    title = forms.CharField(label="招标项目名称", max_length=120)
    tenderer_kind = forms.ChoiceField(label="招标人", choices=TendererKind.choices)
    meeting_id = forms.IntegerField(
        label="决定招标的业主决策会议编号", required=False, min_value=1, max_value=10**12,
        help_text="业主大会招标时必填",
    )  # fmt: skip
    method = forms.ChoiceField(label="招标方式", choices=TenderMethod.choices)
    agent = forms.CharField(label="招标代理机构", max_length=120, required=False)
    announcement_days = forms.IntegerField(
        label="招标公告公示期（工作日）", min_value=1, max_value=60, initial=5
    )
    result_days = forms.IntegerField(label="结果公示期（工作日）", min_value=1, max_value=60, initial=3)


class StepForm(forms.Form):
    step = forms.ChoiceField(label="阶段", choices=Step.choices)
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="说明", max_length=500, required=False)
    winner_bidder_id = forms.IntegerField(label="中标人", required=False, min_value=1, max_value=10**12)


class CorrectForm(forms.Form):
    step = forms.ChoiceField(label="阶段", choices=Step.choices)
    date = forms.DateField(label="更正后的日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="说明", max_length=500, required=False)
    reason = forms.CharField(label="更正原因", max_length=300)


class BidderForm(forms.Form):
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18)


class DocumentForm(forms.Form):
    step_id = forms.IntegerField(min_value=1, max_value=10**12)
    title = forms.CharField(label="文件名称", max_length=100)
    upload = forms.FileField(label="文件（PDF、JPG或PNG）")


def _error(request, form: forms.Form, exc: DomainError) -> None:
    if exc.field and exc.field in form.fields:
        form.add_error(exc.field, exc.message)
    else:
        messages.error(request, exc.message)


@office_required
def tender_list(request):
    q = request.GET.get("q", "")[:50]
    page = Paginator(selectors.tenders_for_staff(actor=request.user, q=q), PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [{"tender": t, "stage": selectors.current_stage(t)} for t in page.object_list]
    return render(
        request,
        "office/tendering/list.html",
        {"page": page, "rows": rows, "q": q, "may_manage": services.may_manage(request.user)},
    )


@office_required
def tender_create(request):
    if not services.may_manage(request.user):
        return render(request, "office/forbidden.html", status=403)
    form = TenderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tender = services.create_tender(
                actor=request.user,
                project_id=services.managed_project_id(actor=request.user, code=data["project_code"]),
                title=data["title"],
                tenderer_kind=data["tenderer_kind"],
                method=data["method"],
                agent=data["agent"],
                meeting_id=data["meeting_id"],
                announcement_days=data["announcement_days"],
                result_days=data["result_days"],
            )
        except DomainError as exc:
            _error(request, form, exc)
        else:
            messages.success(request, "已登记招标项目。")
            return redirect("office_tendering:detail", tender.pk)
    return render(request, "office/tendering/create.html", {"form": form})


def _detail_context(request, tender, **forms_):
    timeline = selectors.timeline(tender)
    next_step = next((i.step for i in timeline if i.current is None), None)
    bidders = selectors.bidders(tender)
    return {
        "tender": tender,
        "timeline": timeline,
        "bidders": bidders,
        "credit_available": selectors.credit_available(),
        "may_manage": services.may_manage(request.user),
        "next_step": next_step,
        "next_label": Step(next_step).label if next_step else "",
        "step_form": forms_.get("step_form") or StepForm(initial={"step": next_step, "date": clock.today()}),
        "correct_form": forms_.get("correct_form") or CorrectForm(),
        "bidder_form": forms_.get("bidder_form") or BidderForm(),
        "document_form": forms_.get("document_form") or DocumentForm(),
        "may_add_bidders": services.may_manage(request.user)
        and all(i.current is None for i in timeline if i.step == Step.OPENING),
    }


@office_required
def tender_detail(request, pk: int):
    tender = selectors.get_tender_for_staff(actor=request.user, tender_id=pk)
    return render(request, "office/tendering/detail.html", _detail_context(request, tender))


def _post(request, pk: int, form_class, name: str, action):
    tender = selectors.get_tender_for_staff(actor=request.user, tender_id=pk)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            text = action(tender, form.cleaned_data)
        except DomainError as exc:
            _error(request, form, exc)
        else:
            messages.success(request, text)
            return redirect("office_tendering:detail", tender.pk)
    return render(
        request, "office/tendering/detail.html", _detail_context(request, tender, **{name: form}), status=422
    )


@require_POST
@office_required
def record_step(request, pk: int):
    def action(tender, data):
        row = services.record_step(
            actor=request.user, tender_id=tender.pk, step=data["step"], date=data["date"], note=data["note"],
            winner_bidder_id=data["winner_bidder_id"],
        )  # fmt: skip
        return f"已登记“{row.get_step_display()}”，并已向本小区业主推送消息。"

    return _post(request, pk, StepForm, "step_form", action)


@require_POST
@office_required
def correct_step(request, pk: int):
    def action(tender, data):
        row = services.correct_step(
            actor=request.user, tender_id=tender.pk, step=data["step"], date=data["date"], note=data["note"],
            reason=data["reason"],
        )  # fmt: skip
        return f"已更正“{row.get_step_display()}”（第{row.version}版），并已向本小区业主推送更正消息。"

    return _post(request, pk, CorrectForm, "correct_form", action)


@require_POST
@office_required
def add_bidder(request, pk: int):
    def action(tender, data):
        services.add_bidder(actor=request.user, tender_id=tender.pk, credit_code=data["credit_code"])
        return "已添加投标人。"

    return _post(request, pk, BidderForm, "bidder_form", action)


@require_POST
@office_required
def upload_document(request, pk: int):
    def action(tender, data):
        if not tender.steps.filter(pk=data["step_id"]).exists():
            raise NotFound("未找到该阶段。")
        services.upload_document(
            actor=request.user, step_id=data["step_id"], title=data["title"], upload=data["upload"]
        )
        return "已上传文件。"

    return _post(request, pk, DocumentForm, "document_form", action)


@office_required
def document(request, document_id: int):
    try:
        doc = selectors.document_for_staff(actor=request.user, document_id=document_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    handle = services.open_document(doc)
    if handle is None:
        raise Http404("文件不存在。")
    return FileResponse(handle, content_type=doc.content_type, filename=os.path.basename(doc.stored_name))
