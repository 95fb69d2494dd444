"""An owner's own ballots: what the actor votes on in a meeting (voting slots) and their own ballot on a matter.

Before the close only the owner (or the delegate who cast it) sees a ballot; nobody else's choice is returned.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from pmip.core import display
from pmip.core.errors import NotFound
from pmip.core.masking import mask_name
from pmip.decisions import roll as roll_mod
from pmip.decisions import tokens
from pmip.decisions.choices import Ineligibility
from pmip.decisions.models import Ballot, Matter, Meeting, RollEntry
from pmip.decisions.selectors.common import AFTER_CLOSE, VOTING_STARTED, _authenticated, _masked_account_name
from pmip.decisions.selectors.meetings import matters_of
from pmip.delegation.models import Delegation
from pmip.delegation.selectors import acting_for, owner_may_vote
from pmip.identity.models import BindingStatus, HouseBinding


@dataclass(frozen=True)
class OwnBallot:
    matter_id: int
    choices: dict
    receipt: str
    sequence: int
    channel: str
    cast_at: object
    cast_by: str = ""  # "由被委托人 王** 代投" when the owner's delegate cast it (shown to the owner)


def delegate_cast_label(*, owner_id: int, project_id: int, cast_at) -> str:
    """How an owner's page names a ballot their delegate cast: "由被委托人 王** 代投" (the delegate's name masked, from
    the delegation in force when the ballot was cast)."""
    delegation = (
        Delegation.objects.filter(owner_id=owner_id, project_id=project_id, granted_at__lte=cast_at)
        .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=cast_at))
        .order_by("-granted_at", "-pk")
        .first()
    )
    if delegation is None:
        return "由被委托人代投"
    return f"由被委托人 {mask_name(delegation.delegate_name)} 代投"


@dataclass
class VotingSlot:
    """One owner the actor votes for in a meeting: their units (building/room), whether it is the actor themself or
    a principal, and — per matter — whether the owner may vote on it and the actor's own ballot if cast."""

    unit_id: int  # pass this to cast_ballots
    unit_labels: list[str]
    owner_kind: str
    for_self: bool
    principal_masked: str
    eligible: bool
    ineligible_reason: str
    blocked_by_delegation: bool
    matter_ids: list[int]
    ballots: dict[int, OwnBallot] = field(default_factory=dict)


def delegate_may_see(ballot, delegation: Delegation | None, meeting: Meeting) -> bool:
    """Whether the actor may see an owner's ballot (choice and receipt) before the close: the owner always; a
    delegate only a ballot a delegate cast after this delegation was granted (while a delegation is in force only its
    delegate can vote), never the owner's earlier choice. After the close the receipts are public anyway."""
    if delegation is None or meeting.state in AFTER_CLOSE:
        return True
    return bool(ballot.by_delegate) and ballot.cast_at >= delegation.granted_at


def _owner_entries(actor, meeting: Meeting) -> tuple[list[RollEntry], dict[int, Delegation]]:
    """Roll entries of the keys the actor may see as voter: as principal, as delegate, or as a bound account of the
    unit (to learn why they cannot vote)."""
    delegations = {d.owner_id: d for d in acting_for(account=actor, project=meeting.project)}
    bound_units = HouseBinding.objects.filter(
        account=actor, status=BindingStatus.ACTIVE, project_id=meeting.project_id
    )
    keys = RollEntry.objects.filter(meeting=meeting).filter(
        Q(principal=actor)
        | Q(principal_id__in=list(delegations))
        | Q(unit_id__in=bound_units.values("unit_id"))
    )
    entries = display.sort_by_unit_label(
        RollEntry.objects.filter(meeting=meeting, owner_key__in=keys.values("owner_key"))
        .select_related("principal__owner_identity")
        .order_by("unit_label", "unit_id")
    )
    return entries, delegations


