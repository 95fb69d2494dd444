"""Recount of an owners' co-decision (Civil Code Art. 278; domain-rules §1), from a frozen roll and the valid ballots.

All comparisons are on integers: areas in hundredths of a square metre, owners as counts.

    quorate  = 3*PA >= 2*TA and 3*PH >= 2*TH
    ordinary = quorate and 2*YA >  PA and 2*YH >  PH
    major    = quorate and 4*YA >= 3*PA and 4*YH >= 3*PH
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pmip_verify._numbers import VerifyError, format_hundredths, parse_hundredths, require_keys, require_text

MATTER_CLASSES = ("ordinary", "major")
CHOICES = ("yes", "no", "abstain")


@dataclass(frozen=True)
class Counts:
    """Integer figures of one count. Areas in hundredths of m²."""

    total_area: int
    total_owners: int
    yes_area: int = 0
    yes_owners: int = 0
    no_area: int = 0
    no_owners: int = 0
    abstain_area: int = 0
    abstain_owners: int = 0

    @property
    def participating_area(self) -> int:
        return self.yes_area + self.no_area + self.abstain_area

    @property
    def participating_owners(self) -> int:
        return self.yes_owners + self.no_owners + self.abstain_owners


def quorate(c: Counts) -> bool:
    return 3 * c.participating_area >= 2 * c.total_area and 3 * c.participating_owners >= 2 * c.total_owners


def approved(c: Counts, matter_class: str) -> bool:
    """Approval test alone (the quorum is checked separately)."""
    pa, ph = c.participating_area, c.participating_owners
    if matter_class == "ordinary":
        return 2 * c.yes_area > pa and 2 * c.yes_owners > ph
    return 4 * c.yes_area >= 3 * pa and 4 * c.yes_owners >= 3 * ph


def verdict(c: Counts, matter_class: str) -> dict[str, Any]:
    quorum_met = quorate(c)
    passed = quorum_met and approved(c, matter_class)
    return {
        "total_area": format_hundredths(c.total_area),
        "total_owners": c.total_owners,
        "participating_area": format_hundredths(c.participating_area),
        "participating_owners": c.participating_owners,
        "yes_area": format_hundredths(c.yes_area),
        "yes_owners": c.yes_owners,
        "no_area": format_hundredths(c.no_area),
        "no_owners": c.no_owners,
        "abstain_area": format_hundredths(c.abstain_area),
        "abstain_owners": c.abstain_owners,
        "quorum_met": quorum_met,
        "passed": passed,
        "outcome": "passed" if passed else ("rejected" if quorum_met else "no_decision"),
    }


def _read_roll(units: object) -> tuple[dict[str, str], dict[str, int]]:
    """-> (unit code -> owner key, owner key -> total in-scope area in hundredths)."""
    if not isinstance(units, list):
        raise VerifyError("bad_format", "units 必须是数组（名册）。")
    if not units:
        raise VerifyError("empty_roll", "名册（units）为空：没有可计票的房屋。")
    owner_of: dict[str, str] = {}
    owner_area: dict[str, int] = {}
    for i, entry in enumerate(units, start=1):
        require_keys(entry, what=f"名册第{i}项", required={"unit", "area", "owner"})
        unit = require_text(entry["unit"], what=f"名册第{i}项的房屋编号（unit）", code="bad_format")
        owner = require_text(entry["owner"], what=f"名册第{i}项的业主标识（owner）", code="bad_format")
        if unit in owner_of:
            raise VerifyError("duplicate_unit", f"名册中房屋“{unit}”出现了不止一次。")
        area = parse_hundredths(entry["area"], what=f"房屋“{unit}”的面积")
        owner_of[unit] = owner
        owner_area[owner] = owner_area.get(owner, 0) + area
    return owner_of, owner_area


def _read_ballots(ballots: object, owner_of: dict[str, str]) -> dict[str, str]:
    """-> owner key -> choice. One ballot per unit; an owner's units must carry one choice."""
    if not isinstance(ballots, list):
        raise VerifyError("bad_format", "ballots 必须是数组（有效选票）。")
    seen_units: set[str] = set()
    choice_of: dict[str, str] = {}
    first_unit_of: dict[str, str] = {}
    for i, entry in enumerate(ballots, start=1):
        require_keys(entry, what=f"第{i}张选票", required={"unit", "choice"})
        unit = require_text(entry["unit"], what=f"第{i}张选票的房屋编号（unit）", code="bad_format")
        choice = entry["choice"]
        if unit not in owner_of:
            raise VerifyError("unknown_unit", f"第{i}张选票的房屋“{unit}”不在名册中。")
        if unit in seen_units:
            raise VerifyError("duplicate_ballot", f"房屋“{unit}”有两张选票：每套房屋最多一张有效选票。")
        if choice not in CHOICES:
            raise VerifyError(
                "unknown_choice", f"第{i}张选票的选择“{choice}”无效：只能是 yes、no 或 abstain。"
            )
        seen_units.add(unit)
        owner = owner_of[unit]
        if owner in choice_of and choice_of[owner] != choice:
            raise VerifyError(
                "conflicting_choices",
                f"同一业主的房屋“{first_unit_of[owner]}”和“{unit}”选择不同"
                f"（{choice_of[owner]} / {choice}）：一位业主对一个事项只能有一个选择。",
            )
        choice_of[owner] = choice
        first_unit_of.setdefault(owner, unit)
    return choice_of


