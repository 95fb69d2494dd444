"""Refuse a binding-look-up flood before it costs anything.

When every slot of the title registry is taken (the registry is slow or down and look-ups pile up), a further
look-up can only be refused with 查询产权数据错误：系统繁忙，请稍后再试. `LookupFloodMiddleware` sits before the
session, authentication and CSRF middleware and answers such a look-up at once — no session read, no identity
loaded, no query — with the same problem body the service would give. Everything else (and every look-up while a
slot is free) passes through to the full checks, per-account limit included.
"""

from __future__ import annotations

import json
import logging

from django.http import HttpResponse

from pmip.identity.binding import MSG_BUSY, RegistryBusy
from pmip.integrations.title_registry import get_title_registry

log = logging.getLogger(__name__)

LOOKUP_PATHS = frozenset({"/api/v1/me/binding/lookup"})
BODY = json.dumps(
    {"code": RegistryBusy.code, "message": MSG_BUSY, "status": 503}, ensure_ascii=False
).encode()


class LookupFloodMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path in LOOKUP_PATHS:
            registry = get_title_registry()
            if getattr(registry, "saturated", lambda: False)():
                log.warning("title registry: all slots busy, look-up refused before the session was read")
                response = HttpResponse(BODY, status=503, content_type="application/json; charset=utf-8")
                response["Retry-After"] = "5"
                return response
        return self.get_response(request)
