"""Idle and absolute session timeouts, and log-out everywhere (Account.sessions_valid_after).

A session's start is stamped at log-in (the `user_logged_in` signal), not at its first request, so "log out on all
devices" also ends a session that has made no request since it logged in. An authenticated session without a
stamp (one created before this rule) is ended as soon as the account has logged out everywhere."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout

from pmip.core import clock

STARTED = "_pmip_started"


def stamp_session_start(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver: the session starts now (what `sessions_valid_after` is compared with)."""
    if request is not None and hasattr(request, "session"):
        request.session[STARTED] = clock.now().timestamp()


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = clock.now().timestamp()
            started = request.session.get(STARTED)
            seen = request.session.get("_pmip_seen")
            unstamped = started is None
            if unstamped:
                request.session[STARTED] = started = now
            expired = (
                (unstamped and user.sessions_valid_after is not None)
                or (seen is not None and now - seen > settings.PMIP_SESSION_IDLE_SECONDS)
                or now - started > settings.PMIP_SESSION_ABSOLUTE_SECONDS
                or (user.sessions_valid_after is not None and started < user.sessions_valid_after.timestamp())
            )
            if expired:
                logout(request)
            else:
                request.session["_pmip_seen"] = now
        return self.get_response(request)