def count(owner_area: dict[str, int], choice_of: dict[str, str]) -> Counts:
    """Each voting owner counts once, with the whole of their in-scope area, on the side they chose."""
    sums = {choice: [0, 0] for choice in CHOICES}
    for owner, choice in choice_of.items():
        sums[choice][0] += owner_area[owner]
        sums[choice][1] += 1
    return Counts(
        total_area=sum(owner_area.values()),
        total_owners=len(owner_area),
        yes_area=sums["yes"][0],
        yes_owners=sums["yes"][1],
        no_area=sums["no"][0],
        no_owners=sums["no"][1],
        abstain_area=sums["abstain"][0],
        abstain_owners=sums["abstain"][1],
    )


def majority_side(c: Counts) -> str | None:
    """Side of the majority of participants by owners, yes against no; abstainers take no side.

    A tie (including no yes and no no ballots at all) gives no side: nobody is added.
    """
    if c.yes_owners > c.no_owners:
        return "yes"
    if c.no_owners > c.yes_owners:
        return "no"
    return None


def tally(doc: dict[str, Any]) -> dict[str, Any]:
    """Recount one matter. Raises VerifyError on invalid input. See README.md for the format and the rules."""
    require_keys(
        doc,
        what="输入文件",
        required={"matter_class", "units", "ballots"},
        optional={"non_voters_follow_majority"},
    )
    matter_class = doc["matter_class"]
    if matter_class not in MATTER_CLASSES:
        raise VerifyError(
            "unknown_matter_class", f"事项类别“{matter_class}”无效：只能是 ordinary（一般）或 major（重大）。"
        )
    follow = doc.get("non_voters_follow_majority", False)
    if not isinstance(follow, bool):
        raise VerifyError("bad_format", "non_voters_follow_majority 必须是 true 或 false。")

    owner_of, owner_area = _read_roll(doc["units"])
    choice_of = _read_ballots(doc["ballots"], owner_of)
    counted = count(owner_area, choice_of)

    if not follow:
        result = verdict(counted, matter_class)
        result["matter_class"] = matter_class
        result["non_voters_follow_majority"] = False
        return result

    side = majority_side(counted)
    followed_area = followed_owners = 0
    final = counted
    if side is not None:
        non_voters = [owner for owner in owner_area if owner not in choice_of]
        followed_area = sum(owner_area[owner] for owner in non_voters)
        followed_owners = len(non_voters)
        final = count(owner_area, {**choice_of, **dict.fromkeys(non_voters, side)})
    result = verdict(final, matter_class)
    result["matter_class"] = matter_class
    result["non_voters_follow_majority"] = True
    result["followed_majority_side"] = side
    result["followed_area"] = format_hundredths(followed_area)
    result["followed_owners"] = followed_owners
    result["without_following"] = verdict(counted, matter_class)
    return result
