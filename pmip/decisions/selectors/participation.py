"""参与情况 (turnout) for staff while voting is open and after: participation only, never how anybody voted."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pmip.decisions import roll as roll_mod
from pmip.decisions import tally, tokens
from pmip.decisions.models import Ballot, Matter, MatterCount, Meeting, RollEntry
from pmip.decisions.selectors.common import VOTING_STARTED
from pmip.decisions.selectors.counting import _counts_of
from pmip.decisions.selectors.meetings import get_meeting_for_staff, matters_of
from pmip.registry.models import Building


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
    voted = _voted_keys(meeting, entries)
    out = []
    for matter in matters:
        first_candidate = matter.candidates.all()[0].pk if matter.is_election else None
        c = _counts_of(rows[(matter.pk, first_candidate)])
        quorum_owners, quorum_area = tally.quorum_minimums(c)
        owners_needed, area_needed = tally.quorum_shortfall(c)
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
                buildings=_building_turnout(
                    roll_mod.entries_in_matter_scope(entries, matter), voted[matter.pk], numbers
                ),
            )
        )
    return out


def _voted_keys(meeting: Meeting, entries: list[RollEntry]) -> dict[int, set[str]]:
    """Per matter id, the owner keys with a valid ballot (tokens mapped back through the roll's keys)."""
    key_of = tokens.keys_by_token(meeting, (e.owner_key for e in entries))
    voted: dict[int, set[str]] = defaultdict(set)
    for matter_id, token in Ballot.objects.filter(meeting=meeting, superseded_at__isnull=True).values_list(
        "matter_id", "owner_token"
    ):
        voted[matter_id].add(key_of.get(token, ""))
    return voted


def _building_turnout(
    scoped: list[RollEntry], voted: set[str], numbers: dict[int, str]
) -> list[BuildingTurnout]:
    """Units, owners and area per building of a matter's scope, and how many of them took part; by building."""
    per: dict[int, dict] = {}
    for e in scoped:
        b = per.setdefault(
            e.building_id, {"units": 0, "owners": set(), "area": 0, "pu": 0, "po": set(), "pa": 0}
        )
        b["units"] += 1
        b["owners"].add(e.owner_key)
        b["area"] += e.area
        if e.owner_key in voted:
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
    return buildings
