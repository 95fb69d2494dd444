"""Idle and absolute session timeouts, and log-out everywhere (Account.sessions_valid_after).

A session's start is stamped at log-in (the `user_logged_in` signal), not at its first request, so "log out on all
devices" also ends a session that has made no request since it logged in. An authenticated session without a
stamp (one created before this rule) is ended as soon as the account has logged out everywhere."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout

from pmip.core import clock

STARTED = "_pmip_started"
SEEN = "_pmip_seen"
# The last-seen time is written back at most this often (seconds): a session is then saved once a minute at most,
# not on every request (a save is an UPDATE and a commit of its own). The idle timeout is measured from a time up to
# this much older than the last request, so an idle session may end that much early, never late.
SEEN_RESOLUTION_SECONDS = 60


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
            seen = request.session.get(SEEN)
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
            elif seen is None or now - seen >= min(
                SEEN_RESOLUTION_SECONDS, settings.PMIP_SESSION_IDLE_SECONDS / 10
            ):
                request.session[SEEN] = now
        return self.get_response(request)
