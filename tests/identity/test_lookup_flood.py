"""A look-up flood against a saturated title registry is refused before sessions, identities or queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pmip.integrations.title_registry import get_title_registry

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