def voting_slots(*, actor, meeting: Meeting) -> list[VotingSlot]:
    """What the actor may vote on in a meeting (after the roll is frozen; empty before): one slot per owner they
    vote for (themself, or each principal as a delegate), plus the units they are bound to without being the voter
    (with the reason). Only the actor's own ballots are included — never anybody else's."""
    if meeting.state not in VOTING_STARTED or not _authenticated(actor):
        return []
    entries, delegations = _owner_entries(actor, meeting)
    matters = matters_of(meeting=meeting)
    by_key: dict[str, list[RollEntry]] = defaultdict(list)
    for e in entries:
        by_key[e.owner_key].append(e)
    own_may_vote = owner_may_vote(account=actor, project=meeting.project)
    slot_of_key: dict[str, VotingSlot] = {}
    for key, key_entries in by_key.items():
        first = key_entries[0]
        for_self = first.principal_id == actor.pk
        votes_here = for_self or first.principal_id in delegations
        if first.ineligible_reason:
            reason = Ineligibility(first.ineligible_reason).label
        else:
            reason = "" if votes_here else "本房屋由共有人推选的投票人投票"
        slot_of_key[key] = VotingSlot(
            unit_id=first.unit_id,
            unit_labels=[e.unit_label for e in key_entries],
            owner_kind=first.owner_kind,
            for_self=for_self,
            principal_masked=_masked_account_name(first.principal) if first.principal else "",
            eligible=first.eligible and votes_here,
            ineligible_reason=reason,
            blocked_by_delegation=for_self and not own_may_vote,
            matter_ids=[m.pk for m in matters if roll_mod.entries_in_matter_scope(key_entries, m)],
        )
    mine = tokens.keys_by_token(meeting, (key for key, slot in slot_of_key.items() if slot.eligible))
    for b in Ballot.objects.filter(meeting=meeting, owner_token__in=list(mine), superseded_at__isnull=True):
        slot = slot_of_key[mine[b.owner_token]]
        principal_id = by_key[mine[b.owner_token]][0].principal_id
        delegation = delegations.get(principal_id) if principal_id is not None else None
        if not slot.for_self and not delegate_may_see(b, delegation, meeting):
            continue
        cast_by = ""
        if slot.for_self and b.by_delegate:
            cast_by = delegate_cast_label(owner_id=actor.pk, project_id=meeting.project_id, cast_at=b.cast_at)
        slot.ballots[b.matter_id] = OwnBallot(
            b.matter_id, dict(b.choices), b.receipt, b.sequence, b.channel, b.cast_at, cast_by
        )
    return list(slot_of_key.values())


def my_ballot(*, actor, matter_id: int, unit_id: int) -> OwnBallot | None:
    """The actor's own valid ballot on a matter for the owner of `unit_id` (as that owner or their delegate), or
    None. Anyone else's ballot does not exist for them (NotFound)."""
    matter = Matter.objects.select_related("meeting__project").filter(pk=matter_id).first()
    if matter is None or not _authenticated(actor):
        raise NotFound("未找到该议题。")
    entry = RollEntry.objects.filter(meeting=matter.meeting, unit_id=unit_id).first()
    if entry is None or entry.principal_id is None:
        raise NotFound("未找到该选票。")
    delegation = None
    if entry.principal_id != actor.pk:
        delegation = next(
            (
                d
                for d in acting_for(account=actor, project=matter.meeting.project)
                if d.owner_id == entry.principal_id
            ),
            None,
        )
        if delegation is None:
            raise NotFound("未找到该选票。")
    token = tokens.token_of(matter.meeting, entry.owner_key)
    b = Ballot.objects.filter(matter=matter, owner_token=token, superseded_at__isnull=True).first()
    if b is None or not delegate_may_see(b, delegation, matter.meeting):
        return None
    cast_by = ""
    if b.by_delegate and entry.principal_id == actor.pk:
        cast_by = delegate_cast_label(
            owner_id=actor.pk, project_id=matter.meeting.project_id, cast_at=b.cast_at
        )
    return OwnBallot(b.matter_id, dict(b.choices), b.receipt, b.sequence, b.channel, b.cast_at, cast_by)
