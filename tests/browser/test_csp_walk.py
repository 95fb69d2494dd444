"""The pages outside the owner and office walks render under the Content Security Policy without a violation or a
console error: the operators' console (/ops/, Django admin, after its two-step log-in) and the API docs
(/api/v1/docs, Swagger UI). The `browser_errors` fixture (tests/browser/conftest.py) fails the test on any."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pmip.identity.models import AccountKind
from pmip.integrations.sms import EmbeddedSmsBackend
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def sms(settings, tmp_path):
    settings.PMIP_SMS_OUTBOX_FILE = tmp_path / "sms-outbox.log"
    settings.PMIP_SMS_BACKEND = "embedded"
    EmbeddedSmsBackend.sent.clear()
    yield
    EmbeddedSmsBackend.sent.clear()


def test_the_fixture_catches_a_csp_violation(browser, site, browser_errors):
    """The check itself: a page that tries an inline style and script is reported (then allowed for this test)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(site + "/healthz")
    page.evaluate(
        """() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';
                   document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(200)
    context.close()
    assert any("script-src" in e for e in browser_errors.errors), browser_errors.errors
    browser_errors.allow("script-src")


def test_ops_console_pages_render_without_csp_violations(browser, site, sms, browser_errors):
    operator = factories.account("ops_csp", kind=AccountKind.OPERATOR, mobile="+8613700008888")
    operator.is_staff = operator.is_superuser = True
    operator.save()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(site + "/ops/")
        expect(page).to_have_url(site + "/office/login/?next=/ops/")
        page.locator("#id_username").fill(operator.username)
        page.locator("#id_password").fill(factories.STAFF_PASSWORD)
        page.get_by_role("button", name="下一步").click()
        page.locator("#id_code").fill(EmbeddedSmsBackend.last_to(operator.mobile).params["code"])
        page.get_by_role("button", name="登录").click()
        expect(page).to_have_url(site + "/ops/")
        expect(page.locator("#site-name")).to_contain_text("PMIP 平台运维")
        links = page.eval_on_selector_all(
            "#content-main a[href^='/ops/']", "els => [...new Set(els.map(e => e.getAttribute('href')))]"
        )
        assert len(links) >= 5, links
        for href in links:
            response = page.goto(site + href, wait_until="networkidle")  # one request at a time (SQLite)
            assert response is not None and response.status == 200, href
        # a change form with its widgets and the admin's scripts
        page.goto(site + f"/ops/identity/account/{operator.pk}/change/")
        expect(page.locator("#content-main form")).to_be_visible()
        page.goto(site + "/ops/audit/auditentry/")
        expect(page.locator("#changelist")).to_be_visible()
    finally:
        context.close()


def test_api_docs_render_without_csp_violations(browser, site):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(site + "/api/v1/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text(
            "深圳市物业管理信息平台 API", timeout=15_000
        )
        page.locator(".opblock").first.click()  # opens an operation: more of Swagger UI's rendering
        expect(page.locator(".opblock-body").first).to_be_visible()
    finally:
        context.close()
