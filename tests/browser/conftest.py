"""Real-browser harness: Playwright's sync API driving Debian's Chromium against pytest-django's live server.

Fixtures for every owner walk:
- `browser`: one headless Chromium for the session (a fresh temporary profile: `launch()`, not a persistent context).
- `phone_page`: a new page at 375×812 with touch, a WeChat-like user agent and zh-CN; its context is closed after.
- `site`: the live server's base URL (pytest-django's `live_server`, so the test gets `transactional_db`).
- `browser_errors` (automatic for every test that uses `browser`): every context the test opens — `phone_page` or
  its own `browser.new_context()` / `browser.new_page()` — reports console messages of type error (CSP violations
  among them: "Refused to apply inline style…", "Refused to load the script…"), uncaught page errors, and CSP
  violations seen by a `securitypolicyviolation` listener; the test fails at its end if there was any. A failed
  load of a document the test navigated to on purpose (a 404 or 410 page) is not an error; a failed sub-resource
  (a style sheet, script or image) is. A walk that expects a message calls `browser_errors.allow(regex)`.
- `a11y` (automatic for every test that uses `browser`): axe-core (npm axe-core, node_modules/axe-core/axe.min.js)
  runs on every page any context of the test loads, owner and office; the test fails at its end on any critical or
  serious violation. `a11y.check(page)` checks the page as it is now (after an htmx swap, say). See `A11y`.

Chromium missing: the tests fail when CI is set (browser walks are mandatory there), otherwise they are skipped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in this thread; Django's ORM refuses to run in a thread with a loop
# unless told it is safe (it is: the test thread and the loop never share a connection concurrently).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING = "Chromium not installed: apt-get install chromium fonts-noto-cjk"
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A.240205.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/130.0.6723.103 Mobile Safari/537.36 XWEB/1300333 MMWEBSDK/20240501 MMWEBID/1234 "
    "MicroMessenger/8.0.50.2701(0x28003235) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
PHONE = {"width": 375, "height": 812}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        if _in_ci():
            pytest.fail(f"{MISSING} (browser tests are mandatory in CI)", pytrace=False)
        pytest.skip(MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# Reports CSP violations as console errors with what was blocked (Chromium's own message names the directive only).
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
                ' at ' + e.sourceFile + ':' + e.lineNumber);
});
"""
# Our CSP listener is itself a script: in a sandboxed document without scripts (a served file) it cannot run.
_LISTENER_BLOCKED = re.compile(r"^Blocked script execution in '.*' because the document's frame is sandboxed")
_FAILED_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of (\d+)")


