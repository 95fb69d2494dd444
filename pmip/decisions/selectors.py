"""Reads of 业主决策, each scoped to what the reader may see.

Secrecy (owner manual, 电子投票注意事项 5: 投票结束前，只能看到自己当前投票内容):
- before the close an owner (or their delegate) reads only their own ballot; the convener reads turnout only —
  participating owners and area against the two-thirds marks, per building, and how many more are needed — never a
  choice, and no selector returns another owner's choice at any time;
- the tally sheet is for staff in scope once voting has closed, and for the project's owners once the results are
  published; the bulletin (every receipt with its units' building/room and area, never a name) once closed;
- public lists show building/room and area, never names.

Results are read from the running counters (MatterCount), never by scanning ballots; `recount` (ballots + frozen
roll) is used only to check the counters at close and before publication.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.files import File
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from pmip.audit.models import AuditEntry
from pmip.core import display
from pmip.core.errors import NotFound
from pmip.core.masking import mask_name
from pmip.decisions import roll as roll_mod
from pmip.decisions import tally, tokens
from pmip.decisions.choices import (
    BallotChannel,
    Ineligibility,
    MatterClass,
    MeetingState,
    PaperEntryState,
)
from pmip.decisions.models import (
    Ballot,
    Candidate,
    Matter,
    MatterCount,
    Meeting,
    PaperBallotEntry,
    PublicityFile,
    RollEntry,
    VoterNomination,
)
from pmip.decisions.rules import (
    REHEARSAL_CONCLUSIONS,
    choice_for,
    convener_project_q,
    results_due_by,
    settings_used,
    supervisor_project_q,
    voting_uses,
)
from pmip.decisions.storage import open_stored_file
from pmip.delegation.models import Delegation
from pmip.delegation.selectors import acting_for, delegated_project_ids, owner_may_vote
from pmip.identity.models import BindingStatus, HouseBinding, OwnerIdentity, VerificationMethod
from pmip.registry.models import Building, Project, TitleRecord, Unit

VOTING_STARTED = (MeetingState.OPEN, MeetingState.CLOSED, MeetingState.PUBLISHED)
AFTER_CLOSE = (MeetingState.CLOSED, MeetingState.PUBLISHED)


def _authenticated(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


# --- staff ------------------------------------------------------------------------------------------------------


def meetings_for_staff(*, actor, state: str = "") -> QuerySet[Meeting]:
    """Meetings of the projects the actor may read in the back office (conveners and district bureaus)."""
    q = supervisor_project_q(actor, prefix="project__")
    if q is None:
        return Meeting.objects.none()
    qs = Meeting.objects.filter(q).select_related("project", "project__subdistrict")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-voting_starts_at", "-id")


def get_meeting_for_staff(*, actor, meeting_id: int) -> Meeting:
    meeting = meetings_for_staff(actor=actor).filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("未找到该会议，或不在您的管辖范围内。")
    return meeting


def may_run_meeting(*, actor, meeting: Meeting) -> bool:
    """Whether the actor may take the convener's actions (the back office shows the buttons accordingly)."""
    q = convener_project_q(actor)
    return q is not None and Project.objects.filter(q).filter(pk=meeting.project_id).exists()


def matters_of(*, meeting: Meeting) -> list[Matter]:
    """The meeting's matters in order, with candidates and scope buildings."""
    return list(meeting.matters.prefetch_related("candidates", "buildings").order_by("order", "pk"))


def results_due(meeting: Meeting):
    """When the results must be published at the latest (3 days after the close), or None before the close."""
    return results_due_by(meeting.closed_at) if meeting.closed_at else None


# --- owners -----------------------------------------------------------------------------------------------------


def owner_project_ids(*, actor) -> set[int]:
    """Projects where the actor is a bound owner or acts as a verified delegate (one statement, from the actor's own
    bindings and delegations)."""
    if not _authenticated(actor):
        return set()
    own = (
        HouseBinding.objects.filter(account=actor, status=BindingStatus.ACTIVE)
        .order_by()
        .values_list("project_id", flat=True)
    )
    return set(own.union(delegated_project_ids(account=actor)))


