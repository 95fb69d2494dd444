"""Owner pages need an owner log-in: anyone else is sent to /me/login/?next=<this page>."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from pmip.identity.owner_services import is_owner


def safe_next(request: HttpRequest, value: str | None, *, default: str | None = None) -> str:
    """`value` if it is a path on this site (no scheme, no other host, no `//` or backslash tricks), else default."""
    fallback = default or reverse("portal:home")
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return fallback
    if not url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=False):
        return fallback
    return value


def login_url(next_path: str) -> str:
    return f"{reverse('portal_account:login')}?{urlencode({'next': next_path})}"


def owner_login_required(view):
    """Let owners through; send everyone else to the owner log-in with `next` set to this page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not is_owner(getattr(request, "user", None)):
            return HttpResponseRedirect(login_url(request.get_full_path()))
        return view(request, *args, **kwargs)

    return wrapper
