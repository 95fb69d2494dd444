"""Admission control: under overload, refuse the excess fast instead of slowing every request down.

Each worker process admits at most `PMIP_ADMISSION_CONCURRENCY` requests at once (the work its CPU share can do;
more concurrent Python requests only add latency). A request that finds the worker full may wait for a place if
fewer than `PMIP_ADMISSION_QUEUE_LENGTH` are already waiting, and at most `PMIP_ADMISSION_QUEUE_SECONDS`, counted
from when the load balancer received it when the trusted proxy header `X-Request-Start: t=<epoch microseconds>` is
there (HAProxy sets it), else from when the worker got it. Otherwise it is answered at once with 503, `Retry-After`
and a problem body, before sessions are read or identities loaded.

The queue-length bound is what keeps overload graceful without a proxy: at three times the load a worker can serve,
a time bound alone lets arrivals × seconds requests wait, which takes every server thread, and the excess then waits
in the server's own queue, unseen and unrefused, while every answer slows down. With the length bound the waiting
stay few (their wait is about length ÷ throughput), and the server's spare threads answer the rest at once.

This is per process on purpose: it bounds one worker's own concurrency (the server runs more blocking threads than
admissions plus waiting places — scripts/granian.sh — so the spare threads are free to refuse). Limits that concern users (SMS, log-in tries, look-ups) live
in the shared cache, never here. Health, readiness, metrics and static files are never refused.
"""

from __future__ import annotations

import json
import threading
import time

from django.http import HttpResponse

from pmip.core.conf import pmip_settings

EXEMPT_PREFIXES = ("/healthz", "/readyz", "/metrics", "/static/", "/favicon.ico")
BODY = json.dumps(
    {"code": "overloaded", "message": "系统繁忙，请稍后再试。", "status": 503}, ensure_ascii=False
).encode()


def _queued_since(request, now: float) -> float:
    """Seconds since the proxy received the request (0 when the header is absent or not sane)."""
    raw = request.META.get("HTTP_X_REQUEST_START", "")
    if raw.startswith("t="):
        raw = raw[2:]
    if not raw.isdigit() or len(raw) > 20:
        return 0.0
    started = int(raw) / 1_000_000 if len(raw) > 13 else int(raw) / 1000  # microseconds or milliseconds
    waited = now - started
    return waited if 0 <= waited < 3600 else 0.0


class AdmissionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        conf = pmip_settings()
        self.limit = conf.admission_concurrency
        self.queue_seconds = conf.admission_queue_seconds
        self.retry_after = str(conf.admission_retry_after)
        self.queue_length = max(0, conf.admission_queue_length)
        self.slots = threading.BoundedSemaphore(self.limit) if self.limit > 0 else None
        self.waiting = 0
        self.waiting_lock = threading.Lock()

    def __call__(self, request):
        if self.slots is None or request.path.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        budget = self.queue_seconds - _queued_since(request, time.time())
        if budget <= 0 or not self._admit(budget):
            return self.refuse()
        try:
            return self.get_response(request)
        finally:
            self.slots.release()

    def _admit(self, budget: float) -> bool:
        """A place now, or after waiting at most `budget` seconds in a queue of bounded length."""
        assert self.slots is not None
        if self.slots.acquire(blocking=False):
            return True
        with self.waiting_lock:
            if self.waiting >= self.queue_length:
                return False
            self.waiting += 1
        try:
            return self.slots.acquire(timeout=budget)
        finally:
            with self.waiting_lock:
                self.waiting -= 1

    def refuse(self) -> HttpResponse:
        response = HttpResponse(BODY, status=503, content_type="application/problem+json; charset=utf-8")
        response["Retry-After"] = self.retry_after
        response["Cache-Control"] = "no-store"
        return response
