"""What one owner (or delegate) sees of 业主决策 in one project, read in a fixed number of queries.

The owner pages and the owner API both list every meeting of a project with its matters and, per matter, the
actor's voting slots (themself, or each principal as a delegate) and their own ballots. The domain's
`pmip.decisions.selectors.voting_slots` answers that for one meeting; this module answers it for all the meetings of
a project at once (no query per meeting) with exactly the same rules, and keeps the frozen roll entries of each slot
so the pages can list the units and the area a ballot covers. `tests/portal_decisions` checks that both agree.

Nothing here ever reads another owner's choice: ballots are read only for the owner keys the actor votes for.
Results of published meetings are taken from the running counters (MatterCount), as the domain does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from pmip.core import clock, display
from pmip.core.errors import NotFound
from pmip.core.masking import mask_name
from pmip.decisions import roll as roll_mod
from pmip.decisions import tally, tokens
from pmip.decisions.choices import Choice, Ineligibility, MatterClass, MeetingState
from pmip.decisions.models import Ballot, Matter, MatterCount, Meeting, RollEntry
from pmip.decisions.rules import REHEARSAL_OUTCOME_LABELS, choice_for
from pmip.decisions.selectors import VOTING_STARTED, delegate_cast_label, delegate_may_see, owner_project_ids
from pmip.decisions.services.common import AlreadyVoted, NotEligible, VotingNotOpen
from pmip.delegation.models import Delegation
from pmip.delegation.selectors import acting_for, owner_display_name, owner_may_vote
from pmip.identity.models import BindingStatus, HouseBinding, OwnerIdentity
from pmip.registry.models import Project

CHOICE_LABELS = dict(Choice.choices)


def room_label(unit_label: str) -> str:
    """'1-101' (building-room, as the roll stores it) → '1栋101'."""
    building, sep, room = unit_label.rpartition("-")
    return f"{building}栋{room}" if sep else unit_label


def masked_account(account) -> str:
    """The masked name of an owner account (checked holder name when bound)."""
    try:
        return mask_name(account.owner_identity.holder_name)
    except OwnerIdentity.DoesNotExist:
        return mask_name(account.display_name or account.username)


@dataclass(frozen=True)
class MyBallot:
    """The actor's own valid ballot (as the owner or their delegate): choices, receipt and when."""

    matter_id: int
    choices: dict
    receipt: str
    sequence: int
    channel: str
    cast_at: object
    on_behalf: bool
    cast_by: str = ""  # "由被委托人 王** 代投" on the owner's own slot when their delegate cast it


@dataclass
class Slot:
    """One owner the actor votes for in one meeting (mirrors the domain's VotingSlot) with the frozen roll entries
    of that owner, so a page can show which units and how much area one ballot covers in each matter's scope."""

    meeting_id: int
    unit_id: int  # pass this to cast_ballots
    entries: list[RollEntry]
    owner_kind: str
    for_self: bool
    principal_masked: str
    eligible: bool
    ineligible_reason: str
    blocked_by_delegation: bool
    matter_ids: list[int]
    as_delegate: bool = False  # the actor votes here as the principal's delegate
    ballots: dict[int, MyBallot] = field(default_factory=dict)

    @property
    def can_vote(self) -> bool:
        """May cast now (eligible on the frozen roll, and — voting for themself — no delegation in force)."""
        return self.eligible and not self.blocked_by_delegation

    @property
    def unit_labels(self) -> list[str]:
        return [e.unit_label for e in self.entries]

    @property
    def rooms(self) -> str:
        return "、".join(room_label(e.unit_label) for e in self.entries)

    def scope(self, matter: Matter) -> list[RollEntry]:
        """The slot's units inside the matter's scope (the ones its ballot covers)."""
        return roll_mod.entries_in_matter_scope(self.entries, matter)

    def scope_area(self, matter: Matter) -> str:
        return tally.format_area(sum(e.area for e in self.scope(matter)))

    def scope_rooms(self, matter: Matter) -> list[tuple[str, str]]:
        return [(room_label(e.unit_label), tally.format_area(e.area)) for e in self.scope(matter)]

    @property
    def who(self) -> str:
        """How the page names this slot: 本人投票, 代 X 投票, or a co-owned house voted by someone else."""
        if self.for_self:
            return "本人投票"
        if self.as_delegate:
            return f"代 {self.principal_masked} 投票"
        if self.principal_masked:
            return f"共有房屋（投票人：{self.principal_masked}）"
        return "共有房屋（未有效推选投票人）"


