"""Voting: `nominate_voter`, `cast_ballots` / `cast_ballot` (lock order in the package docstring), receipts."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import prefetch_related_objects

from pmip.audit.models import AuditEntry
from pmip.audit.services import record
from pmip.core import clock, rows
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
from pmip.decisions.services import ballot_rows
from pmip.decisions.services.common import AlreadyVoted, NotEligible, VotingNotOpen, _require_actor
from pmip.delegation.selectors import acting_for
from pmip.delegation.services import record_as_delegate
from pmip.identity.models import Account, BindingStatus, HouseBinding
from pmip.registry.models import TitleRecord

# --- voter nomination ------------------------------------------------------------------------------------------


def nominate_voter(*, actor: Account, unit_id: int, nominee_id: int) -> VoterNomination:
    """推选投票人: a co-owner (active binding to a co-owned unit) names one co-owner (also bound to the unit) as the
    unit's voter; it replaces the actor's earlier nomination for the unit. Effective when every current co-owner named
    the same person; a change made while a vote is open applies from the next meeting (the roll is frozen)."""
    # Kept whole: the nomination's checks and the replacement of the earlier one in one transaction.
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


_COUNT_COLUMNS = {choice: (f"{choice}_area", f"{choice}_owners") for choice in ("yes", "no", "abstain")}


def _count_updates(
    matter: Matter, choices: Mapping[str, str], area: int, sign: int
) -> list[tuple[str, list]]:
    """One UPDATE per count row of the matter (the question's row, or each candidate's in id order — the row locks
    are always taken in that order): `x = x + delta` in the database, under the row lock until commit."""
    targets = sorted(c.pk for c in matter.candidates.all()) if matter.is_election else [None]
    table = MatterCount._meta.db_table
    updates = []
    for candidate_id in targets:
        area_column, owners_column = _COUNT_COLUMNS[choice_for(choices, candidate_id)]
        where = "candidate_id IS NULL" if candidate_id is None else "candidate_id = %s"
        # Table and columns are constants (_COUNT_COLUMNS); the values are parameters.
        sql = f"UPDATE {table} SET {area_column} = {area_column} + %s, {owners_column} = {owners_column} + %s"  # noqa: S608
        updates.append(
            (
                f"{sql} WHERE matter_id = %s AND {where}",
                [sign * area, sign, matter.pk] + ([] if candidate_id is None else [candidate_id]),
            )
        )
    return updates


def _execute(statements: list[tuple[str, list]]) -> None:
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


_MEETING_FIELDS = ("id", "project_id", "state", "voting_ends_at", "allow_ballot_change", "ballot_key_id")
_ENTRY_FIELDS = (
    "id",
    "meeting_id",
    "unit_id",
    "building_id",
    "area",
    "owner_key",
    "principal_id",
    "eligible",
    "ineligible_reason",
)
_VOTER_SQL = """
SELECT {meeting_columns}, {entry_columns},
       EXISTS (SELECT 1 FROM {delegation} d WHERE d.owner_id = %s AND d.project_id = m.project_id AND d.status = %s)
  FROM {meeting} m
  LEFT JOIN {roll} r ON r.meeting_id = m.id AND r.owner_key = (
       SELECT k.owner_key FROM {roll} k WHERE k.meeting_id = m.id AND k.unit_id = %s)
 WHERE m.id = %s AND m.state <> %s"""


@functools.cache
def _voter_sql(vendor: str) -> str:
    from pmip.delegation.models import Delegation

    sql = _VOTER_SQL.format(
        meeting_columns=", ".join(f"m.{f}" for f in _MEETING_FIELDS),
        entry_columns=", ".join(f"r.{f}" for f in _ENTRY_FIELDS),
        delegation=Delegation._meta.db_table,
        meeting=Meeting._meta.db_table,
        roll=RollEntry._meta.db_table,
    )
    # PostgreSQL: the meeting row FOR KEY SHARE in the same statement (see `_read_voter`); SQLite serialises writers
    # (BEGIN IMMEDIATE), where a plain read is enough.
    return sql + (" FOR KEY SHARE OF m" if vendor == "postgresql" else "")


def _db_datetime(value) -> dt.datetime:
    """A datetime column read with a plain cursor (SQLite hands back text in UTC)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _loaded(model, values: dict):
    """An instance as the ORM builds one from a row holding only these fields (the others deferred)."""
    fields = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, fields, [values[f] for f in fields])


