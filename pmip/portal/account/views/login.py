"""Log-in and log-out pages: 手机号 + 短信验证码, WeChat web authorisation, 退出所有设备, 长辈模式, the captcha."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_http_methods, require_POST

from pmip.core.errors import DomainError
from pmip.identity import owner_services as owner
from pmip.identity import services as identity_services
from pmip.identity.models import SmsPurpose
from pmip.integrations.wechat import get_oauth
from pmip.portal.account.decorators import owner_login_required, safe_next
from pmip.portal.account.forms import PhoneLoginForm
from pmip.portal.account.views.common import (
    SESSION_OAUTH,
    apply_error,
    captcha_context,
    in_wechat,
    render_page,
    send_sms_code,
    sms_response,
)
from pmip.portal.htmx import is_htmx_partial


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """业主登录. In WeChat: straight to web authorisation. Elsewhere: 手机号 + 图形验证码 + 短信验证码, or WeChat."""
    next_path = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "GET" and in_wechat(request) and request.GET.get("via") != "phone":
        return redirect(f"{reverse('portal_account:wechat_start')}?next={_quote(next_path)}")
    form = PhoneLoginForm(request.POST if request.method == "POST" else None)
    box: dict = {"sms_url": request.path}
    if request.method == "POST" and request.POST.get("action") == "send_code":
        box = send_sms_code(request, purpose=SmsPurpose.OWNER_LOGIN)
        if is_htmx_partial(request):
            return sms_response(request, box)
        form = PhoneLoginForm(initial={"mobile": request.POST.get("mobile", "")})
    elif request.method == "POST" and form.is_valid():
        try:
            account = owner.login_with_phone(
                mobile=form.cleaned_data["mobile"], code=form.cleaned_data["sms_code"]
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            auth_login(request, account, backend="django.contrib.auth.backends.ModelBackend")
            return HttpResponseRedirect(next_path)
    return render_page(
        request,
        "portal/account/login.html",
        {
            "page_title": "业主登录",
            "form": form,
            "next": next_path,
            **box,
            **captcha_context(),
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
    return render_page(
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
    return render_page(
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
    return render(request, "portal/account/_captcha.html", captcha_context())
