"""信用信息 back office: subjects and their good/bad entries (city and district offices in scope), the
all-or-nothing import, disputes (uphold or withdraw), inspection scores, the risk list and the credit policy.
Views never write models: everything goes through `pmip.credit.services`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from pmip.core import clock
from pmip.core.errors import DomainError, NotFound, ValidationFailed
from pmip.credit import scoring, selectors, services
from pmip.credit.choices import Category, Polarity, Severity, SubjectKind
from pmip.credit.models import CreditDispute
from pmip.identity.scopes import is_city
from pmip.jobs.models import JobKind
from pmip.office.jobs.views import start as start_job
from pmip.office.views import office_required

PAGE_SIZE = 20
MAX_UPLOAD = 5 * 1024 * 1024


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _date(value):
    try:
        return dt.date.fromisoformat((value or "").strip()[:10]) if value else None
    except ValueError:
        return "bad"


@office_required
@require_http_methods(["GET"])
def subjects(request):
    kind = request.GET.get("kind", "")
    query = request.GET.get("q", "")[:50]
    page = Paginator(
        selectors.office_subjects(actor=request.user, kind=kind, query=query), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "office/credit/subjects.html",
        {"page": page, "kind": kind, "kinds": SubjectKind.choices, "query": query},
    )


@office_required
@require_http_methods(["GET", "POST"])
def subject_new(request):
    error = None
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            from pmip.registry.models import PropertyCompany

            company = None
            if values.get("credit_code"):
                company = PropertyCompany.objects.filter(
                    credit_code=values.get("credit_code", "")[:18]
                ).first()
                if company is None:
                    raise NotFound("未找到该统一社会信用代码的物业企业。")
            subject = services.create_subject(
                actor=request.user,
                kind=values.get("kind", ""),
                name=values.get("name", "")[:100],
                company_id=company.pk if company else None,
                project_code=values.get("project_code", "")[:32],
                role=values.get("role", "")[:60],
                certificate_no=values.get("certificate_no", "")[:60],
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "信用档案已建立。")
            return redirect("office_credit:subject", subject.pk)
    return render(
        request,
        "office/credit/subject_new.html",
        {"kinds": SubjectKind.choices, "error": error, "values": values},
        status=422 if error else 200,
    )


@office_required
@require_http_methods(["GET", "POST"])
def subject(request, subject_id: int):
    s = selectors.get_subject(subject_id=subject_id)
    if not selectors.office_may_manage(request.user, s):
        raise NotFound()
    error = None
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            if form.get("action") == "inspection":
                services.record_inspection_score(
                    actor=request.user,
                    subject_id=s.pk,
                    year=_int(form.get("year"), -1),
                    score=_int(form.get("score"), -1),
                )
                messages.success(request, "考核得分已保存。")
            else:
                issued = _date(form.get("issued_on"))
                until = _date(form.get("valid_until"))
                if issued == "bad" or until == "bad":
                    raise ValidationFailed("日期格式应为 2026-01-31。")
                services.add_entry(
                    actor=request.user,
                    subject_id=s.pk,
                    polarity=form.get("polarity", ""),
                    severity=form.get("severity", ""),
                    category=form.get("category", Category.OTHER),
                    title=form.get("title", "")[:200],
                    description=form.get("description", "")[:2000],
                    points=_int(form.get("points"), -1),
                    document_no=form.get("document_no", "")[:100],
                    issued_on=issued,
                    valid_until=until,
                )
                messages.success(request, "信用信息已录入。")
        except DomainError as exc:
            error = exc.message
        else:
            return redirect("office_credit:subject", s.pk)
    policy = scoring.get_policy()
    result = scoring.subject_score(s, policy)
    context = {
        "s": s,
        "entries": s.entries.prefetch_related("disputes").order_by("-issued_on", "-id"),
        "result": result,
        "counted_ids": {e.pk for e in result.counted},
        "combined": scoring.combined_score(s, policy),
        "fmt": scoring.fmt,
        "inspections": s.inspection_scores.all(),
        "listings": s.risk_listings.order_by("-entered_on"),
        "error": error,
        "form": form,
        "polarities": Polarity.choices,
        "severities": Severity.choices,
        "categories": Category.choices,
        "today": clock.today(),
    }
    return render(request, "office/credit/subject.html", context, status=422 if error else 200)


@office_required
@require_http_methods(["GET", "POST"])
def import_entries(request):
    errors: list = []
    message = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            message = "请选择要导入的文件。"
        elif upload.size > MAX_UPLOAD:
            message = "文件不能超过5MB。"
        else:
            # Run as a back-office job (pmip.jobs): the job's page shows the progress, then the count or every
            # row error; the permission is asked here first, so a refusal needs no job.
            try:
                services.require_import(request.user)
                return start_job(request, kind=JobKind.CREDIT_IMPORT, upload=upload)
            except DomainError as exc:
                message = exc.message
    return render(
        request,
        "office/credit/import.html",
        {"message": message, "errors": errors[:200], "columns": list(services.IMPORT_COLUMNS)},
        status=422 if message else 200,
    )


@office_required
@require_http_methods(["GET"])
def disputes(request):
    pending_only = request.GET.get("all") != "1"
    page = Paginator(
        selectors.office_disputes(actor=request.user, pending_only=pending_only), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "office/credit/disputes.html",
        {"page": page, "pending_only": pending_only, "today": clock.today()},
    )


@office_required
@require_http_methods(["GET", "POST"])
def dispute(request, dispute_id: int):
    d = (
        selectors.office_disputes(actor=request.user, pending_only=False)
        .select_related("filed_by")
        .filter(pk=dispute_id)
        .first()
    )
    if d is None:
        raise NotFound()
    error = error_field = None
    note = ""
    if request.method == "POST":
        note = request.POST.get("note", "")[:2000]
        decision = request.POST.get("decision")
        try:
            if decision not in ("uphold", "withdraw"):
                raise ValidationFailed("请选择维持或撤销。", field="decision")
            if request.POST.get("confirm") != "1":
                raise ValidationFailed("请勾选确认：处理结果将通知异议人且不能更改。", field="confirm")
            services.decide_dispute(
                actor=request.user, dispute_id=d.pk, uphold=decision == "uphold", note=note
            )
        except DomainError as exc:
            error, error_field = exc.message, exc.field
        else:
            messages.success(request, "异议已处理，已通知异议人。")
            return redirect("office_credit:disputes")
    return render(
        request,
        "office/credit/dispute.html",
        {"d": d, "error": error, "error_field": error_field, "note": note, "today": clock.today()},
        status=422 if error else 200,
    )


@office_required
@require_http_methods(["GET"])
def risk(request):
    page = Paginator(selectors.risk_list(current_only=request.GET.get("all") != "1"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "office/credit/risk.html", {"page": page})


@office_required
@require_http_methods(["GET", "POST"])
def policy(request):
    error = None
    current = scoring.get_policy()
    if request.method == "POST":
        values = {f: _int(request.POST.get(f), -1) for f in services.POLICY_FIELDS}
        try:
            services.update_policy(
                actor=request.user,
                values=values,
                public_owner_categories=request.POST.getlist("public_owner_categories")[:20],
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "信用评分规则已保存。")
            return redirect("office_credit:policy")
    fields = [
        (f, POLICY_LABELS[f], getattr(current, f), lo, hi) for f, (lo, hi) in services.POLICY_FIELDS.items()
    ]
    return render(
        request,
        "office/credit/policy.html",
        {
            "fields": fields,
            "policy": current,
            "categories": Category.choices,
            "error": error,
            "city": is_city(request.user),
        },
        status=422 if error else 200,
    )


__all__ = ["CreditDispute"]

POLICY_LABELS = {
    "base_score": "基础分",
    "good_cap": "良好信息加分上限",
    "grade_aaa": "AAA级分数线",
    "grade_aa": "AA级分数线",
    "grade_a": "A级分数线",
    "grade_b": "B级分数线",
    "good_validity_days": "良好信息有效期（天）",
    "minor_validity_days": "轻微不良信息有效期（天）",
    "general_validity_days": "一般不良信息有效期（天）",
    "serious_validity_days": "严重不良信息有效期（天）",
    "dispute_days": "异议处理期限（天）",
    "owner_weight": "业主评价权重（%）",
    "inspection_weight": "主管部门考核权重（%）",
    "risk_threshold": "风险名单综合得分线",
    "risk_clean_days": "移出风险名单需连续达标（天）",
}
