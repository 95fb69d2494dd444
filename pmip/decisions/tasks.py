"""Scheduled opening and closing of votes (Django tasks; `manage.py db_worker` runs them).

`publish_notice` enqueues `open_meeting` and `close_meeting` for the scheduled times when the backend supports
deferred tasks; `advance_meetings` (run it periodically) opens and closes whatever is due, so a missed or lost task
only delays a transition. Each transition is the ordinary service with actor None (the platform), safe to repeat:
a meeting that is no longer in the expected state, or not yet due, is left alone.
"""

from __future__ import annotations

import logging

from django.tasks import task

from pmip.core import clock
from pmip.core.errors import DomainError
from pmip.decisions import services
from pmip.decisions.choices import MeetingState
from pmip.decisions.models import Meeting

log = logging.getLogger(__name__)


def _try(transition, meeting_id: int) -> str:
    try:
        transition(actor=None, meeting_id=meeting_id)
    except DomainError as exc:
        log.info("decisions: meeting %s not moved: %s", meeting_id, exc.code)
        return exc.code
    return "done"


@task
def open_meeting(meeting_id: int) -> str:
    """Open voting (freeze the roll) if the meeting is noticed and its start has come."""
    return _try(services.open_voting, meeting_id)


@task
def close_meeting(meeting_id: int) -> str:
    """Close voting if the meeting is open and its end has come."""
    return _try(services.close_voting, meeting_id)


@task
def advance_meetings() -> dict[str, int]:
    """Open every noticed meeting whose start has come and close every open meeting whose end has come."""
    now = clock.now()
    opened = closed = 0
    for meeting_id in Meeting.objects.filter(
        state=MeetingState.NOTICED, voting_starts_at__lte=now
    ).values_list("pk", flat=True):
        opened += _try(services.open_voting, meeting_id) == "done"
    for meeting_id in Meeting.objects.filter(state=MeetingState.OPEN, voting_ends_at__lte=now).values_list(
        "pk", flat=True
    ):
        closed += _try(services.close_voting, meeting_id) == "done"
    return {"opened": opened, "closed": closed}


@task
def remind_voters() -> int:
    """Periodic: for each open meeting closing within `PMIP_DECISIONS_REMINDER_DAYS` days, record the reminder
    event once (later runs find it recorded); it reaches only roll voters who have not voted when it is expanded."""
    from django.db import transaction

    from pmip.decisions import notices

    recorded = 0
    for meeting in notices.due_reminders():
        with transaction.atomic():
            _, created = notices.reminder(meeting)
        recorded += created
    return recorded
