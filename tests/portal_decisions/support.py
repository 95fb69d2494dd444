"""Helpers for the 业主决策 page, API and browser tests: meetings whose voting period runs around the real clock (the
pages and the live server read the real time; the services are walked through their states with frozen times in
the past and the future), nominations, closing, publishing and casting through the services."""

from __future__ import annotations

import datetime as dt

from pmip.core import clock
from pmip.decisions import services
from pmip.decisions.models import Meeting
from pmip.registry.models import Project, Unit
from tests.decisions import factories as f


def nominate(who: f.Person, unit: Unit, nominee: f.Person, *, at: dt.datetime | None = None):
    if at is None:
        return services.nominate_voter(actor=who.account, unit_id=unit.pk, nominee_id=nominee.account.pk)
    with clock.frozen(at):
        return services.nominate_voter(actor=who.account, unit_id=unit.pk, nominee_id=nominee.account.pk)


def meeting_around_now(
    convener,
    project: Project,
    matters: list[dict],
    *,
    state: str = "open",
    title: str = "2026年第一次临时业主大会",
    **settings,
) -> Meeting:
    """A meeting noticed 20 days ago; voting started an hour ago and ends in two days (state "open"), or starts
    tomorrow (state "noticed")."""
    now = clock.now()
    starts = now + dt.timedelta(days=1) if state == "noticed" else now - dt.timedelta(hours=1)
    ends = starts + dt.timedelta(days=3)
    with clock.frozen(starts - dt.timedelta(days=20)):
        meeting = services.create_meeting(
            actor=convener,
            project_id=project.pk,
            convener_kind="committee",
            title=title,
            voting_starts_at=starts,
            voting_ends_at=ends,
            **settings,
        )
        for m in matters:
            services.add_matter(actor=convener, meeting_id=meeting.pk, **m)
        services.upload_publicity_file(
            actor=convener,
            meeting_id=meeting.pk,
            kind="meeting_notice",
            title="会议通知",
            upload=f.notice_file(),
        )
        services.publish_notice(actor=convener, meeting_id=meeting.pk)
    if state != "noticed":
        with clock.frozen(starts):
            services.open_voting(actor=convener, meeting_id=meeting.pk)
    meeting.refresh_from_db()
    return meeting


def close(convener, meeting: Meeting) -> Meeting:
    with clock.frozen(meeting.voting_ends_at):
        services.close_voting(actor=convener, meeting_id=meeting.pk)
    meeting.refresh_from_db()
    return meeting


def publish(convener, meeting: Meeting) -> Meeting:
    if meeting.state == "open":
        close(convener, meeting)
    with clock.frozen(meeting.voting_ends_at + dt.timedelta(hours=1)):
        services.publish_results(actor=convener, meeting_id=meeting.pk)
    meeting.refresh_from_db()
    return meeting


def vote(who: f.Person, meeting: Meeting, unit: Unit, answers: dict):
    """Cast through the service at the real time (the meeting is open now)."""
    return services.cast_ballots(actor=who.account, meeting_id=meeting.pk, unit_id=unit.pk, answers=answers)
