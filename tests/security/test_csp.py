"""Content Security Policy (issue 8, item 9): Django's CSP middleware sends a policy without 'unsafe-inline', and no
template carries an inline script, a <style> block, a style="" attribute or an on…="" handler (all of which that
policy blocks). Put JS/CSS in static files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted([*ROOT.glob("pmip/**/templates/**/*.html"), *ROOT.glob("templates/**/*.html")])

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
STYLE_BLOCK = re.compile(r"<style\b", re.I)
STYLE_ATTR = re.compile(r"<[a-z][^<>]*\sstyle\s*=", re.I)
HANDLER_ATTR = re.compile(r"<[a-z][^<>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"\b(?:href|src|action)\s*=\s*[\"']\s*javascript:", re.I)


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_inline_script_or_style_in_templates(path):
    text = path.read_text(encoding="utf-8")
    problems = [
        f"{name}: {m.group(0)[:80]!r}"
        for name, rx in (
            ("inline <script>", INLINE_SCRIPT),
            ("<style> block", STYLE_BLOCK),
            ("style attribute", STYLE_ATTR),
            ("event handler attribute", HANDLER_ATTR),
            ("javascript: URL", JS_URL),
        )
        for m in rx.finditer(text)
    ]
    assert problems == []


def test_every_page_carries_the_policy_without_unsafe_inline(client, db):
    for url in ["/", "/office/login/"]:
        response = client.get(url, follow=True)
        policy = response.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in policy, url
        # (a nonce is added to script-src/style-src only on a page that uses {{ csp_nonce }})
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