def meetings_for_owner(*, actor) -> QuerySet[Meeting]:
    """Meetings (from the notice on) of the projects where the actor is an owner or a delegate."""
    ids = owner_project_ids(actor=actor)
    if not ids:
        return Meeting.objects.none()
    return (
        Meeting.objects.filter(project_id__in=ids)
        .exclude(state=MeetingState.DRAFT)
        .select_related("project")
        .order_by("-voting_starts_at", "-id")
    )


def get_meeting_for_owner(*, actor, meeting_id: int) -> Meeting:
    meeting = meetings_for_owner(actor=actor).filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("未找到该会议。")
    return meeting


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


# --- publicity: files and binding status ------------------------------------------------------------------------


def _may_read_meeting(actor, meeting: Meeting) -> bool:
    if meeting.state != MeetingState.DRAFT and meeting.project_id in owner_project_ids(actor=actor):
        return True
    q = supervisor_project_q(actor)
    return q is not None and Project.objects.filter(q).filter(pk=meeting.project_id).exists()


def get_meeting_for_reader(*, actor, meeting_id: int) -> Meeting:
    """A meeting for an owner/delegate of its project (from the notice on) or for staff in scope."""
    meeting = Meeting.objects.select_related("project").filter(pk=meeting_id).first()
    if meeting is None or not _may_read_meeting(actor, meeting):
        raise NotFound("未找到该会议。")
    return meeting


def publicity_files(*, actor, meeting_id: int) -> list[PublicityFile]:
    meeting = get_meeting_for_reader(actor=actor, meeting_id=meeting_id)
    return list(meeting.files.order_by("kind", "uploaded_at", "pk"))


def open_publicity_file(*, actor, file_id: int) -> tuple[PublicityFile, File | None]:
    """A publicity file and its stored content opened for reading (the caller closes it; None when the stored file
    is missing), for readers of its meeting only (NotFound otherwise)."""
    f = PublicityFile.objects.select_related("meeting__project").filter(pk=file_id).first()
    if f is None or not _may_read_meeting(actor, f.meeting):
        raise NotFound("未找到该文件。")
    return f, open_stored_file(f)


@dataclass(frozen=True)
class BuildingBindingStatus:
    """业主绑定情况 of one building (no names): units and area bound on the platform, and verified."""

    building_id: int
    building: str
    units: int
    units_bound: int
    units_verified: int
    area: str
    area_bound: str
    area_verified: str


def binding_summary(*, actor, meeting_id: int) -> list[BuildingBindingStatus]:
    """Per building of the meeting's scope (units that carry voting weight): units and area bound / verified, live
    from the bindings. Building order by number."""
    meeting = get_meeting_for_reader(actor=actor, meeting_id=meeting_id)
    scope = roll_mod.meeting_building_ids(matters_of(meeting=meeting))
    units = Unit.objects.filter(
        project_id=meeting.project_id,
        use__in=voting_uses(include_parking_storage=meeting.include_parking_storage),
    )
    if scope is not None:
        units = units.filter(building_id__in=scope)
    active = HouseBinding.objects.filter(unit=OuterRef("pk"), status=BindingStatus.ACTIVE)
    verified = active.exclude(account__owner_identity__verification=VerificationMethod.NONE).filter(
        account__owner_identity__isnull=False
    )
    rows = units.annotate(bound=Exists(active), verified=Exists(verified)).values_list(
        "building_id", "building__number", "area", "bound", "verified"
    )
    acc: dict[int, list] = {}
    for building_id, number, area, bound, is_verified in rows:
        a = acc.setdefault(building_id, [number, 0, 0, 0, 0, 0, 0])
        hundredths = int(area * 100)
        a[1] += 1
        a[4] += hundredths
        if bound:
            a[2] += 1
            a[5] += hundredths
        if is_verified:
            a[3] += 1
            a[6] += hundredths
    out = [
        BuildingBindingStatus(
            building_id=bid,
            building=f"{a[0]}栋",
            units=a[1],
            units_bound=a[2],
            units_verified=a[3],
            area=tally.format_area(a[4]),
            area_bound=tally.format_area(a[5]),
            area_verified=tally.format_area(a[6]),
        )
        for bid, a in acc.items()
    ]
    return sorted(out, key=lambda r: (len(r.building), r.building))


