"""The four notices of a meeting: notice, voting opened, reminder to non-voters, results — once each per voter."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from pmip.core import clock
from pmip.decisions import notices, services
from pmip.decisions.tasks import remind_voters
from pmip.notifications import fanout
from pmip.notifications.models import Broadcast, Notification
from tests.decisions import factories as f


def _expand(meeting, event: str) -> set[int]:
    broadcast = Broadcast.objects.get(key=f"decisions.meeting.{meeting.pk}.{event}")
    assert fanout.expand(broadcast.pk)
    return set(
        Notification.objects.filter(
            kind=broadcast.kind, link=f"/decisions/meetings/{meeting.pk}/"
        ).values_list("recipient_id", flat=True)
    )


def test_the_four_notices_reach_the_right_people_once(where, convener):
    project = where.project
    alice, bob, carol, dave = (f.person(n) for n in ("甲", "乙", "丙", "丁"))
    u1, u2, u3 = (f.unit(project, f"1-10{i}", "88.50") for i in (1, 2, 3))
    f.own(u1, alice)
    f.own(u2, bob)
    f.own(u3, carol)
    f.delegate(carol, project, dave)

    meeting = f.noticed_meeting(convener, project, [f.question()])
    told = _expand(meeting, "notice")
    assert told == {p.account.pk for p in (alice, bob, carol, dave)}

    with clock.frozen(f.T_START):
        services.open_voting(actor=convener, meeting_id=meeting.pk)
    told = _expand(meeting, "voting_opened")
    assert told == {alice.account.pk, bob.account.pk, dave.account.pk}  # carol's pen is with dave

    matter = meeting.matters.get()
    f.vote(alice, matter, u1, "yes")
    assert list(notices.due_reminders(f.T_VOTE)) == []  # the close is 6 days away
    with clock.frozen(f.T_END - dt.timedelta(days=1)):
        assert remind_voters.call() == 1
        assert remind_voters.call() == 0  # recorded once
    told = _expand(meeting, "reminder")
    assert told == {bob.account.pk, dave.account.pk}  # never alice, who voted

    f.close(convener, meeting)
    with clock.frozen(f.T_END + dt.timedelta(hours=1)):
        services.publish_results(actor=convener, meeting_id=meeting.pk)
    told = _expand(meeting, "results")
    assert told == {alice.account.pk, bob.account.pk, dave.account.pk}

    # exactly once each: four events, and nobody has two messages of one kind
    assert Broadcast.objects.filter(key__startswith=f"decisions.meeting.{meeting.pk}.").count() == 4
    for kind in ("notice", "voting_opened", "reminder", "results"):
        ids = list(
            Notification.objects.filter(kind=f"decisions.meeting.{kind}").values_list(
                "recipient_id", flat=True
            )
        )
        assert len(ids) == len(set(ids)), kind


def test_recording_an_event_again_does_nothing(where, convener):
    project = where.project
    alice = f.person("甲")
    f.own(f.unit(project, "1-101", "88.50"), alice)
    meeting = f.noticed_meeting(convener, project, [f.question()])
    with transaction.atomic():
        _, created = notices.notice_published(meeting)
    assert not created
    assert _expand(meeting, "notice") == {alice.account.pk}
    assert Notification.objects.filter(recipient=alice.account).count() == 1


def test_a_rolled_back_notice_tells_nobody(where, convener):
    project = where.project
    f.own(f.unit(project, "1-101", "88.50"), f.person("甲"))
    meeting = f.draft_meeting(convener, project, [f.question()])
    try:
        with transaction.atomic(), clock.frozen(f.T0):
            services.publish_notice(actor=convener, meeting_id=meeting.pk)
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert not Broadcast.objects.exists()


def test_the_office_sees_each_notice_with_counts_not_names(where, convener, client):
    from tests.factories import login_staff

    project = where.project
    alice = f.person("甲乙丙")
    f.own(f.unit(project, "1-101", "88.50"), alice)
    meeting = f.noticed_meeting(convener, project, [f.question()])
    _expand(meeting, "notice")
    rows = {n["event"]: n["broadcast"] for n in notices.meeting_notices(meeting)}
    assert rows["notice"].recipients == 1 and rows["voting_opened"] is None
    login_staff(client, convener)
    page = client.get(f"/office/decisions/{meeting.pk}/").content.decode()
    assert "消息通知" in page and "会议公告" in page and "甲乙丙" not in page
