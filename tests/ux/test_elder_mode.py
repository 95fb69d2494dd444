"""长辈模式: a switch in 我的, remembered on the account, audited when it changes; the pages carry the body class and
the elder style sheet only when it is on; the owner style sheets have no text below 14 px (0.875rem)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pmip.audit.models import AuditEntry
from pmip.identity.models import Account
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_switch_is_remembered_and_audited(client):
    owner = factories.account("elder", mobile="+8613900003333", name="李桂兰")
    client.force_login(owner)
    page = client.get("/account/").content.decode()
    assert 'id="elder-mode"' in page and "pm-elder" not in page and "portal/elder" not in page
    response = client.post("/me/elder-mode/", {"elder_mode": "on"})
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert Account.objects.get(pk=owner.pk).elder_mode is True
    page = client.get("/decisions/how-to-check/").content.decode()
    assert re.search(r'<body[^>]*class="pm-body pm-elder', page) and "portal/elder" in page
    client.post("/me/elder-mode/", {"elder_mode": "on"})  # no change: no second entry
    client.post("/me/elder-mode/", {"elder_mode": "off"})
    assert Account.objects.get(pk=owner.pk).elder_mode is False
    entries = AuditEntry.objects.filter(action="identity.owner.elder_mode_set").order_by("pk")
    assert [e.data["on"] for e in entries] == [True, False]


def test_the_switch_needs_a_log_in_and_a_post(client):
    assert client.post("/me/elder-mode/", {"elder_mode": "on"}).status_code == 302  # to the log-in
    owner = factories.account("elder2", mobile="+8613900004444", name="赵建华")
    client.force_login(owner)
    assert client.get("/me/elder-mode/").status_code == 405


def test_owner_style_sheets_have_no_text_below_14px():
    import pmip.portal

    root = Path(pmip.portal.__file__).parent / "static" / "portal"
    small = [
        (css.name, m.group(0))
        for css in root.rglob("*.css")
        for m in re.finditer(r"font-size:\s*(\d+(?:\.\d+)?)px", css.read_text())
        if float(m.group(1)) < 14
    ]
    assert small == []
