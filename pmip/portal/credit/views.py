"""我的信用: a natural person's own credit records (full), and 异议 (dispute) on an entry. Owner log-in."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from pmip.core.errors import DomainError, NotFound
from pmip.credit import selectors, services
from pmip.credit.models import CreditDispute, CreditEntry
from pmip.portal.account.decorators import owner_login_required
from pmip.portal.views import domain_errors


@owner_login_required
@never_cache
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    subjects = list(selectors.own_subjects(actor=request.user))
    disputes = {
        d.entry_id: d for d in CreditDispute.objects.filter(filed_by=request.user).order_by("filed_at")
    }
    context = {
        "page_title": "我的信用",
        "back_url": reverse("portal:account"),
        "tab": "account",
        "subjects": subjects,
        "disputes": disputes,
    }
    return render(request, "portal/credit/mine.html", context)


@owner_login_required
@never_cache
@require_http_methods(["GET", "POST"])
@domain_errors(back="portal_credit:mine")
def dispute(request: HttpRequest) -> HttpResponse:
    try:
        entry_id = int(request.GET.get("entry") or request.POST.get("entry") or "")
    except ValueError:
        raise NotFound() from None
    entry = CreditEntry.objects.select_related("subject", "subject__project").filter(pk=entry_id).first()
    if entry is None or not selectors.is_own(request.user, entry.subject):
        raise NotFound()
    error = None
    reasons = ""
    if request.method == "POST":
        reasons = request.POST.get("reasons", "")[:2000]
        try:
            services.file_dispute(
                actor=request.user,
                entry_id=entry.pk,
                reasons=reasons,
                attachment=request.FILES.get("attachment"),
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(
                request, "异议已提交，该信息显示为“异议处理中”。发布单位将在期限内处理并通知您。"
            )
            return redirect("portal_credit:mine")
    context = {
        "page_title": "提出异议",
        "back_url": reverse("portal_credit:mine"),
        "tab": "account",
        "entry": entry,
        "reasons": reasons,
        "error": error,
    }
    return render(request, "portal/credit/dispute.html", context, status=422 if error else 200)
