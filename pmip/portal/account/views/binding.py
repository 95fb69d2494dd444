"""业主身份绑定 pages, step by step (owner manual ch. 1): 温馨提示, the form, face consent, the units to bind, the
bound houses and 解除所有绑定."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from pmip.core import clock
from pmip.core.errors import DomainError
from pmip.core.masking import mask_name
from pmip.identity import binding as binding_services
from pmip.identity import owner_services as owner
from pmip.identity import selectors
from pmip.identity.models import SmsPurpose
from pmip.integrations.faceid import FaceSessionExpired
from pmip.portal.account.decorators import login_url, owner_login_required
from pmip.portal.account.forms import (
    AgreementForm,
    BindingForm,
    FaceConsentForm,
    UnbindForm,
)
from pmip.portal.account.views.common import (
    LOOKUP_ERRORS,
    SESSION_AGREED,
    agreement_time,
    apply_error,
    captcha_context,
    face_failure,
    face_return_url,
    in_wechat,
    keep_pending,
    pending_token,
    render_page,
    run_lookup,
    send_sms_code,
    sms_response,
)
from pmip.portal.htmx import is_htmx_partial


def binding(request: HttpRequest) -> HttpResponse:
    """业主身份绑定 (the menu entry): the bound page when houses are bound, else the 温馨提示 page.

    Not logged in: in WeChat straight to the (silent) web authorisation; elsewhere a page that offers the log-in.
    """
    if not owner.is_owner(request.user):
        if in_wechat(request) and not request.user.is_authenticated:
            return redirect(login_url(request.get_full_path()))
        staff = request.user.is_authenticated
        return render_page(
            request,
            "portal/account/message.html",
            {
                "page_title": "业主身份绑定",
                "back_url": reverse("portal:mine"),
                "icon": "info",
                "title": "请先登录" if not staff else "请使用业主账号登录",
                "message": "业主身份绑定需要先登录：在微信中打开将自动授权登录，也可以使用手机号和短信验证码登录。"
                if not staff
                else "工作人员账号不能办理业主身份绑定，请退出后使用业主账号（微信或手机号）登录。",
                "actions": [(login_url(request.get_full_path()), "登录后办理", "primary")],
            },
        )
    bindings = list(selectors.active_bindings_of(actor=request.user))
    if not bindings:
        return redirect("portal_account:binding_notice")
    profile = selectors.owner_profile(actor=request.user)
    return render_page(
        request,
        "portal/account/binding_bound.html",
        {
            "page_title": "业主身份绑定",
            "back_url": reverse("portal:mine"),
            "profile": profile,
            "bindings": bindings,
            "offline_materials": selectors.OFFLINE_MATERIALS,
        },
    )


@require_http_methods(["GET", "POST"])
@owner_login_required
def binding_notice(request: HttpRequest) -> HttpResponse:
    """温馨提示 with the 《用户协议》: tick "我已经阅读了《用户协议》" to go on."""
    form = AgreementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        request.session[SESSION_AGREED] = clock.now().timestamp()
        return redirect("portal_account:binding_form")
    return render_page(
        request,
        "portal/account/binding_notice.html",
        {"page_title": "温馨提示", "back_url": reverse("portal:mine"), "form": form},
    )


@require_http_methods(["GET", "POST"])
@owner_login_required
def binding_form(request: HttpRequest) -> HttpResponse:
    """业主身份绑定 form; 获取验证码 answers with an htmx fragment (or the whole page without JavaScript)."""
    agreed_at = agreement_time(request)
    if agreed_at is None:
        messages.info(request, "请先阅读并勾选“我已经阅读了《用户协议》”。")
        return redirect("portal_account:binding_notice")
    box: dict = {"sms_url": request.path}
    if request.method == "POST" and request.POST.get("action") == "send_code":
        box = send_sms_code(request, purpose=SmsPurpose.BINDING)
        if is_htmx_partial(request):
            return sms_response(request, box)
        form = BindingForm(initial={k: request.POST.get(k, "") for k in ("holder_name", "id_type", "mobile")})
    elif request.method == "POST":
        form = BindingForm(request.POST)
        if form.is_valid():
            try:
                started = binding_services.start_binding(
                    actor=request.user, agreement_accepted_at=agreed_at, **form.cleaned_data
                )
            except DomainError as exc:
                apply_error(form, exc)
            else:
                keep_pending(request, started.state)
                if started.needs_face:
                    return redirect("portal_account:binding_face")
                return run_lookup(request, started.state)
    else:
        identity = selectors.owner_identity_of(actor=request.user)
        form = BindingForm(
            initial={"mobile": _national(request.user.mobile or (identity.mobile if identity else ""))}
        )
    return render_page(
        request,
        "portal/account/binding_form.html",
        {
            "page_title": "业主身份绑定",
            "back_url": reverse("portal_account:binding_notice"),
            "form": form,
            **box,
            **captcha_context(),
        },
    )


def _national(mobile: str) -> str:
    return mobile[3:] if mobile.startswith("+86") else mobile


@require_http_methods(["GET", "POST"])
@owner_login_required
def binding_face(request: HttpRequest) -> HttpResponse:
    """人脸识别信息确认: separate consent to face data, then off to the provider."""
    token = pending_token(request)
    try:
        pending = binding_services.open_pending(actor=request.user, token=token)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal_account:binding_notice")
    if request.method == "POST" and request.POST.get("action") == "decline":
        try:
            declined = binding_services.decline_face(actor=request.user, state=token)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("portal_account:binding_form")
        keep_pending(request, declined)
        return run_lookup(request, declined)
    form = FaceConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            new_token, session = binding_services.start_face(
                actor=request.user,
                state=token,
                face_consent=form.cleaned_data["consent"],
                redirect_url=face_return_url(request, "portal_account:binding_face_return"),
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            keep_pending(request, new_token)
            return HttpResponseRedirect(session.url)
    return render_page(
        request,
        "portal/account/binding_face.html",
        {
            "page_title": "人脸识别信息确认",
            "back_url": reverse("portal_account:binding_form"),
            "form": form,
            "holder_masked": mask_name(pending.holder_name),
            "id_masked": pending.id_masked,
            "action_url": reverse("portal_account:binding_face"),
        },
    )


@owner_login_required
def binding_face_return(request: HttpRequest) -> HttpResponse:
    """Back from the provider: only the server-side result query decides; then look the houses up."""
    token = pending_token(request)
    try:
        new_token = binding_services.complete_face(
            actor=request.user, state=token, callback_code=request.GET.get("code", "")
        )
    except binding_services.BindingExpired as exc:
        messages.error(request, exc.message)
        return redirect("portal_account:binding_notice")
    except (FaceSessionExpired, DomainError) as exc:
        return face_failure(
            request,
            exc,
            retry_url=reverse("portal_account:binding_face"),
            back_url=reverse("portal_account:binding_form"),
        )
    keep_pending(request, new_token)
    return run_lookup(request, new_token)


@require_http_methods(["GET", "POST"])
@owner_login_required
def binding_units(request: HttpRequest) -> HttpResponse:
    """可绑定的房屋列表 (tick and 提交绑定), or the look-up's error in the manual's words."""
    token = pending_token(request)
    try:
        pending = binding_services.open_pending(actor=request.user, token=token)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal_account:binding")
    error = ""
    if request.method == "POST" and request.POST.get("action") == "lookup":
        return run_lookup(request, token)
    if request.method == "POST":
        try:
            binding_services.bind_units(
                actor=request.user, state=token, unit_ids=request.POST.getlist("unit_ids")
            )
        except DomainError as exc:
            error = exc.message
        else:
            keep_pending(request, None)
            request.session.pop(SESSION_AGREED, None)
            messages.success(request, "绑定成功。")
            return redirect("portal_account:binding")
    if pending.lookup_error:
        return render_page(
            request,
            "portal/account/binding_lookup_error.html",
            {
                "page_title": "业主身份绑定",
                "back_url": reverse("portal_account:binding_form"),
                "code": pending.lookup_error,
                "message": LOOKUP_ERRORS.get(pending.lookup_error, ""),
                "missing": pending.missing,
                "mode": pending.mode,
            },
        )
    if pending.candidates is None:
        return redirect("portal_account:binding_form")
    result = binding_services.describe_lookup(actor=request.user, pending=pending)
    return render_page(
        request,
        "portal/account/binding_units.html",
        {
            "page_title": "可绑定的房屋",
            "back_url": reverse("portal_account:binding"),
            "result": result,
            "error": error,
            "selected": {int(v) for v in request.POST.getlist("unit_ids") if v.isdigit()},
        },
    )


@require_POST
@owner_login_required
def binding_add(request: HttpRequest) -> HttpResponse:
    """添加房屋绑定: look the identity on file up again."""
    return run_lookup(request, None)


@owner_login_required
def binding_detail(request: HttpRequest, binding_id: int) -> HttpResponse:
    """One of the owner's own bound houses (any other id: 404)."""
    try:
        item = selectors.get_binding_of(actor=request.user, binding_id=binding_id)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    return render_page(
        request,
        "portal/account/binding_detail.html",
        {"page_title": "已绑定房屋", "back_url": reverse("portal_account:binding"), "item": item},
    )


@require_http_methods(["GET", "POST"])
@owner_login_required
def binding_unbind(request: HttpRequest) -> HttpResponse:
    """解除所有绑定 — a confirmation step first."""
    form = UnbindForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            count = binding_services.unbind_all(actor=request.user, confirm=form.cleaned_data["confirm"])
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已解除{count}套房屋的绑定。")
            return redirect("portal:mine")
    bindings = list(selectors.active_bindings_of(actor=request.user))
    if not bindings and request.method == "GET":
        return redirect("portal_account:binding")
    return render_page(
        request,
        "portal/account/binding_unbind.html",
        {
            "page_title": "解除所有绑定",
            "back_url": reverse("portal_account:binding"),
            "form": form,
            "bindings": bindings,
        },
    )
