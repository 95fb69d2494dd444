"""What every read of 业主决策 shares: the state groups, the signed-in check, the masked name of an account."""

from __future__ import annotations

from pmip.core.masking import mask_name
from pmip.decisions.choices import MeetingState
from pmip.identity.models import OwnerIdentity

VOTING_STARTED = (MeetingState.OPEN, MeetingState.CLOSED, MeetingState.PUBLISHED)
AFTER_CLOSE = (MeetingState.CLOSED, MeetingState.PUBLISHED)
# A meeting that has not closed may be cancelled (`services.cancel_meeting`; the back office offers it then).
CANCELLABLE = (MeetingState.DRAFT, MeetingState.NOTICED, MeetingState.OPEN)


def _authenticated(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def _masked_account_name(account) -> str:
    try:
        return mask_name(account.owner_identity.holder_name)
    except OwnerIdentity.DoesNotExist:
        return mask_name(account.display_name or account.username)
