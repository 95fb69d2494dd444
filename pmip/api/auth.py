"""Session authentication for the staff API: the same log-in as the back office (password + SMS code)."""

from __future__ import annotations

from ninja.security import SessionAuth

from pmip.identity.services import may_enter_office


class StaffSessionAuth(SessionAuth):
    """Django session of an account that may enter the back office. CSRF is checked on unsafe methods."""

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and may_enter_office(user):
            return user
        return None