@dataclass
class _Voter:
    meeting: Meeting
    entries: list[RollEntry]  # every roll entry of the owner of the unit (their ballot covers them all)
    actor_delegated: bool  # the actor has a delegation in force for the project (the principal may not vote)


def _read_voter(*, actor: Account, meeting_id: int, unit_id: int) -> _Voter | None:
    """One statement: the meeting's fields a cast needs, read under FOR KEY SHARE; every roll entry of the owner of
    `unit_id` (found by the unit's owner key: eligibility, effective voter and area were decided when the roll froze);
    and whether the actor has a delegation in force in the project. None: no such meeting, or a draft.

    FOR KEY SHARE: casts do not block each other (nor the sequence bump, a non-key UPDATE), but `close_voting` /
    `cancel_meeting` (SELECT … FOR UPDATE) wait until every cast in flight has committed, and a cast arriving while
    they hold the row waits for them and then reads the state they committed. Fields of the returned meeting other
    than those read are deferred (not loaded)."""
    from pmip.delegation.models import DelegationStatus

    with connection.cursor() as cursor:
        cursor.execute(
            _voter_sql(connection.vendor),
            [actor.pk, DelegationStatus.ACTIVE, unit_id, meeting_id, MeetingState.DRAFT],
        )
        rows = cursor.fetchall()
    if not rows:
        return None
    n = len(_MEETING_FIELDS)
    first = list(rows[0][:n])
    first[3] = _db_datetime(first[3])
    first[4] = bool(first[4])
    meeting = _loaded(Meeting, dict(zip(_MEETING_FIELDS, first, strict=True)))
    entries = []
    for row in rows:
        values = list(row[n : n + len(_ENTRY_FIELDS)])
        if values[0] is None:  # no roll entry for this unit (LEFT JOIN)
            continue
        values[7] = bool(values[7])
        entries.append(_loaded(RollEntry, dict(zip(_ENTRY_FIELDS, values, strict=True))))
    return _Voter(meeting=meeting, entries=entries, actor_delegated=bool(rows[0][-1]))


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
    # False when the caller's read found no valid ballot of the owner on the matter: no row to lock, and a ballot
    # committed since then makes the insert fail on the one-valid-ballot constraint (the cast is refused whole).
    check_current: bool = True


def _record_ballots(
    *,
    meeting: Meeting,
    pending: list[_PendingBallot],
    now: dt.datetime,
    before_counts: Callable[[list[_PendingBallot]], list[AuditEntry]] | None = None,
) -> list[Ballot]:
    """Write the ballots (one per matter, in matter order) and move the counters. Lock order, the same for every
    writer: the owner's valid ballots, the count rows matter by matter (F() updates, row locks until commit), and
    last the meeting row for the sequence numbers — so the per-meeting critical section is only the inserts.

    `before_counts` runs once the owner's current ballots are known (`item.existing`) and before the count rows are
    locked: the cast builds its audit entries there (what they record does not depend on the sequence or the
    receipt); they are written with the ballots (on PostgreSQL in the ballots' statement, no round trip of their
    own), so no cast of the meeting waits on the count and meeting rows for them."""
    # Kept whole: the lock order of the docstring, one pass per step; splitting it would hide that order.
    for item in pending:
        matter = item.matter
        if not item.check_current:
            continue
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
    entries = before_counts(pending) if before_counts is not None else []
    last_count = None  # PostgreSQL: the last count-row UPDATE goes with the sequence and the inserts
    for item in pending:
        if item.existing is not None:
            _execute(_count_updates(item.matter, item.existing.choices, item.existing.area, -1))
            item.existing.superseded_at = now
            item.existing.save(update_fields=["superseded_at"])
        updates = _count_updates(item.matter, item.choices, item.area, +1)
        if item is pending[-1] and connection.vendor == "postgresql":
            last_count = updates.pop()
        _execute(updates)
    ballots = [
        Ballot(
            meeting=meeting,
            matter=item.matter,
            owner_token=item.owner_token,
            area=item.area,
            choices=item.choices,
            channel=item.channel,
            by_delegate=item.by_delegate,
            paper_entry=item.paper_entry,
            nonce=secrets.token_hex(16),
            cast_at=now,
        )
        for item in pending
    ]
    try:
        # No savepoint: a refused insert ends the whole cast (the transaction rolls back as AlreadyVoted leaves the
        # atomic block), so there is nothing to recover inside it.
        _insert_ballots(meeting, ballots, last_count, entries)
    except IntegrityError:
        conflict = next(
            (i for i in pending if not i.check_current), pending[0]
        )  # a ballot committed meanwhile
        raise AlreadyVoted(f"您已对议题“{conflict.matter.title}”投票，投票后不能修改。") from None
    for item, ballot in zip(pending, ballots, strict=True):
        existing = item.existing
        if existing is not None:
            existing.superseded_by = ballot
            existing.save(update_fields=["superseded_by"])
            if existing.paper_entry_id is not None:
                PaperBallotEntry.objects.filter(pk=existing.paper_entry_id).update(
                    state=PaperEntryState.NOT_COUNTED
                )
    return ballots


