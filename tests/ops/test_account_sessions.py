"""Sessions are read together with their account (pmip.ops.sessions.SessionStore +
pmip.identity.middleware.AuthenticationMiddleware): one statement per authenticated request instead of two, and
every way of ending a session still works — log-out (also a copy of the cookie replayed afterwards), a password
change (the session's auth hash), a deactivated account, 退出所有设备, a deleted account."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pmip.identity.middleware import get_user
from pmip.identity.models import Account
from pmip.ops.models import AccountSession
from pmip.ops.sessions import SessionStore
from tests import factories

pytestmark = pytest.mark.django_db
PROFILE = "/api/v1/me/profile"


def _logged_in(username: str, mobile: str) -> tuple[Client, Account]:
    account = factories.account(username, mobile=mobile)
    client = Client()
    client.force_login(account)
    return client, account


def _statements(client: Client, path: str = PROFILE) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    return status, [q["sql"] for q in queries.captured_queries]


def test_the_session_row_names_its_account_and_one_statement_reads_both():
    client, account = _logged_in("sess_one", "+8613800001001")
    row = AccountSession.objects.get(session_key=client.cookies["sessionid"].value)
    assert row.account_id == account.pk
    assert client.get(PROFILE).status_code == 200  # the first request stamps the last-seen time (a save)
    status, statements = _statements(client)
    assert status == 200
    assert sum("ops_accountsession" in s for s in statements) == 1
    account_reads = [s for s in statements if '"identity_account"' in s.split(" WHERE ")[0]]
    assert len(account_reads) == 1 and "ops_accountsession" in account_reads[0], "\n".join(statements)


def test_a_cookie_replayed_after_log_out_is_anonymous():
    client, _ = _logged_in("sess_out", "+8613800001002")
    stolen = client.cookies["sessionid"].value
    assert client.post("/me/logout/").status_code == 302
    assert not AccountSession.objects.filter(session_key=stolen).exists()  # the row is gone: revoked
    thief = Client()
    thief.cookies["sessionid"] = stolen
    assert thief.get(PROFILE).status_code == 401


def test_a_password_change_ends_the_other_sessions():
    client, account = _logged_in("sess_pw", "+8613800001003")
    assert client.get(PROFILE).status_code == 200
    account.set_password("another-long-password-1")
    account.save()
    key = client.cookies["sessionid"].value
    assert client.get(PROFILE).status_code == 401  # the auth hash no longer matches
    assert not AccountSession.objects.filter(session_key=key).exists()  # flushed


def test_a_deactivated_account_is_anonymous():
    client, account = _logged_in("sess_inactive", "+8613800001004")
    Account.objects.filter(pk=account.pk).update(is_active=False)
    assert client.get(PROFILE).status_code == 401


def test_log_out_everywhere_ends_every_session():
    phone, account = _logged_in("sess_all", "+8613800001005")
    laptop = Client()
    laptop.force_login(account)
    assert laptop.get(PROFILE).status_code == 200
    assert phone.post("/me/logout-all/").status_code == 302
    assert laptop.get(PROFILE).status_code == 401


def test_a_deleted_account_takes_its_sessions_with_it():
    client, account = _logged_in("sess_gone", "+8613800001006")
    key = client.cookies["sessionid"].value
    account.delete()
    assert not AccountSession.objects.filter(session_key=key).exists()
    assert client.get(PROFILE).status_code == 401


def test_a_session_without_its_account_column_still_works_and_gets_it_at_the_next_save():
    """Sessions copied from django_session by the migration have no account yet: read with a second query."""
    client, account = _logged_in("sess_old", "+8613800001007")
    key = client.cookies["sessionid"].value
    assert client.get(PROFILE).status_code == 200
    AccountSession.objects.filter(session_key=key).update(account=None)
    status, statements = _statements(client)
    assert status == 200
    assert (
        sum('"identity_account"' in s.split(" WHERE ")[0] for s in statements) == 2
    )  # session, then account
    session = client.session
    session["touched"] = 1
    session.save()
    assert AccountSession.objects.get(session_key=key).account_id == account.pk


def test_an_account_column_that_disagrees_with_the_session_is_not_trusted(rf):
    """The account column only saves a query: the session's own `_auth_user_id` decides who is logged in."""
    client, account = _logged_in("sess_mine", "+8613800001008")
    other = factories.account("sess_other", mobile="+8613800001009")
    key = client.cookies["sessionid"].value
    AccountSession.objects.filter(session_key=key).update(account=other)
    request = rf.get(PROFILE)
    request.session = SessionStore(key)
    assert get_user(request) == account
    request = rf.get(PROFILE)
    request.session = SessionStore(key)
    AccountSession.objects.filter(session_key=key).update(account=account)
    assert get_user(request) == account and request.session.preloaded_account == account


def test_the_migration_copies_live_sessions_so_nobody_is_logged_out():
    import datetime as dt
    import importlib

    from django.apps import apps
    from django.contrib.sessions.backends.db import SessionStore as OldStore
    from django.utils import timezone

    migration = importlib.import_module("pmip.ops.migrations.0003_account_session")
    account = factories.account("sess_before", mobile="+8613800001010")
    old = OldStore()
    old.update(
        {"_auth_user_id": str(account.pk), "_auth_user_backend": "django.contrib.auth.backends.ModelBackend"}
    )
    old.update({"_auth_user_hash": account.get_session_auth_hash()})
    old.create()
    expired = OldStore()
    expired.create()
    OldStore.get_model_class().objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    editor = type("Editor", (), {"connection": connection})()  # all the function uses of a schema editor
    migration.copy_live_sessions(apps, editor)
    assert set(AccountSession.objects.values_list("session_key", flat=True)) == {old.session_key}
    client = Client()
    client.cookies["sessionid"] = old.session_key
    assert client.get(PROFILE).status_code == 200  # still logged in after the move
