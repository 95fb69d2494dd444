"""Voting: `nominate_voter`, `cast_ballots` / `cast_ballot` (lock order in the package docstring), receipts."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F, prefetch_related_objects

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.decisions import roll as roll_mod
from pmip.decisions import tokens
from pmip.decisions.choices import (
    BallotChannel,
    Ineligibility,
    MatterScope,
    MeetingState,
    PaperEntryState,
)
from pmip.decisions.models import (
    Ballot,
    Matter,
    MatterCount,
    Meeting,
    PaperBallotEntry,
    RollEntry,
    VoterNomination,
)
from pmip.decisions.rules import (
    choice_for,
    normalise_choices,
)
from pmip.decisions.services.common import AlreadyVoted, NotEligible, VotingNotOpen, _require_actor
from pmip.delegation.selectors import acting_for, owner_may_vote
from pmip.delegation.services import record_as_delegate
from pmip.identity.models import Account, BindingStatus, HouseBinding
from pmip.registry.models import TitleRecord

# --- voter nomination ------------------------------------------------------------------------------------------


def nominate_voter(*, actor: Account, unit_id: int, nominee_id: int) -> VoterNomination:
    """推选投票人: a co-owner (active binding to a co-owned unit) names one co-owner (also bound to the unit) as the
    unit's voter; it replaces the actor's earlier nomination for the unit. Effective when every current co-owner named
    the same person; a change made while a vote is open applies from the next meeting (the roll is frozen)."""
    _require_actor(actor)
    with transaction.atomic():
        binding = (
            HouseBinding.objects.select_related("unit", "title_record")
            .filter(
                account=actor,
                unit_id=unit_id,
                status=BindingStatus.ACTIVE,
                title_record__ended_on__isnull=True,
            )
            .first()
        )
        if binding is None:
            raise NotFound("未找到该房屋，或您尚未绑定该房屋。")
        holders = set(
            TitleRecord.objects.current().filter(unit_id=unit_id).values_list("id_type", "id_number_hash")
        )
        if len(holders) < 2:
            raise ValidationFailed("该房屋只有一位产权人，无需推选投票人。")
        nominee_bound = HouseBinding.objects.filter(
            account_id=nominee_id,
            unit_id=unit_id,
            status=BindingStatus.ACTIVE,
            title_record__ended_on__isnull=True,
        ).exists()
        if not nominee_bound:
            raise ValidationFailed("只能推选已绑定本房屋的共有人作为投票人。", field="nominee")
        now = clock.now()
        previous = (
            VoterNomination.objects.select_for_update()
            .filter(unit_id=unit_id, nominator=actor, ended_at__isnull=True)
            .first()
        )
        if previous is not None:
            previous.ended_at = now
            previous.save(update_fields=["ended_at"])
        try:
            with transaction.atomic():
                nomination = VoterNomination.objects.create(
                    unit_id=unit_id,
                    project_id=binding.project_id,
                    nominator=actor,
                    title_record=binding.title_record,
                    nominee_id=nominee_id,
                    nominated_at=now,
                )
        except IntegrityError:
            raise ValidationFailed("您的推选正在处理中，请稍后重试。") from None
        record(
            actor=actor,
            action="decisions.nomination.made",
            obj=nomination,
            project_id=binding.project_id,
            data={
                "unit": unit_id,
                "nominee": nominee_id,
                "replaced": previous.pk if previous else None,
            },
        )
    return nomination


# --- ballots ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CastResult:
    """What the voter gets back: the receipt (回执码) of each ballot."""

    matter_id: int
    sequence: int
    receipt: str
    replaced: bool


def receipt_code(
    *,
    meeting_id: int,
    matter_id: int,
    sequence: int,
    owner_token: str,
    choices: Mapping[str, str],
    channel: str,
    nonce: str,
) -> str:
    """SHA-256 over the canonical ballot. The random nonce keeps it from being reversed to the choice."""
    doc = {
        "v": 1,
        "meeting": meeting_id,
        "matter": matter_id,
        "sequence": sequence,
        "owner": owner_token,
        "choices": dict(choices),
        "channel": channel,
        "nonce": nonce,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _require_voting_open(meeting: Meeting) -> dt.datetime:
    """Checked under the meeting's row lock: the state and the clock at this very moment (returned: the time the
    ballot is admitted at, before the end)."""
    now = clock.now()
    if meeting.state == MeetingState.CANCELLED:
        raise VotingNotOpen("会议已取消。")
    if meeting.state in (MeetingState.DRAFT, MeetingState.NOTICED):
        raise VotingNotOpen("投票尚未开始。")
    if meeting.state != MeetingState.OPEN or now >= meeting.voting_ends_at:
        raise VotingNotOpen("投票已截止，不能再投票。")
    return now


def _apply_counts(matter: Matter, choices: Mapping[str, str], area: int, sign: int) -> None:
    """One F() UPDATE per count row of the matter (the question's row, or each candidate's in id order — the row
    locks are always taken in that order)."""
    targets = sorted(c.pk for c in matter.candidates.all()) if matter.is_election else [None]
    for candidate_id in targets:
        choice = choice_for(choices, candidate_id)
        rows = MatterCount.objects.filter(matter=matter)
        rows = (
            rows.filter(candidate__isnull=True)
            if candidate_id is None
            else rows.filter(candidate_id=candidate_id)
        )
        rows.update(
            **{
                f"{choice}_area": F(f"{choice}_area") + sign * area,
                f"{choice}_owners": F(f"{choice}_owners") + sign,
            }
        )


_CAST_SQL = (
    "SELECT id, project_id, state, voting_ends_at, allow_ballot_change, ballot_key_id"
    " FROM decisions_meeting WHERE id = %s AND state <> %s"
)
_CAST_SQL_POSTGRESQL = _CAST_SQL + " FOR KEY SHARE"


def _lock_meeting_for_casting(meeting_id: int) -> Meeting | None:
    """The meeting's fields a cast needs, read under FOR KEY SHARE in the same statement (None: no such meeting, or
    a draft). Casts do not block each other (nor the sequence bump, a non-key UPDATE), but `close_voting` /
    `cancel_meeting` (SELECT … FOR UPDATE) wait until every cast in flight has committed, and a cast arriving while
    they hold the row waits for them and then reads the state they committed. SQLite serialises writers (BEGIN
    IMMEDIATE), where a plain read is enough. Other fields of the returned instance are deferred (not loaded)."""
    sql = _CAST_SQL_POSTGRESQL if connection.vendor == "postgresql" else _CAST_SQL
    rows = list(Meeting.objects.raw(sql, [meeting_id, MeetingState.DRAFT]))
    return rows[0] if rows else None


def _allocate_sequences(meeting: Meeting, n: int) -> int:
    """Reserve `n` receipt sequence numbers of the meeting; returns the first. The UPDATE locks the meeting row
    against other casts until commit (gapless, unique), so it is taken last, after the count rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE decisions_meeting SET ballot_sequence = ballot_sequence + %s WHERE id = %s RETURNING ballot_sequence",
            [n, meeting.pk],
        )
        last = cursor.fetchone()[0]
    meeting.ballot_sequence = last
    return last - n + 1


