"""Export of a closed meeting for the independent recount (`pmip-verify tally`).

For every matter (and every candidate of an election) one `tally_input` in pmip_verify's input format:
- `units`: the frozen roll in the matter's scope — building/room code, area with two decimals, and an opaque owner key
  ("owner-0001", numbered over the whole roll in unit-code order; the same owner has the same key in every matter);
- `ballots`: the valid ballots, each mapped to every unit of its owner in scope (the same choice on each, as one
  ballot covers all the owner's units);
- `matter_class` (an election's candidates are ordinary questions) and `non_voters_follow_majority`.
Next to it `platform_result`, the platform's own result from its counters, which must equal `pmip_verify.tally` of
the input.

The export shows how each unit voted, so it is for staff in scope only, after the close, and each export is audited
(decisions.meeting.exported).
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction

from pmip.audit.services import record
from pmip.core.errors import NotFound
from pmip.decisions import roll as roll_mod
from pmip.decisions import tokens
from pmip.decisions.choices import MatterClass
from pmip.decisions.models import Ballot, Meeting, RollEntry
from pmip.decisions.rules import choice_for
from pmip.decisions.selectors import AFTER_CLOSE, get_meeting_for_staff, matter_results, matters_of
from pmip.decisions.tally import format_area

EXPORT_FORMAT = "pmip-decisions-export/1"


def tally_inputs(meeting: Meeting) -> list[dict]:
    """One entry per matter (per candidate for elections): ids, titles, `tally_input` and `platform_result`."""
    matters = matters_of(meeting=meeting)
    entries = sorted(RollEntry.objects.filter(meeting=meeting), key=lambda e: (e.unit_label, e.unit_id))
    opaque: dict[str, str] = {}
    for e in entries:
        opaque.setdefault(e.owner_key, f"owner-{len(opaque) + 1:04d}")
    key_of = tokens.keys_by_token(meeting, opaque)
    ballots: dict[int, list[Ballot]] = defaultdict(list)
    for b in Ballot.objects.filter(meeting=meeting, superseded_at__isnull=True).only(
        "matter_id", "owner_token", "choices"
    ):
        ballots[b.matter_id].append(b)
    results = {(r.matter.pk, r.candidate_id): r for r in matter_results(meeting)}
    out: list[dict] = []
    for matter in matters:
        scoped = roll_mod.entries_in_matter_scope(entries, matter)
        units_of: dict[str, list[str]] = defaultdict(list)
        for e in scoped:
            units_of[e.owner_key].append(e.unit_label)
        units = [
            {"unit": e.unit_label, "area": format_area(e.area), "owner": opaque[e.owner_key]} for e in scoped
        ]
        targets = list(matter.candidates.all()) if matter.is_election else [None]
        for candidate in targets:
            cid = candidate.pk if candidate else None
            lines = sorted(
                (
                    {"unit": label, "choice": choice_for(b.choices, cid)}
                    for b in ballots[matter.pk]
                    for label in units_of.get(key_of.get(b.owner_token, ""), [])
                ),
                key=lambda line: line["unit"],
            )
            out.append(
                {
                    "matter": matter.pk,
                    "order": matter.order,
                    "title": matter.title,
                    "item": matter.item,
                    "candidate": {"id": candidate.pk, "name": candidate.name} if candidate else None,
                    "tally_input": {
                        "matter_class": MatterClass.ORDINARY if matter.is_election else matter.matter_class,
                        "non_voters_follow_majority": meeting.non_voters_follow_majority,
                        "units": units,
                        "ballots": lines,
                    },
                    "platform_result": results[(matter.pk, cid)].document,
                }
            )
    return out


def export_meeting(*, actor, meeting_id: int) -> dict:
    """The whole export document of a closed meeting, for staff in scope (NotFound before the close or outside the
    scope). Audited."""
    meeting = get_meeting_for_staff(actor=actor, meeting_id=meeting_id)
    if meeting.state not in AFTER_CLOSE:
        raise NotFound("投票截止后才能导出计票数据。")
    doc = {
        "format": EXPORT_FORMAT,
        "meeting": {
            "id": meeting.pk,
            "title": meeting.title,
            "project_code": meeting.project.code,
            "project": meeting.project.name,
            "roll_hash": meeting.roll_hash,
            "opened_at": meeting.opened_at.isoformat() if meeting.opened_at else None,
            "closed_at": meeting.closed_at.isoformat() if meeting.closed_at else None,
            "rehearsal": meeting.rehearsal,
            "settings": {
                "notice_days": meeting.notice_days,
                "include_parking_storage": meeting.include_parking_storage,
                "non_voters_follow_majority": meeting.non_voters_follow_majority,
                "allow_ballot_change": meeting.allow_ballot_change,
                "election_ranking": meeting.election_ranking,
            },
        },
        "matters": tally_inputs(meeting),
    }
    with transaction.atomic():
        record(
            actor=actor,
            action="decisions.meeting.exported",
            obj=meeting,
            project_id=meeting.project_id,
            data={"meeting": meeting.pk, "matters": len(doc["matters"])},
        )
    return doc