def _insert_ballots(
    meeting: Meeting, ballots: list[Ballot], last_count: tuple[str, list] | None, entries: list[AuditEntry]
) -> None:
    """Sequence numbers, receipts and rows of `ballots`, and the audit `entries`: one statement on PostgreSQL
    (`ballot_rows`); elsewhere the entries, the sequence, then each ballot (rows.insert: what save(force_insert=True)
    writes, without compiling the ORM's insert)."""
    if last_count is not None:
        ballot_rows.insert_sequenced(meeting, ballots, last_count, also=entries)
        return
    for entry in entries:
        rows.insert(entry)
    first = ballot_rows.allocate_sequences(meeting, len(ballots))
    for offset, ballot in enumerate(ballots):
        ballot.sequence = first + offset
        ballot.receipt = ballot_rows.receipt_of(ballot)
        rows.insert(ballot)


def _authorise_voter(actor: Account, meeting: Meeting, entry: RollEntry, *, actor_delegated: bool):
    """-> (principal account, delegation or None). Unrelated accounts get NotFound (no hint about the roll).

    The roll entry already names the effective voter (principal): for them only the delegation rule applies
    (`actor_delegated`, read with the roll entries); a delegate's delegation and a bound co-owner's binding are looked
    up only for them."""
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
        if actor_delegated:  # owner_may_vote(), read in the same statement as the roll
            raise PermissionDenied("委托期内，您不能参与业主决策；如需自己投票，请先解除委托。")
        return actor, None
    if delegation is not None:
        return delegation.owner, delegation
    raise PermissionDenied("您不是本房屋在本次会议的投票人（共有房屋由共有人推选的投票人投票）。")


_ID_LIMIT = (
    2**63
)  # primary keys are 64-bit: a larger id names nothing (the raw statements below would refuse it)
# Every field of a matter the cast reads (not the description); and the owner's valid ballot on it, if any.
_MATTER_FIELDS = ("id", "meeting_id", "order", "title", "item", "matter_class", "kind", "seats", "scope")
_MATTERS_SQL = """
SELECT {columns}, b.id
  FROM {matter} mt
  LEFT JOIN {ballot} b ON b.matter_id = mt.id AND b.owner_token = %s AND b.superseded_at IS NULL
 WHERE mt.meeting_id = %s AND mt.id IN ({ids})"""


