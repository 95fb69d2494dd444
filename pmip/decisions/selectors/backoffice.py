"""Back-office reads of one meeting: the frozen roll, the audit entries, paper-ballot entries and their counts."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from pmip.audit.models import AuditEntry
from pmip.core import display
from pmip.decisions.choices import PaperEntryState
from pmip.decisions.models import Meeting, PaperBallotEntry, RollEntry
from pmip.decisions.selectors.meetings import get_meeting_for_staff


def roll_for_staff(*, actor, meeting_id: int) -> list[RollEntry]:
    """The frozen roll (building/room, area, source, owner kind, eligibility — no names) for staff in scope, in the
    natural order of units ("2-101" before "2-1001")."""
    meeting = get_meeting_for_staff(actor=actor, meeting_id=meeting_id)
    return display.sort_by_unit_label(
        RollEntry.objects.filter(meeting=meeting).order_by("unit_label", "unit_id")
    )


# --- back-office reads of one meeting ------------------------------------------------------------------------------
# Each takes a meeting the caller obtained through `get_meeting_for_staff` (so the scope is checked); none returns a
# choice (the audit holds none; paper entries' answers are deferred).

BALLOT_ACTION = "decisions.ballot.cast"


def meeting_audit_entries(*, meeting: Meeting) -> QuerySet[AuditEntry]:
    """The meeting's audit entries, newest first, without the individual ballots (counted separately)."""
    return (
        AuditEntry.objects.filter(project_id=meeting.project_id, data__meeting=meeting.pk)
        .exclude(action=BALLOT_ACTION)
        .order_by("-at", "-id")
    )


def meeting_ballot_entry_count(*, meeting: Meeting) -> int:
    return AuditEntry.objects.filter(
        project_id=meeting.project_id, data__meeting=meeting.pk, action=BALLOT_ACTION
    ).count()


def roll_unit_id(*, meeting: Meeting, unit_label: str) -> int | None:
    """The unit of the frozen roll with this building-room code ('1-101'), or None."""
    return (
        RollEntry.objects.filter(meeting=meeting, unit_label=unit_label)
        .values_list("unit_id", flat=True)
        .first()
    )


def paper_entries(*, meeting: Meeting) -> QuerySet[PaperBallotEntry]:
    """Paper-ballot entries of the meeting, newest first — the answers are deferred and never shown."""
    return (
        PaperBallotEntry.objects.filter(meeting=meeting)
        .select_related("matter", "unit__building", "first_by", "second_by")
        .defer("first_choices", "second_choices")
        .order_by("-first_at", "-id")
    )


def paper_counts(*, meeting: Meeting) -> dict[str, int]:
    rows = dict(
        PaperBallotEntry.objects.filter(meeting=meeting)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return {state: rows.get(state, 0) for state in PaperEntryState.values}