# Row states of a matter, as the owner sees it.
NOT_STARTED = "not_started"  # 公示中，投票未开始
PENDING = "pending"  # 待投票: at least one slot may vote and has not
VOTED = "voted"  # 已投票: every votable slot has voted
CANNOT = "cannot"  # 不能投票 (reason)
ENDED = "ended"  # 投票已截止（计票中）
PUBLISHED = "published"  # 已统计
CANCELLED = "cancelled"

STATE_LABELS = {
    NOT_STARTED: "公示中",
    PENDING: "待投票",
    VOTED: "已投票",
    CANNOT: "不能投票",
    ENDED: "已截止，计票中",
    PUBLISHED: "已统计",
    CANCELLED: "已取消",
}


@dataclass
class MatterRow:
    """One matter in the lists: the actor's slots that cover it, their ballots, the state and (published) result."""

    matter: Matter
    meeting: Meeting
    slots: list[Slot]  # the actor's slots whose units are in the matter's scope
    state: str
    reason: str  # why the actor cannot vote (CANNOT), else ""
    outcome: str  # passed / rejected / no_decision for a published question, "" otherwise
    outcome_label: str

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def ballots(self) -> list[tuple[Slot, MyBallot]]:
        return [(s, s.ballots[self.matter.pk]) for s in self.slots if self.matter.pk in s.ballots]

    @property
    def has_ballot(self) -> bool:
        return any(self.matter.pk in s.ballots for s in self.slots)


@dataclass
class MeetingView:
    meeting: Meeting
    matters: list[Matter]
    slots: list[Slot]
    rows: list[MatterRow]

    @property
    def voting_open(self) -> bool:
        return self.meeting.state == MeetingState.OPEN and clock.now() < self.meeting.voting_ends_at

    @property
    def pending_count(self) -> int:
        return sum(1 for r in self.rows if r.state == PENDING)


@dataclass
class ProjectOverview:
    project: Project
    meetings: list[MeetingView]
    own_may_vote: bool
    principals: list[str]  # masked names of the owners the actor acts for (delegate)
    bound_unit_ids: set[int]

    @property
    def rows(self) -> list[MatterRow]:
        return [r for m in self.meetings for r in m.rows]

    def tab(self, name: str) -> list[MatterRow]:
        """待投票 / 已投票 / 已统计 / 全部投票 (manual ch. 4)."""
        rows = self.rows
        if name == "pending":
            return [r for r in rows if r.state == PENDING]
        if name == "voted":
            return [r for r in rows if r.has_ballot]
        if name == "counted":
            return [r for r in rows if r.state == PUBLISHED]
        return rows


TABS = (("pending", "待投票"), ("voted", "已投票"), ("counted", "已统计"), ("all", "全部投票"))
TAB_NAMES = {name for name, _ in TABS}


def owner_projects(*, actor) -> list[Project]:
    """Projects where the actor is a bound owner or a verified delegate, by name."""
    ids = owner_project_ids(actor=actor)
    return list(Project.objects.filter(pk__in=ids).order_by("name", "code")) if ids else []


