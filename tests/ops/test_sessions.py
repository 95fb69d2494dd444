"""A session that cannot be saved because the database is away answers 503 (retry), not Django's 400."""

from __future__ import annotations

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore

from pmip.ops import sessions
from tests import factories


def _broken_save(self, must_create=False):
    raise UpdateError


def test_session_save_failing_while_the_database_is_away_is_503(client, db, monkeypatch):
    owner = factories.account("sess_owner", mobile="+8613800006666")
    client.force_login(owner)
    monkeypatch.setattr(SessionStore, "save", _broken_save)
    monkeypatch.setattr(sessions, "_database_unavailable", lambda: True)
    client.raise_request_exception = False
    answer = client.post("/api/v1/me/messages/read-all", "{}", content_type="application/json")
    assert answer.status_code == 503 and answer["Retry-After"] == "1"


def test_session_deleted_meanwhile_is_still_400(client, db, monkeypatch):
    owner = factories.account("sess_owner2", mobile="+8613800007777")
    client.force_login(owner)
    monkeypatch.setattr(SessionStore, "save", _broken_save)
    client.raise_request_exception = False
    answer = client.post("/api/v1/me/messages/read-all", "{}", content_type="application/json")
    assert answer.status_code == 400
