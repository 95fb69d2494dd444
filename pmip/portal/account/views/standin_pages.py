"""The embedded stand-ins of WeChat's authorise page and the face-verification page (404 unless those backends
are "embedded"; development and tests only)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from pmip.integrations import embedded_faceid, embedded_wechat
from pmip.integrations.wechat import check_state
from pmip.portal.account.forms import StandinAuthorizeForm
from pmip.portal.account.views.common import render_page


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
    return render_page(
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
        return render_page(
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
    return render_page(
        request,
        "portal/account/face_standin.html",
        {"page_title": "人脸识别（模拟）", "flow": flow, "token": token},
    )
