"""The JSON API, /api/v1 (OpenAPI docs at /api/v1/docs). Errors are problem bodies (see pmip.api.errors)."""

from __future__ import annotations

import functools
import json

from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import URLPattern
from ninja import NinjaAPI, Swagger
from ninja.openapi.docs import _csrf_needed

from pmip.api import (
    decisions,
    delegation,
    enquiries,
    errors,
    evaluation,
    fallback,
    funds,
    inbox,
    office,
    office_decisions,
    office_funds,
    office_jobs,
    owner,
    projects,
    public_info,
    schemas,
    tendering,
    weather,
)


class PmipAPI(NinjaAPI):
    """NinjaAPI whose 405 answers (produced by ninja outside the exception handlers) are problem bodies too, whose
    published spec states what every operation may answer (see `complete_spec`), and whose operation ids name
    the router's module (`pmip.api.funds`), not the file inside a split router package
    (`pmip.api.funds.projects`): splitting a router into files must not change the API's operation ids."""

    def get_openapi_operation_id(self, operation) -> str:
        module = operation.view_func.__module__
        parts = module.split(".")
        if len(parts) > 3 and parts[:2] == ["pmip", "api"]:
            module = ".".join(parts[:3])
        return (module + "_" + operation.view_func.__name__).replace(".", "_")

    def get_openapi_schema(self, *args, **kwargs):
        return complete_spec(super().get_openapi_schema(*args, **kwargs))

    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = self._problem_on_405(pattern.callback)
        return urls

    def _problem_on_405(self, view):
        @functools.wraps(view)  # keeps csrf_exempt
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if isinstance(response, HttpResponseNotAllowed):
                allow = response["Allow"]
                response = errors.problem(
                    self, request, status=405, code="method_not_allowed", message="不支持该请求方法。"
                )
                response["Allow"] = allow
            return response

        return wrapper


class LocalSwagger(Swagger):
    """Swagger UI from npm `swagger-ui-dist`, served by this site: no CDN (intranets have no internet)."""

    template = "api/swagger.html"

    def render_page(self, request, api, **kwargs):
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {
            "swagger_settings": json.dumps(settings, indent=1).replace("<", "\\u003c"),
            "api": api,
            "add_csrf": _csrf_needed(api),
        }
        return render(request, self.template, context)


_GUARD_RESPONSES = {
    400: "请求格式不正确（如含有空字符 NUL、multipart 缺少 boundary）。",
    413: "提交的内容过大。",
}
_BODY_METHODS = {"post", "put", "patch", "delete"}


def complete_spec(spec):
    """Every operation, present and future: the input guard (pmip.core.middleware) may answer 400 for any request
    and 413 for any body, and validation 422 for any operation with parameters or a body, so each operation
    documents them; an operation with `format=csv` documents its CSV."""
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    if "Problem" not in components:
        components["Problem"] = schemas.Problem.model_json_schema()
    problem_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in spec.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            documented = {str(code) for code in responses}
            for status, text in _GUARD_RESPONSES.items():
                if str(status) in documented or (status == 413 and method not in _BODY_METHODS):
                    continue
                responses[status] = {"description": text, "content": problem_ref}
            if (operation.get("parameters") or operation.get("requestBody")) and "422" not in documented:
                # ninja answers 422 (pmip.api.errors) for any parameter or body that fails validation
                responses[422] = {"description": "请求参数不正确", "content": problem_ref}
            formats = [
                p
                for p in operation.get("parameters", [])
                if p.get("in") == "query" and p.get("name") == "format"
            ]
            if formats and "csv" in str(formats[0].get("schema", {})):
                ok = responses.get(200) or responses.get("200")
                if ok is not None:
                    ok.setdefault("content", {})["text/csv"] = {
                        "schema": {"type": "string", "format": "binary"}
                    }
    return spec


api = PmipAPI(
    title="深圳市物业管理信息平台 API",
    version="1",
    description="公开查询接口无需登录；/office/ 下的接口使用管理后台的登录会话（用户名、密码和短信验证码）。",
    urls_namespace="api",
    docs=LocalSwagger(settings={"validatorUrl": None}),
)
errors.install(api)
api.add_router("/projects", projects.router)
api.add_router("/office/decisions", office_decisions.router)
api.add_router("/office/funds", office_funds.router)
api.add_router("/office/tendering", tendering.office_router)
api.add_router("/office/evaluation", evaluation.office)
api.add_router("/office/credit", public_info.office)
api.add_router("/office/enquiries", enquiries.office_router)
api.add_router("/office/jobs", office_jobs.router)
api.add_router("/office", office.router)
api.add_router("/delegation", delegation.router)
api.add_router("/me/evaluation", evaluation.owner)
api.add_router("/me/messages", inbox.router)
api.add_router("/me/enquiries", enquiries.router)
api.add_router("/me", owner.router)
api.add_router("/decisions", decisions.router)
api.add_router("/funds", funds.router)
api.add_router("/tendering", tendering.router)
api.add_router("/evaluation", evaluation.public)
api.add_router("/public/enquiries", enquiries.public_router)
api.add_router("/public", public_info.router)
api.add_router("/weather", weather.router)
api.add_router("", fallback.router)  # must stay last
