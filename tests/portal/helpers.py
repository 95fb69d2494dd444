"""Small HTML readers for portal tests (stdlib only)."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def text(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()


def fields(page: str) -> dict[str, str]:
    """{data-field: visible text} of every <dd data-field=...> on the page."""
    return {
        name: text(value)
        for name, value in re.findall(r'<dd[^>]*data-field="([\w-]+)"[^>]*>(.*?)</dd>', page, flags=re.S)
    }


def result_codes(page: str) -> list[str]:
    """Project codes of the search results, in page order."""
    return re.findall(r'data-project-code="([^"]+)"', page)


def hrefs(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page)]
