"""The demo is alive (issue 12): meetings in every state relative to now, a demo owner can vote at once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from pmip.decisions import services
from pmip.decisions.choices import MeetingState, Outcome
from pmip.decisions.models import Ballot, Meeting, RollEntry
from pmip.decisions.selectors import matter_results
from pmip.identity.models import Account

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def demo():
    out = io.StringIO()
    call_command("demo_city", "--scale", "tiny", "--seed", "1", "--no-progress", stdout=out)
    return out.getvalue()


def test_make_run_seeds_meetings_in_every_state_and_a_demo_owner_votes_now(demo):
    assert "业主大会会议" in demo
    meetings = {m.state: m for m in Meeting.objects.filter(project__code="4403040001")}
    assert set(meetings) == {MeetingState.NOTICED, MeetingState.OPEN, MeetingState.PUBLISHED}

    closed = meetings[MeetingState.PUBLISHED]
    outcomes = [r.document["outcome"] for r in matter_results(closed)]
    assert outcomes and all(o == Outcome.PASSED for o in outcomes), outcomes

    open_meeting = meetings[MeetingState.OPEN]
    assert Ballot.objects.filter(meeting=open_meeting).count() > 10  # other owners already voted

    from pmip.funds.models import Repair
    from pmip.notifications.models import Broadcast

    assert Repair.objects.filter(project__code="4403040001", status="draft").exists()  # an open repair
    kinds = set(Broadcast.objects.values_list("kind", flat=True))
    assert len(kinds) >= 3, kinds  # notice, voting opened, results: told to the owners by the fan-out

    # 张伟明 (docs/demo.md) is bound, face-verified and on the roll: he votes now, with the real clock.
    owner = Account.objects.get(mobile="+8613900000001")
    entry = RollEntry.objects.get(meeting=open_meeting, principal_id=owner.pk)
    assert entry.eligible
    answers = {m.pk: "yes" for m in open_meeting.matters.all()}
    receipts = services.cast_ballots(
        actor=owner, meeting_id=open_meeting.pk, unit_id=entry.unit_id, answers=answers
    )
    assert len(receipts) == len(answers)


def test_every_demo_project_is_alive_and_the_flagship_has_a_rehearsal(demo):
    """Issue 12: per demo project (not only the flagship) meetings in every state with results and ballots, an open
    repair, a published quarterly report whose quarter has ended, messages in the inbox; one rehearsal meeting."""
    from pmip.core import clock
    from pmip.funds.models import QuarterlyReport, Repair
    from pmip.funds.services.reports import quarter_last_day
    from pmip.identity.models import HouseBinding
    from pmip.notifications.models import Notification
    from pmip.registry.models import Project

    projects = list(Project.objects.order_by("code"))
    assert len(projects) == 2  # tiny
    for project in projects:
        real = Meeting.objects.filter(project=project, rehearsal=False)
        assert set(real.values_list("state", flat=True)) == {
            MeetingState.NOTICED,
            MeetingState.OPEN,
            MeetingState.PUBLISHED,
        }, project.code
        closed = real.get(state=MeetingState.PUBLISHED)
        assert all(r.document["outcome"] == Outcome.PASSED for r in matter_results(closed)), project.code
        assert Ballot.objects.filter(meeting=real.get(state=MeetingState.OPEN)).exists(), project.code
        assert Repair.objects.filter(project=project, status="draft").exists(), project.code
        report = QuarterlyReport.objects.get(project=project, status="published")
        assert quarter_last_day(report.year, report.quarter) < clock.today() and report.published_at
        owners_told = Notification.objects.filter(
            link__startswith="/decisions/meetings/", recipient__kind="owner"
        )
        bound = HouseBinding.objects.filter(project=project).values("account")
        assert owners_told.filter(recipient__in=bound).exists(), (
            project.code
        )  # at once, before any worker runs

    [rehearsal] = Meeting.objects.filter(rehearsal=True)
    assert rehearsal.project.code == "4403040001" and rehearsal.state == MeetingState.OPEN
    assert rehearsal.title.startswith("【演练】")
    assert rehearsal.voting_starts_at - rehearsal.notice_published_at < dt.timedelta(
        days=1
    )  # minutes, not days
    owner = Account.objects.get(mobile="+8613900000001")
    titles = list(Notification.objects.filter(recipient=owner).values_list("title", flat=True))
    assert any("演练" in t for t in titles) and any("表决结果公布" in t for t in titles), titles
