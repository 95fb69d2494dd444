"""Actor checks every service starts with: the one place for "is someone signed in" (issue 9)."""

from __future__ import annotations

from typing import Any

from pmip.core.errors import PermissionDenied


def is_signed_in(actor: Any) -> bool:
    """True for an authenticated, active account; False for None, anonymous users and disabled accounts."""
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False))


def require_signed_in(actor: Any, message: str = "请先登录。") -> None:
    """Raise PermissionDenied(message) unless `actor` is an authenticated, active account."""
    if not is_signed_in(actor):
        raise PermissionDenied(message)
