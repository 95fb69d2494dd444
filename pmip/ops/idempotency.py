"""`Idempotency-Key` on API writes (POST/PUT/PATCH/DELETE under /api/).

A client that did not get an answer (node killed, time-out, connection reset) retries with the same key and body
and gets the first answer — status and body — instead of a second write. The same key with a different body (or on
another path or method) is refused with 422 `idempotency_key_reused`. Keys are per account (anonymous requests
ignore the header: there is no account to keep the answer for) and kept `PMIP_IDEMPOTENCY_TTL_SECONDS`.

How it stays exact with several nodes: the request runs inside one database transaction that first inserts the
`IdempotencyRecord` (unique on account and key), then runs the view, then stores the answer in that row. So the
write and its stored answer commit together or not at all. A concurrent request with the same key blocks on the
unique index until the first commits, then replays its answer (on PostgreSQL; SQLite serialises writers anyway).
Answers that say the request was not processed (401, 403, 429, 5xx) are not kept: the transaction is rolled back and
a retry runs afresh.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse

from pmip.core import clock
from pmip.core.conf import pmip_settings
from pmip.ops.models import IdempotencyRecord

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, 1–255 characters
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_NOT_KEPT = {401, 403, 408, 429}
MAX_STORED_BODY = 1024 * 1024


class _Rollback(Exception):
    """Raised inside the transaction to undo it while handing the response out."""

    def __init__(self, response):
        self.response = response


def _problem(status: int, code: str, message: str) -> JsonResponse:
    response = JsonResponse(
        {"code": code, "message": message, "status": status},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
    return response


def fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0")
    digest.update(request.get_full_path().encode())
    digest.update(b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def ttl() -> dt.timedelta:
    return dt.timedelta(seconds=pmip_settings().idempotency_ttl_seconds)


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.body), status=record.status, content_type=record.content_type or None
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _answer_for_existing(record: IdempotencyRecord, fp: str) -> HttpResponse:
    if record.fingerprint != fp:
        return _problem(
            422,
            "idempotency_key_reused",
            "该幂等键（Idempotency-Key）已用于另一个请求；请为新的请求使用新的键。",
        )
    return _replay(record)


def _request_transaction():
    """The one transaction around the guarded request. Services that open `atomic(durable=True)` blocks (they
    must commit before the service goes on) run inside it as they do inside a test case's transaction: their
    writes then commit with the stored answer, which is what a retried request needs."""
    outer = transaction.atomic()
    # Django's own flag for "durable blocks may nest in this one" (private: django-stubs does not declare it)
    outer._from_testcase = True  # type: ignore[attr-defined]
    return outer


class IdempotencyMiddleware:
    """Place after AuthenticationMiddleware (needs request.user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method not in _UNSAFE or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not _KEY.match(key):
            return _problem(
                422, "invalid_idempotency_key", "幂等键（Idempotency-Key）须为 1–255 个可见 ASCII 字符。"
            )
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        try:
            fp = fingerprint(request)  # reads the body (bounded by DATA_UPLOAD_MAX_MEMORY_SIZE)
        except Exception:  # RequestDataTooBig and friends: let the view answer as it would without the header
            return self.get_response(request)
        now = clock.now()
        try:
            with _request_transaction():
                try:
                    with transaction.atomic():
                        record = IdempotencyRecord.objects.create(
                            account=user,
                            key=key,
                            fingerprint=fp,
                            method=request.method,
                            path=request.path[:500],
                            status=102,
                            expires_at=now + ttl(),
                        )
                except IntegrityError:
                    existing = IdempotencyRecord.objects.select_for_update().get(account=user, key=key)
                    if existing.expires_at > now:
                        return _answer_for_existing(existing, fp)
                    existing.delete()  # expired: the key is free again
                    record = IdempotencyRecord.objects.create(
                        account=user,
                        key=key,
                        fingerprint=fp,
                        method=request.method,
                        path=request.path[:500],
                        status=102,
                        expires_at=now + ttl(),
                    )
                response = self.get_response(request)
                if (
                    response.status_code >= 500
                    or response.status_code in _NOT_KEPT
                    or getattr(response, "streaming", False)
                    or len(response.content) > MAX_STORED_BODY
                ):
                    raise _Rollback(response)
                record.status = response.status_code
                record.content_type = response.get("Content-Type", "")[:200]
                record.body = response.content
                record.save(update_fields=["status", "content_type", "body"])
                return response
        except _Rollback as rollback:
            return rollback.response