@dataclass
class _PendingBallot:
    matter: Matter
    owner_token: str
    area: int
    choices: dict[str, str]
    channel: str
    by_delegate: bool
    paper_entry: PaperBallotEntry | None = None
    existing: Ballot | None = None


def _record_ballots(*, meeting: Meeting, pending: list[_PendingBallot], now: dt.datetime) -> list[Ballot]:
    """Write the ballots (one per matter, in matter order) and move the counters. Lock order, the same for every
    writer: the owner's valid ballots, the count rows matter by matter (F() updates, row locks until commit), and
    last the meeting row for the sequence numbers — so the per-meeting critical section is only the inserts."""
    for item in pending:
        matter = item.matter
        existing = (
            Ballot.objects.select_for_update()
            .filter(matter=matter, owner_token=item.owner_token, superseded_at__isnull=True)
            .first()
        )
        if existing is not None:
            if item.channel == BallotChannel.PAPER:
                raise AlreadyVoted("该业主已对本议题投票。")
            if existing.channel == BallotChannel.ONLINE and not meeting.allow_ballot_change:
                raise AlreadyVoted(f"您已对议题“{matter.title}”投票，投票后不能修改。")
        item.existing = existing
    for item in pending:
        if item.existing is not None:
            _apply_counts(item.matter, item.existing.choices, item.existing.area, -1)
            item.existing.superseded_at = now
            item.existing.save(update_fields=["superseded_at"])
        _apply_counts(item.matter, item.choices, item.area, +1)
    first = _allocate_sequences(meeting, len(pending))
    ballots: list[Ballot] = []
    for offset, item in enumerate(pending):
        nonce = secrets.token_hex(16)
        ballot = Ballot(
            meeting=meeting,
            matter=item.matter,
            owner_token=item.owner_token,
            area=item.area,
            choices=item.choices,
            channel=item.channel,
            by_delegate=item.by_delegate,
            paper_entry=item.paper_entry,
            sequence=first + offset,
            nonce=nonce,
            cast_at=now,
        )
        ballot.receipt = receipt_code(
            meeting_id=meeting.pk,
            matter_id=item.matter.pk,
            sequence=ballot.sequence,
            owner_token=item.owner_token,
            choices=item.choices,
            channel=item.channel,
            nonce=nonce,
        )
        try:
            # No savepoint: a refused insert ends the whole cast (the transaction rolls back as AlreadyVoted
            # leaves the atomic block), so there is nothing to recover inside it.
            ballot.save(force_insert=True)
        except IntegrityError:
            raise AlreadyVoted(f"您已对议题“{item.matter.title}”投票，投票后不能修改。") from None
        existing = item.existing
        if existing is not None:
            existing.superseded_by = ballot
            existing.save(update_fields=["superseded_by"])
            if existing.paper_entry_id is not None:
                PaperBallotEntry.objects.filter(pk=existing.paper_entry_id).update(
                    state=PaperEntryState.NOT_COUNTED
                )
        ballots.append(ballot)
    return ballots


