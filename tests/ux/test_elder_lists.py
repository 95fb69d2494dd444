"""长辈模式 shows fewer items per screen (issue 12): every owner list is paginated through
`pmip.portal.paging.owner_page`, which halves the page size for an account in elder mode; rows that open a detail
page collapse to their title (portal/elder.css; checked in Chromium by test_transparency_walk_375)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

import pmip.portal
from pmip.identity.services import set_elder_mode
from pmip.notifications.models import Notification
from pmip.portal.paging import owner_page, page_size
from tests import factories

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)


def request_as(user, query: str = ""):
    request = RequestFactory().get("/x/" + query)
    request.user = user
    return request


def test_the_page_size_is_halved_in_elder_mode_only():
    owner = factories.account("pager", mobile="+8613900005555", name="周淑芬")
    assert page_size(request_as(AnonymousUser()), 20) == 20
    assert page_size(request_as(owner), 20) == 20
    owner.elder_mode = True
    assert page_size(request_as(owner), 20) == 10
    assert page_size(request_as(owner), 30) == 15
    assert page_size(request_as(owner), 6) == 5  # never below five
    page = owner_page(request_as(owner, "?p=2"), list(range(25)), 20, param="p")
    assert (list(page.object_list), page.paginator.num_pages) == ([10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 3)


def test_no_owner_view_paginates_on_its_own():
    root = Path(pmip.portal.__file__).parent
    direct = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "paging.py" and re.search(r"\bPaginator\(", path.read_text())
    ]
    assert direct == []


def test_the_inbox_shows_half_as_many_messages_in_elder_mode(client):
    owner = factories.account("elder_inbox", mobile="+8613900006666", name="吴桂英")
    for n in range(25):
        at = T0 + dt.timedelta(minutes=n)
        Notification.objects.create(
            recipient=owner, kind="identity.binding.approved", title=f"消息{n}", body="内容", created_at=at
        )
    client.force_login(owner)
    normal = client.get("/me/messages/").content.decode()
    assert len(re.findall(r'data-id="\d+"', normal)) == 20 and "第 1 / 2 页" in normal
    set_elder_mode(actor=owner, on=True)
    elder = client.get("/me/messages/").content.decode()
    assert len(re.findall(r'data-id="\d+"', elder)) == 10 and "第 1 / 3 页" in elder
    last = client.get("/me/messages/?page=3").content.decode()
    assert len(re.findall(r'data-id="\d+"', last)) == 5
