"""Back office → 微信决策管理 → 线下认证 (offline verification), and the house-information queue (房屋信息补录).

Views validate input, call a selector or a service of `pmip.identity.offline`, and render. Applications, evidence
and submissions outside the user's scope are 404 (the `office_required` wrapper turns NotFound into the 404 page),
for GET and POST alike. The ID number typed by the officer travels only in a POST body.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pmip.core.errors import Gone, PermissionDenied, ValidationFailed
from pmip.core.idnumbers import ID_TYPES
from pmip.core.masking import mask_id, mask_name
from pmip.identity import offline
from pmip.identity.models import HouseInfoSubmission, OfflineEvidence, OfflineVerificationStatus
from pmip.office.verification.forms import (
    ApproveForm,
    EvidenceForm,
    IdNumberForm,
    RejectForm,
    SubmissionFilterForm,
    SubmissionReplyForm,
)
from pmip.office.views import office_required

QUEUE_PAGE_SIZE = 20


def _not_a_verifier(request):
    return render(
        request,
        "office/verification/offline_search.html",
        {"form": None, "is_verifier": False},
        status=403 if request.method == "POST" else 200,
    )


@office_required
@never_cache
@require_http_methods(["GET", "POST"])
def offline_search(request):
    """输入证件号码 → the person's applications in the user's scope."""
    if not offline.is_verifier(request.user):
        return _not_a_verifier(request)
    form = IdNumberForm(request.POST or None)
    results = None
    searched = ""
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["id_number"]
        try:
            results = offline.find_applications(actor=request.user, id_number=number)
            for item in results:
                item.holder_masked = mask_name(item.identity.holder_name)
        except ValidationFailed as exc:
            form.add_error("id_number", exc.message)
        except PermissionDenied:
            return _not_a_verifier(request)
        else:
            searched = mask_id(number.strip().upper())
            form = IdNumberForm()  # the number is not echoed back into the page
    context = {
        "form": form,
        "is_verifier": True,
        "results": results,
        "searched": searched,
        "pending_count": offline.pending_count_for_verifier(actor=request.user),
    }
    return render(request, "office/verification/offline_search.html", context)


def _detail_context(request, application, **forms) -> dict:
    evidence = offline.evidence_of(application=application)
    present = {e.kind for e in evidence}
    pending = application.status == OfflineVerificationStatus.PENDING
    return {
        "application": application,
        "identity": application.identity,
        "holder_masked": mask_name(application.identity.holder_name),
        "id_type_label": ID_TYPES.get(application.identity.id_type, application.identity.id_type),
        "titles": offline.titles_to_check(application=application),
        "evidence": evidence,
        "kinds": [(kind, label, kind in present) for kind, label in OfflineEvidence.Kind.choices],
        "missing": [label for kind, label in OfflineEvidence.Kind.choices if kind not in present],
        "pending": pending,
        "evidence_form": forms.get("evidence_form") or EvidenceForm(),
        "approve_form": forms.get("approve_form") or ApproveForm(),
        "reject_form": forms.get("reject_form") or RejectForm(),
        "max_mb": offline.evidence_max_bytes() // (1024 * 1024),
        "retention_days": offline.evidence_retention_days(),
    }


@office_required
@never_cache
@require_GET
def offline_detail(request, pk: int):
    application = offline.get_application_for_verifier(actor=request.user, application_id=pk)
    return render(request, "office/verification/offline_detail.html", _detail_context(request, application))


@office_required
@require_POST
def offline_upload(request, pk: int):
    application = offline.get_application_for_verifier(actor=request.user, application_id=pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            rows = offline.add_evidence(actor=request.user, application_id=pk, files=form.files_by_kind())
        except ValidationFailed as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request, f"已上传{len(rows)}个文件：{'、'.join(r.get_kind_display() for r in rows)}。"
            )
            return redirect("office_verification:offline_detail", pk=pk)
    context = _detail_context(request, application, evidence_form=form)
    return render(request, "office/verification/offline_detail.html", context, status=422)


@office_required
@require_POST
def offline_approve(request, pk: int):
    application = offline.get_application_for_verifier(actor=request.user, application_id=pk)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            offline.approve_offline_verification(actor=request.user, application_id=pk)
        except ValidationFailed as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "线下认证已通过，业主的身份状态已更新为“已人脸认证（线下）”。")
            return redirect("office_verification:offline_detail", pk=pk)
    context = _detail_context(request, application, approve_form=form)
    return render(request, "office/verification/offline_detail.html", context, status=422)


@office_required
@require_POST
def offline_reject(request, pk: int):
    application = offline.get_application_for_verifier(actor=request.user, application_id=pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            offline.reject_offline_verification(
                actor=request.user, application_id=pk, reason=form.cleaned_data["reason"]
            )
        except ValidationFailed as exc:
            form.add_error("reason" if exc.field == "reason" else None, exc.message)
        else:
            messages.success(request, "已标记为不通过，业主将收到通知和原因。")
            return redirect("office_verification:offline_detail", pk=pk)
    context = _detail_context(request, application, reject_form=form)
    return render(request, "office/verification/offline_detail.html", context, status=422)


def evidence_response(evidence: OfflineEvidence, data: bytes) -> FileResponse:
    """The decrypted file with its sniffed type: images inline, PDFs as a download; never cached."""
    response = FileResponse(
        io.BytesIO(data),
        content_type=evidence.content_type,
        as_attachment=evidence.content_type == "application/pdf",
        filename=offline.evidence_filename(evidence),
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = offline.EVIDENCE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    return response


@office_required
@require_GET
def evidence_file(request, pk: int):
    try:
        evidence, data = offline.open_evidence(actor=request.user, evidence_id=pk)
    except Gone as exc:  # deleted under the retention rule, or does not decrypt: 410 with the reason
        return render(
            request, "office/not_found.html", {"message": exc.message, "title": "材料不可查看"}, status=410
        )
    return evidence_response(evidence, data)


# --- house-information queue --------------------------------------------------------------------------------


@office_required
@require_GET
def house_queue(request):
    if not offline.handles_house_queue(request.user):
        return render(request, "office/verification/house_queue.html", {"handles": False})
    form = SubmissionFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    qs = offline.house_submissions_for_staff(actor=request.user, status=status)
    page = Paginator(qs, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "office/verification/house_queue.html",
        {"handles": True, "form": form, "page": page, "status": status},
    )


@office_required
@never_cache
@require_http_methods(["GET", "POST"])
def house_detail(request, pk: int):
    submission = offline.get_house_submission_for_staff(actor=request.user, submission_id=pk)
    form = SubmissionReplyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            handle = (
                offline.resolve_house_submission
                if form.cleaned_data["decision"] == "resolve"
                else offline.reject_house_submission
            )
            try:
                handle(actor=request.user, submission_id=pk, reply=form.cleaned_data["reply"])
            except ValidationFailed as exc:
                form.add_error("reply" if exc.field == "reply" else None, exc.message)
            else:
                messages.success(request, "已处理，业主将收到答复。")
                return redirect("office_verification:house_queue")
        status = 422
    return render(
        request,
        "office/verification/house_detail.html",
        {
            "submission": submission,
            "form": form,
            "pending": submission.status == HouseInfoSubmission.Status.PENDING,
        },
        status=status,
    )
