"""Idle and absolute session timeouts, and log-out everywhere (Account.sessions_valid_after)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout

from pmip.core import clock


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = clock.now().timestamp()
            started = request.session.get("_pmip_started")
            seen = request.session.get("_pmip_seen")
            if started is None:
                request.session["_pmip_started"] = started = now
            expired = (
                (seen is not None and now - seen > settings.PMIP_SESSION_IDLE_SECONDS)
                or now - started > settings.PMIP_SESSION_ABSOLUTE_SECONDS
                or (user.sessions_valid_after is not None and started < user.sessions_valid_after.timestamp())
            )
            if expired:
                logout(request)
            else:
                request.session["_pmip_seen"] = now
        return self.get_response(request)
