"""电子投票 figures of a project: totals only."""

from __future__ import annotations

from pmip.decisions import tokens
from pmip.decisions.choices import BallotChannel, MeetingState
from pmip.decisions.models import Ballot, Matter, Meeting, RollEntry


def project_voting_figures(*, project_id: int) -> dict:
    """电子投票 of a project (owner manual ch. 6 §3.1), counts only: owners and units that voted online (summed over
    the e-votes, since ballot tokens differ per meeting by design), e-votes held (meetings that opened for voting) and
    matters decided (in meetings whose results are published). Units are found by recomputing the tokens of the
    frozen roll's owner keys (one HMAC each); nothing but the totals leaves this function."""
    held = list(
        Meeting.objects.filter(
            project_id=project_id,
            state__in=[MeetingState.OPEN, MeetingState.CLOSED, MeetingState.PUBLISHED],
            rehearsal=False,  # a rehearsal (演练) is never an owners' decision: not in the figures
        )
    )
    owners = units = 0
    for meeting in held:
        voted = set(
            Ballot.objects.filter(meeting=meeting, channel=BallotChannel.ONLINE, superseded_at__isnull=True)
            .values_list("owner_token", flat=True)
            .distinct()
        )
        if not voted:
            continue
        owners += len(voted)
        roll = list(RollEntry.objects.filter(meeting=meeting).values_list("owner_key", "unit_id"))
        by_token = tokens.keys_by_token(meeting, {key for key, _ in roll})
        voted_keys = {by_token[t] for t in voted if t in by_token}
        units += len({unit for key, unit in roll if key in voted_keys})
    return {
        "owners_voted": owners,
        "units_voted": units,
        "meetings_held": len(held),
        "matters_decided": Matter.objects.filter(
            meeting__project_id=project_id, meeting__state=MeetingState.PUBLISHED, meeting__rehearsal=False
        ).count(),
    }
