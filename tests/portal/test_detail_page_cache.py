"""The owner detail page as a visitor sees it is kept whole in the public cache (issue 13): the same bytes and headers
as the rendered page but for the masked CSRF token (the request's own, which still works), and every other reader
(the project's owner, elder mode, messages to show) gets the page rendered for them."""

from __future__ import annotations

import re

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.urls import reverse

from pmip.portal import views
from pmip.registry.models import Unit
from tests import factories
from tests.decisions import factories as df

DETAIL = "/property/projects/440304001/"
TOKEN = re.compile(r'"X-CSRFToken": "([^"]*)"')
VARYING = {"x-request-id", "set-cookie"}


def _rendered(monkeypatch):
    """Force project_detail onto its render path (as when a message is to be shown, but none is)."""
    monkeypatch.setattr(views, "_rendered_for_reader", lambda request: True)


def _page(client, path=DETAIL):
    response = client.get(path)
    assert response.status_code == 200
    return response


def _comparable(response):
    body = TOKEN.sub("", response.content.decode())
    headers = {k: v for k, v in response.headers.items() if k.lower() not in VARYING}
    return body, headers


@pytest.mark.django_db
def test_a_visitor_gets_the_rendered_page(client, city, monkeypatch):
    cached = _page(client)
    _page(client)
    warm = _page(client)
    _rendered(monkeypatch)
    rendered = _page(client)
    assert _comparable(cached) == _comparable(rendered)
    assert _comparable(warm) == _comparable(rendered)
    assert "cache-control" not in {k.lower() for k in warm.headers}  # as rendered: nothing added


@pytest.mark.django_db
def test_another_owner_gets_the_rendered_page(client, city, monkeypatch):
    someone = df.person("戊五")
    df.own(Unit.objects.filter(project__code="440305001").first(), someone)
    client.force_login(someone.account)
    cached = _page(client)
    _rendered(monkeypatch)
    assert _comparable(cached) == _comparable(_page(client))


@pytest.mark.django_db
def test_the_cached_page_carries_a_working_csrf_token(client, city):
    response = _page(client)
    token = TOKEN.search(response.content.decode()).group(1)
    assert token != views.CSRF_STANDIN
    assert _unmask_cipher_token(token) == response.cookies["csrftoken"].value
    again = TOKEN.search(_page(client).content.decode()).group(1)
    assert again != token  # masked anew at every response, as rendered pages are
    assert views.CSRF_STANDIN not in _page(client).content.decode()


@pytest.mark.django_db
def test_elder_mode_is_rendered(client, city):
    owner = factories.account("elder_detail", mobile="+8613900009999", name="吴桂英")
    owner.elder_mode = True
    owner.save()
    client.force_login(owner)
    assert "portal/elder" in _page(client).content.decode()


@pytest.mark.django_db
def test_the_owners_own_project_is_rendered_for_them(client, city):
    unit = Unit.objects.filter(project__code="440304001").first()
    owner = df.person("己六")
    df.own(unit, owner)
    client.force_login(owner.account)
    body = _page(client).content.decode()
    assert f'href="{reverse("portal:service")}"' in body  # 返回 leads to 我的小区's services
    visitor = _page(client.__class__()).content.decode()
    assert TOKEN.sub("", body) != TOKEN.sub("", visitor)  # tab and back link are the owner's
