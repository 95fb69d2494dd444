"""选票公示 (the bulletin of receipts) after the close: receipts with building/room and area, never a name or choice."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pmip.core import display
from pmip.core.errors import NotFound
from pmip.decisions import roll as roll_mod
from pmip.decisions import tally, tokens
from pmip.decisions.choices import BallotChannel
from pmip.decisions.models import Ballot, RollEntry
from pmip.decisions.selectors.common import AFTER_CLOSE
from pmip.decisions.selectors.meetings import get_meeting_for_reader, matters_of


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