def _slots(actor, meetings: list[Meeting], matters_of: dict[int, list[Matter]], project: Project):
    """The actor's slots in every started meeting of the project: the domain's `voting_slots`, in bulk."""
    delegations = {d.owner_id: d for d in acting_for(account=actor, project=project)}
    own_may_vote = owner_may_vote(account=actor, project=project)
    bound_units = set(
        HouseBinding.objects.filter(
            account=actor, status=BindingStatus.ACTIVE, project_id=project.pk
        ).values_list("unit_id", flat=True)
    )
    started = [m.pk for m in meetings if m.state in VOTING_STARTED]
    out: dict[int, list[Slot]] = {m.pk: [] for m in meetings}
    if not started:
        return out, own_may_vote, delegations, bound_units
    linked = Q(principal=actor) | Q(principal_id__in=list(delegations)) | Q(unit_id__in=bound_units)
    keys = RollEntry.objects.filter(meeting_id__in=started).filter(linked).values("owner_key")
    entries = display.sort_by_unit_label(
        RollEntry.objects.filter(meeting_id__in=started, owner_key__in=keys)
        .select_related("principal__owner_identity")
        .order_by("meeting_id", "unit_label", "unit_id")
    )
    groups: dict[tuple[int, str], list[RollEntry]] = defaultdict(list)
    for e in entries:
        groups[(e.meeting_id, e.owner_key)].append(e)
    slot_of: dict[tuple[int, str], Slot] = {}
    for (meeting_id, key), group in groups.items():
        # the same key may exist in a meeting where the actor is not linked to it: keep linked groups only
        if not any(
            e.principal_id == actor.pk or e.principal_id in delegations or e.unit_id in bound_units
            for e in group
        ):
            continue
        first = group[0]
        for_self = first.principal_id == actor.pk
        votes_here = for_self or first.principal_id in delegations
        if first.ineligible_reason:
            reason = Ineligibility(first.ineligible_reason).label
        else:
            reason = "" if votes_here else "本房屋由共有人推选的投票人投票"
        slot = Slot(
            meeting_id=meeting_id,
            unit_id=first.unit_id,
            entries=group,
            owner_kind=first.owner_kind,
            for_self=for_self,
            principal_masked=masked_account(first.principal) if first.principal else "",
            eligible=first.eligible and votes_here,
            ineligible_reason=reason,
            blocked_by_delegation=for_self and not own_may_vote,
            matter_ids=[m.pk for m in matters_of[meeting_id] if roll_mod.entries_in_matter_scope(group, m)],
            as_delegate=not for_self and first.principal_id in delegations,
        )
        slot_of[(meeting_id, key)] = slot
        out[meeting_id].append(slot)
    _attach_own_ballots(actor, meetings, slot_of, delegations)
    return out, own_may_vote, delegations, bound_units


def _attach_own_ballots(
    actor, meetings: list[Meeting], slot_of: dict[tuple[int, str], Slot], delegations: dict[int, Delegation]
) -> None:
    """Put the actor's own valid ballots into their eligible slots (one query): the owner's own, and a delegate's
    only those a delegate cast (`delegate_may_see`)."""
    mine = [(mid, key) for (mid, key), s in slot_of.items() if s.eligible]
    if not mine:
        return
    by_id = {m.pk: m for m in meetings}
    key_of: dict[str, tuple[int, str]] = {}
    for mid, key in mine:
        key_of[tokens.token_of(by_id[mid], key)] = (mid, key)
    for b in Ballot.objects.filter(
        meeting_id__in={mid for mid, _ in mine}, owner_token__in=list(key_of), superseded_at__isnull=True
    ):
        slot = slot_of[key_of[b.owner_token]]
        if not slot.for_self and not delegate_may_see(
            b, delegations.get(slot.entries[0].principal_id), by_id[b.meeting_id]
        ):
            continue  # a delegate never sees the owner's earlier choice before the close
        slot.ballots[b.matter_id] = MyBallot(
            b.matter_id,
            dict(b.choices),
            b.receipt,
            b.sequence,
            b.channel,
            b.cast_at,
            b.by_delegate,
            delegate_cast_label(
                owner_id=actor.pk, project_id=by_id[b.meeting_id].project_id, cast_at=b.cast_at
            )
            if slot.for_self and b.by_delegate
            else "",
        )


