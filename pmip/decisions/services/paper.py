"""Paper ballots entered twice by two different staff members: `enter_paper_ballot`."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from pmip.core import clock
from pmip.core.errors import NotFound, ValidationFailed
from pmip.decisions import roll as roll_mod
from pmip.decisions import tokens
from pmip.decisions.choices import (
    BallotChannel,
    OwnerKind,
    PaperEntryState,
)
from pmip.decisions.models import Ballot, Matter, Meeting, PaperBallotEntry, RollEntry
from pmip.decisions.rules import (
    normalise_choices,
)
from pmip.decisions.services.common import AlreadyVoted, NotEligible, _clean_text, _convener_meeting, _record
from pmip.decisions.services.voting import _PendingBallot, _record_ballots, _require_voting_open
from pmip.identity.models import Account


def enter_paper_ballot(
    *, actor: Account, matter_id: int, unit_id: int, choice, form_number: str = ""
) -> PaperBallotEntry:
    """录入书面表决票, by convener staff while voting is open. The first entry waits; a second entry by a different
    staff member with the same answer confirms it and counts the ballot (unless the owner voted online, which wins);
    a different answer marks the entry as a mismatch (to be entered again from the form).

    Any owner on the roll may vote on paper — the staff check the signed form, so binding and face verification are
    not needed (this is how the developer and owners not on the platform vote) — except a co-owned unit without an
    effective nomination, which cannot vote at all."""
    form_number = _clean_text(
        form_number, label="表决票编号", field="form_number", max_length=40, required=False
    )
    meeting_id = Matter.objects.filter(pk=matter_id).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        raise NotFound("未找到该议题。")
    with transaction.atomic():
        meeting = _convener_meeting(actor, meeting_id)
        _require_voting_open(meeting)
        matter = Matter.objects.prefetch_related("buildings", "candidates").get(pk=matter_id)
        entry, scoped, choices = _paper_voter(meeting, matter, unit_id, choice)
        now = clock.now()
        base = {"matter": matter.pk, "unit": entry.unit_label, "form_number": form_number}
        pending = (
            PaperBallotEntry.objects.select_for_update()
            .filter(matter=matter, owner_key=entry.owner_key, state=PaperEntryState.PENDING)
            .first()
        )
        if pending is None:
            return _first_entry(actor, meeting, matter, entry, choices, now=now, base=base)
        _second_entry(actor, meeting, matter, entry, scoped, pending, choices, now=now, base=base)
    return pending


def _paper_voter(
    meeting: Meeting, matter: Matter, unit_id: int, choice
) -> tuple[RollEntry, list[RollEntry], dict]:
    """The roll entry of the unit, the owner's entries in the matter's scope, and the answer in stored form;
    refused when the unit is not on the roll, is co-owned without an effective nomination, or is out of scope."""
    entry = RollEntry.objects.filter(meeting=meeting, unit_id=unit_id).first()
    if entry is None:
        raise NotFound("该房屋不在本次会议的投票人名册中。")
    if entry.owner_kind == OwnerKind.CO_OWNED and entry.principal_id is None:
        raise NotEligible("共有房屋未有效推选投票人，不能投票。")
    choices = normalise_choices(
        matter=matter, candidate_ids=[c.pk for c in matter.candidates.all()], answer=choice
    )
    scoped = roll_mod.entries_in_matter_scope(
        RollEntry.objects.filter(meeting=meeting, owner_key=entry.owner_key), matter
    )
    if not scoped:
        raise ValidationFailed(f"该房屋不在议题“{matter.title}”的表决范围内。")
    return entry, scoped, choices


def _first_entry(
    actor: Account, meeting: Meeting, matter: Matter, entry: RollEntry, choices: dict, *, now, base: dict
) -> PaperBallotEntry:
    """The first of the two entries: it waits for a second clerk (one pending entry per owner and matter)."""
    if PaperBallotEntry.objects.filter(
        matter=matter, owner_key=entry.owner_key, state=PaperEntryState.CONFIRMED
    ).exists():
        raise AlreadyVoted("该业主本议题的书面表决票已录入并确认。")
    try:
        with transaction.atomic():
            pending = PaperBallotEntry.objects.create(
                meeting=meeting,
                matter=matter,
                unit_id=entry.unit_id,
                owner_key=entry.owner_key,
                form_number=base["form_number"],
                first_choices=choices,
                first_by=actor,
                first_at=now,
            )
    except IntegrityError:
        raise AlreadyVoted("该业主本议题的书面表决票已录入，请进行复核录入。") from None
    _record(actor, "decisions.paper.entered", meeting, obj=pending, data=base)
    return pending


# Over 60 lines by its signature: the three outcomes of a second entry stay together, in the order they are tried.
def _second_entry(
    actor: Account,
    meeting: Meeting,
    matter: Matter,
    entry: RollEntry,
    scoped: list[RollEntry],
    pending: PaperBallotEntry,
    choices: dict,
    *,
    now,
    base: dict,
) -> None:
    """The second entry, by another clerk: a different answer is a mismatch; the same answer counts the ballot,
    unless the owner voted online (that ballot wins and this one is not counted)."""
    # Kept whole: the second clerk's entry compared with the first and counted (or not) in one step.
    if pending.first_by_id == actor.pk:
        raise ValidationFailed("书面表决票须由另一名工作人员复核录入。")
    pending.second_choices = choices
    pending.second_by = actor
    pending.second_at = now
    if choices != pending.first_choices:
        pending.state = PaperEntryState.MISMATCH
        pending.save(update_fields=["second_choices", "second_by", "second_at", "state"])
        _record(actor, "decisions.paper.mismatch", meeting, obj=pending, data=base)
        return
    token = tokens.token_of(meeting, entry.owner_key)
    online = Ballot.objects.filter(
        matter=matter, owner_token=token, superseded_at__isnull=True, channel=BallotChannel.ONLINE
    ).exists()
    if online:
        pending.state = PaperEntryState.NOT_COUNTED
        pending.save(update_fields=["second_choices", "second_by", "second_at", "state"])
        _record(
            actor,
            "decisions.paper.not_counted",
            meeting,
            obj=pending,
            data={**base, "reason": "online_ballot"},
        )
        return
    pending.state = PaperEntryState.CONFIRMED
    pending.save(update_fields=["second_choices", "second_by", "second_at", "state"])
    (ballot,) = _record_ballots(
        meeting=meeting,
        pending=[
            _PendingBallot(
                matter=matter,
                owner_token=token,
                area=sum(e.area for e in scoped),
                choices=choices,
                channel=BallotChannel.PAPER,
                by_delegate=False,
                paper_entry=pending,
            )
        ],
        now=now,
    )
    _record(
        actor,
        "decisions.paper.confirmed",
        meeting,
        obj=pending,
        data={**base, "sequence": ballot.sequence, "receipt": ballot.receipt},
    )
