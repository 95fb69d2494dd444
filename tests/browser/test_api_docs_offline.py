"""/api/v1/docs renders with the network blocked: Swagger UI comes from this site (npm swagger-ui-dist)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_api_docs_render_with_every_other_host_blocked(browser, site):
    context = browser.new_context(locale="zh-CN")
    blocked: list[str] = []

    def only_this_site(route):
        if route.request.url.startswith(site):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_site)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(site + "/api/v1/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text(
            "深圳市物业管理信息平台 API", timeout=15_000
        )
        expect(page.locator(".opblock").first).to_be_visible()
        assert errors == []
        assert blocked == []
    finally:
        context.close()
