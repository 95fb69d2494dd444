"""The owner pages' frame (issue 13): the tab bar is rendered once per process and tab, and is the template's."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from pmip.portal.templatetags.portal import tabbar


@pytest.mark.parametrize("tab", ["home", "mine", "disclosure", "account", ""])
def test_the_kept_tab_bar_is_the_rendered_one(tab):
    assert tabbar(tab) == render_to_string("portal/_tabbar.html", {"tab": tab})
    assert tabbar(tab) is tabbar(tab)  # kept


def test_a_page_marks_its_tab(client, db):
    body = client.get("/property/projects/").content.decode()
    tabbar_html = body[body.index('<nav class="weui-tabbar') :]
    current = tabbar_html.split('aria-current="page"')[0].rsplit("<a ", 1)[1]
    assert 'href="/property/disclosure/"' in current
