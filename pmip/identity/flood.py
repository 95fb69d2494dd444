"""Refuse a binding-look-up flood before it costs anything.

`LookupFloodMiddleware` sits before the session, authentication and CSRF middleware. For a look-up through the API
(`POST /api/v1/me/binding/lookup`) it is the cheap admission step, in this order:

1. every slot of the title registry is taken (the registry is slow or down and look-ups pile up): refused at once
   with 503 查询产权数据错误：系统繁忙，请稍后再试 — no session read, no identity loaded, no query;
2. the per-IP limit (`PMIP_BINDING_LOOKUP_IP_LIMIT` per hour) in the shared cache: 429 with the same wording (many
   owners may share one address) — still before the session is read.

What passes goes on to the service, which takes the per-account limit and a registry slot before it loads the
identity (pmip.identity.binding.lookup). Any 429/503 answer to a look-up carries `Retry-After`. Refusals are
counted in `pmip_binding_lookups_refused_total{reason}`, not audited: nothing of the owner's was looked at.
The owner pages' look-ups check the per-IP limit in the service (they pass the client address).
"""

from __future__ import annotations

import json

from django.http import HttpResponse

from pmip.core import ratelimit
from pmip.core.errors import RateLimited
from pmip.core.middleware import client_ip
from pmip.identity.binding import MSG_BUSY, RegistryBusy
from pmip.identity.binding.common import LOOKUP_WINDOW, LOOKUPS_REFUSED, take_lookup_ip_slot
from pmip.integrations.title_registry import get_title_registry

LOOKUP_PATHS = frozenset({"/api/v1/me/binding/lookup"})
BUSY_RETRY_AFTER = "5"


def _problem(code: str, status: int, retry_after: str) -> HttpResponse:
    body = json.dumps({"code": code, "message": MSG_BUSY, "status": status}, ensure_ascii=False).encode()
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    response["Retry-After"] = retry_after
    return response


class LookupFloodMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or request.path not in LOOKUP_PATHS:
            return self.get_response(request)
        registry = get_title_registry()
        if getattr(registry, "saturated", lambda: False)():
            LOOKUPS_REFUSED.labels("registry_busy").inc()
            return _problem(RegistryBusy.code, 503, BUSY_RETRY_AFTER)
        try:
            take_lookup_ip_slot(client_ip(request))
        except RateLimited as exc:
            return _problem(exc.code, 429, str(ratelimit.retry_after(LOOKUP_WINDOW)))
        response = self.get_response(request)
        if response.status_code in (429, 503) and not response.has_header("Retry-After"):
            response["Retry-After"] = (
                BUSY_RETRY_AFTER if response.status_code == 503 else str(ratelimit.retry_after(LOOKUP_WINDOW))
            )
        return response