# --- voter nomination -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoOwner:
    holder_masked: str
    on_platform: bool  # has an active binding to the unit
    nominated_masked: str  # whom this co-owner nominated ("" if nobody)
    is_me: bool


@dataclass(frozen=True)
class NominationStatus:
    unit_id: int
    unit_label: str
    co_owned: bool
    co_owners: list[CoOwner]
    effective: bool
    effective_nominee_masked: str
    my_nominee_id: int | None
    candidates: list[tuple[int, str]]  # (account id, masked name) of co-owners bound to the unit
    frozen_voters: list[
        tuple[str, str]
    ]  # (meeting title, masked voter) for meetings whose roll is frozen and open
    explanation: str


def _masked_account_name(account) -> str:
    try:
        return mask_name(account.owner_identity.holder_name)
    except OwnerIdentity.DoesNotExist:
        return mask_name(account.display_name or account.username)


def nomination_status(*, actor, unit_id: int) -> NominationStatus:
    """推选投票人 / 查看投票人 for a unit the actor is bound to: the co-owners (masked), whom each nominated, whether
    the nomination is effective (all named the same person) and the voter frozen in any open meeting."""
    if not _authenticated(actor):
        raise NotFound("未找到该房屋。")
    own = (
        HouseBinding.objects.select_related("unit__building")
        .filter(account=actor, unit_id=unit_id, status=BindingStatus.ACTIVE)
        .first()
    )
    if own is None:
        raise NotFound("未找到该房屋，或您尚未绑定该房屋。")
    return _nomination_statuses(actor=actor, units=[own.unit])[own.unit_id]


def nomination_statuses(*, actor, project_id: int) -> list[tuple[Unit, NominationStatus]]:
    """`nomination_status` of every unit the actor is bound to in the project (by building and room), read with
    the same few queries however many units there are."""
    if not _authenticated(actor):
        return []
    own = (
        HouseBinding.objects.select_related("unit__building")
        .filter(account=actor, project_id=project_id, status=BindingStatus.ACTIVE)
        .order_by(*display.unit_ordering("unit__"), "pk")
    )
    units = list({b.unit_id: b.unit for b in own}.values())
    statuses = _nomination_statuses(actor=actor, units=units)
    return [(unit, statuses[unit.pk]) for unit in units]


def _nomination_statuses(*, actor, units: list[Unit]) -> dict[int, NominationStatus]:
    """The nomination status of each unit: five queries for any number of units."""
    unit_ids = [u.pk for u in units]
    titles: dict[int, list[TitleRecord]] = defaultdict(list)
    for t in TitleRecord.objects.current().filter(unit_id__in=unit_ids).order_by("pk"):
        titles[t.unit_id].append(t)
    bindings: dict[int, list[HouseBinding]] = defaultdict(list)
    for b in (
        HouseBinding.objects.filter(
            unit_id__in=unit_ids, status=BindingStatus.ACTIVE, title_record__ended_on__isnull=True
        )
        .select_related("account__owner_identity")
        .order_by("bound_at", "pk")
    ):
        bindings[b.unit_id].append(b)
    nominations: dict[int, list[VoterNomination]] = defaultdict(list)
    for n in VoterNomination.objects.filter(unit_id__in=unit_ids, ended_at__isnull=True).select_related(
        "nominee__owner_identity"
    ):
        nominations[n.unit_id].append(n)
    frozen: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for e in (
        RollEntry.objects.filter(unit_id__in=unit_ids, meeting__state=MeetingState.OPEN)
        .select_related("meeting", "principal__owner_identity")
        .order_by("meeting_id")
    ):
        frozen[e.unit_id].append(
            (e.meeting.title, _masked_account_name(e.principal) if e.principal else "无（不能投票）")
        )
    return {
        u.pk: _nomination_status_of(actor, u, titles[u.pk], bindings[u.pk], nominations[u.pk], frozen[u.pk])
        for u in units
    }


