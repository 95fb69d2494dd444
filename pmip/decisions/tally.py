"""The arithmetic of an owners' co-decision (Civil Code Art. 278; domain-rules §1), on integers only.

Areas are hundredths of a square metre, owners are counts. With TA/TH the totals of the roll in scope, PA/PH the
participating area/owners and YA/YH the yes side:

    quorate  = 3*PA >= 2*TA and 3*PH >= 2*TH
    ordinary = quorate and 2*YA >  PA and 2*YH >  PH
    major    = quorate and 4*YA >= 3*PA and 4*YH >= 3*PH

A matter that is not quorate has no decision (not "rejected"). Abstaining is participation, not yes. With the
non-voters-follow-majority setting (从众, off by default) every owner who did not vote is added to the side with more
owners among yes and no (a tie adds nobody), and both figures are shown.

This module imports nothing from Django. `result_document` produces exactly the output of `pmip_verify.tally`, so
the platform's result can be compared with the independent recount field by field.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

ORDINARY = "ordinary"
MAJOR = "major"
PASSED = "passed"
REJECTED = "rejected"
NO_DECISION = "no_decision"


def format_area(hundredths: int) -> str:
    """851318 → '8513.18' (areas are never negative here)."""
    return f"{hundredths // 100}.{hundredths % 100:02d}"


@dataclass(frozen=True)
class Counts:
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

    def add(self, choice: str, area: int, owners: int = 1) -> Counts:
        """These counts with `owners` owners of `area` added (negative figures remove them) on one side."""
        return replace(
            self,
            **{
                f"{choice}_area": getattr(self, f"{choice}_area") + area,
                f"{choice}_owners": getattr(self, f"{choice}_owners") + owners,
            },
        )


def quorate(c: Counts) -> bool:
    return 3 * c.participating_area >= 2 * c.total_area and 3 * c.participating_owners >= 2 * c.total_owners


def approved(c: Counts, matter_class: str) -> bool:
    """The approval test alone (the quorum is separate)."""
    pa, ph = c.participating_area, c.participating_owners
    if matter_class == ORDINARY:
        return 2 * c.yes_area > pa and 2 * c.yes_owners > ph
    if matter_class == MAJOR:
        return 4 * c.yes_area >= 3 * pa and 4 * c.yes_owners >= 3 * ph
    raise ValueError(f"unknown matter class {matter_class!r}")


def outcome(c: Counts, matter_class: str) -> str:
    if not quorate(c):
        return NO_DECISION
    return PASSED if approved(c, matter_class) else REJECTED


def majority_side(c: Counts) -> str | None:
    """The side with more owners among yes and no; abstainers take no side; a tie gives none."""
    if c.yes_owners > c.no_owners:
        return "yes"
    if c.no_owners > c.yes_owners:
        return "no"
    return None


@dataclass(frozen=True)
class Following:
    side: str | None
    area: int
    owners: int
    counts: Counts


def follow_majority(c: Counts) -> Following:
    """从众: every owner of the roll who did not vote joins the majority side with all their in-scope area."""
    side = majority_side(c)
    if side is None:
        return Following(None, 0, 0, c)
    area = c.total_area - c.participating_area
    owners = c.total_owners - c.participating_owners
    return Following(side, area, owners, c.add(side, area, owners))


def _verdict(c: Counts, matter_class: str) -> dict:
    result = outcome(c, matter_class)
    return {
        "total_area": format_area(c.total_area),
        "total_owners": c.total_owners,
        "participating_area": format_area(c.participating_area),
        "participating_owners": c.participating_owners,
        "yes_area": format_area(c.yes_area),
        "yes_owners": c.yes_owners,
        "no_area": format_area(c.no_area),
        "no_owners": c.no_owners,
        "abstain_area": format_area(c.abstain_area),
        "abstain_owners": c.abstain_owners,
        "quorum_met": result != NO_DECISION,
        "passed": result == PASSED,
        "outcome": result,
    }


def result_document(c: Counts, matter_class: str, *, follow: bool) -> dict:
    """The result in `pmip_verify.tally`'s output format (same keys, same strings)."""
    if not follow:
        return {
            **_verdict(c, matter_class),
            "matter_class": matter_class,
            "non_voters_follow_majority": False,
        }
    f = follow_majority(c)
    return {
        **_verdict(f.counts, matter_class),
        "matter_class": matter_class,
        "non_voters_follow_majority": True,
        "followed_majority_side": f.side,
        "followed_area": format_area(f.area),
        "followed_owners": f.owners,
        "without_following": _verdict(c, matter_class),
    }


# --- explanations for people -----------------------------------------------------------------------------------


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def quorum_minimums(c: Counts) -> tuple[int, int]:
    """(owners, area) the participation must reach: the least integers with 3*PH >= 2*TH and 3*PA >= 2*TA."""
    return _ceil_div(2 * c.total_owners, 3), _ceil_div(2 * c.total_area, 3)


def quorum_shortfall(c: Counts) -> tuple[int, int]:
    """How many more owners and how much more area (hundredths) must take part for the quorum (0 when reached)."""
    owners, area = quorum_minimums(c)
    return max(0, owners - c.participating_owners), max(0, area - c.participating_area)


