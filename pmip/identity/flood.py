"""Refuse a binding-look-up flood before it costs anything.

`LookupFloodMiddleware` sits before the session, authentication and CSRF middleware. For a look-up — through the
API (`POST /api/v1/me/binding/lookup`) or through the owner pages (`POST /me/binding/add/` 添加房屋绑定, and
`POST /me/binding/units/` with `action=lookup` 重新查询) — it is the cheap admission step, in this order:

1. every slot of the title registry is taken (the registry is slow or down and look-ups pile up): refused at once
   with 503 查询产权数据错误：系统繁忙，请稍后再试 — no session read, no identity loaded, no query;
2. the per-IP limit (`PMIP_BINDING_LOOKUP_IP_LIMIT` per hour) in the shared cache: 429 with the same wording (many
   owners may share one address) — still before the session is read.

The API answers a problem body; a page a small page of its own (no session, no account, no page frame: it is
rendered without the request), in the manual's wording, with 重新查询 posting the same fields again and a way back.
Nothing the owner entered is lost: the session, and the pending binding in it, are not touched.

What passes goes on to the service, which takes the per-account limit and a registry slot before it loads the
identity (pmip.identity.binding.lookup); a look-up admitted here is marked (`ip_counted`) so the service does not
count its address twice. Any 429/503 answer to a look-up carries `Retry-After`. Refusals are counted in
`pmip_binding_lookups_refused_total{reason}`, not audited: nothing of the owner's was looked at. The other owner
pages that end in a look-up (the binding form, the face step) do their own work first and check the per-IP limit
in the service (they pass the client address).
"""

from __future__ import annotations

import functools
import json
import re
from typing import cast

from django.conf import settings
from django.http import HttpResponse, QueryDict
from django.template.loader import render_to_string
from django.utils.csp import CSP, build_policy

from pmip.core import ratelimit
from pmip.core.errors import RateLimited
from pmip.core.middleware import client_ip
from pmip.identity.binding import MSG_BUSY, RegistryBusy
from pmip.identity.binding.common import LOOKUP_WINDOW, LOOKUPS_REFUSED, take_lookup_ip_slot
from pmip.integrations.title_registry import get_title_registry

LOOKUP_PATHS = frozenset({"/api/v1/me/binding/lookup"})
# The owner pages' look-ups: path -> the page to go back to. On the units page only the 重新查询 button
# (action=lookup) is a look-up; binding a unit is not.
PAGE_ADD = "/me/binding/add/"
PAGE_UNITS = "/me/binding/units/"
PAGE_LOOKUPS = {PAGE_ADD: "/me/binding/", PAGE_UNITS: PAGE_UNITS}
BUSY_RETRY_AFTER = "5"
BUSY_DETAIL = "由于同一个时间点绑定的人数过多，请换一个时间点尝试重新绑定。"
# A form body this small is read here (before the input guard) to tell 重新查询 from 提交绑定; anything else is
# left to the view.
SMALL_FORM = 4096
_TOKEN = re.compile(r"[A-Za-z0-9]{32,64}")


def ip_counted(request) -> bool:
    """True when this request's look-up was already counted against the per-IP limit here."""
    return getattr(request, "pmip_lookup_ip_counted", False)


def _problem(code: str, status: int, retry_after: str) -> HttpResponse:
    body = json.dumps({"code": code, "message": MSG_BUSY, "status": status}, ensure_ascii=False).encode()
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    response["Retry-After"] = retry_after
    return response


def _small_form(request) -> QueryDict | None:
    """The fields of a small urlencoded body, or None (another body: the view parses it)."""
    if request.content_type != "application/x-www-form-urlencoded":
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length > SMALL_FORM:
        return None
    return QueryDict(request.body, encoding=request.encoding)


def _page_lookup(request) -> QueryDict | None:
    """The posted fields when this request is a look-up from an owner page, else None."""
    if request.path not in PAGE_LOOKUPS:
        return None
    form = _small_form(request)
    if request.path == PAGE_UNITS and (form is None or form.get("action") != "lookup"):
        return None
    return form if form is not None else QueryDict()


def _page(request, form: QueryDict, *, code: str, status: int, retry_after: str) -> HttpResponse:
    """The refusal as a small page: the manual's wording, 重新查询 (the same fields posted again, when the
    registry was busy) and the way back. Rendered without the request: no session, no context processors."""
    token = form.get("csrfmiddlewaretoken", "")
    well_formed = bool(_TOKEN.fullmatch(token))
    html = _page_html(request.path, code, status, well_formed, form.get("action") == "lookup")
    if well_formed:  # letters and digits only: nothing to escape
        html = html.replace(_TOKEN_SLOT, token)
    response = HttpResponse(html, status=status, content_type="text/html; charset=utf-8")
    response["Retry-After"] = retry_after
    response["Cache-Control"] = "no-store"
    response["X-Frame-Options"] = "DENY"
    response["X-Content-Type-Options"] = "nosniff"
    # This middleware answers before the CSP middleware runs: the page carries the site's policy itself.
    if settings.SECURE_CSP:
        response[CSP.HEADER_ENFORCE] = build_policy(cast("dict[str, list[str]]", settings.SECURE_CSP))
    return response


_TOKEN_SLOT = "PMIPLOOKUPTOKENSLOT"


@functools.lru_cache(maxsize=32)
def _page_html(path: str, code: str, status: int, with_token: bool, lookup_action: bool) -> str:
    """The page for one door and answer, rendered once per process (a flood asks for the same few pages); the
    owner's CSRF token goes into its slot per request."""
    fields = [("csrfmiddlewaretoken", _TOKEN_SLOT)] if with_token else []
    if lookup_action:
        fields.append(("action", "lookup"))
    return render_to_string(
        "identity/lookup_refused.html",
        {
            "code": code,
            "message": MSG_BUSY,
            "detail": BUSY_DETAIL,
            "retry_url": path if status == 503 else "",
            "fields": fields,
            "back_url": PAGE_LOOKUPS[path],
        },
    )


def _refusal(response: HttpResponse) -> HttpResponse:
    """An expected answer to a flood, counted in LOOKUPS_REFUSED: not logged as a server error one by one
    (Django's request log skips a response marked as logged)."""
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


class LookupFloodMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST":
            return self.get_response(request)
        form = None
        if request.path not in LOOKUP_PATHS:
            form = _page_lookup(request)
            if form is None:
                return self.get_response(request)
        registry = get_title_registry()
        if getattr(registry, "saturated", lambda: False)():
            LOOKUPS_REFUSED.labels("registry_busy").inc()
            if form is not None:
                return _refusal(
                    _page(request, form, code=RegistryBusy.code, status=503, retry_after=BUSY_RETRY_AFTER)
                )
            return _refusal(_problem(RegistryBusy.code, 503, BUSY_RETRY_AFTER))
        try:
            take_lookup_ip_slot(client_ip(request))
        except RateLimited as exc:
            retry_after = str(ratelimit.retry_after(LOOKUP_WINDOW))
            if form is not None:
                return _refusal(_page(request, form, code=exc.code, status=429, retry_after=retry_after))
            return _refusal(_problem(exc.code, 429, retry_after))
        request.pmip_lookup_ip_counted = True
        response = self.get_response(request)
        if response.status_code in (429, 503) and not response.has_header("Retry-After"):
            response["Retry-After"] = (
                BUSY_RETRY_AFTER if response.status_code == 503 else str(ratelimit.retry_after(LOOKUP_WINDOW))
            )
        return response
