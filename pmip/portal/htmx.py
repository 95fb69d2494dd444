"""Which htmx request this is, from django-htmx's `request.htmx` (HtmxMiddleware): the owner pages answer a partial
swap with only the partial of the page (`render(request, "page.html#partial", ...)`, Django's template partials)."""

from __future__ import annotations

from django.http import HttpRequest


def is_htmx_partial(request: HttpRequest) -> bool:
    """True for an htmx request that swaps a fragment (not a history restore, which needs the full page)."""
    htmx = request.htmx  # type: ignore[attr-defined]
    return bool(htmx) and not htmx.history_restore_request


def swaps(request: HttpRequest, target: str) -> bool:
    """An htmx request that swaps only the element with id `target` (not a history restore)."""
    return is_htmx_partial(request) and request.htmx.target == target  # type: ignore[attr-defined]