class BrowserErrors:
    """Console errors, page errors and CSP violations of every context a test opens."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self._allowed: list[re.Pattern[str]] = []
        self._documents_with_error_status: set[str] = set()

    def allow(self, pattern: str) -> None:
        """Expect a message matching `pattern` (a regular expression) in this test: not an error."""
        self._allowed.append(re.compile(pattern))

    def watch(self, context) -> None:
        context.add_init_script(CSP_LISTENER)
        context.on("console", self._on_console)
        context.on("weberror", lambda web_error: self.errors.append(f"page error: {web_error.error}"))
        context.on("response", self._on_response)

    def _on_response(self, response) -> None:
        request = response.request
        if response.status >= 400 and request.resource_type == "document":
            self._documents_with_error_status.add(response.url)

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if _FAILED_LOAD.match(message.text) and url in self._documents_with_error_status:
            return  # the page the test asked for answered 4xx on purpose (its body is still checked)
        if _LISTENER_BLOCKED.match(message.text):
            return
        self.errors.append(f"console error on {url or message.page and message.page.url}: {message.text}")

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self._allowed)]


@pytest.fixture(autouse=True)
def browser_errors(request) -> Iterator[BrowserErrors]:
    """Fail a browser test on any console error, uncaught page error or CSP violation on any page it visited."""
    collector = BrowserErrors()
    if "browser" not in request.fixturenames:
        yield collector
        return
    chromium = request.getfixturevalue("browser")
    original_new_context = chromium.new_context

    def new_context(*args, **kwargs):
        context = original_new_context(*args, **kwargs)
        collector.watch(context)
        return context

    def new_page(*args, **kwargs):
        context = new_context(*args, **kwargs)
        page = context.new_page()
        page.once("close", lambda _page: context.close())
        return page

    chromium.new_context = new_context
    chromium.new_page = new_page
    try:
        yield collector
    finally:
        del chromium.new_context
        del chromium.new_page
    unexpected = collector.unexpected()
    if unexpected:
        pytest.fail(
            "console errors or CSP violations in the browser:\n" + "\n".join(unexpected), pytrace=False
        )


# --- accessibility: axe-core on every page the walks load (issue 12) ----------------------------------------------

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = """async (tags) => {
  if (!window.axe || document.contentType !== "text/html") { return null; }
  const result = await window.axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "critical" || v.impact === "serious")
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
}"""


# Django's own admin (the /ops/ console): its select2 autocomplete and date shortcuts are Django's markup, not ours.
THIRD_PARTY = {"/ops/": {"aria-input-field-name", "label-content-name-mismatch"}}


def _third_party(url: str, violation: dict) -> bool:
    return any(part in url and violation["id"] in rules for part, rules in THIRD_PARTY.items())


class A11y:
    """What axe-core found on the pages a test loaded. axe.min.js is added to every document of every context the
    test opens with `add_init_script(path=...)` — before the page's own scripts and outside its CSP, so no inline
    script is injected (the CSP checks above stay meaningful) — and runs on each page's `load` event.

    A page the walk leaves before axe finishes is listed in `left_early`, not failed."""

    def __init__(self) -> None:
        self.checked: list[str] = []
        self.violations: list[tuple[str, dict]] = []
        self.left_early: list[str] = []

    def check(self, page) -> list[dict]:
        """Run axe on `page` as it is now; returns its critical and serious violations (also kept for the end)."""
        url = page.url
        try:
            found = page.evaluate(AXE_RUN, AXE_TAGS)
        except Exception:  # the walk navigated on, or closed the page: nothing left to check
            self.left_early.append(url)
            return []
        if found is None:  # not one of our HTML documents (about:blank, a file)
            return []
        self.checked.append(url)
        self.violations += [(url, v) for v in found if not _third_party(url, v)]
        return found

    def watch(self, context) -> None:
        context.add_init_script(path=str(AXE_JS))
        context.on("page", self._watch_page)
        for page in context.pages:
            self._watch_page(page)

    def _watch_page(self, page) -> None:
        page.on("load", self.check)

    def report(self) -> str:
        return "\n".join(
            f"{url}: {v['impact']} {v['id']} — {v['help']} ({'; '.join(v['nodes'])})"
            for url, v in self.violations
        )


@pytest.fixture(autouse=True)
def a11y(request, browser_errors) -> Iterator[A11y]:
    """Fail a browser test on any critical or serious axe-core violation on any page it loaded."""
    collector = A11y()
    if "browser" not in request.fixturenames:
        yield collector
        return
    chromium = request.getfixturevalue("browser")
    wrapped_new_context, wrapped_new_page = chromium.new_context, chromium.new_page

    def new_context(*args, **kwargs):
        context = wrapped_new_context(*args, **kwargs)
        collector.watch(context)
        return context

    def new_page(*args, **kwargs):
        page = wrapped_new_page(*args, **kwargs)
        collector.watch(page.context)
        return page

    chromium.new_context, chromium.new_page = new_context, new_page
    try:
        yield collector
    finally:
        chromium.new_context, chromium.new_page = wrapped_new_context, wrapped_new_page
    if collector.violations:
        pytest.fail(f"axe-core: critical or serious violations\n{collector.report()}", pytrace=False)


@pytest.fixture
def site(live_server) -> str:
    """Base URL of the live server (no trailing slash)."""
    return live_server.url.rstrip("/")


@pytest.fixture
def phone_page(browser) -> Iterator:
    """A page in a fresh context sized and behaving like WeChat's in-app browser on a 375 px wide phone."""
    context = browser.new_context(
        viewport=PHONE,
        screen=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        user_agent=WECHAT_UA,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(20_000)  # axe-core runs on every page load too (a11y)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # walks may assert there were none
    try:
        yield page
    finally:
        context.close()