def _nomination_status_of(
    actor,
    unit: Unit,
    titles: list[TitleRecord],
    bindings: list[HouseBinding],
    nominations: list[VoterNomination],
    frozen: list[tuple[str, str]],
) -> NominationStatus:
    state = roll_mod.nomination_state(
        titles=[(t.pk, t.id_type, t.id_number_hash) for t in titles],
        bindings=[(b.account_id, b.title_record_id) for b in bindings],
        nominations=[(n.nominator_id, n.nominee_id) for n in nominations],
    )
    co_owned = len(state.holders) > 1
    nominee_name = {n.nominee_id: _masked_account_name(n.nominee) for n in nominations}
    nominated_by = {n.nominator_id: n.nominee_id for n in nominations}
    accounts_of_title: dict[int, list[int]] = defaultdict(list)
    for b in bindings:
        accounts_of_title[b.title_record_id].append(b.account_id)
    co_owners = []
    for t in titles:
        accounts = accounts_of_title.get(t.pk, [])
        picked = next((nominated_by[a] for a in accounts if a in nominated_by), None)
        co_owners.append(
            CoOwner(
                holder_masked=t.holder_masked,
                on_platform=bool(accounts),
                nominated_masked=nominee_name.get(picked, "") if picked else "",
                is_me=actor.pk in accounts,
            )
        )
    effective = state.effective_nominee
    effective_name = ""
    if effective is not None:
        effective_name = next(_masked_account_name(b.account) for b in bindings if b.account_id == effective)
    if not co_owned:
        explanation = "该房屋只有一位产权人，由产权人本人投票，无需推选。"
    elif effective is not None:
        explanation = "全体共有人推选了同一人，推选已生效。"
    elif state.missing:
        explanation = "尚有共有人未推选投票人：需全体共有人推选同一人，推选才生效。"
    else:
        explanation = "共有人推选的不是同一人，推选未生效。"
    if frozen:
        explanation += "正在进行的投票以投票开始时的名册为准，在投票中变更推选人，下次业主大会才生效。"
    return NominationStatus(
        unit_id=unit.pk,
        unit_label=unit.label,
        co_owned=co_owned,
        co_owners=co_owners,
        effective=effective is not None,
        effective_nominee_masked=effective_name,
        my_nominee_id=nominated_by.get(actor.pk),
        candidates=[(b.account_id, _masked_account_name(b.account)) for b in bindings],
        frozen_voters=frozen,
        explanation=explanation,
    )


# --- counts, recount, results -----------------------------------------------------------------------------------


def _counts_of(row: MatterCount) -> tally.Counts:
    return tally.Counts(
        total_area=row.total_area,
        total_owners=row.total_owners,
        yes_area=row.yes_area,
        yes_owners=row.yes_owners,
        no_area=row.no_area,
        no_owners=row.no_owners,
        abstain_area=row.abstain_area,
        abstain_owners=row.abstain_owners,
    )


