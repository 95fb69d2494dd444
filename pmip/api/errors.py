"""Every API error is a problem body: {"code": "...", "message": "中文...", "status": N}.

Domain errors keep their code and status (a `field` is added when the error names one); ninja's validation errors
become 422 with the failing locations in `errors`; authentication 401; other HTTP errors keep their status;
input the platform cannot take is a 4xx, never a 500: a body over the limit 413, a malformed body (multipart
without boundary, too many fields) 400, a number beyond what the database holds (an id beyond 64 bits) 422 — most
of these are already refused by pmip.core.middleware.InputGuardMiddleware before ninja sees the request;
anything unexpected is logged and becomes a 500 without details.
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from pmip.core.errors import DomainError

log = logging.getLogger(__name__)

_HTTP_PROBLEMS = {
    400: ("bad_request", "请求格式不正确。"),
    401: ("unauthenticated", "请先登录。"),
    403: ("forbidden", "您没有办理此项业务的权限。"),
    404: ("not_found", "未找到该记录，或您没有查看权限。"),
    405: ("method_not_allowed", "不支持该请求方法。"),
    429: ("rate_limited", "请求过于频繁，请稍后再试。"),
}


def problem(
    api: NinjaAPI, request: HttpRequest, *, status: int, code: str, message: str, **extra
) -> HttpResponse:
    body = {"code": code, "message": message, "status": status, **extra}
    response = api.create_response(request, body, status=status)
    retry_after = extra.get("retry_after")
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def install(api: NinjaAPI) -> None:
    """Register the problem-body handlers on `api` (replacing ninja's defaults)."""
    # Kept whole: one short handler per exception type, registered together so the mapping reads as one table.

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        extra = {}
        if exc.field:
            extra["field"] = exc.field
        if getattr(exc, "retry_after", None):
            extra["retry_after"] = exc.retry_after
        return problem(api, request, status=exc.status, code=exc.code, message=exc.message, **extra)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = [
            {"loc": [str(part) for part in err.get("loc", ())], "type": err.get("type", "")}
            for err in exc.errors
        ]
        fields = ", ".join(e["loc"][-1] for e in errors if e["loc"])
        message = "请求参数不正确，请检查后重试。" + (f"（{fields}）" if fields else "")
        return problem(api, request, status=422, code="invalid", message=message, errors=errors)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc: AuthenticationError):
        office = "/office/" in request.path
        message = "请先登录管理后台。" if office else "请先登录。"
        return problem(api, request, status=401, code="unauthenticated", message=message)

    @api.exception_handler(AuthorizationError)
    def authorization_error(request, exc: AuthorizationError):
        code, message = _HTTP_PROBLEMS[403]
        return problem(api, request, status=403, code=code, message=message)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        status = exc.status_code
        if status == 403 and "CSRF" in str(exc):
            return problem(
                api, request, status=403, code="csrf_failed", message="安全校验失败，请刷新页面后重试。"
            )
        code, message = _HTTP_PROBLEMS.get(status, ("error", "请求无法完成。"))
        return problem(api, request, status=status, code=code, message=message)

    @api.exception_handler(Http404)
    def not_found(request, exc: Http404):
        code, message = _HTTP_PROBLEMS[404]
        return problem(api, request, status=404, code=code, message=message)

    @api.exception_handler(RequestDataTooBig)
    def too_large(request, exc: RequestDataTooBig):
        return problem(api, request, status=413, code="too_large", message="提交的内容过大。")

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request, exc: SuspiciousOperation):
        code, message = _HTTP_PROBLEMS[400]
        return problem(api, request, status=400, code=code, message=message)

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request, exc: MultiPartParserError):
        code, message = _HTTP_PROBLEMS[400]
        return problem(api, request, status=400, code=code, message=message)

    @api.exception_handler(RawPostDataException)
    def form_body_to_json_endpoint(request, exc: RawPostDataException):
        # A form or multipart body (already parsed by the input guard) where the endpoint reads JSON.
        return problem(
            api,
            request,
            status=400,
            code="bad_request",
            message="请求格式不正确：此接口接受 JSON（application/json）。",
        )

    @api.exception_handler(OverflowError)
    def overflow(request, exc: OverflowError):
        return problem(api, request, status=422, code="out_of_range", message="请求中的数值超出范围。")

    @api.exception_handler(DataError)
    def data_error(request, exc: DataError):
        log.warning("database refused a value: %s", type(exc).__name__)
        return problem(api, request, status=422, code="out_of_range", message="请求中的数值超出范围。")

    @api.exception_handler(Exception)
    def server_error(request, exc: Exception):
        log.exception("unhandled API error")
        return problem(api, request, status=500, code="server_error", message="系统繁忙，请稍后再试。")