def _authorise_voter(actor: Account, meeting: Meeting, entry: RollEntry):
    """-> (principal account, delegation or None). Unrelated accounts get NotFound (no hint about the roll).

    The roll entry already names the effective voter (principal): for them only the delegation rule is checked
    (one query); a delegate's delegation and a bound co-owner's binding are looked up only for them."""
    is_principal = entry.principal_id is not None and entry.principal_id == actor.pk
    delegation = None
    if not is_principal and entry.principal_id is not None:
        delegation = next(
            (
                d
                for d in acting_for(account=actor, project=meeting.project_id)
                if d.owner_id == entry.principal_id
            ),
            None,
        )
    if not (is_principal or delegation is not None):
        bound_here = HouseBinding.objects.filter(
            account=actor, unit_id=entry.unit_id, status=BindingStatus.ACTIVE
        ).exists()
        if not bound_here:
            raise NotFound("该房屋不在您可投票的范围内。")
    if not entry.eligible:
        reason = (
            Ineligibility(entry.ineligible_reason).label if entry.ineligible_reason else "不在投票人名册中"
        )
        raise NotEligible(f"本房屋不能参加本次网络投票：{reason}。投票人名册已在投票开始时确定。")
    if is_principal:
        if not owner_may_vote(account=actor, project=meeting.project_id):
            raise PermissionDenied("委托期内，您不能参与业主决策；如需自己投票，请先解除委托。")
        return actor, None
    if delegation is not None:
        return delegation.owner, delegation
    raise PermissionDenied("您不是本房屋在本次会议的投票人（共有房屋由共有人推选的投票人投票）。")


