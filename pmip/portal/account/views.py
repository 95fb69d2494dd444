"""Owner account pages (/me/): log-in, log-out, and 业主身份绑定 following the owner manual ch. 1.

Views validate input, call one service and render; they never write models. DomainErrors become form errors (by
their `field`) or a message on the page. The pending binding lives in the session only as the services' sealed
token (`SESSION_BINDING`); the ID number is never in the session in clear.
"""

from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import quote

from captcha.helpers import captcha_image_url
from captcha.models import CaptchaStore
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from pmip.core import clock
from pmip.core.errors import DomainError
from pmip.core.masking import mask_name
from pmip.core.middleware import client_ip
from pmip.identity import binding as binding_services
from pmip.identity import otp, selectors
from pmip.identity import owner_services as owner
from pmip.identity import services as identity_services
from pmip.identity.models import SmsPurpose
from pmip.integrations import embedded_faceid, embedded_wechat, standins
from pmip.integrations.faceid import FaceSessionExpired
from pmip.integrations.wechat import check_state, get_oauth
from pmip.portal.account.decorators import login_url, owner_login_required, safe_next
from pmip.portal.account.forms import (
    AgreementForm,
    BindingForm,
    CaptchaSendForm,
    FaceConsentForm,
    HouseInfoForm,
    PhoneLoginForm,
    StandinAuthorizeForm,
    UnbindForm,
)
from pmip.portal.htmx import is_htmx_partial

SESSION_OAUTH = "pmip_oauth"
SESSION_AGREED = "pmip_binding_agreed_at"
SESSION_BINDING = binding_services.SESSION_KEY
SESSION_SUPPLEMENTARY = binding_services.SUPPLEMENTARY_SESSION_KEY
AGREEMENT_VALID_SECONDS = 30 * 60
LOOKUP_ERRORS = {
    "registry_unavailable": binding_services.MSG_BUSY,
    "title_not_found": binding_services.MSG_NO_TITLE,
    "house_not_found": binding_services.MSG_NO_HOUSE,
}
# Field names the services use that the forms call differently.
FIELD_ALIASES = {"code": "sms_code", "consent": "consent", "face_consent": "consent", "unit_ids": None}


def _in_wechat(request: HttpRequest) -> bool:
    return "micromessenger" in request.headers.get("User-Agent", "").lower()


def _apply_error(form, exc: DomainError) -> None:
    """Attach a service error to the form field it names (or to the whole form)."""
    name = FIELD_ALIASES.get(exc.field, exc.field) if exc.field else None
    form.add_error(name if name in form.fields else None, exc.message)


def _captcha_context() -> dict:
    key = CaptchaStore.generate_key()
    context = {"captcha_key": key, "captcha_image": captcha_image_url(key)}
    if standins.active():  # development only: testers need not read the picture
        context["captcha_answer"] = (
            CaptchaStore.objects.filter(hashkey=key).values_list("response", flat=True).first()
        )
    return context