def recount(meeting: Meeting) -> dict[tuple[int, int | None], tally.Counts]:
    """Full recount from the valid ballots and the frozen roll (areas taken again from the roll, not from the
    ballots), keyed by (matter id, candidate id or None). Used to check the counters, never to show results."""
    matters = matters_of(meeting=meeting)
    entries = list(RollEntry.objects.filter(meeting=meeting))
    ballots = list(
        Ballot.objects.filter(meeting=meeting, superseded_at__isnull=True).only(
            "matter_id", "owner_token", "choices"
        )
    )
    key_of = tokens.keys_by_token(meeting, (e.owner_key for e in entries))
    by_matter: dict[int, list[Ballot]] = defaultdict(list)
    for b in ballots:
        by_matter[b.matter_id].append(b)
    out: dict[tuple[int, int | None], tally.Counts] = {}
    for matter in matters:
        scoped = roll_mod.entries_in_matter_scope(entries, matter)
        area_of: dict[str, int] = defaultdict(int)
        for e in scoped:
            area_of[e.owner_key] += e.area
        targets = [c.pk for c in matter.candidates.all()] if matter.is_election else [None]
        for cid in targets:
            c = tally.Counts(total_area=sum(area_of.values()), total_owners=len(area_of))
            for b in by_matter[matter.pk]:
                c = c.add(choice_for(b.choices, cid), area_of.get(key_of.get(b.owner_token, ""), 0))
            out[(matter.pk, cid)] = c
    return out


def count_discrepancies(meeting: Meeting) -> list[dict]:
    """Differences between the counters and a recount, plus a roll that no longer matches its hash. Empty = all
    exact. (Before voting opens there is nothing to check.)"""
    if meeting.roll_frozen_at is None:
        return []
    problems: list[dict] = []
    if roll_mod.stored_roll_hash(meeting) != meeting.roll_hash:
        problems.append({"kind": "roll_hash"})
    counted = recount(meeting)
    rows = {(r.matter_id, r.candidate_id): r for r in MatterCount.objects.filter(matter__meeting=meeting)}
    for key in sorted(set(counted) | set(rows), key=lambda k: (k[0], k[1] or 0)):
        live = _counts_of(rows[key]) if key in rows else None
        if live != counted.get(key):
            problems.append({"kind": "count", "matter": key[0], "candidate": key[1]})
    return problems


@dataclass(frozen=True)
class MatterResult:
    """The result of one matter (or one candidate of an election), from the counters."""

    matter: Matter
    candidate_id: int | None
    candidate_name: str
    matter_class: str  # the class the rule was applied with (an election's candidates: ordinary)
    counts: tally.Counts
    document: dict  # pmip_verify's output format
    tests: list[dict]
    conclusion: str
    tests_without_following: list[dict] | None


def _result(matter: Matter, row: MatterCount, follow: bool, candidate: Candidate | None) -> MatterResult:
    cls = MatterClass.ORDINARY if matter.is_election else matter.matter_class
    counts = _counts_of(row)
    doc = tally.result_document(counts, cls, follow=follow)
    final = tally.follow_majority(counts).counts if follow else counts
    return MatterResult(
        matter=matter,
        candidate_id=candidate.pk if candidate else None,
        candidate_name=candidate.name if candidate else "",
        matter_class=cls,
        counts=counts,
        document=doc,
        tests=tally.threshold_tests(final, cls),
        conclusion=(REHEARSAL_CONCLUSIONS if matter.meeting.rehearsal else tally.CONCLUSIONS)[doc["outcome"]],
        tests_without_following=tally.threshold_tests(counts, cls) if follow else None,
    )


def matter_results(meeting: Meeting) -> list[MatterResult]:
    """Results of every matter and candidate from the counters (no ballot is read). No permission check: callers
    decide who may see them (see `tally_sheet`)."""
    matters = matters_of(meeting=meeting)
    rows = {(r.matter_id, r.candidate_id): r for r in MatterCount.objects.filter(matter__meeting=meeting)}
    out: list[MatterResult] = []
    for matter in matters:
        if matter.is_election:
            for c in matter.candidates.all():
                out.append(_result(matter, rows[(matter.pk, c.pk)], meeting.non_voters_follow_majority, c))
        else:
            out.append(_result(matter, rows[(matter.pk, None)], meeting.non_voters_follow_majority, None))
    return out


