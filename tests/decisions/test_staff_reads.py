"""Reads the back-office pages of 业主决策 take from the domain (issue 9: the pages only parse, call, render): the
projects a user may convene in and the convener kinds they may claim, a project's buildings, the meeting list's
matter counts, and a meeting's stage (which step to offer, cancellation in the same states the service allows)."""

from __future__ import annotations

import datetime as dt

import pytest

from pmip.core import clock
from pmip.decisions import selectors, services
from pmip.decisions.choices import MeetingState
from tests.decisions import factories as f


def test_convener_projects_and_kinds(where, convener, subdistrict_staff, district_staff):
    assert list(selectors.convener_projects(actor=convener)) == [where.project]
    assert list(selectors.convener_projects(actor=subdistrict_staff)) == [where.project, where.other_project]
    assert list(selectors.convener_projects(actor=district_staff)) == []  # a reader convenes nothing
    assert selectors.claimable_convener_kinds(actor=convener) == ["committee", "preparatory", "reelection"]
    assert selectors.claimable_convener_kinds(actor=subdistrict_staff) == [
        "committee",
        "preparatory",
        "reelection",
        "subdistrict",
    ]


def test_project_buildings_by_number(where, project, convener):
    for number in ("2", "1", "3"):
        f.building(project, number)
    f.building(where.other_project, "9")
    meeting = f.draft_meeting(convener, project, [])
    assert [b.number for b in selectors.project_buildings(meeting=meeting)] == ["1", "2", "3"]


def test_meeting_list_counts_matters(project, convener, district_staff):
    two = f.draft_meeting(convener, project, [f.question("一"), f.question("二")])
    none = f.draft_meeting(convener, project, [])
    counted = {
        m.pk: m.matter_count
        for m in selectors.meetings_for_staff(actor=district_staff, with_matter_count=True)
    }
    assert counted == {two.pk: 2, none.pk: 0}
    assert not hasattr(selectors.meetings_for_staff(actor=district_staff).first(), "matter_count")


def test_meeting_stage_follows_the_meeting(project, convener):
    f.own(f.unit(project, "1-101", "90.00"), f.person("张伟"))
    meeting = f.draft_meeting(convener, project, [f.question()])
    with clock.frozen(f.T0):
        stage = selectors.meeting_stage(meeting)
    assert (stage.is_draft, stage.notice_in_time, stage.start_reached, stage.may_cancel) == (
        True,
        True,
        False,
        True,
    )
    assert stage.results_due_by is None
    meeting = f.open_meeting(convener, project, [f.question()])
    with clock.frozen(f.T_VOTE):
        stage = selectors.meeting_stage(meeting)
    assert (stage.is_open, stage.after_open, stage.after_close, stage.end_reached) == (
        True,
        True,
        False,
        False,
    )
    meeting = f.close(convener, meeting)
    with clock.frozen(f.T_END + dt.timedelta(hours=1)):
        stage = selectors.meeting_stage(meeting)
    assert (stage.is_closed, stage.after_close, stage.may_cancel) == (True, True, False)
    assert stage.results_due_by == selectors.results_due(meeting)


@pytest.mark.parametrize("state", [s for s in MeetingState.values if s != MeetingState.CANCELLED])
def test_the_stage_offers_cancelling_exactly_when_the_service_allows_it(project, convener, state):
    meeting = f.draft_meeting(convener, project, [f.question()])
    meeting.state = state
    meeting.save(update_fields=["state"])
    offered = selectors.meeting_stage(meeting).may_cancel
    try:
        services.cancel_meeting(actor=convener, meeting_id=meeting.pk, reason="测试")
    except services.MeetingStateError:
        allowed = False
    else:
        allowed = True
    assert offered == allowed
