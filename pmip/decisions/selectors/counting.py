"""Counts, recount and results: the running counters (MatterCount), the full recount that checks them, and the
tally sheet (计票结果) for staff once closed and for owners once published."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pmip.core.errors import NotFound
from pmip.decisions import roll as roll_mod
from pmip.decisions import tally, tokens
from pmip.decisions.choices import MatterClass, MeetingState
from pmip.decisions.models import Ballot, Candidate, Matter, MatterCount, Meeting, RollEntry
from pmip.decisions.rules import REHEARSAL_CONCLUSIONS, choice_for, settings_used, supervisor_project_q
from pmip.decisions.selectors.common import AFTER_CLOSE
from pmip.decisions.selectors.meetings import _may_read_meeting, matters_of, results_due
from pmip.registry.models import Project


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
