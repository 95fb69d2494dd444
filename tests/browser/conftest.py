"""Real-browser harness: Playwright's sync API driving Debian's Chromium against pytest-django's live server.

Fixtures for every owner walk:
- `browser`: one headless Chromium for the session (a fresh temporary profile: `launch()`, not a persistent context).
- `phone_page`: a new page at 375×812 with touch, a WeChat-like user agent and zh-CN; its context is closed after.
- `site`: the live server's base URL (pytest-django's `live_server`, so the test gets `transactional_db`).

Chromium missing: the tests fail when CI is set (browser walks are mandatory there), otherwise they are skipped.
"""

from __future__ import annotations

import os
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
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # walks may assert there were none
    try:
        yield page
    finally:
        context.close()