@dataclass(frozen=True)
class ElectionSheet:
    seats: int
    elected: list[str]
    tied: list[str]
    over_subscribed: bool
    ranking: str


@dataclass(frozen=True)
class MatterSheet:
    matter: Matter
    class_label: str
    results: list[MatterResult]  # one for a question, one per candidate for an election
    election: ElectionSheet | None


@dataclass(frozen=True)
class TallySheet:
    """计票结果 for a layperson: per matter the totals, participation, yes/no/abstain on both sides, each test with
    its numbers, the conclusion, and the rule settings used."""

    meeting: Meeting
    published: bool
    settings: list[dict]
    matters: list[MatterSheet]
    roll_hash: str
    results_due_by: object


def _may_see_results(actor, meeting: Meeting) -> bool:
    if meeting.state == MeetingState.PUBLISHED and _may_read_meeting(actor, meeting):
        return True
    if meeting.state in AFTER_CLOSE:
        q = supervisor_project_q(actor)
        return q is not None and Project.objects.filter(q).filter(pk=meeting.project_id).exists()
    return False


def _candidate_id(r: MatterResult) -> int:
    """The candidate of an election's result row (every row of an election has one)."""
    if r.candidate_id is None:
        raise ValueError(f"election result of matter {r.matter.pk} without a candidate")
    return r.candidate_id


def tally_sheet(*, actor, meeting_id: int) -> TallySheet:
    """The results: for staff in scope once closed, for owners once published. Before that: NotFound."""
    meeting = Meeting.objects.select_related("project").filter(pk=meeting_id).first()
    if meeting is None or not _may_see_results(actor, meeting):
        raise NotFound("计票结果尚未公布。")
    results = matter_results(meeting)
    by_matter: dict[int, list[MatterResult]] = defaultdict(list)
    for r in results:
        by_matter[r.matter.pk].append(r)
    sheets = []
    for matter in matters_of(meeting=meeting):
        rs = by_matter[matter.pk]
        election = None
        if matter.is_election:
            names = {c.pk: c.name for c in matter.candidates.all()}
            orders = {c.pk: c.order for c in matter.candidates.all()}
            follow = meeting.non_voters_follow_majority
            outcome = tally.elect(
                [
                    tally.CandidateTally(
                        candidate_id=_candidate_id(r),
                        order=orders[_candidate_id(r)],
                        counts=tally.follow_majority(r.counts).counts if follow else r.counts,
                        passed=r.document["passed"],
                    )
                    for r in rs
                ],
                seats=matter.seats or 0,
                ranking=meeting.election_ranking,
            )
            election = ElectionSheet(
                seats=matter.seats or 0,
                elected=[names[i] for i in outcome.elected],
                tied=[names[i] for i in outcome.tied],
                over_subscribed=outcome.over_subscribed,
                ranking=meeting.election_ranking,
            )
        sheets.append(
            MatterSheet(
                matter=matter,
                class_label=MatterClass(matter.matter_class).label
                if not matter.is_election
                else MatterClass.ORDINARY.label,
                results=rs,
                election=election,
            )
        )
    return TallySheet(
        meeting=meeting,
        published=meeting.state == MeetingState.PUBLISHED,
        settings=settings_used(meeting),
        matters=sheets,
        roll_hash=meeting.roll_hash,
        results_due_by=results_due(meeting),
    )


# --- turnout (convener, during the vote) ------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildingTurnout:
    building: str
    units: int
    owners: int
    area: str
    participating_units: int
    participating_owners: int
    participating_area: str


@dataclass(frozen=True)
class MatterTurnout:
    """Participation only: never how anybody voted."""

    matter: Matter
    total_owners: int
    total_area: str
    participating_owners: int
    participating_area: str
    quorum_owners: int  # least number of owners for two thirds
    quorum_area: str  # least area for two thirds
    owners_needed: int
    area_needed: str
    quorum_reached: bool
    buildings: list[BuildingTurnout]


