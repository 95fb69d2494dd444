"""Rehearsal meetings (演练, issue 12): minutes instead of days, marked 演练 in the title and in every message, never an
owners' decision (results worded as an exercise, not in the project's 电子投票 figures, not a tender's basis)."""

from __future__ import annotations

import datetime as dt

import pytest

from pmip.core import clock
from pmip.core.errors import ValidationFailed
from pmip.decisions import services
from pmip.decisions.rules import REHEARSAL_MARK, settings_used
from pmip.decisions.selectors import matter_results, project_voting_figures
from pmip.notifications.models import Broadcast
from tests.decisions import factories as f

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


def make(convener, project, *, rehearsal: bool, starts_in=dt.timedelta(minutes=10), **kw):
    """A draft at NOW with one matter and its notice file; voting from NOW + starts_in for 20 minutes."""
    with clock.frozen(NOW):
        meeting = services.create_meeting(
            actor=convener,
            project_id=project.pk,
            convener_kind="committee",
            title="业主试投票",
            voting_starts_at=NOW + starts_in,
            voting_ends_at=NOW + starts_in + dt.timedelta(minutes=20),
            rehearsal=rehearsal,
            **kw,
        )
        services.add_matter(actor=convener, meeting_id=meeting.pk, **f.question())
        services.upload_publicity_file(
            actor=convener,
            meeting_id=meeting.pk,
            kind="meeting_notice",
            title="会议通知",
            upload=f.notice_file(),
        )
    return meeting


@pytest.fixture
def owners(project):
    zhang, li, wang = f.person("张三"), f.person("李四"), f.person("王五")
    units = {"1-101": f.unit(project, "1-101", "90.00"), "1-102": f.unit(project, "1-102", "80.00")}
    units["1-103"] = f.unit(project, "1-103", "70.00")
    f.own(units["1-101"], zhang)
    f.own(units["1-102"], li)
    f.own(units["1-103"], wang)
    return {"zhang": zhang, "li": li, "wang": wang, "units": units}


def test_a_rehearsal_is_noticed_minutes_before_voting_a_real_meeting_is_not(project, convener, owners):
    real = make(convener, project, rehearsal=False)
    with clock.frozen(NOW), pytest.raises(ValidationFailed, match="至少15日"):
        services.publish_notice(actor=convener, meeting_id=real.pk)

    rehearsal = make(convener, project, rehearsal=True)
    assert (rehearsal.rehearsal, rehearsal.notice_minutes) == (True, 5)  # 5 minutes by default
    with clock.frozen(NOW):
        services.publish_notice(actor=convener, meeting_id=rehearsal.pk)
    rehearsal.refresh_from_db()
    assert rehearsal.state == "noticed"
    assert [s["text"] for s in settings_used(rehearsal) if s["key"] == "notice_minutes"] == [
        "演练会议：投票开始前至少5分钟公告"
    ]

    too_late = make(convener, project, rehearsal=True, notice_minutes=15)  # voting starts in 10 minutes
    with clock.frozen(NOW), pytest.raises(ValidationFailed, match="演练会议通知须在投票开始前至少15分钟公告"):
        services.publish_notice(actor=convener, meeting_id=too_late.pk)


def test_the_title_of_a_rehearsal_always_says_so_and_no_other_may(project, convener):
    rehearsal = make(convener, project, rehearsal=True)
    assert rehearsal.title == "【演练】业主试投票"
    with clock.frozen(NOW):
        edited = services.update_meeting(
            actor=convener, meeting_id=rehearsal.pk, changes={"title": "第二次试投票"}
        )
        assert edited.title == "【演练】第二次试投票"
        edited = services.update_meeting(
            actor=convener, meeting_id=rehearsal.pk, changes={"notice_minutes": 2}
        )
        assert edited.notice_minutes == 2
        with pytest.raises(ValidationFailed) as exc:
            services.create_meeting(
                actor=convener,
                project_id=project.pk,
                convener_kind="committee",
                title=f"{REHEARSAL_MARK}假装的演练",
                voting_starts_at=NOW + dt.timedelta(days=20),
                voting_ends_at=NOW + dt.timedelta(days=27),
            )
        assert exc.value.field == "title"
        with pytest.raises(ValidationFailed) as exc:  # minutes are for rehearsals only
            make(convener, project, rehearsal=False, starts_in=dt.timedelta(days=20), notice_minutes=5)
        assert exc.value.field == "notice_minutes"
        with pytest.raises(ValidationFailed) as exc:
            make(convener, project, rehearsal=True, notice_minutes=0)
        assert exc.value.field == "notice_minutes"


def test_a_rehearsal_runs_in_minutes_and_never_counts_as_a_decision(project, convener, owners):
    meeting = make(convener, project, rehearsal=True, notice_minutes=1)
    starts, ends = meeting.voting_starts_at, meeting.voting_ends_at
    with clock.frozen(NOW):
        services.publish_notice(actor=convener, meeting_id=meeting.pk)
    with clock.frozen(starts):
        services.open_voting(actor=None, meeting_id=meeting.pk)
    matter = meeting.matters.get()
    with clock.frozen(starts + dt.timedelta(minutes=1)):
        for who, unit in (("zhang", "1-101"), ("li", "1-102"), ("wang", "1-103")):
            services.cast_ballot(
                actor=owners[who].account, matter_id=matter.pk, unit_id=owners["units"][unit].pk, choice="yes"
            )
    with clock.frozen(ends):
        services.close_voting(actor=None, meeting_id=meeting.pk)
    with clock.frozen(ends + dt.timedelta(minutes=1)):
        services.publish_results(actor=convener, meeting_id=meeting.pk)
    meeting.refresh_from_db()
    assert meeting.state == "published"

    [result] = matter_results(meeting)
    assert result.document["outcome"] == "passed"
    assert "演练" in result.conclusion and "决定" not in result.conclusion

    # Every message about it says 演练 (notice, voting opened, results), and none speaks of a decision.
    broadcasts = list(Broadcast.objects.filter(key__startswith=f"decisions.meeting.{meeting.pk}."))
    assert {b.key.rsplit(".", 1)[1] for b in broadcasts} == {"notice", "voting_opened", "results"}
    for b in broadcasts:
        assert "演练" in b.title and "演练" in b.body, (b.title, b.body)
        assert "决定" not in b.title + b.body

    # Not in the project's 电子投票 figures; a real meeting is.
    assert project_voting_figures(project_id=project.pk) == {
        "owners_voted": 0,
        "units_voted": 0,
        "meetings_held": 0,
        "matters_decided": 0,
    }
    real = f.open_meeting(convener, project, [f.question()])
    assert project_voting_figures(project_id=project.pk)["meetings_held"] == 1
    assert "演练" not in real.title


def test_a_rehearsal_cannot_be_the_owners_decision_a_tender_relies_on(project, convener, owners):
    from pmip.tendering import services as tendering

    meeting = make(convener, project, rehearsal=True)
    with clock.frozen(NOW), pytest.raises(ValidationFailed, match="演练会议不产生法律效力") as exc:
        tendering.create_tender(
            actor=convener,
            project_id=project.pk,
            title="物业服务招标",
            tenderer_kind="assembly",
            method="public",
            meeting_id=meeting.pk,
        )
    assert exc.value.field == "meeting_id"