# Over 60 lines on purpose: the four tests of each class are one table, read side by side with the law's wording.
def threshold_tests(c: Counts, matter_class: str) -> list[dict]:
    """Each test with its figures: what was reached, against what base, the least value that passes, the integer
    comparison actually made, and whether it passed. Areas as 'm²' strings, owners as integers."""
    # Kept whole: the Art. 278 tests side by side, each with its figures, so they read against domain-rules.md.
    ta, th, pa, ph, ya, yh = (
        c.total_area,
        c.total_owners,
        c.participating_area,
        c.participating_owners,
        c.yes_area,
        c.yes_owners,
    )
    min_owners, min_area = quorum_minimums(c)
    tests = [
        {
            "key": "quorum_area",
            "label": "参与表决的专有部分面积达到总面积的三分之二以上",
            "actual": format_area(pa),
            "base": format_area(ta),
            "minimum": format_area(min_area),
            "unit": "m²",
            "formula": f"3 × {pa} ≥ 2 × {ta}（单位0.01 m²）",
            "passed": 3 * pa >= 2 * ta,
        },
        {
            "key": "quorum_owners",
            "label": "参与表决的人数达到总人数的三分之二以上",
            "actual": ph,
            "base": th,
            "minimum": min_owners,
            "unit": "人",
            "formula": f"3 × {ph} ≥ 2 × {th}",
            "passed": 3 * ph >= 2 * th,
        },
    ]
    if matter_class == ORDINARY:
        tests += [
            {
                "key": "approval_area",
                "label": "同意的专有部分面积超过参与表决面积的一半（过半数，恰好一半不通过）",
                "actual": format_area(ya),
                "base": format_area(pa),
                "minimum": format_area(pa // 2 + 1),
                "unit": "m²",
                "formula": f"2 × {ya} > {pa}（单位0.01 m²）",
                "passed": 2 * ya > pa,
            },
            {
                "key": "approval_owners",
                "label": "同意的人数超过参与表决人数的一半（过半数，恰好一半不通过）",
                "actual": yh,
                "base": ph,
                "minimum": ph // 2 + 1,
                "unit": "人",
                "formula": f"2 × {yh} > {ph}",
                "passed": 2 * yh > ph,
            },
        ]
    else:
        tests += [
            {
                "key": "approval_area",
                "label": "同意的专有部分面积达到参与表决面积的四分之三以上（含四分之三）",
                "actual": format_area(ya),
                "base": format_area(pa),
                "minimum": format_area(_ceil_div(3 * pa, 4)),
                "unit": "m²",
                "formula": f"4 × {ya} ≥ 3 × {pa}（单位0.01 m²）",
                "passed": 4 * ya >= 3 * pa,
            },
            {
                "key": "approval_owners",
                "label": "同意的人数达到参与表决人数的四分之三以上（含四分之三）",
                "actual": yh,
                "base": ph,
                "minimum": _ceil_div(3 * ph, 4),
                "unit": "人",
                "formula": f"4 × {yh} ≥ 3 × {ph}",
                "passed": 4 * yh >= 3 * ph,
            },
        ]
    return tests


CONCLUSIONS = {
    PASSED: "通过",
    REJECTED: "未通过：参与表决人数和面积已达三分之二，但同意票未达到要求",
    NO_DECISION: "未形成决定：参与表决的人数或面积不足三分之二（不等于否决）",
}


# --- elections -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateTally:
    candidate_id: int
    order: int
    counts: Counts
    passed: bool


@dataclass(frozen=True)
class ElectionOutcome:
    elected: list[int]  # candidate ids, in rank order
    tied: list[int]  # passed candidates tied at the last seat: no automatic winner among them
    ranked: list[int]  # every passed candidate, in rank order
    over_subscribed: bool  # more candidates passed than there are seats


def rank_key(c: Counts, ranking: str) -> tuple[int, int]:
    if ranking == "area_then_owners":
        return (c.yes_area, c.yes_owners)
    return (c.yes_owners, c.yes_area)


def elect(
    candidates: list[CandidateTally], *, seats: int, ranking: str = "owners_then_area"
) -> ElectionOutcome:
    """Each candidate is an ordinary approve/reject question. If no more pass than there are seats, all who passed
    are elected. Otherwise rank those who passed by yes-owners then yes-area (or the reverse, by setting) and fill the
    seats; candidates still equal at the last seat are reported as tied, not picked arbitrarily."""
    passed = [t for t in candidates if t.passed]
    ranked = sorted(passed, key=lambda t: (tuple(-x for x in rank_key(t.counts, ranking)), t.order))
    ids = [t.candidate_id for t in ranked]
    if len(ranked) <= seats:
        return ElectionOutcome(elected=ids, tied=[], ranked=ids, over_subscribed=False)
    cutoff = rank_key(ranked[seats - 1].counts, ranking)
    above = [t.candidate_id for t in ranked if rank_key(t.counts, ranking) > cutoff]
    at_cutoff = [t.candidate_id for t in ranked if rank_key(t.counts, ranking) == cutoff]
    if len(above) + len(at_cutoff) <= seats:
        return ElectionOutcome(elected=above + at_cutoff, tied=[], ranked=ids, over_subscribed=True)
    return ElectionOutcome(elected=above, tied=at_cutoff, ranked=ids, over_subscribed=True)
