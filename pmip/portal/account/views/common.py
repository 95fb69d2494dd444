"""What the owner account pages share: the session keys, service errors onto forms, the captcha and SMS box,
the page frame, and the pending binding kept in the session (its sealed token only)."""

from __future__ import annotations

import datetime as dt

from captcha.helpers import captcha_image_url
from captcha.models import CaptchaStore
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from pmip.core import clock
from pmip.core.errors import DomainError
from pmip.core.middleware import client_ip
from pmip.identity import binding as binding_services
from pmip.identity import otp
from pmip.identity import owner_services as owner
from pmip.identity.flood import ip_counted
from pmip.identity.models import SmsPurpose
from pmip.integrations import standins
from pmip.portal.account.forms import CaptchaSendForm

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


def in_wechat(request: HttpRequest) -> bool:
    return "micromessenger" in request.headers.get("User-Agent", "").lower()


def apply_error(form, exc: DomainError) -> None:
    """Attach a service error to the form field it names (or to the whole form)."""
    name = FIELD_ALIASES.get(exc.field, exc.field) if exc.field else None
    form.add_error(name if name in form.fields else None, exc.message)


def captcha_context() -> dict:
    key = CaptchaStore.generate_key()
    context = {"captcha_key": key, "captcha_image": captcha_image_url(key)}
    if standins.active():  # development only: testers need not read the picture
        context["captcha_answer"] = (
            CaptchaStore.objects.filter(hashkey=key).values_list("response", flat=True).first()
        )
    return context


def render_page(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    context.setdefault("tab", "mine")
    return render(request, template, context, status=status)


def send_sms_code(request: HttpRequest, *, purpose: str) -> dict:
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


def sms_response(request: HttpRequest, box: dict) -> HttpResponse:
    """The htmx answer to 获取验证码: the SMS box, plus a fresh captcha swapped in out of band."""
    context = {**box, **captcha_context(), "oob": True}
    return render(request, "portal/account/_sms_send.html", context)


# --------------------------------------------------------------------------------------------------- binding helpers


def pending_token(request: HttpRequest) -> str | None:
    return request.session.get(SESSION_BINDING)


def keep_pending(request: HttpRequest, token: str | None) -> None:
    if token:
        request.session[SESSION_BINDING] = token
    else:
        request.session.pop(SESSION_BINDING, None)


def agreement_time(request: HttpRequest):
    stamp = request.session.get(SESSION_AGREED)
    if stamp is None or clock.now().timestamp() - float(stamp) > AGREEMENT_VALID_SECONDS:
        return None
    return dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC)


def run_lookup(request: HttpRequest, state: str | None) -> HttpResponse:
    """Run the look-up, keep its outcome in the session (result or error), then show the units page."""
    # The per-IP limit is counted once: by the flood middleware for the look-up pages, else here.
    ip = None if ip_counted(request) else client_ip(request)
    try:
        token, _result = binding_services.lookup_units(actor=request.user, state=state, client_ip=ip)
    except (
        binding_services.RegistryBusy,
        binding_services.TitleNotFound,
        binding_services.HouseNotFound,
    ) as exc:
        # Busy before 添加房屋绑定 began: nothing to keep; the message shows on the binding page.
        if exc.state is None:
            messages.error(request, exc.message)
            return redirect("portal_account:binding")
        keep_pending(request, exc.state)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal_account:binding")
    else:
        keep_pending(request, token)
    return redirect("portal_account:binding_units")


def face_return_url(request: HttpRequest, name: str) -> str:
    return request.build_absolute_uri(reverse(name))


def face_failure(request: HttpRequest, exc: DomainError, *, retry_url: str, back_url: str) -> HttpResponse:
    unsupported = isinstance(exc, binding_services.FaceDeviceUnsupported)
    return render_page(
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
