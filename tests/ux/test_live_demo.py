"""The demo is alive (issue 12): meetings in every state relative to now, a demo owner can vote at once."""

from __future__ import annotations

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
    call_command("demo_city", "--scale", "tiny", "--seed", "1", "--no-progress", "--no-funds", stdout=out)
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
