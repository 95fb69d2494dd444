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

import functools
from typing import TYPE_CHECKING, cast

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import connections, router
from django.http import JsonResponse
from django.utils import timezone

from pmip.core import rows

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

    from pmip.ops.models import AccountSession


class SessionStore(DatabaseSessionStore):
    """Django's database session store on AccountSession: the account is written with the session and read with it.
    `preloaded_account` is the account row read with the session (None: no session, no account, or not loaded)."""

    preloaded_account: AbstractBaseUser | None = None

    @classmethod
    def get_model_class(cls):
        from pmip.ops.models import AccountSession

        return AccountSession

    def _get_session_from_db(self):
        """Django's (the session row if it has not expired, else None and no key), with the account in the same
        statement. The statement is built once (`_session_read_sql`), the row turned into the session and the
        account as the ORM's `select_related("account").get(...)` would (`pmip.core.rows`): on every request."""
        self.preloaded_account = None
        model = cast("type[AccountSession]", self.model)
        alias = router.db_for_read(model)
        connection = connections[alias]
        expire = model._meta.get_field("expire_date").get_db_prep_value(timezone.now(), connection)
        with connection.cursor() as cursor:
            cursor.execute(_session_read_sql(alias), [self.session_key, expire])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        n = len(_SESSION_FIELDS)
        session = rows.from_row(model, _SESSION_FIELDS, row[:n], alias)
        if row[n] is not None:  # the account's id: NULL when the session names no account (LEFT JOIN)
            self.preloaded_account = rows.from_row(get_user_model(), _account_fields(), row[n:], alias)
        return session

    def create_model_instance(self, data):
        row = cast("AccountSession", super().create_model_instance(data))
        try:
            row.account_id = int(data[SESSION_KEY])
        except (KeyError, TypeError, ValueError):
            row.account_id = None
        return row


_SESSION_FIELDS = ("session_key", "session_data", "expire_date", "account_id")


@functools.cache
def _account_fields() -> tuple[str, ...]:
    return tuple(f.attname for f in get_user_model()._meta.concrete_fields)


@functools.cache
def _session_read_sql(alias: str) -> str:
    """What `AccountSession.objects.select_related("account").get(session_key=…, expire_date__gt=now)` sends."""
    from pmip.ops.models import AccountSession

    quote = connections[alias].ops.quote_name
    account = get_user_model()
    session_table, account_table = quote(AccountSession._meta.db_table), quote(account._meta.db_table)
    meta = AccountSession._meta
    key, expires, account_id = (
        f"{session_table}.{quote(str(meta.get_field(name).column))}"  # type: ignore[union-attr]
        for name in ("session_key", "expire_date", "account")
    )
    return (
        f"SELECT {rows.columns(AccountSession, _SESSION_FIELDS, session_table, alias)},"  # noqa: S608 — model names
        f" {rows.columns(account, _account_fields(), account_table, alias)}"
        f" FROM {session_table} LEFT OUTER JOIN {account_table}"
        f" ON {account_id} = {account_table}.{quote(str(account._meta.pk.column))}"
        f" WHERE {key} = %s AND {expires} > %s"
    )


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
