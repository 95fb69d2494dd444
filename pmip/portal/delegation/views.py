"""Owner pages of 委托管理 (delegation), 被委托人认证 (delegate verification) and 申请线下认证 (offline verification).

Every page needs an owner account (request.user, kind owner). Anonymous visitors get a "请先登录" page; other
accounts a plain refusal. Views validate input, call a service or selector, and render.
"""

from __future__ import annotations

import functools
import io

from captcha.fields import CaptchaField
from captcha.helpers import captcha_image_url
from captcha.models import CaptchaStore
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from pmip.core.errors import DomainError, NotFound, ValidationFailed
from pmip.core.masking import mask_name, mask_phone
from pmip.core.middleware import client_ip
from pmip.delegation import selectors, services
from pmip.identity import offline
from pmip.identity.models import AccountKind, OfflineVerificationStatus, VerificationMethod
from pmip.identity.selectors import verification_status_of
from pmip.portal.delegation.forms import DelegateForm, GrantForm, OfflineApplyForm
from pmip.portal.views import domain_errors

LOGIN_URL_NAMES = ("portal_account:login",)


def _login_url(request: HttpRequest) -> str:
    for name in LOGIN_URL_NAMES:
        try:
            return f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"
        except NoReverseMatch:
            continue
    return ""


def owner_required(*, title: str, back: str):
    """An owner account is logged in; otherwise a "请先登录" page (or a refusal for staff accounts)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                context = {
                    "page_title": title,
                    "back_url": reverse(back),
                    "login_url": _login_url(request),
                    "tab": "mine",
                }
                return render(request, "portal/delegation/login_required.html", context)
            if user.kind != AccountKind.OWNER:
                context = {
                    "page_title": title,
                    "message": "请使用业主账号（微信或手机号登录）办理此项业务。",
                    "status": 403,
                    "back_url": reverse(back),
                }
                return render(request, "portal/error.html", context, status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# --- 委托管理 -------------------------------------------------------------------------------------------------


@owner_required(title="委托管理", back="portal:service")
@never_cache
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    given = list(selectors.delegations_given(account=request.user))
    for delegation in given:
        delegation.mobile_masked = mask_phone(delegation.delegate_mobile)
    context = {
        "page_title": "委托管理",
        "back_url": reverse("portal:service"),
        "tab": "mine",
        "given": given,
        "has_projects": selectors.grantable_projects(account=request.user).exists(),
        "received_count": selectors.delegations_received(account=request.user).count(),
    }
    return render(request, "portal/delegation/index.html", context)


@owner_required(title="发起委托", back="portal_delegation:index")
@require_http_methods(["GET", "POST"])
def grant(request: HttpRequest) -> HttpResponse:
    projects = selectors.grantable_projects(account=request.user)
    form = GrantForm(request.POST or None, projects=projects)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            delegation = services.grant_delegation(
                actor=request.user,
                project=data["project"],
                delegate_name=data["delegate_name"],
                delegate_mobile=data["delegate_mobile"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                f"委托已生效：{delegation.project.name} → {mask_name(delegation.delegate_name)}"
                f"（{mask_phone(delegation.delegate_mobile)}）。",
            )
            return redirect("portal_delegation:index")
    context = {
        "page_title": "发起委托",
        "back_url": reverse("portal_delegation:index"),
        "tab": "mine",
        "form": form,
        "has_projects": projects.exists(),
        "cap": selectors.max_principals(),
    }
    return render(request, "portal/delegation/grant.html", context, status=422 if form.errors else 200)


@owner_required(title="解除委托", back="portal_delegation:index")
@domain_errors(back="portal_delegation:index")
@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = selectors.get_own_delegation(account=request.user, delegation_id=pk)
    if delegation is None:
        raise NotFound("未找到该委托。")
    if request.method == "POST":
        services.revoke_delegation(actor=request.user, delegation_id=pk)
        messages.success(request, f"已解除对{mask_name(delegation.delegate_name)}的委托。")
        return redirect("portal_delegation:index")
    context = {
        "page_title": "解除委托",
        "back_url": reverse("portal_delegation:index"),
        "tab": "mine",
        "delegation": delegation,
        "mobile_masked": mask_phone(delegation.delegate_mobile),
    }
    return render(request, "portal/delegation/revoke.html", context)


# --- 被委托人认证 ---------------------------------------------------------------------------------------------


def _captcha_context() -> dict:
    key = CaptchaStore.generate_key()
    return {"captcha_key": key, "captcha_image": captcha_image_url(key)}


def _check_captcha(request: HttpRequest) -> None:
    """获取验证码 sends an SMS to a typed number: a 图形验证码 first, like every other code request."""
    try:
        CaptchaField().clean([request.POST.get("captcha_0", ""), request.POST.get("captcha_1", "")])
    except ValidationError as exc:
        raise ValidationFailed(
            "图形验证码错误，请重新输入。", field="captcha", code="captcha_invalid"
        ) from exc


@owner_required(title="被委托人认证", back="portal:mine")
@never_cache
@require_http_methods(["GET", "POST"])
def delegate(request: HttpRequest) -> HttpResponse:
    form = DelegateForm(request.POST or None)
    sent_to = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "verify":
                linked = services.verify_delegate(
                    actor=request.user, name=data["name"], mobile=data["mobile"], code=data["code"]
                )
            else:
                _check_captcha(request)
                sent = services.send_delegate_code(
                    actor=request.user, mobile=data["mobile"], ip=client_ip(request)
                )
                sent_to = sent.masked_mobile
                linked = None
        except DomainError as exc:
            _form_error(form, exc)
        else:
            if linked is not None:
                names = "、".join(sorted({d.project.name for d in linked}))
                messages.success(request, f"被委托人认证成功，您可以代委托人办理：{names}。")
                return redirect("portal_delegation:delegate")
    received = list(selectors.delegations_received(account=request.user))
    context = {
        "page_title": "被委托人认证",
        "back_url": reverse("portal:mine"),
        "tab": "mine",
        "form": form,
        "sent_to": sent_to,
        **_captcha_context(),
        "received": [(d, mask_name(selectors.owner_display_name(d.owner))) for d in received],
    }
    return render(request, "portal/delegation/delegate.html", context, status=422 if form.errors else 200)


# --- 申请线下认证 ---------------------------------------------------------------------------------------------


@owner_required(title="线下认证", back="portal:mine")
@never_cache
@require_http_methods(["GET", "POST"])
def offline_apply(request: HttpRequest) -> HttpResponse:
    identity = offline.owner_identity_of(account=request.user)
    projects = offline.bound_projects(account=request.user)
    applications = offline.my_applications(account=request.user)
    pending = next((a for a in applications if a.status == OfflineVerificationStatus.PENDING), None)
    form = OfflineApplyForm(request.POST or None, projects=projects)
    if request.method == "POST" and form.is_valid():
        try:
            offline.apply_offline_verification(actor=request.user, project=form.cleaned_data["project"])
        except ValidationFailed as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                "已提交线下认证申请，请携带产权证明和身份证件，联系该小区业委会（筹备组）或街道办办理。",
            )
            return redirect("portal_delegation:offline")
    context = {
        "page_title": "线下认证",
        "back_url": reverse("portal:mine"),
        "tab": "mine",
        "identity": identity,
        "verified": identity is not None and identity.verification != VerificationMethod.NONE,
        "verification_status": verification_status_of(actor=request.user),
        "form": form,
        "has_projects": projects.exists(),
        "applications": applications,
        "retention_days": offline.evidence_retention_days(),
        "pending": pending,
    }
    return render(request, "portal/delegation/offline.html", context, status=422 if form.errors else 200)


@owner_required(title="线下认证材料", back="portal_delegation:offline")
@domain_errors(back="portal_delegation:offline")
@require_GET
def offline_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    evidence, data = offline.open_evidence(actor=request.user, evidence_id=pk)  # Gone: the 410 page says why
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
