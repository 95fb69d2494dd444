"""Idle and absolute session timeouts, and log-out everywhere (Account.sessions_valid_after); the authentication
middleware that takes the account read with the session.

A session's start is stamped at log-in (the `user_logged_in` signal), not at its first request, so "log out on all
devices" also ends a session that has made no request since it logged in. An authenticated session without a
stamp (one created before this rule) is ended as soon as the account has logged out everywhere."""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, load_backend, logout
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

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


def get_user(request):
    """`django.contrib.auth.get_user`, with the account that the session store read in the same statement as the
    session (`pmip.ops.sessions.SessionStore.preloaded_account`) in place of the backend's second query when it is
    the session's own account and the session's backend is a model backend; otherwise Django's own `get_user`.
    The checks are Django's, in Django's order: the backend is still configured, the account may log in
    (`is_active`), and the session's auth hash matches the account's (else the fallback secrets: the key is cycled;
    else the session is flushed and the request is anonymous)."""
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import AnonymousUser

    session = request.session
    try:
        user_id = auth._get_user_session_key(request)  # type: ignore[attr-defined]  # Django's own, as get_user
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return auth.get_user(request)
    account = getattr(session, "preloaded_account", None)
    if account is None or account.pk != user_id or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return auth.get_user(request)
    backend = load_backend(backend_path)
    if not isinstance(backend, ModelBackend) or type(backend).get_user is not ModelBackend.get_user:
        return auth.get_user(request)
    user = account if backend.user_can_authenticate(account) else None
    if user is not None:
        session_hash = session.get(HASH_SESSION_KEY)
        session_auth_hash = user.get_session_auth_hash()
        if not (session_hash and constant_time_compare(session_hash, session_auth_hash)):
            if session_hash and any(
                constant_time_compare(session_hash, fallback)
                for fallback in user.get_session_auth_fallback_hash()
            ):
                session.cycle_key()
                session[HASH_SESSION_KEY] = session_auth_hash
            else:
                session.flush()
                user = None
    return user or AnonymousUser()


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's (request.user, lazily), with the account read together with the session (get_user above)."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _cached_user(request))


def _cached_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)
    return request._cached_user
