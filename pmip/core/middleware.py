"""Request ids: every request gets one (or keeps a sane incoming X-Request-ID); logs and audit entries carry it."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("pmip_request_id", default="-")
_request_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("pmip_request_ip", default=None)
_SAFE = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


def current_request_id() -> str:
    return _request_id.get()


def current_ip() -> str | None:
    return _request_ip.get()


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "127.0.0.1"


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        token = _request_id.set(rid)
        ip_token = _request_ip.set(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
            _request_ip.reset(ip_token)
        response["X-Request-ID"] = rid
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True
