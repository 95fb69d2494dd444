"""Notices for owners' decisions (业主决策消息): the meeting's notice, voting opened, a reminder before the close to
those who have not voted, and the results — each one event per meeting, told once to each voter through the
fan-out (`pmip.notifications.fanout`): inbox item + WeChat template message (SMS for those who chose it).

Audiences (resolved when the event is expanded, in batches):
- ``decisions.project_voters``: before the roll is frozen (notice), the project's bound owners and the delegates in
  force of its owners;
- ``decisions.meeting_roll``: the frozen roll's voters (the delegate holding the pen, else the owner);
- ``decisions.meeting_roll_not_voted``: the same, less every owner key with a valid ballot in the meeting (a
  delegate who voted for one principal but not another still gets the other's reminder).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from pmip.core import clock
from pmip.core.conf import pmip_settings
from pmip.decisions.choices import MeetingState
from pmip.decisions.models import Ballot, Meeting, RollEntry
from pmip.decisions.rules import REHEARSAL_MARK, REHEARSAL_NOTE
from pmip.decisions.tokens import keys_by_token
from pmip.delegation.selectors import project_owners_and_delegates
from pmip.identity.models import Account
from pmip.notifications.fanout import record_broadcast, register_audience


def reminder_days() -> int:
    return max(1, pmip_settings().decisions_reminder_days)


def project_voters(params: dict) -> QuerySet[Account]:
    return project_owners_and_delegates(int(params["project_id"]))


def _roll_entries(meeting_id: int):
    return RollEntry.objects.filter(meeting_id=meeting_id, eligible=True)


def meeting_roll(params: dict) -> QuerySet[Account]:
    entries = _roll_entries(int(params["meeting_id"]))
    return Account.objects.filter(
        Q(pk__in=entries.filter(voter__isnull=False).values("voter_id"))
        | Q(pk__in=entries.filter(voter__isnull=True).values("principal_id"))
    )


def meeting_roll_not_voted(params: dict) -> QuerySet[Account]:
    """Roll voters less every owner with a valid ballot in the meeting. Ballots carry a keyed token, not the roll's
    owner key (pmip.decisions.tokens), so the roll's keys are tokenised here (one HMAC each) to match them."""
    meeting = Meeting.objects.only("pk", "ballot_key_id").get(pk=int(params["meeting_id"]))
    voted_tokens = set(
        Ballot.objects.filter(meeting=meeting, superseded_at__isnull=True).values_list(
            "owner_token", flat=True
        )
    )
    owner_keys = set(_roll_entries(meeting.pk).values_list("owner_key", flat=True))
    voted_keys = [key for token, key in keys_by_token(meeting, owner_keys).items() if token in voted_tokens]
    entries = _roll_entries(meeting.pk).exclude(owner_key__in=voted_keys)
    return Account.objects.filter(
        Q(pk__in=entries.filter(voter__isnull=False).values("voter_id"))
        | Q(pk__in=entries.filter(voter__isnull=True).values("principal_id"))
    )


register_audience("decisions.project_voters", project_voters)
register_audience("decisions.meeting_roll", meeting_roll)
register_audience("decisions.meeting_roll_not_voted", meeting_roll_not_voted)


def _link(meeting: Meeting) -> str:
    return f"/decisions/meetings/{meeting.pk}/"


def _tell(meeting: Meeting, *, event: str, kind: str, title: str, body: str, audience: str, params: dict):
    project_name = meeting.project.name
    if meeting.rehearsal:  # every message about a rehearsal says so, in its title and its text
        if REHEARSAL_MARK not in title:
            title = f"{REHEARSAL_MARK}{title}"[:100]
        body = f"{REHEARSAL_MARK}{body}{REHEARSAL_NOTE}"
    return record_broadcast(
        key=f"decisions.meeting.{meeting.pk}.{event}",
        kind=kind,
        title=title,
        body=body,
        link=_link(meeting),
        data={"project": project_name, "subject": meeting.title},
        audience_name=audience,
        params=params,
        project_id=meeting.project_id,
    )


def _when(value: dt.datetime) -> str:
    return f"{clock.local(value):%Y年%m月%d日 %H:%M}"


def notice_published(meeting: Meeting):
    """Called by publish_notice, inside its transaction."""
    return _tell(
        meeting,
        event="notice",
        kind="decisions.meeting.notice",
        title=f"会议公告：{meeting.title}"[:100],
        body=f"{meeting.project.name}业主大会会议已公告，投票时间为{_when(meeting.voting_starts_at)}至"
        f"{_when(meeting.voting_ends_at)}。请查看会议通知和表决事项。",
        audience="decisions.project_voters",
        params={"project_id": meeting.project_id},
    )


def voting_opened(meeting: Meeting):
    """Called by open_voting, inside its transaction (after the roll is frozen)."""
    return _tell(
        meeting,
        event="voting_opened",
        kind="decisions.meeting.voting_opened",
        title=f"开始投票：{meeting.title}"[:100],
        body=f"{meeting.project.name}业主大会会议已开始投票，截止时间为{_when(meeting.voting_ends_at)}。",
        audience="decisions.meeting_roll",
        params={"meeting_id": meeting.pk},
    )


def results_published(meeting: Meeting):
    """Called by publish_results, inside its transaction."""
    return _tell(
        meeting,
        event="results",
        kind="decisions.meeting.results",
        title=f"表决结果公布：{meeting.title}"[:100],
        body=f"{meeting.project.name}业主大会会议的表决结果已公布，请查看。",
        audience="decisions.meeting_roll",
        params={"meeting_id": meeting.pk},
    )


def reminder(meeting: Meeting):
    return _tell(
        meeting,
        event="reminder",
        kind="decisions.meeting.reminder",
        title=f"投票提醒：{meeting.title}"[:100],
        body=f"{meeting.project.name}业主大会会议将于{_when(meeting.voting_ends_at)}截止投票，您尚未投票。",
        audience="decisions.meeting_roll_not_voted",
        params={"meeting_id": meeting.pk},
    )


def due_reminders(now: dt.datetime | None = None) -> QuerySet[Meeting]:
    """Open meetings whose close is within `PMIP_DECISIONS_REMINDER_DAYS` days."""
    now = now or clock.now()
    return Meeting.objects.filter(
        state=MeetingState.OPEN,
        voting_ends_at__gt=now,
        voting_ends_at__lte=now + dt.timedelta(days=reminder_days()),
    ).select_related("project")


EVENT_LABELS = {
    "notice": "会议公告",
    "voting_opened": "开始投票",
    "reminder": "投票提醒（未投票者）",
    "results": "结果公布",
}


def meeting_notices(meeting: Meeting) -> list[dict]:
    """The meeting's notice events for the back office: which were recorded, how far each has been expanded.
    Counts only — never who was told."""
    from pmip.notifications.models import Broadcast

    prefix = f"decisions.meeting.{meeting.pk}."
    found = {
        b.key.removeprefix(prefix): b
        for b in Broadcast.objects.filter(key__startswith=prefix).only(
            "key", "state", "recipients", "created_at", "finished_at"
        )
    }
    return [
        {"event": event, "label": label, "broadcast": found.get(event)}
        for event, label in EVENT_LABELS.items()
    ]
