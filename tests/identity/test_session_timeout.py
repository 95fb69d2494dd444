"""Idle and absolute session timeouts (pmip.identity.middleware.SessionTimeoutMiddleware), and that the last-seen
time is written back at most once per SEEN_RESOLUTION_SECONDS rather than on every request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from pmip.core import clock
from pmip.identity.middleware import SEEN, SEEN_RESOLUTION_SECONDS
from pmip.ops.models import AccountSession as Session
from tests import factories

pytestmark = pytest.mark.django_db
PROFILE = "/api/v1/me/profile"


@pytest.fixture
def client():
    c = Client()
    c.force_login(factories.account("owner_timeout"))
    return c


def stored_seen(client) -> float | None:
    return Session.objects.get(session_key=client.cookies["sessionid"].value).get_decoded().get(SEEN)


def test_the_last_seen_time_is_written_once_per_resolution_not_on_every_request(client, settings):
    t0 = clock.now()
    with clock.frozen(t0) as frozen:
        assert client.get(PROFILE).status_code == 200
        assert stored_seen(client) == t0.timestamp()
        frozen.advance(seconds=SEEN_RESOLUTION_SECONDS - 1)
        assert client.get(PROFILE).status_code == 200
        assert stored_seen(client) == t0.timestamp()  # not saved again
        frozen.advance(seconds=1)
        assert client.get(PROFILE).status_code == 200
        assert stored_seen(client) == (t0 + dt.timedelta(seconds=SEEN_RESOLUTION_SECONDS)).timestamp()


def test_an_idle_session_ends_no_later_than_the_idle_limit(client, settings):
    settings.PMIP_SESSION_IDLE_SECONDS = 1800
    t0 = clock.now()
    with clock.frozen(t0) as frozen:
        assert client.get(PROFILE).status_code == 200
        frozen.advance(seconds=SEEN_RESOLUTION_SECONDS - 1)  # a request that does not move the stored time
        assert client.get(PROFILE).status_code == 200
        frozen.advance(seconds=1800 - SEEN_RESOLUTION_SECONDS + 2)  # idle limit passed since the stored time
        assert client.get(PROFILE).status_code == 401


def test_an_active_session_lives_on_and_ends_at_the_absolute_limit(client, settings):
    settings.PMIP_SESSION_IDLE_SECONDS = 1800
    settings.PMIP_SESSION_ABSOLUTE_SECONDS = 3 * 3600
    t0 = clock.now()
    with clock.frozen(t0) as frozen:
        for _ in range(2 * 3600 // 1500):
            assert client.get(PROFILE).status_code == 200
            frozen.advance(seconds=1500)  # under the idle limit each time
        assert client.get(PROFILE).status_code == 200
        frozen.advance(seconds=3600)
        assert client.get(PROFILE).status_code == 401
