"""A look-up flood is refused cheaply: a saturated title registry before sessions, identities or queries; the
per-IP limit before the session; the per-account limit and the registry slot before the identity is loaded."""

from __future__ import annotations

import threading
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pmip.audit.models import AuditEntry
from pmip.identity import binding
from pmip.identity.binding.common import LOOKUPS_REFUSED
from pmip.integrations.title_registry import BoundedTitleRegistry, get_title_registry
from pmip.registry.title_lookup import EmbeddedTitleRegistry
from tests.identity.binding_support import (  # noqa: F401 - fixtures
    clean_stand_ins_fixture,
    owner_fixture,
    start,
    through_face,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/binding/lookup"


@pytest.fixture
def saturated():
    registry = get_title_registry()
    taken = 0
    while registry.slots.acquire(blocking=False):
        taken += 1
    yield registry
    for _ in range(taken):
        registry.slots.release()


def test_saturated_registry_refuses_the_look_up_without_a_query(client, saturated):
    assert saturated.saturated()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, {"add": True}, content_type="application/json")
    assert response.status_code == 503
    assert response.json() == {
        "code": "registry_unavailable",
        "message": "查询产权数据错误：系统繁忙，请稍后再试",
        "status": 503,
    }
    assert response["Retry-After"] == "5"
    assert queries.captured_queries == []


def test_free_registry_lets_the_look_up_through_to_the_full_checks(client):
    assert not get_title_registry().saturated()
    response = client.post(URL, {"add": True}, content_type="application/json")
    assert response.status_code in (401, 403)  # not logged in: the normal path answered


def test_other_requests_pass_while_saturated(client, saturated):
    assert client.get("/healthz").status_code == 200


# --------------------------------------------------------------------------------------------------- admission


BUSY = "查询产权数据错误：系统繁忙，请稍后再试"


