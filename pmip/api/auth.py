"""Session authentication for the staff API: the same log-in as the back office (password + SMS code)."""

from __future__ import annotations

from ninja.security import SessionAuth

from pmip.identity.services import may_enter_office, passed_second_factor


class StaffSessionAuth(SessionAuth):
    """Django session of an account that may enter the back office and that passed the SMS second factor (the mark
    `mark_second_factor` sets at the end of the office log-in); anything else is 401. CSRF is checked on unsafe
    methods."""

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and may_enter_office(user)
            and passed_second_factor(request)
        ):
            return user
        return None
