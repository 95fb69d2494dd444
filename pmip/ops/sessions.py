"""Sessions in the database, read together with their account; and Django's SessionMiddleware answering 503 when the
database is away.

`SessionStore` (settings.SESSION_ENGINE = "pmip.ops.sessions") is Django's database store on the model
`pmip.ops.models.AccountSession`, which also names the logged-in account: loading a session reads the account in
the same statement (a LEFT JOIN), and `pmip.identity.middleware.AuthenticationMiddleware` takes it from there instead
of a second query — one read per authenticated request instead of two (issue 13). Everything that makes a session
revocable is unchanged: the row is deleted at log-out and when the session is flushed, the idle and absolute
timeouts and 退出所有设备 (`Account.sessions_valid_after`) are checked on every request, and the session's auth hash is
checked against the account as Django does.

`SessionMiddleware` is Django's, except that a session that cannot be saved because the database is away (a
fail-over) answers 503 + Retry-After instead of Django's 400 "session interrupted": the request's own work may have
committed, and a client must be told to retry (with its Idempotency-Key it then gets the stored answer), not that
its request was bad."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.exceptions import SuspiciousOperation
from django.db import connections
from django.http import JsonResponse
from django.utils import timezone

if TYPE_CHECKING:
    from pmip.ops.models import AccountSession


class SessionStore(DatabaseSessionStore):
    """Django's database session store on AccountSession: the account is written with the session and read with it.
    `preloaded_account` is the account row read with the session (None: no session, no account, or not loaded)."""

    preloaded_account = None

    @classmethod
    def get_model_class(cls):
        from pmip.ops.models import AccountSession

        return AccountSession

    def _get_session_from_db(self):
        """Django's, with the account in the same statement."""
        self.preloaded_account = None
        try:
            model = cast("type[AccountSession]", self.model)
            row = model.objects.select_related("account").get(
                session_key=self.session_key, expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation) as exc:
            if isinstance(exc, SuspiciousOperation):
                logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
            self._session_key = None
            return None
        self.preloaded_account = row.account
        return row

    def create_model_instance(self, data):
        row = cast("AccountSession", super().create_model_instance(data))
        try:
            row.account_id = int(data[SESSION_KEY])
        except (KeyError, TypeError, ValueError):
            row.account_id = None
        return row


def _database_unavailable() -> bool:
    connection = connections["default"]
    try:
        if (
            not connection.in_atomic_block
        ):  # inside a transaction (ATOMIC_REQUESTS, tests) closing would end it
            connection.close_if_unusable_or_obsolete()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return False
    except Exception:
        return True


class SessionMiddleware(DjangoSessionMiddleware):
    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        except SessionInterrupted:
            if not _database_unavailable():
                raise
            busy = JsonResponse(
                {"code": "unavailable", "message": "系统繁忙，请稍后重试。", "status": 503},
                status=503,
                json_dumps_params={"ensure_ascii": False},
            )
            busy["Retry-After"] = "1"
            return busy
