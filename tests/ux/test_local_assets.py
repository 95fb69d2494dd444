"""Everything a page needs is served by this site (issue 12): government intranets have no internet.

Crawls the owner pages (as a bound demo owner), the back office (as the city clerk) and the API docs over the demo
city, follows every same-site link, and fails on any URL to another host in the HTML (src, href, action, srcset,
inline url(...)) or in the style sheets the pages link. Also: every page names the site's favicon.
"""

from __future__ import annotations

import html as htmllib
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.staticfiles import finders

from pmip.demo.load import load_demo_city
from pmip.identity.models import Account
from pmip.registry.models import Unit
from tests.factories import login_staff
from tests.portal_funds.builders import bind

ATTR = re.compile(r"""\b(?:src|href|action|poster|data-src|hx-get|hx-post)\s*=\s*["']([^"']*)["']""", re.I)
SRCSET = re.compile(r"""\bsrcset\s*=\s*["']([^"']*)["']""", re.I)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)|@import\s+["']([^"']+)["']""", re.I)
SKIP = ("logout", "/ops/", "/static/", "download", "export", ".xlsx", ".pdf", ".csv", ".json", "/files/")
MAX_PAGES = 120


def external(url: str) -> bool:
    url = url.strip()
    if url.startswith(("data:", "#", "mailto:", "tel:", "javascript:")):
        return False
    parts = urlsplit(url)
    return bool(parts.netloc) and parts.netloc not in ("testserver",)


def references(html: str) -> list[str]:
    found = [htmllib.unescape(m.group(1)) for m in ATTR.finditer(html)]
    for m in SRCSET.finditer(html):
        found += [item.strip().split(" ")[0] for item in m.group(1).split(",") if item.strip()]
    found += [a or b for a, b in CSS_URL.findall(html)]
    return found


def test_the_reference_finder_sees_what_a_cdn_page_would_load():
    html = (
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">'
        '<script src="//unpkg.com/htmx.org"></script><img srcset="/a.png 1x, https://x.cn/b.png 2x">'
        "<div class=x>background:url('http://example.com/i.png')</div><a href=\"/me/\">我的</a>"
    )
    assert [u for u in references(html) if external(u)] == [
        "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css",
        "//unpkg.com/htmx.org",
        "https://x.cn/b.png",
        "http://example.com/i.png",
    ]


def crawl(client, starts: list[str]) -> dict[str, list[str]]:
    """GET same-site pages reachable from `starts` (one per URL shape); returns {page or stylesheet: [external urls]}."""
    seen: set[str] = set()
    queue = deque(starts)
    problems: dict[str, list[str]] = {}
    pages = 0
    while queue and pages < MAX_PAGES:
        url = queue.popleft()
        parts = urlsplit(url)
        shape = (
            re.sub(r"/\d+/", "/<n>/", parts.path),
            tuple(sorted(k.split("=")[0] for k in parts.query.split("&") if k)),
        )
        if shape in seen:  # one page per path and set of query keys: coverage, not every page of a list
            continue
        seen.add(shape)
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        html = response.content.decode()
        refs = references(html)
        bad = [u for u in refs if external(u)]
        if bad:
            problems[url] = bad
        if "<html" in html.lower():
            assert 'rel="icon"' in html, f"{url} names no favicon"
        for ref in refs:
            if external(ref) or not ref or ref.startswith(("data:", "#", "mailto:", "tel:", "javascript:")):
                continue
            target = urljoin(url, ref).split("#")[0]
            path = urlsplit(target).path
            if path.startswith("/static/") and path.endswith(".css"):
                css = finders.find(path.removeprefix("/static/"))
                assert css, f"{url} links a missing stylesheet {path}"
                with open(css, encoding="utf-8", errors="replace") as fh:
                    text = fh.read()
                bad_css = [a or b for a, b in CSS_URL.findall(text) if external(a or b)]
                if bad_css:
                    problems[path] = bad_css
                continue
            if path.startswith("/static/"):
                assert finders.find(path.removeprefix("/static/")), f"{url} references a missing file {path}"
                continue
            if (
                any(s in target for s in SKIP)
                or not target.startswith("/")
                and not target.startswith("http://testserver")
            ):
                continue
            queue.append(target.replace("http://testserver", ""))
    assert pages > 3, "the crawl did not get anywhere"
    return problems


@pytest.fixture
def demo(db):
    load_demo_city(scale="tiny", seed=1)


def test_owner_pages_reference_nothing_outside_the_site(demo, client):
    owner = Account.objects.create_user(username="asset_owner", password=None, mobile="+8613912340000")
    unit = Unit.objects.filter(project__code="4403040001", titles__isnull=False).first()
    bind(owner, unit)
    client.force_login(owner)
    assert (
        crawl(client, ["/", "/me/", "/property/mine/", "/property/service/", "/decisions/", "/funds/"]) == {}
    )


def test_anonymous_pages_and_log_in_pages_reference_nothing_outside_the_site(demo, client):
    assert crawl(client, ["/", "/me/login/", "/office/login/", "/property/projects/"]) == {}


def test_office_pages_reference_nothing_outside_the_site(demo, client):
    login_staff(client, Account.objects.get(username="demo_city"))
    assert (
        crawl(client, ["/office/", "/office/decisions/", "/office/funds/", "/office/verification/offline/"])
        == {}
    )


def test_api_docs_are_served_from_this_site(db, client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert [u for u in references(html) if external(u)] == []
    assert '"validatorUrl": null' in html  # the online validator badge would call swagger.io
    for path in (
        "vendor/swagger-ui/swagger-ui-bundle.js",
        "vendor/swagger-ui/swagger-ui.css",
        "api/swagger-init.js",
    ):
        assert finders.find(path), path


def test_favicon_ico_leads_to_the_sites_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("pmip/favicon.svg")
    assert finders.find("pmip/favicon.svg")
