"""Shared pieces of the decisions writes: errors, the convener's meeting look-ups, text and time cleaning, audit."""

from __future__ import annotations

import datetime as dt

from pmip.audit.services import record
from pmip.core.actors import require_signed_in
from pmip.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from pmip.core.text import clean_text
from pmip.decisions.models import (
    Meeting,
)
from pmip.decisions.rules import (
    convener_project_q,
)

TITLE_MAX = 200
REASON_MAX = 200
CANDIDATE_NAME_MAX = 60
_SNIFF_BYTES = 16


# --- errors ----------------------------------------------------------------------------------------------------


class MeetingStateError(ValidationFailed):
    code = "meeting_state"


class VotingNotOpen(ValidationFailed):
    code = "voting_not_open"


class AlreadyVoted(ValidationFailed):
    code = "already_voted"


class NotEligible(PermissionDenied):
    code = "not_eligible"


class CountMismatch(DomainError):
    """The recount from the ballots differs from the running counters (or the roll from its hash)."""

    code = "count_mismatch"
    status = 409


# --- access helpers --------------------------------------------------------------------------------------------


_require_actor = require_signed_in


def _convener_meeting(actor, meeting_id: int, *, lock: bool = True) -> Meeting:
    """The meeting if the actor may run it (locked for update); any other meeting does not exist for them."""
    _require_actor(actor)
    q = convener_project_q(actor, prefix="project__")
    if q is None:
        raise NotFound("未找到该会议，或不在您的管辖范围内。")
    qs = Meeting.objects.filter(q).select_related("project")
    if lock:
        qs = qs.select_for_update(of=("self",))
    meeting = qs.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("未找到该会议，或不在您的管辖范围内。")
    return meeting


def _system_or_convener_meeting(actor, meeting_id: int) -> Meeting:
    """actor None = the scheduled task (the platform itself)."""
    if actor is None:
        meeting = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("project")
            .filter(pk=meeting_id)
            .first()
        )
        if meeting is None:
            raise NotFound("未找到该会议。")
        return meeting
    return _convener_meeting(actor, meeting_id)


def _require_state(meeting: Meeting, *states: str, message: str) -> None:
    if meeting.state not in states:
        raise MeetingStateError(message)


_clean_text = clean_text


def _aware(value, *, field: str, label: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValidationFailed(f"{label}格式不正确。", field=field)
    return value


def _record(actor, action: str, meeting: Meeting, *, obj=None, data: dict | None = None):
    return record(
        actor=actor,
        action=action,
        obj=obj if obj is not None else meeting,
        project_id=meeting.project_id,
        data={"meeting": meeting.pk, **(data or {})},
        actor_label="" if actor is not None else "系统（定时任务）",
    )