def cast_ballots(
    *, actor: Account, meeting_id: int, unit_id: int, answers: Mapping[int, object]
) -> list[CastResult]:
    """Vote on one or more matters of a meeting for the owner of `unit_id` (the owner's ballot covers all their units
    in each matter's scope). `answers` maps matter id → "yes" / "no" / "abstain", or for an election a mapping of
    every candidate id to one of those. All or nothing. Returns the receipts.

    Raises NotFound (not the actor's unit, unknown matter), NotEligible, PermissionDenied (delegation in force),
    VotingNotOpen (before the start, after the end or the close — checked under the lock), AlreadyVoted,
    ValidationFailed (answer)."""
    _require_actor(actor)
    try:
        answers = {int(k): v for k, v in answers.items()}
    except (TypeError, ValueError):
        raise NotFound("未找到该议题。") from None
    if not answers:
        raise ValidationFailed("请选择要表决的议题。")
    with transaction.atomic():
        meeting = _lock_meeting_for_casting(meeting_id)
        if meeting is None:
            raise NotFound("未找到该会议。")
        admitted_at = _require_voting_open(meeting)  # under the lock: the state a close or cancel committed
        # The voter's roll entries in one statement: every entry of the owner of `unit_id` (their ballot covers
        # all their units in each matter's scope), the unit's own entry among them.
        key_entries = list(
            RollEntry.objects.filter(
                meeting_id=meeting.pk,
                owner_key=RollEntry.objects.filter(meeting_id=meeting.pk, unit_id=unit_id).values(
                    "owner_key"
                )[:1],
            )
        )
        entry = next((e for e in key_entries if e.unit_id == unit_id), None)
        if entry is None:
            raise NotFound("该房屋不在本次会议的投票人名册中。")
        principal, delegation = _authorise_voter(actor, meeting, entry)
        matters = {m.pk: m for m in Matter.objects.filter(meeting_id=meeting.pk, pk__in=list(answers))}
        if set(matters) != set(answers):
            raise NotFound("未找到该议题。")
        # Candidates and buildings only where a matter has them (a question on the whole project needs neither).
        prefetch_related_objects([m for m in matters.values() if m.is_election], "candidates")
        prefetch_related_objects([m for m in matters.values() if m.scope != MatterScope.PROJECT], "buildings")
        token = tokens.token_of(meeting, entry.owner_key)
        pending: list[_PendingBallot] = []
        for matter_id in sorted(matters):
            matter = matters[matter_id]
            choices = normalise_choices(
                matter=matter,
                candidate_ids=[c.pk for c in matter.candidates.all()] if matter.is_election else [],
                answer=answers[matter_id],
            )
            scoped = roll_mod.entries_in_matter_scope(key_entries, matter)
            if not scoped:
                raise ValidationFailed(
                    f"您的房屋不在议题“{matter.title}”的表决范围内。", field=f"matter_{matter.pk}"
                )
            pending.append(
                _PendingBallot(
                    matter=matter,
                    owner_token=token,
                    area=sum(e.area for e in scoped),
                    choices=choices,
                    channel=BallotChannel.ONLINE,
                    by_delegate=delegation is not None,
                )
            )
        ballots = _record_ballots(meeting=meeting, pending=pending, now=admitted_at)
        results: list[CastResult] = []
        for item, ballot in zip(pending, ballots, strict=True):
            replaced = item.existing
            # Who cast, in which matter, when — never the ballot's id, sequence or receipt, which would join the
            # entry (and its actor) to the choice (docs/security.md, vote privacy).
            data = {
                "meeting": meeting.pk,
                "matter": item.matter.pk,
                "channel": ballot.channel,
                "replaced": replaced is not None,
            }
            if delegation is not None:
                record_as_delegate(
                    delegate=actor,
                    principal=principal,
                    project=meeting.project,
                    action="decisions.ballot.cast",
                    obj=item.matter,
                    data=data,
                )
            else:
                record(
                    actor=actor,
                    action="decisions.ballot.cast",
                    obj=item.matter,
                    project_id=meeting.project_id,
                    data=data,
                )
            results.append(CastResult(item.matter.pk, ballot.sequence, ballot.receipt, replaced is not None))
    return results


def cast_ballot(*, actor: Account, matter_id: int, unit_id: int, choice) -> CastResult:
    """Vote on one matter: see `cast_ballots`."""
    meeting_id = Matter.objects.filter(pk=matter_id).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        raise NotFound("未找到该议题。")
    return cast_ballots(actor=actor, meeting_id=meeting_id, unit_id=unit_id, answers={matter_id: choice})[0]