def _outside_the_cache(queries) -> list[str]:
    """Statements other than the shared cache's (and their transaction control)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if "pmip_cache" not in q["sql"]
        and not q["sql"].upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"))
    ]


def _refused(reason: str) -> float:
    return LOOKUPS_REFUSED.labels(reason)._value.get()


@pytest.fixture
def lost_race(monkeypatch):
    """A registry whose only slot is taken although the free hint said otherwise (another thread won the race)."""
    registry = BoundedTitleRegistry(
        EmbeddedTitleRegistry(), slots=threading.BoundedSemaphore(1), acquire_timeout=0.01
    )
    assert registry.slots.acquire(blocking=False)
    assert not registry.saturated()  # with a wait allowed the hint never refuses: the slot itself must
    monkeypatch.setattr(binding.lookup, "get_title_registry", lambda: registry)
    yield registry
    registry.slots.release()


def test_a_look_up_without_a_slot_reads_nothing_of_the_owner(city, owner, lost_race):
    state = through_face(owner, start(owner).state)
    before = _refused("registry_busy")
    with CaptureQueriesContext(connection) as queries, pytest.raises(binding.RegistryBusy) as exc:
        binding.lookup_units(actor=owner, state=state)
    assert (exc.value.message, exc.value.status) == (BUSY, 503)
    assert _outside_the_cache(queries) == []  # no identity, no face verification, no audit entry
    assert not AuditEntry.objects.filter(action="identity.binding.looked_up").exists()
    assert _refused("registry_busy") == before + 1
    lost_race.slots.release()
    # The state kept from the refusal says why, and the retry works once a slot is free.
    assert binding.open_pending(actor=owner, token=exc.value.state).lookup_error == "registry_unavailable"
    _token, result = binding.lookup_units(actor=owner, state=exc.value.state)
    assert result.candidates
    assert lost_race.slots.acquire(blocking=False)


def test_busy_refusals_do_not_use_up_the_hourly_limit(city, owner, settings, monkeypatch):
    settings.PMIP_BINDING_LOOKUP_LIMIT = 1
    busy = BoundedTitleRegistry(EmbeddedTitleRegistry(), slots=threading.BoundedSemaphore(1))
    busy.slots.acquire(blocking=False)
    monkeypatch.setattr(binding.lookup, "get_title_registry", lambda: busy)
    state = through_face(owner, start(owner).state)
    for _ in range(3):
        with pytest.raises(binding.RegistryBusy) as exc:
            binding.lookup_units(actor=owner, state=state)
        state = exc.value.state
    busy.slots.release()
    _token, result = binding.lookup_units(actor=owner, state=state)
    assert result.candidates


def test_the_per_ip_limit_refuses_before_the_session_is_read(city, owner, settings):
    settings.PMIP_BINDING_LOOKUP_IP_LIMIT = 2
    api = Client()
    api.force_login(owner)
    for _ in range(2):  # admitted: the service answers (no identity on file yet)
        assert api.post(URL, {"add": True}, content_type="application/json").status_code == 409
    before = _refused("ip_limit")
    with CaptureQueriesContext(connection) as queries:
        response = api.post(URL, {"add": True}, content_type="application/json")
    assert response.status_code == 429
    assert response.json() == {"code": "lookup_ip_rate_limited", "message": BUSY, "status": 429}
    assert 0 < int(response["Retry-After"]) <= 3600
    assert _outside_the_cache(queries) == []  # no session, no account
    assert _refused("ip_limit") == before + 1
    other = Client(REMOTE_ADDR="10.0.0.2")  # another address is not affected
    other.force_login(owner)
    assert other.post(URL, {"add": True}, content_type="application/json").status_code == 409


def test_a_busy_answer_from_the_service_carries_retry_after(city, owner, lost_race):
    api = Client()
    api.force_login(owner)
    response = api.post(URL, {"add": True}, content_type="application/json")
    assert response.status_code == 503
    assert response.json() == {"code": "registry_unavailable", "message": BUSY, "status": 503}
    assert response["Retry-After"] == "5"


def test_the_per_account_limit_answers_with_retry_after(city, owner, settings):
    settings.PMIP_BINDING_LOOKUP_LIMIT = 0
    api = Client()
    api.force_login(owner)
    response = api.post(URL, {"add": True}, content_type="application/json")
    assert response.status_code == 429
    assert response.json()["code"] == "lookup_rate_limited"
    assert 0 < int(response["Retry-After"]) <= 3600


def test_a_busy_add_on_the_owner_page_says_so_on_the_binding_page(city, owner, lost_race):
    page = Client()
    page.force_login(owner)
    response = page.post("/me/binding/add/")
    assert (response.status_code, response["Location"]) == (302, "/me/binding/")
    assert BUSY in page.get("/me/binding/", follow=True).content.decode()
    assert not AuditEntry.objects.filter(action="identity.binding.looked_up").exists()


# --------------------------------------------------------------------------------------------------- owner pages


PAGE_ADD = "/me/binding/add/"
PAGE_UNITS = "/me/binding/units/"
TOKEN = "a" * 32


def _form(client: Client, path: str, fields: dict):
    """Posted as a browser posts a form (urlencoded; the test client's default is multipart)."""
    return client.post(path, urlencode(fields), content_type="application/x-www-form-urlencoded")


def test_the_look_up_pages_are_the_ones_the_middleware_guards():
    from django.urls import reverse

    from pmip.identity import flood

    assert (
        reverse("portal_account:binding_add"),
        reverse("portal_account:binding_units"),
    ) == (flood.PAGE_ADD, flood.PAGE_UNITS)


def test_a_saturated_registry_refuses_the_page_look_up_before_the_session(city, owner, saturated):
    page = Client()
    page.force_login(owner)
    page.cookies["csrftoken"] = TOKEN
    before = _refused("registry_busy")
    with CaptureQueriesContext(connection) as queries:
        response = _form(page, PAGE_ADD, {"csrfmiddlewaretoken": TOKEN})
    assert queries.captured_queries == []  # no session, no account, no cache
    assert response.status_code == 503
    assert (response["Retry-After"], response["Cache-Control"]) == ("5", "no-store")
    assert "default-src 'self'" in response["Content-Security-Policy"]  # answered before the CSP middleware
    body = response.content.decode()
    assert "<h1>查询产权数据错误：系统繁忙，请稍后再试</h1>" in body
    assert "由于同一个时间点绑定的人数过多，请换一个时间点尝试重新绑定。" in body
    assert f'<form method="post" action="{PAGE_ADD}">' in body
    assert f'<input type="hidden" name="csrfmiddlewaretoken" value="{TOKEN}">' in body
    assert 'href="/me/binding/"' in body and "返回" in body
    assert _refused("registry_busy") == before + 1
    assert not AuditEntry.objects.filter(action="identity.binding.looked_up").exists()


def test_a_refused_retry_on_the_units_page_keeps_the_pending_binding(city, owner, saturated):
    page = Client(enforce_csrf_checks=True)
    page.force_login(owner)
    page.cookies["csrftoken"] = TOKEN
    session = page.session
    session[binding.SESSION_KEY] = through_face(owner, start(owner).state)
    session.save()
    kept = page.session[binding.SESSION_KEY]
    response = _form(page, PAGE_UNITS, {"csrfmiddlewaretoken": TOKEN, "action": "lookup"})
    assert response.status_code == 503
    body = response.content.decode()
    assert '<input type="hidden" name="action" value="lookup">' in body
    assert 'href="/me/binding/units/"' in body
    assert page.session[binding.SESSION_KEY] == kept  # nothing entered is lost
    # Once the registry has a slot again, the retry the page offers (the same fields) looks the units up.
    for _ in range(saturated.slots._initial_value):
        saturated.slots.release()
    try:
        retried = _form(page, PAGE_UNITS, {"csrfmiddlewaretoken": TOKEN, "action": "lookup"})
        assert (retried.status_code, retried["Location"]) == (302, PAGE_UNITS)
        assert "提交绑定" in page.get(PAGE_UNITS).content.decode()
    finally:
        for _ in range(saturated.slots._initial_value):
            saturated.slots.acquire(blocking=False)


def test_binding_a_unit_is_not_a_look_up(city, owner, saturated):
    page = Client()
    page.force_login(owner)
    response = _form(page, PAGE_UNITS, {"action": "bind", "unit_ids": "1"})
    assert response.status_code == 302  # the view answered (no pending binding: back to the binding page)


def test_the_refusal_page_echoes_only_a_well_formed_token(city, owner, saturated):
    page = Client()
    response = _form(page, PAGE_ADD, {"csrfmiddlewaretoken": '"><script>x</script>', "action": "other"})
    body = response.content.decode()
    assert response.status_code == 503
    assert "<script>" not in body and 'name="csrfmiddlewaretoken"' not in body and 'name="action"' not in body


def test_the_per_ip_limit_refuses_page_look_ups_before_the_session_and_counts_once(city, owner, settings):
    settings.PMIP_BINDING_LOOKUP_IP_LIMIT = 2
    page = Client()
    page.force_login(owner)
    for _ in range(2):  # admitted: counted once each (the service does not count the address again)
        response = page.post(PAGE_ADD)
        assert (response.status_code, response["Location"]) == (302, "/me/binding/")
    before = _refused("ip_limit")
    with CaptureQueriesContext(connection) as queries:
        response = page.post(PAGE_ADD)
    assert response.status_code == 429
    assert "查询产权数据错误：系统繁忙，请稍后再试" in response.content.decode()
    assert "重新查询" not in response.content.decode()  # no retry within the hour
    assert 0 < int(response["Retry-After"]) <= 3600
    assert _outside_the_cache(queries) == []
    assert _refused("ip_limit") == before + 1