def turnout(*, actor, meeting_id: int) -> list[MatterTurnout]:
    """参与情况 for staff in scope while voting is open and after: per matter and per building. A fixed number of
    queries whatever the size of the roll."""
    meeting = get_meeting_for_staff(actor=actor, meeting_id=meeting_id)
    if meeting.state not in VOTING_STARTED:
        return []
    matters = matters_of(meeting=meeting)
    rows = {(r.matter_id, r.candidate_id): r for r in MatterCount.objects.filter(matter__meeting=meeting)}
    entries = list(
        RollEntry.objects.filter(meeting=meeting).only("unit_id", "building_id", "area", "owner_key")
    )
    numbers = dict(
        Building.objects.filter(pk__in={e.building_id for e in entries}).values_list("pk", "number")
    )
    key_of = tokens.keys_by_token(meeting, (e.owner_key for e in entries))
    voted: dict[int, set[str]] = defaultdict(set)
    for matter_id, token in Ballot.objects.filter(meeting=meeting, superseded_at__isnull=True).values_list(
        "matter_id", "owner_token"
    ):
        voted[matter_id].add(key_of.get(token, ""))
    out = []
    for matter in matters:
        first_candidate = matter.candidates.all()[0].pk if matter.is_election else None
        c = _counts_of(rows[(matter.pk, first_candidate)])
        quorum_owners, quorum_area = tally.quorum_minimums(c)
        owners_needed, area_needed = tally.quorum_shortfall(c)
        per: dict[int, dict] = {}
        for e in roll_mod.entries_in_matter_scope(entries, matter):
            b = per.setdefault(
                e.building_id, {"units": 0, "owners": set(), "area": 0, "pu": 0, "po": set(), "pa": 0}
            )
            b["units"] += 1
            b["owners"].add(e.owner_key)
            b["area"] += e.area
            if e.owner_key in voted[matter.pk]:
                b["pu"] += 1
                b["po"].add(e.owner_key)
                b["pa"] += e.area
        buildings = [
            BuildingTurnout(
                building=f"{numbers[bid]}栋",
                units=b["units"],
                owners=len(b["owners"]),
                area=tally.format_area(b["area"]),
                participating_units=b["pu"],
                participating_owners=len(b["po"]),
                participating_area=tally.format_area(b["pa"]),
            )
            for bid, b in per.items()
        ]
        buildings.sort(key=lambda t: (len(t.building), t.building))
        out.append(
            MatterTurnout(
                matter=matter,
                total_owners=c.total_owners,
                total_area=tally.format_area(c.total_area),
                participating_owners=c.participating_owners,
                participating_area=tally.format_area(c.participating_area),
                quorum_owners=quorum_owners,
                quorum_area=tally.format_area(quorum_area),
                owners_needed=owners_needed,
                area_needed=tally.format_area(area_needed),
                quorum_reached=tally.quorate(c),
                buildings=buildings,
            )
        )
    return out


# --- bulletin (after close) -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulletinLine:
    matter_id: int
    sequence: int
    receipt: str
    channel: str
    units: list[tuple[str, str]]  # (building-room, area m²) of the owner's units in the matter's scope
    area: str


