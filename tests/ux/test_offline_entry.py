"""业主身份绑定 offers 申请线下认证 to owners who cannot do face verification (non-mainland IDs, or no face check),
and the office search tells the committee the same words (issue 12: the page had no button, the office said it had)."""

from __future__ import annotations

import re

import pytest

from pmip.identity import offline
from tests.ux.test_labels import hk_owner  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def offline_button(html: str) -> str | None:
    found = re.search(r'<a class="weui-btn [^"]*" id="offline-apply" href="([^"]+)">([^<]+)</a>', html)
    return f"{found.group(2)} {found.group(1)}" if found else None


def test_a_non_mainland_owner_applies_from_the_binding_page(client, hk_owner):  # noqa: F811
    client.force_login(hk_owner)
    html = client.get("/me/binding/").content.decode()
    assert offline_button(html) == "申请线下认证 /delegation/offline/"
    assert "请点击下方“申请线下认证”" in html
    assert client.get("/delegation/offline/").status_code == 200
    project = offline.bound_projects(account=hk_owner).first()
    offline.apply_offline_verification(actor=hk_owner, project=project)
    html = client.get("/me/binding/").content.decode()
    assert offline_button(html) == "查看线下认证申请 /delegation/offline/"
    assert 'id="offline-applied"' in html


def test_the_office_search_uses_the_same_words():
    from pathlib import Path

    import pmip.office

    page = Path(pmip.office.__file__).parent / "templates/office/verification/offline_search.html"
    assert "业主身份绑定”页面点击“申请线下认证”" in page.read_text()