def _page(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    context.setdefault("tab", "mine")
    return render(request, template, context, status=status)


def _send_code(request: HttpRequest, *, purpose: str) -> dict:
    """获取验证码: check the captcha (one try per picture), then send. Returns the SMS box context."""
    form = CaptchaSendForm(request.POST)
    box: dict = {"sms_url": request.path}
    if not form.is_valid():
        box["sms_error"] = form.first_error()
        return box
    try:
        if purpose == SmsPurpose.OWNER_LOGIN:
            sent = owner.send_owner_login_code(mobile=form.cleaned_data["mobile"], ip=client_ip(request))
        else:
            sent = otp.send_code(
                mobile=form.cleaned_data["mobile"], purpose=purpose, ip=client_ip(request), actor=request.user
            )
    except DomainError as exc:
        box["sms_error"] = exc.message
        if getattr(exc, "retry_after", None):
            box["countdown"] = exc.retry_after
        return box
    box["sms_sent"] = f"验证码已发送至{sent.masked_mobile}，5分钟内有效。"
    box["countdown"] = sent.resend_after_seconds
    return box


def _sms_response(request: HttpRequest, box: dict) -> HttpResponse:
    """The htmx answer to 获取验证码: the SMS box, plus a fresh captcha swapped in out of band."""
    context = {**box, **_captcha_context(), "oob": True}
    return render(request, "portal/account/_sms_send.html", context)


# --------------------------------------------------------------------------------------------------- log-in


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """业主登录. In WeChat: straight to web authorisation. Elsewhere: 手机号 + 图形验证码 + 短信验证码, or WeChat."""
    next_path = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "GET" and _in_wechat(request) and request.GET.get("via") != "phone":
        return redirect(f"{reverse('portal_account:wechat_start')}?next={_quote(next_path)}")
    form = PhoneLoginForm(request.POST if request.method == "POST" else None)
    box: dict = {"sms_url": request.path}
    if request.method == "POST" and request.POST.get("action") == "send_code":
        box = _send_code(request, purpose=SmsPurpose.OWNER_LOGIN)
        if is_htmx_partial(request):
            return _sms_response(request, box)
        form = PhoneLoginForm(initial={"mobile": request.POST.get("mobile", "")})
    elif request.method == "POST" and form.is_valid():
        try:
            account = owner.login_with_phone(
                mobile=form.cleaned_data["mobile"], code=form.cleaned_data["sms_code"]
            )
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            auth_login(request, account, backend="django.contrib.auth.backends.ModelBackend")
            return HttpResponseRedirect(next_path)
    return _page(
        request,
        "portal/account/login.html",
        {
            "page_title": "业主登录",
            "form": form,
            "next": next_path,
            **box,
            **_captcha_context(),
            "tab": "account",
        },
    )


def _quote(value: str) -> str:
    return quote(value, safe="/")


def wechat_start(request: HttpRequest) -> HttpResponse:
    """Send the browser to WeChat's authorise page with a fresh `state` nonce kept in the session (CSRF)."""
    state = secrets.token_hex(16)
    request.session[SESSION_OAUTH] = {"state": state, "next": safe_next(request, request.GET.get("next"))}
    callback = request.build_absolute_uri(reverse("portal_account:wechat_callback"))
    return HttpResponseRedirect(get_oauth().authorize_url(callback, state))


def _login_error(request: HttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    return _page(
        request,
        "portal/account/message.html",
        {
            "page_title": "登录失败",
            "icon": "warn",
            "title": "登录失败",
            "message": message,
            "actions": [(reverse("portal_account:login") + "?via=phone", "返回登录", "primary")],
            "tab": "account",
        },
        status=status,
    )


def wechat_callback(request: HttpRequest) -> HttpResponse:
    """Back from WeChat with ?code&state: check the state (once), exchange the code, log the owner in."""
    saved = request.session.pop(SESSION_OAUTH, None) or {}
    state = request.GET.get("state", "")
    if not saved.get("state") or not constant_time_compare(saved["state"], state):
        return _login_error(request, "授权状态校验失败，请从公众号菜单重新进入页面。")
    try:
        identity = get_oauth().exchange_code(request.GET.get("code", ""))
        account = owner.login_with_wechat(identity=identity)
    except DomainError as exc:
        return _login_error(request, exc.message, status=exc.status)
    auth_login(request, account, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect(safe_next(request, saved.get("next")))


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    owner.record_owner_logout(actor=request.user)
    auth_logout(request)
    messages.info(request, "您已退出登录。")
    return redirect("portal:home")


@require_http_methods(["GET", "POST"])
@owner_login_required
def logout_all(request: HttpRequest) -> HttpResponse:
    """退出所有设备: confirm, then end every session of this account (this one included)."""
    if request.method == "POST":
        owner.logout_everywhere(actor=request.user)
        auth_logout(request)
        messages.info(request, "已退出所有设备上的登录。")
        return redirect("portal:home")
    return _page(
        request,
        "portal/account/logout_all.html",
        {"page_title": "退出所有设备", "back_url": reverse("portal_account:binding"), "tab": "account"},
    )


@require_POST
@owner_login_required
def elder_mode(request: HttpRequest) -> HttpResponse:
    """长辈模式 on or off (the switch in 我的), remembered on the account."""
    on = request.POST.get("elder_mode") == "on"
    identity_services.set_elder_mode(actor=request.user, on=on)
    messages.success(request, "已开启长辈模式：字更大、按钮更大、对比更强。" if on else "已关闭长辈模式。")
    return redirect("portal:account")


def captcha_refresh(request: HttpRequest) -> HttpResponse:
    """换一张: a new 图形验证码 (htmx fragment)."""
    return render(request, "portal/account/_captcha.html", _captcha_context())


# --------------------------------------------------------------------------------------------------- stand-ins


def _embedded(setting: str) -> bool:
    return getattr(settings, setting, "embedded") == "embedded"


@require_http_methods(["GET", "POST"])
def wechat_standin(request: HttpRequest) -> HttpResponse:
    """The embedded stand-in of WeChat's authorise page (only when the WeChat backend is "embedded")."""
    if not _embedded("PMIP_WECHAT_OAUTH_BACKEND"):
        raise Http404("未启用微信授权模拟页面。")
    params = request.POST if request.method == "POST" else request.GET
    redirect_uri = params.get("redirect_uri", "")
    state = params.get("state", "")
    try:
        check_state(state)
    except ValueError:
        raise Http404("授权参数不正确。") from None
    if not url_has_allowed_host_and_scheme(redirect_uri, allowed_hosts={request.get_host()}):
        raise Http404("授权回调地址不正确。")
    form = StandinAuthorizeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            code = embedded_wechat.issue_code(
                name=form.cleaned_data["name"], snapshot=form.cleaned_data["snapshot"]
            )
        except ValueError as exc:
            form.add_error("name", str(exc))
        else:
            return HttpResponseRedirect(embedded_wechat.redirect_target(redirect_uri, code=code, state=state))
    return _page(
        request,
        "portal/account/wechat_standin.html",
        {
            "page_title": "微信授权（模拟）",
            "form": form,
            "redirect_uri": redirect_uri,
            "state": state,
            "appid": params.get("appid", ""),
            "tab": "account",
        },
    )


@require_http_methods(["GET", "POST"])
def face_standin(request: HttpRequest) -> HttpResponse:
    """The embedded stand-in of the face-verification page (only when the face backend is "embedded")."""
    if not _embedded("PMIP_FACEID_BACKEND"):
        raise Http404("未启用人脸核身模拟页面。")
    token = (request.POST if request.method == "POST" else request.GET).get("token", "")
    flow = embedded_faceid.describe(token)
    if flow is None:
        return _page(
            request,
            "portal/account/message.html",
            {
                "page_title": "人脸识别",
                "icon": "warn",
                "title": "本次人脸识别已失效",
                "message": "请返回重新发起人脸识别。",
                "actions": [(reverse("portal_account:binding"), "返回", "default")],
            },
            status=404,
        )
    if request.method == "POST":
        outcome = request.POST.get("outcome", "")
        if outcome in embedded_faceid.OUTCOMES:
            target = embedded_faceid.finish(token, outcome)
            if target:
                return HttpResponseRedirect(target)
    return _page(
        request,
        "portal/account/face_standin.html",
        {"page_title": "人脸识别（模拟）", "flow": flow, "token": token},
    )


# --------------------------------------------------------------------------------------------------- binding helpers


def _pending_token(request: HttpRequest) -> str | None:
    return request.session.get(SESSION_BINDING)


def _keep(request: HttpRequest, token: str | None) -> None:
    if token:
        request.session[SESSION_BINDING] = token
    else:
        request.session.pop(SESSION_BINDING, None)


def _agreed_at(request: HttpRequest):
    stamp = request.session.get(SESSION_AGREED)
    if stamp is None or clock.now().timestamp() - float(stamp) > AGREEMENT_VALID_SECONDS:
        return None
    return dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC)


def _lookup(request: HttpRequest, state: str | None) -> HttpResponse:
    """Run the look-up, keep its outcome in the session (result or error), then show the units page."""
    try:
        token, _result = binding_services.lookup_units(actor=request.user, state=state)
    except (
        binding_services.RegistryBusy,
        binding_services.TitleNotFound,
        binding_services.HouseNotFound,
    ) as exc:
        _keep(request, exc.state)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal_account:binding")
    else:
        _keep(request, token)
    return redirect("portal_account:binding_units")


def _face_return_url(request: HttpRequest, name: str) -> str:
    return request.build_absolute_uri(reverse(name))


# --------------------------------------------------------------------------------------------------- binding pages


def binding(request: HttpRequest) -> HttpResponse:
    """业主身份绑定 (the menu entry): the bound page when houses are bound, else the 温馨提示 page.

    Not logged in: in WeChat straight to the (silent) web authorisation; elsewhere a page that offers the log-in.
    """
    if not owner.is_owner(request.user):
        if _in_wechat(request) and not request.user.is_authenticated:
            return redirect(login_url(request.get_full_path()))
        staff = request.user.is_authenticated
        return _page(
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
    return _page(
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
    return _page(
        request,
        "portal/account/binding_notice.html",
        {"page_title": "温馨提示", "back_url": reverse("portal:mine"), "form": form},
    )


@require_http_methods(["GET", "POST"])
@owner_login_required
def binding_form(request: HttpRequest) -> HttpResponse:
    """业主身份绑定 form; 获取验证码 answers with an htmx fragment (or the whole page without JavaScript)."""
    agreed_at = _agreed_at(request)
    if agreed_at is None:
        messages.info(request, "请先阅读并勾选“我已经阅读了《用户协议》”。")
        return redirect("portal_account:binding_notice")
    box: dict = {"sms_url": request.path}
    if request.method == "POST" and request.POST.get("action") == "send_code":
        box = _send_code(request, purpose=SmsPurpose.BINDING)
        if is_htmx_partial(request):
            return _sms_response(request, box)
        form = BindingForm(initial={k: request.POST.get(k, "") for k in ("holder_name", "id_type", "mobile")})
    elif request.method == "POST":
        form = BindingForm(request.POST)
        if form.is_valid():
            try:
                started = binding_services.start_binding(
                    actor=request.user, agreement_accepted_at=agreed_at, **form.cleaned_data
                )
            except DomainError as exc:
                _apply_error(form, exc)
            else:
                _keep(request, started.state)
                if started.needs_face:
                    return redirect("portal_account:binding_face")
                return _lookup(request, started.state)
    else:
        identity = selectors.owner_identity_of(actor=request.user)
        form = BindingForm(
            initial={"mobile": _national(request.user.mobile or (identity.mobile if identity else ""))}
        )
    return _page(
        request,
        "portal/account/binding_form.html",
        {
            "page_title": "业主身份绑定",
            "back_url": reverse("portal_account:binding_notice"),
            "form": form,
            **box,
            **_captcha_context(),
        },
    )


def _national(mobile: str) -> str:
    return mobile[3:] if mobile.startswith("+86") else mobile


@require_http_methods(["GET", "POST"])
@owner_login_required
def binding_face(request: HttpRequest) -> HttpResponse:
    """人脸识别信息确认: separate consent to face data, then off to the provider."""
    token = _pending_token(request)
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
        _keep(request, declined)
        return _lookup(request, declined)
    form = FaceConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            new_token, session = binding_services.start_face(
                actor=request.user,
                state=token,
                face_consent=form.cleaned_data["consent"],
                redirect_url=_face_return_url(request, "portal_account:binding_face_return"),
            )
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            _keep(request, new_token)
            return HttpResponseRedirect(session.url)
    return _page(
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


def _face_failure(request: HttpRequest, exc: DomainError, *, retry_url: str, back_url: str) -> HttpResponse:
    unsupported = isinstance(exc, binding_services.FaceDeviceUnsupported)
    return _page(
        request,
        "portal/account/message.html",
        {
            "page_title": "人脸识别",
            "icon": "warn",
            "title": exc.message if unsupported else "人脸识别未通过",
            "message": "请换一个设备进行绑定。" if unsupported else exc.message,
            "error_code": exc.code,
            "actions": [(retry_url, "重新识别", "primary"), (back_url, "返回", "default")],
        },
        status=200,
    )


@owner_login_required
def binding_face_return(request: HttpRequest) -> HttpResponse:
    """Back from the provider: only the server-side result query decides; then look the houses up."""
    token = _pending_token(request)
    try:
        new_token = binding_services.complete_face(
            actor=request.user, state=token, callback_code=request.GET.get("code", "")
        )
    except binding_services.BindingExpired as exc:
        messages.error(request, exc.message)
        return redirect("portal_account:binding_notice")
    except (FaceSessionExpired, DomainError) as exc:
        return _face_failure(
            request,
            exc,
            retry_url=reverse("portal_account:binding_face"),
            back_url=reverse("portal_account:binding_form"),
        )
    _keep(request, new_token)
    return _lookup(request, new_token)


@require_http_methods(["GET", "POST"])
@owner_login_required
def binding_units(request: HttpRequest) -> HttpResponse:
    """可绑定的房屋列表 (tick and 提交绑定), or the look-up's error in the manual's words."""
    token = _pending_token(request)
    try:
        pending = binding_services.open_pending(actor=request.user, token=token)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal_account:binding")
    error = ""
    if request.method == "POST" and request.POST.get("action") == "lookup":
        return _lookup(request, token)
    if request.method == "POST":
        try:
            binding_services.bind_units(
                actor=request.user, state=token, unit_ids=request.POST.getlist("unit_ids")
            )
        except DomainError as exc:
            error = exc.message
        else:
            _keep(request, None)
            request.session.pop(SESSION_AGREED, None)
            messages.success(request, "绑定成功。")
            return redirect("portal_account:binding")
    if pending.lookup_error:
        return _page(
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
    return _page(
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
    return _lookup(request, None)


@owner_login_required
def binding_detail(request: HttpRequest, binding_id: int) -> HttpResponse:
    """One of the owner's own bound houses (any other id: 404)."""
    try:
        item = selectors.get_binding_of(actor=request.user, binding_id=binding_id)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    return _page(
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
            _apply_error(form, exc)
        else:
            messages.success(request, f"已解除{count}套房屋的绑定。")
            return redirect("portal:mine")
    bindings = list(selectors.active_bindings_of(actor=request.user))
    if not bindings and request.method == "GET":
        return redirect("portal_account:binding")
    return _page(
        request,
        "portal/account/binding_unbind.html",
        {
            "page_title": "解除所有绑定",
            "back_url": reverse("portal_account:binding"),
            "form": form,
            "bindings": bindings,
        },
    )


@require_http_methods(["GET", "POST"])
@owner_login_required
def binding_verify(request: HttpRequest) -> HttpResponse:
    """+身份认证 (补充认证): consent, then face verification for an owner bound without one."""
    profile = selectors.owner_profile(actor=request.user)
    if profile is None:
        return redirect("portal_account:binding")
    form = FaceConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            token, session = binding_services.start_supplementary_face(
                actor=request.user,
                face_consent=form.cleaned_data["consent"],
                redirect_url=_face_return_url(request, "portal_account:binding_verify_return"),
            )
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            request.session[SESSION_SUPPLEMENTARY] = token
            return HttpResponseRedirect(session.url)
    return _page(
        request,
        "portal/account/binding_face.html",
        {
            "page_title": "身份认证",
            "back_url": reverse("portal_account:binding"),
            "form": form,
            "holder_masked": profile.holder_masked,
            "id_masked": profile.id_masked,
            "supplementary": True,
            "action_url": reverse("portal_account:binding_verify"),
        },
    )


@owner_login_required
def binding_verify_return(request: HttpRequest) -> HttpResponse:
    try:
        binding_services.supplementary_face(
            actor=request.user,
            state=request.session.get(SESSION_SUPPLEMENTARY, ""),
            callback_code=request.GET.get("code", ""),
        )
    except binding_services.BindingExpired as exc:
        messages.error(request, exc.message)
        return redirect("portal_account:binding")
    except (FaceSessionExpired, DomainError) as exc:
        return _face_failure(
            request,
            exc,
            retry_url=reverse("portal_account:binding_verify"),
            back_url=reverse("portal_account:binding"),
        )
    request.session.pop(SESSION_SUPPLEMENTARY, None)
    messages.success(request, "身份认证成功：已人脸认证。")
    return redirect("portal_account:binding")


@require_http_methods(["GET", "POST"])
@owner_login_required
def house_info(request: HttpRequest) -> HttpResponse:
    """提交房屋信息 for a house missing from the registry; goes to the chosen subdistrict office."""
    choices = selectors.subdistrict_choices()
    missing: list[dict] = []
    try:
        missing = binding_services.open_pending(actor=request.user, token=_pending_token(request)).missing
    except DomainError:
        missing = []
    first = missing[0] if missing else {}
    form = HouseInfoForm(
        request.POST if request.method == "POST" else None,
        subdistricts=choices,
        initial={
            "building_number": first.get("building_number", ""),
            "unit_number": first.get("unit_number", ""),
            "certificate_no": first.get("certificate_no", ""),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            submission = binding_services.submit_house_info(
                actor=request.user,
                subdistrict_id=data["subdistrict"],
                project_name=data["project_name"],
                address=data["address"],
                building_number=data["building_number"],
                unit_number=data["unit_number"],
                certificate_no=data["certificate_no"],
                note=data["note"],
            )
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            return _page(
                request,
                "portal/account/message.html",
                {
                    "page_title": "提交房屋信息",
                    "icon": "success",
                    "title": "房屋信息已提交",
                    "message": f"您的房屋信息已提交至{submission.subdistrict.name}，街道办核实并补录后，"
                    "您可以重新进行业主身份绑定。",
                    "actions": [(reverse("portal:mine"), "返回我的小区", "primary")],
                },
            )
    return _page(
        request,
        "portal/account/house_info.html",
        {
            "page_title": "提交房屋信息",
            "back_url": reverse("portal_account:binding_units"),
            "form": form,
            "missing": missing,
            "submissions": list(selectors.house_submissions_of(actor=request.user)[:5]),
        },
    )