def bulletin(*, actor, meeting_id: int) -> list[BulletinLine]:
    """选票公示 after the close: every valid ballot's receipt with its units' building/room and area — never a name,
    never a choice. Owners find their receipt here. NotFound before the close."""
    meeting = get_meeting_for_reader(actor=actor, meeting_id=meeting_id)
    if meeting.state not in AFTER_CLOSE:
        raise NotFound("投票截止后才公示选票回执。")
    matters = {m.pk: m for m in matters_of(meeting=meeting)}
    entries = list(
        RollEntry.objects.filter(meeting=meeting).only("building_id", "unit_label", "area", "owner_key")
    )
    by_key: dict[str, list[RollEntry]] = defaultdict(list)
    for e in entries:
        by_key[e.owner_key].append(e)
    key_of = tokens.keys_by_token(meeting, by_key)
    lines = []
    for b in Ballot.objects.filter(meeting=meeting, superseded_at__isnull=True).order_by(
        "matter_id", "sequence"
    ):
        scoped = roll_mod.entries_in_matter_scope(by_key[key_of.get(b.owner_token, "")], matters[b.matter_id])
        scoped.sort(key=lambda e: display.natural_label_key(e.unit_label))
        lines.append(
            BulletinLine(
                matter_id=b.matter_id,
                sequence=b.sequence,
                receipt=b.receipt,
                channel=BallotChannel(b.channel).label,
                units=[(e.unit_label, tally.format_area(e.area)) for e in scoped],
                area=tally.format_area(b.area),
            )
        )
    return lines


def roll_for_staff(*, actor, meeting_id: int) -> list[RollEntry]:
    """The frozen roll (building/room, area, source, owner kind, eligibility — no names) for staff in scope, in the
    natural order of units ("2-101" before "2-1001")."""
    meeting = get_meeting_for_staff(actor=actor, meeting_id=meeting_id)
    return display.sort_by_unit_label(
        RollEntry.objects.filter(meeting=meeting).order_by("unit_label", "unit_id")
    )


def project_voting_figures(*, project_id: int) -> dict:
    """电子投票 of a project (owner manual ch. 6 §3.1), counts only: owners and units that voted online (summed over
    the e-votes, since ballot tokens differ per meeting by design), e-votes held (meetings that opened for voting) and
    matters decided (in meetings whose results are published). Units are found by recomputing the tokens of the
    frozen roll's owner keys (one HMAC each); nothing but the totals leaves this function."""
    from pmip.decisions import tokens
    from pmip.decisions.choices import BallotChannel
    from pmip.decisions.models import Ballot, Matter, RollEntry

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


# --- back-office reads of one meeting ------------------------------------------------------------------------------
# Each takes a meeting the caller obtained through `get_meeting_for_staff` (so the scope is checked); none returns a
# choice (the audit holds none; paper entries' answers are deferred).

BALLOT_ACTION = "decisions.ballot.cast"


def meeting_audit_entries(*, meeting: Meeting) -> QuerySet[AuditEntry]:
    """The meeting's audit entries, newest first, without the individual ballots (counted separately)."""
    return (
        AuditEntry.objects.filter(project_id=meeting.project_id, data__meeting=meeting.pk)
        .exclude(action=BALLOT_ACTION)
        .order_by("-at", "-id")
    )


def meeting_ballot_entry_count(*, meeting: Meeting) -> int:
    return AuditEntry.objects.filter(
        project_id=meeting.project_id, data__meeting=meeting.pk, action=BALLOT_ACTION
    ).count()


def roll_unit_id(*, meeting: Meeting, unit_label: str) -> int | None:
    """The unit of the frozen roll with this building-room code ('1-101'), or None."""
    return (
        RollEntry.objects.filter(meeting=meeting, unit_label=unit_label)
        .values_list("unit_id", flat=True)
        .first()
    )


def paper_entries(*, meeting: Meeting) -> QuerySet[PaperBallotEntry]:
    """Paper-ballot entries of the meeting, newest first — the answers are deferred and never shown."""
    return (
        PaperBallotEntry.objects.filter(meeting=meeting)
        .select_related("matter", "unit__building", "first_by", "second_by")
        .defer("first_choices", "second_choices")
        .order_by("-first_at", "-id")
    )


def paper_counts(*, meeting: Meeting) -> dict[str, int]:
    rows = dict(
        PaperBallotEntry.objects.filter(meeting=meeting)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return {state: rows.get(state, 0) for state in PaperEntryState.values}
