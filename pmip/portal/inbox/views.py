"""Owner pages of the in-app inbox (我的消息): the list, one message, 全部标为已读 and 消息接收设置.

Reads go through `pmip.notifications.selectors` with the logged-in account, so another owner's message is simply
not found (404 page). Writes go through `pmip.notifications.services` (mark_read, mark_all_read,
set_channel_preference). Opening a message marks it read.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pmip.core.errors import DomainError
from pmip.notifications import selectors, services
from pmip.portal.account.decorators import owner_login_required
from pmip.portal.htmx import is_htmx_partial
from pmip.portal.paging import owner_page
from pmip.portal.views import domain_errors

PAGE_SIZE = 20


def _context(title: str, back: str, **extra) -> dict:
    return {"page_title": title, "back_url": back, "tab": "account", **extra}


def _list_context(request: HttpRequest) -> dict:
    page = owner_page(request, selectors.inbox_for(account=request.user), PAGE_SIZE)
    return {"page": page, "unread": selectors.unread_count(account=request.user)}


@never_cache
@require_GET
@owner_login_required
def index(request: HttpRequest) -> HttpResponse:
    """Newest first; unread ones are marked 未读. The list fragment alone for htmx page changes."""
    context = _context("我的消息", reverse("portal_account:binding"), **_list_context(request))
    preference = selectors.channel_preference_for(account=request.user)
    chosen = [name for name, on in (("微信", preference.wechat), ("短信", preference.sms)) if on]
    context["channels_label"] = "、".join(chosen) if chosen else "仅站内消息"
    if is_htmx_partial(request):
        return render(request, "portal/inbox/index.html#list", context)
    return render(request, "portal/inbox/index.html", context)


@never_cache
@require_GET
@owner_login_required
@domain_errors(back="portal_inbox:index")
def detail(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = services.mark_read(actor=request.user, notification_id=notification_id)
    return render(
        request,
        "portal/inbox/detail.html",
        _context("消息详情", reverse("portal_inbox:index"), notification=notification),
    )


@require_POST
@owner_login_required
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(actor=request.user)
    notice = f"已将 {count} 条消息标为已读。" if count else "没有未读消息。"
    if is_htmx_partial(request):
        context = _context("我的消息", reverse("portal_account:binding"), **_list_context(request))
        context["notice"] = notice
        return render(request, "portal/inbox/index.html#list", context)
    messages.success(request, notice)
    return redirect("portal_inbox:index")


@never_cache
@require_http_methods(["GET", "POST"])
@owner_login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """WeChat template messages and SMS on/off; the inbox is always on. SMS needs a mobile on the account."""
    account = request.user
    error = ""
    if request.method == "POST":
        wechat = request.POST.get("wechat") == "on"
        sms = request.POST.get("sms") == "on"
        try:
            services.set_channel_preference(actor=account, wechat=wechat, sms=sms)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "消息接收设置已保存。")
            return redirect("portal_inbox:settings")
    preference = selectors.channel_preference_for(account=account)
    context = _context(
        "消息接收设置",
        reverse("portal_inbox:index"),
        preference=preference,
        has_mobile=bool(account.mobile),
        has_wechat=bool(account.wechat_openid),
        error=error,
    )
    return render(request, "portal/inbox/settings.html", context, status=422 if error else 200)


@never_cache
@require_GET
@owner_login_required
def badge(request: HttpRequest) -> HttpResponse:
    """The "我的消息" entry with its unread count, loaded by htmx into account pages."""
    return render(
        request, "portal/inbox/_badge.html", {"unread": selectors.unread_count(account=request.user)}
    )