def _outcomes(meetings: list[Meeting]) -> dict[int, str]:
    """matter id → outcome of a published question (from the counters; elections are shown on the sheet)."""
    published = {m.pk: m for m in meetings if m.state == MeetingState.PUBLISHED}
    if not published:
        return {}
    out = {}
    for row in MatterCount.objects.filter(
        matter__meeting_id__in=list(published), candidate__isnull=True
    ).select_related("matter"):
        meeting = published[row.matter.meeting_id]
        counts = tally.Counts(
            total_area=row.total_area,
            total_owners=row.total_owners,
            yes_area=row.yes_area,
            yes_owners=row.yes_owners,
            no_area=row.no_area,
            no_owners=row.no_owners,
            abstain_area=row.abstain_area,
            abstain_owners=row.abstain_owners,
        )
        doc = tally.result_document(
            counts, row.matter.matter_class, follow=meeting.non_voters_follow_majority
        )
        out[row.matter_id] = doc["outcome"]
    return out


OUTCOME_LABELS = {tally.PASSED: "通过", tally.REJECTED: "未通过", tally.NO_DECISION: "未形成决定"}


def _row(matter: Matter, meeting: Meeting, slots: list[Slot], outcome: str, now) -> MatterRow:
    covering = [s for s in slots if matter.pk in s.matter_ids]
    reason = ""
    if meeting.state == MeetingState.CANCELLED:
        state = CANCELLED
    elif meeting.state == MeetingState.NOTICED:
        state = NOT_STARTED
    elif meeting.state == MeetingState.PUBLISHED:
        state = PUBLISHED
    elif meeting.state == MeetingState.CLOSED or now >= meeting.voting_ends_at:
        state = ENDED
    else:
        votable = [s for s in covering if s.can_vote]
        if any(matter.pk not in s.ballots for s in votable):
            state = PENDING
        elif votable:
            state = VOTED
        else:
            state = CANNOT
            reason = cannot_vote_reason(covering)
    return MatterRow(
        matter=matter,
        meeting=meeting,
        slots=covering,
        state=state,
        reason=reason,
        outcome=outcome,
        outcome_label=(REHEARSAL_OUTCOME_LABELS if meeting.rehearsal else OUTCOME_LABELS).get(
            outcome, "已公布选举结果" if matter.is_election else ""
        )
        if state == PUBLISHED
        else "",
    )


DELEGATED_AWAY = "您已委托他人代为投票，委托期间不能参与本小区投票"


def cannot_vote_reason(slots: list[Slot]) -> str:
    """Why none of these slots may vote (the first reason that applies), in the owner's words."""
    if any(s.blocked_by_delegation and s.eligible for s in slots):
        return DELEGATED_AWAY
    for s in slots:
        if s.ineligible_reason:
            return s.ineligible_reason
    return "您在本小区没有属于本议题表决范围的房屋，或不在投票人名册中（名册在投票开始时确定）"


def project_overview(
    *, actor, project_id: int, meeting_id: int | None = None, projects: list[Project] | None = None
) -> ProjectOverview:
    """Every meeting (from the notice on) of a project where the actor is an owner or a delegate — or only
    `meeting_id` — with matters, the actor's slots, their own ballots and each matter's state. NotFound otherwise.
    `projects`: the actor's `owner_projects`, when the caller has them already. A fixed number of queries, whatever
    the number of meetings and matters."""
    if projects is None:
        projects = owner_projects(actor=actor)
    project = next((p for p in projects if p.pk == project_id), None)
    if project is None:
        raise NotFound("未找到该小区，或您尚未绑定该小区的房屋。")
    qs = Meeting.objects.filter(project=project).exclude(state=MeetingState.DRAFT).select_related("project")
    if meeting_id is not None:
        qs = qs.filter(pk=meeting_id)
    meetings = list(qs.order_by("-voting_starts_at", "-id"))
    if meeting_id is not None and not meetings:
        raise NotFound("未找到该会议。")
    matters_of: dict[int, list[Matter]] = {m.pk: [] for m in meetings}
    for matter in (
        Matter.objects.filter(meeting__in=meetings)
        .prefetch_related("candidates", "buildings")
        .order_by("meeting_id", "order", "pk")
    ):
        matters_of[matter.meeting_id].append(matter)
    slots, own_may_vote, delegations, bound_units = _slots(actor, meetings, matters_of, project)
    outcomes = _outcomes(meetings)
    now = clock.now()
    views = []
    for meeting in meetings:
        for matter in matters_of[meeting.pk]:
            matter.meeting = meeting  # already loaded: no query when a template follows it
        rows = [
            _row(m, meeting, slots[meeting.pk], outcomes.get(m.pk, ""), now) for m in matters_of[meeting.pk]
        ]
        views.append(
            MeetingView(meeting=meeting, matters=matters_of[meeting.pk], slots=slots[meeting.pk], rows=rows)
        )
    return ProjectOverview(
        project=project,
        meetings=views,
        own_may_vote=own_may_vote,
        principals=[mask_name(owner_display_name(d.owner)) for d in delegations.values()],
        bound_unit_ids=bound_units,
    )