def _matters_with_current_ballot(meeting: Meeting, matter_ids: list[int], token: str) -> dict[int, Matter]:
    """The meeting's matters among `matter_ids`, each with `current_ballot_id`: the owner's valid ballot on it, if
    any (read without a lock; `_record_ballots` locks it when there is one). One plain statement, the matters built
    from its rows (`pmip.core.rows`: no ORM query to compile)."""
    sql = _MATTERS_SQL.format(
        columns=rows.columns(Matter, _MATTER_FIELDS, "mt"),
        matter=Matter._meta.db_table,
        ballot=Ballot._meta.db_table,
        ids=", ".join(["%s"] * len(matter_ids)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [token, meeting.pk, *matter_ids])
        found = cursor.fetchall()
    matters: dict[int, Matter] = {}
    for row in found:
        matter = rows.from_row(Matter, _MATTER_FIELDS, row[:-1])
        matter.current_ballot_id = row[-1]  # type: ignore[attr-defined]
        matters[matter.pk] = matter
    return matters


def cast_ballots(
    *, actor: Account, meeting_id: int, unit_id: int, answers: Mapping[int, object]
) -> list[CastResult]:
    """Vote on one or more matters of a meeting for the owner of `unit_id` (the owner's ballot covers all their units
    in each matter's scope). `answers` maps matter id → "yes" / "no" / "abstain", or for an election a mapping of
    every candidate id to one of those. All or nothing. Returns the receipts.

    Raises NotFound (not the actor's unit, unknown matter), NotEligible, PermissionDenied (delegation in force),
    VotingNotOpen (before the start, after the end or the close — checked under the lock), AlreadyVoted,
    ValidationFailed (answer).

    Statements for an owner voting for themself on questions of the whole project: the voter (meeting under its
    lock, roll entries, delegation rule), the matters with the owner's current ballots, per matter the count row,
    and — on PostgreSQL in one statement with the last count row — the sequence, the ballots and the audit entries
    (tests/decisions/test_cast_queries.py)."""
    # Kept whole: the cast's few statements in one transaction, in the lock order of _record_ballots (their number is fixed by tests/decisions/test_cast_queries.py).
    _require_actor(actor)
    try:
        answers = {int(k): v for k, v in answers.items()}
    except (TypeError, ValueError):
        raise NotFound("未找到该议题。") from None
    if not answers:
        raise ValidationFailed("请选择要表决的议题。")
    if any(not (0 < k < _ID_LIMIT) for k in answers):
        raise NotFound("未找到该议题。")
    if not (0 < meeting_id < _ID_LIMIT and 0 < unit_id < _ID_LIMIT):  # as the ORM treats an id out of range
        raise NotFound(
            "未找到该会议。" if not 0 < meeting_id < _ID_LIMIT else "该房屋不在本次会议的投票人名册中。"
        )
    with transaction.atomic():
        voter = _read_voter(actor=actor, meeting_id=meeting_id, unit_id=unit_id)
        if voter is None:
            raise NotFound("未找到该会议。")
        meeting, key_entries = voter.meeting, voter.entries
        admitted_at = _require_voting_open(meeting)  # under the lock: the state a close or cancel committed
        entry = next((e for e in key_entries if e.unit_id == unit_id), None)
        if entry is None:
            raise NotFound("该房屋不在本次会议的投票人名册中。")
        principal, delegation = _authorise_voter(actor, meeting, entry, actor_delegated=voter.actor_delegated)
        token = tokens.token_of(meeting, entry.owner_key)
        matters = _matters_with_current_ballot(meeting, sorted(answers), token)
        if set(matters) != set(answers):
            raise NotFound("未找到该议题。")
        # Candidates and buildings only where a matter has them (a question on the whole project needs neither).
        prefetch_related_objects([m for m in matters.values() if m.is_election], "candidates")
        prefetch_related_objects([m for m in matters.values() if m.scope != MatterScope.PROJECT], "buildings")
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
                    check_current=getattr(matter, "current_ballot_id", None) is not None,
                )
            )

        def audit(items: list[_PendingBallot]) -> list[AuditEntry]:
            entries = []
            for item in items:
                # Who cast, in which matter, when — never the ballot's id, sequence or receipt, which would join the
                # entry (and its actor) to the choice (docs/security.md, vote privacy).
                data = {
                    "meeting": meeting.pk,
                    "matter": item.matter.pk,
                    "channel": BallotChannel.ONLINE,
                    "replaced": item.existing is not None,
                }
                if delegation is not None:
                    entry = record_as_delegate(
                        delegate=actor,
                        principal=principal,
                        project=meeting.project,
                        action="decisions.ballot.cast",
                        obj=item.matter,
                        data=data,
                        insert=False,
                    )
                else:
                    entry = record(
                        actor=actor,
                        action="decisions.ballot.cast",
                        obj=item.matter,
                        project_id=meeting.project_id,
                        data=data,
                        insert=False,
                    )
                entries.append(entry)
            return entries

        ballots = _record_ballots(meeting=meeting, pending=pending, now=admitted_at, before_counts=audit)
        results = [
            CastResult(item.matter.pk, ballot.sequence, ballot.receipt, item.existing is not None)
            for item, ballot in zip(pending, ballots, strict=True)
        ]
    return results


def cast_ballot(*, actor: Account, matter_id: int, unit_id: int, choice) -> CastResult:
    """Vote on one matter: see `cast_ballots`."""
    meeting_id = Matter.objects.filter(pk=matter_id).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        raise NotFound("未找到该议题。")
    return cast_ballots(actor=actor, meeting_id=meeting_id, unit_id=unit_id, answers={matter_id: choice})[0]
