"""The pure arithmetic (pmip/decisions/tally.py) on hand-worked boundary cases, and agreement with pmip_verify."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pmip_verify
from pmip.core.errors import ValidationFailed
from pmip.decisions import tally
from pmip.decisions.rules import matter_class_for_item

C = tally.Counts


def test_items_6_7_8_are_major_and_the_rest_ordinary():
    assert [matter_class_for_item(i) for i in range(1, 10)] == [
        "ordinary",
        "ordinary",
        "ordinary",
        "ordinary",
        "ordinary",
        "major",
        "major",
        "major",
        "ordinary",
    ]
    with pytest.raises(ValidationFailed):
        matter_class_for_item(10)


def test_exactly_two_thirds_on_both_sides_is_quorate():
    # TA 900.00 m², TH 9; PA 600.00 m², PH 6: 3*60000 = 2*90000 and 3*6 = 2*9
    c = C(total_area=90000, total_owners=9, yes_area=60000, yes_owners=6)
    assert tally.quorate(c) is True
    assert tally.outcome(c, "ordinary") == "passed"


def test_one_cent_below_two_thirds_of_area_is_no_decision():
    c = C(total_area=90000, total_owners=9, yes_area=59999, yes_owners=6)
    assert tally.quorate(c) is False
    assert tally.outcome(c, "ordinary") == "no_decision"
    assert tally.quorum_shortfall(c) == (0, 1)


def test_one_owner_below_two_thirds_is_no_decision_even_with_all_the_area():
    c = C(total_area=90000, total_owners=9, yes_area=90000, yes_owners=5)
    assert tally.outcome(c, "major") == "no_decision"
    assert tally.quorum_shortfall(c) == (1, 0)


def test_two_thirds_of_an_area_not_divisible_by_three_rounds_the_minimum_up():
    # TA 100.00 m²: 2/3 is 66.666…; the least passing area is 66.67 m²
    c = C(total_area=10000, total_owners=3, yes_area=6666, yes_owners=2)
    assert tally.quorate(c) is False
    assert tally.quorum_minimums(c) == (2, 6667)
    assert tally.quorate(c.add("yes", 1, 0)) is True


def test_exactly_half_fails_an_ordinary_matter_on_either_side():
    half_owners = C(
        total_area=40000, total_owners=4, yes_area=30000, yes_owners=2, no_area=10000, no_owners=2
    )
    half_area = C(total_area=40000, total_owners=4, yes_area=20000, yes_owners=3, no_area=20000, no_owners=1)
    assert tally.outcome(half_owners, "ordinary") == "rejected"
    assert tally.outcome(half_area, "ordinary") == "rejected"
    one_cent_more = C(
        total_area=40000, total_owners=4, yes_area=20001, yes_owners=3, no_area=19999, no_owners=1
    )
    assert tally.outcome(one_cent_more, "ordinary") == "passed"


def test_exactly_three_quarters_passes_a_major_matter_and_one_cent_less_does_not():
    exact = C(total_area=40000, total_owners=4, yes_area=30000, yes_owners=3, no_area=10000, no_owners=1)
    assert tally.outcome(exact, "major") == "passed"
    short = C(total_area=40000, total_owners=4, yes_area=29999, yes_owners=3, no_area=10001, no_owners=1)
    assert tally.outcome(short, "major") == "rejected"


def test_abstaining_counts_for_participation_but_not_for_yes():
    # 3 of 4 owners take part (quorate); 2 yes, 1 abstains: 2*2 > 3 passes ordinary, 4*2 >= 3*3 fails major
    c = C(
        total_area=40000, total_owners=4, yes_area=20000, yes_owners=2, abstain_area=10000, abstain_owners=1
    )
    assert (c.participating_owners, c.participating_area) == (3, 30000)
    assert tally.outcome(c, "ordinary") == "passed"
    assert tally.outcome(c, "major") == "rejected"
    # the same owner not voting at all: 2 of 4 take part, below two thirds
    not_voting = C(total_area=40000, total_owners=4, yes_area=20000, yes_owners=2)
    assert tally.outcome(not_voting, "ordinary") == "no_decision"


def test_follow_majority_adds_non_voters_to_the_majority_side_and_keeps_the_plain_figures():
    c = C(total_area=100000, total_owners=10, yes_area=40000, yes_owners=4, no_area=10000, no_owners=1)
    doc = tally.result_document(c, "ordinary", follow=True)
    assert doc["followed_majority_side"] == "yes"
    assert (doc["followed_owners"], doc["followed_area"]) == (5, "500.00")
    assert (doc["yes_owners"], doc["yes_area"], doc["outcome"]) == (9, "900.00", "passed")
    assert doc["without_following"]["outcome"] == "no_decision"
    tie = C(total_area=100000, total_owners=10, yes_area=40000, yes_owners=2, no_area=10000, no_owners=2)
    assert tally.result_document(tie, "ordinary", follow=True)["followed_owners"] == 0


def test_threshold_tests_show_the_numbers_of_each_comparison():
    c = C(total_area=90000, total_owners=9, yes_area=40000, yes_owners=4, no_area=20000, no_owners=2)
    tests = {t["key"]: t for t in tally.threshold_tests(c, "ordinary")}
    assert tests["quorum_area"] == {
        "key": "quorum_area",
        "label": "参与表决的专有部分面积达到总面积的三分之二以上",
        "actual": "600.00",
        "base": "900.00",
        "minimum": "600.00",
        "unit": "m²",
        "formula": "3 × 60000 ≥ 2 × 90000（单位0.01 m²）",
        "passed": True,
    }
    assert (tests["approval_owners"]["minimum"], tests["approval_owners"]["passed"]) == (4, True)
    assert (tests["approval_area"]["minimum"], tests["approval_area"]["passed"]) == ("300.01", True)


def _cand(cid, yes_owners, yes_area, passed=True, order=None):
    return tally.CandidateTally(
        cid,
        order or cid,
        C(total_area=10**6, total_owners=100, yes_area=yes_area, yes_owners=yes_owners),
        passed,
    )


def test_election_with_more_winners_than_seats_ranks_by_yes_owners_then_yes_area():
    cands = [
        _cand(1, 50, 500000),
        _cand(2, 60, 400000),
        _cand(3, 60, 450000),
        _cand(4, 70, 1000, passed=False),
    ]
    out = tally.elect(cands, seats=2)
    assert (out.elected, out.tied, out.ranked, out.over_subscribed) == ([3, 2], [], [3, 2, 1], True)
    by_area = tally.elect(cands, seats=2, ranking="area_then_owners")
    assert by_area.elected == [1, 3]


def test_election_tie_at_the_last_seat_elects_nobody_among_the_tied():
    cands = [_cand(1, 60, 500000), _cand(2, 55, 400000), _cand(3, 55, 400000)]
    out = tally.elect(cands, seats=2)
    assert (out.elected, out.tied) == ([1], [2, 3])


def test_election_with_no_more_passing_than_seats_elects_all_who_passed():
    out = tally.elect([_cand(1, 60, 1), _cand(2, 10, 1, passed=False)], seats=3)
    assert (out.elected, out.over_subscribed) == ([1], False)


# --- agreement with the independent recount ---------------------------------------------------------------------

ROLLS = st.lists(
    st.tuples(st.integers(0, 6), st.integers(1, 30000), st.sampled_from([None, "yes", "no", "abstain"])),
    min_size=1,
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(rows=ROLLS, matter_class=st.sampled_from(["ordinary", "major"]), follow=st.booleans())
def test_result_document_equals_pmip_verify(rows, matter_class, follow):
    """Random rolls (owner keys shared by several units) and one choice per owner: the platform arithmetic on the
    aggregated counts equals pmip_verify on the unit-level input."""
    units, ballots = [], []
    choice_of: dict[int, str | None] = {}
    area_of: dict[int, int] = {}
    for i, (owner, area, choice) in enumerate(rows):
        choice_of.setdefault(owner, choice)
        area_of[owner] = area_of.get(owner, 0) + area
        units.append({"unit": f"u{i}", "area": tally.format_area(area), "owner": f"k{owner}"})
        if choice_of[owner] is not None:
            ballots.append({"unit": f"u{i}", "choice": choice_of[owner]})
    c = C(total_area=sum(area_of.values()), total_owners=len(area_of))
    for owner, choice in choice_of.items():
        if choice is not None:
            c = c.add(choice, area_of[owner])
    expected = pmip_verify.tally(
        {
            "matter_class": matter_class,
            "non_voters_follow_majority": follow,
            "units": units,
            "ballots": ballots,
        }
    )
    assert tally.result_document(c, matter_class, follow=follow) == expected
