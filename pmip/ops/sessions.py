"""Django's SessionMiddleware, except that a session that cannot be saved because the database is away (a
fail-over) answers 503 + Retry-After instead of Django's 400 "session interrupted": the request's own work may have
committed, and a client must be told to retry (with its Idempotency-Key it then gets the stored answer), not that
its request was bad."""

from __future__ import annotations

from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import connections
from django.http import JsonResponse


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
