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


# --- input guard --------------------------------------------------------------------------------------------------

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NUL_ESCAPES = re.compile(rb"\\u0000", re.IGNORECASE)


class BadInput(Exception):
    """A request no view should see: answered 400/413 with a plain message (problem body under /api/)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def bad_input_response(request, status: int, code: str, message: str):
    from django.http import HttpResponse, JsonResponse
    from django.template.loader import render_to_string

    if request.path.startswith("/api/"):
        return JsonResponse({"code": code, "message": message, "status": status}, status=status)
    html = render_to_string("400.html", {"status": status, "message": message})
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in vs) for key, vs in values.lists())


def _check_request(request) -> None:
    """Raise BadInput for what would otherwise reach a parser or the database and fail there (a 500)."""
    from django.conf import settings
    from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
    from django.http.multipartparser import MultiPartParserError

    if "\x00" in request.path or _has_nul(request.GET):
        raise BadInput(400, "nul_byte", "请求中含有空字符（NUL），无法处理。")
    if request.method not in _BODY_METHODS:
        return
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BadInput(400, "bad_request", "请求格式不正确。") from None
    content_type = request.content_type or ""
    multipart = content_type.startswith("multipart/")
    limit = settings.PMIP_MAX_UPLOAD_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        raise BadInput(413, "too_large", f"提交的内容过大（上限{limit // (1024 * 1024) or 1} MB）。")
    try:
        if multipart or content_type == "application/x-www-form-urlencoded":
            if multipart and not request.content_params.get("boundary"):
                raise BadInput(400, "bad_request", "请求格式不正确：multipart 请求缺少 boundary。")
            post = request.POST  # parsed once here (and cached) so a malformed body is a 400, not a 500
            if _has_nul(post):
                raise BadInput(400, "nul_byte", "提交的内容中含有空字符（NUL），无法处理。")
        elif length:
            body = request.body  # JSON and other text bodies: no endpoint takes raw binary outside multipart
            if b"\x00" in body or _NUL_ESCAPES.search(body):
                raise BadInput(400, "nul_byte", "提交的内容中含有空字符（NUL），无法处理。")
    except RequestDataTooBig:
        raise BadInput(413, "too_large", "提交的内容过大。") from None
    except (MultiPartParserError, TooManyFieldsSent, SuspiciousOperation, UnicodeDecodeError):
        raise BadInput(400, "bad_request", "请求格式不正确。") from None


class InputGuardMiddleware:
    """Before any view or middleware parses the request: refuse NUL bytes in the path, query and body text, bodies
    over the limits (413), malformed multipart and form bodies (400). Views that still fail on out-of-range input
    (an id beyond 64 bits, a value the database refuses) answer 400 instead of 500 (process_exception)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            _check_request(request)
        except BadInput as exc:
            return bad_input_response(request, exc.status, exc.code, exc.message)
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import DataError

        if isinstance(exception, BadInput):
            return bad_input_response(request, exception.status, exception.code, exception.message)
        if isinstance(exception, OverflowError | DataError):
            return bad_input_response(request, 400, "out_of_range", "请求中的数值超出范围。")
        return None
