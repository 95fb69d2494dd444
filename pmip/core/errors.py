"""Domain errors: a stable code for machines and a plain Chinese message for people.

Interfaces map them: a form error in the portal, a message in the back office, a JSON problem body in the API.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose. `code` is stable; `message` is shown to the user."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field

    def __str__(self) -> str:
        return self.message


class ValidationFailed(DomainError):
    code = "invalid"
    status = 422


class NotFound(DomainError):
    """Also raised for objects the actor may not see: not-found and forbidden look the same."""

    code = "not_found"
    status = 404

    def __init__(self, message: str = "未找到该记录，或您没有查看权限。", **kwargs):
        super().__init__(message, **kwargs)


class Gone(DomainError):
    """The object exists (and the actor may see it) but its content is no longer available: deleted under a
    retention rule, or unreadable (e.g. a file that does not decrypt). 410."""

    code = "gone"
    status = 410


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403

    def __init__(self, message: str = "您没有办理此项业务的权限。", **kwargs):
        super().__init__(message, **kwargs)


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an append-only row (audit entries, ledger entries, bank flows).

    A programming error, not a DomainError: no interface shows it to a user."""


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429


class ServiceUnavailable(DomainError):
    code = "unavailable"
    status = 503