def meeting_view(*, actor, meeting_id: int) -> MeetingView:
    """One meeting of the actor's projects, as `project_overview` sees it. NotFound for anyone else."""
    project_id = Meeting.objects.filter(pk=meeting_id).values_list("project_id", flat=True).first()
    if project_id is None:
        raise NotFound("未找到该会议。")
    try:
        overview = project_overview(actor=actor, project_id=project_id, meeting_id=meeting_id)
    except NotFound:
        raise NotFound("未找到该会议。") from None
    return overview.meetings[0]


def matter_row(*, actor, matter_id: int) -> MatterRow:
    """One matter of the actor's projects with the actor's slots. NotFound for anyone else."""
    meeting_id = Matter.objects.filter(pk=matter_id).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        raise NotFound("未找到该议题。")
    view = meeting_view(actor=actor, meeting_id=meeting_id)
    for row in view.rows:
        if row.matter.pk == matter_id:
            return row
    raise NotFound("未找到该议题。")


# Why a matter takes no ballot now, by its row state (the casting service refuses the same with VotingNotOpen).
CLOSED_REASONS = {
    CANCELLED: "会议已取消。",
    NOT_STARTED: "投票尚未开始。",
    ENDED: "投票已截止，不能再投票。",
    PUBLISHED: "投票已截止，不能再投票。",
}


def require_voting_open(row: MatterRow) -> None:
    """VotingNotOpen, with the owner's reason, unless the matter's meeting is open for voting."""
    reason = CLOSED_REASONS.get(row.state)
    if reason:
        raise VotingNotOpen(reason)


def votable_slot(row: MatterRow, unit_id) -> Slot:
    """The actor's slot on this matter that covers `unit_id` (as given: an id or its text); NotFound otherwise."""
    slot = next((s for s in row.slots if any(str(e.unit_id) == str(unit_id) for e in s.entries)), None)
    if slot is None:
        raise NotFound("该房屋不在您可投票的范围内。")
    return slot


def require_may_cast(row: MatterRow, slot: Slot) -> None:
    """Before an owner is asked to confirm a ballot, the refusals `services.cast_ballots` would give: NotEligible
    (not on the roll as voter, or a delegation in force), AlreadyVoted (a ballot cast and no change allowed)."""
    if not slot.can_vote:
        raise NotEligible(
            DELEGATED_AWAY if slot.blocked_by_delegation else slot.ineligible_reason or "您不能投票。"
        )
    if row.matter.pk in slot.ballots and not row.meeting.allow_ballot_change:
        raise AlreadyVoted(f"您已对议题“{row.matter.title}”投票，投票后不能修改。")


def describe_choices(matter: Matter, choices: dict) -> list[tuple[str, str]]:
    """A stored ballot's choices as (what, 同意/反对/弃权) lines: the question, or each candidate by name."""
    if not matter.is_election:
        return [(matter.title, CHOICE_LABELS[choice_for(choices, None)])]
    return [(c.name, CHOICE_LABELS[choice_for(choices, c.pk)]) for c in matter.candidates.all()]


def class_rule(matter: Matter) -> str:
    """The approval rule of a matter in plain words."""
    if matter.is_election or matter.matter_class == MatterClass.ORDINARY:
        return (
            "一般事项：参与表决的专有部分面积和人数均达到三分之二以上，且同意的面积和人数均超过参与表决的一半"
        )
    return "重大事项：参与表决的专有部分面积和人数均达到三分之二以上，且同意的面积和人数均达到参与表决的四分之三以上"
