"""What every back-office page of 业主决策 shares: the meeting in the user's scope, the page header context (may
the user run it, its stage) and the convener check."""

from __future__ import annotations

from pmip.core.errors import NotFound
from pmip.decisions import selectors


def staff_meeting(request, pk: int):
    """The meeting `pk` if it is in the user's scope (NotFound → 404 otherwise)."""
    return selectors.get_meeting_for_staff(actor=request.user, meeting_id=pk)


def page_context(request, meeting) -> dict:
    """The header every meeting page shows: the meeting, whether the user may run it, its stage."""
    return {
        "meeting": meeting,
        "may_run": selectors.may_run_meeting(actor=request.user, meeting=meeting),
        "stage": selectors.meeting_stage(meeting),
    }


def require_runner(request, meeting) -> None:
    """Refuse (404) a user who may read the meeting but not run it (a district bureau)."""
    if not selectors.may_run_meeting(actor=request.user, meeting=meeting):
        raise NotFound("未找到该会议，或不在您的管辖范围内。")
