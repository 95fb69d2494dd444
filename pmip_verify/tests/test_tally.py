"""Hand-worked recounts: every figure below was computed by hand from domain-rules §1."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pmip_verify import VerifyError, tally


def doc(units, ballots, matter_class="ordinary", follow=None):
    """units: [(unit, area, owner)], ballots: [(unit, choice)]."""
    d = {
        "matter_class": matter_class,
        "units": [{"unit": u, "area": a, "owner": o} for u, a, o in units],
        "ballots": [{"unit": u, "choice": c} for u, c in ballots],
    }
    if follow is not None:
        d["non_voters_follow_majority"] = follow
    return d


def figures(result):
    keys = (
        "total_area",
        "total_owners",
        "participating_area",
        "participating_owners",
        "yes_area",
        "yes_owners",
        "no_area",
        "no_owners",
        "abstain_area",
        "abstain_owners",
    )
    return tuple(result[k] for k in keys)


THREE = [("1-101", "100.00", "k1"), ("1-102", "100.00", "k2"), ("1-103", "100.00", "k3")]


def test_full_output_of_a_simple_pass():
    result = tally(doc(THREE, [("1-101", "yes"), ("1-102", "yes")], follow=False))
    assert result == {
        "total_area": "300.00",
        "total_owners": 3,
        "participating_area": "200.00",
        "participating_owners": 2,
        "yes_area": "200.00",
        "yes_owners": 2,
        "no_area": "0.00",
        "no_owners": 0,
        "abstain_area": "0.00",
        "abstain_owners": 0,
        "quorum_met": True,
        "passed": True,
        "outcome": "passed",
        "matter_class": "ordinary",
        "non_voters_follow_majority": False,
    }


def test_quorum_exactly_two_thirds_of_area_and_owners_is_met():
    # 3*200.00 == 2*300.00 and 3*2 == 2*3
    result = tally(doc(THREE, [("1-101", "yes"), ("1-102", "no")]))
    assert result["quorum_met"] is True
    assert result["outcome"] == "rejected"  # 1 of 2 owners is exactly half


def test_quorum_one_cent_of_area_short_is_no_decision():
    units = [("1-101", "90.00", "k1"), ("1-102", "109.99", "k2"), ("1-103", "100.01", "k3")]
    result = tally(doc(units, [("1-101", "yes"), ("1-102", "yes")]))
    assert figures(result)[:4] == ("300.00", 3, "199.99", 2)  # 3*19999 = 59997 < 60000
    assert (result["quorum_met"], result["passed"], result["outcome"]) == (False, False, "no_decision")


def test_quorum_one_cent_over_two_thirds_is_met():
    units = [("1-101", "90.00", "k1"), ("1-102", "110.01", "k2"), ("1-103", "99.99", "k3")]
    result = tally(doc(units, [("1-101", "yes"), ("1-102", "yes")]))
    assert result["participating_area"] == "200.01"
    assert (result["quorum_met"], result["outcome"]) == (True, "passed")


def test_quorum_needs_owners_too_even_with_most_of_the_area():
    # 2 of 4 owners hold 90 % of the area: 3*2 = 6 < 2*4 = 8
    units = [("A", "450.00", "k1"), ("B", "450.00", "k2"), ("C", "50.00", "k3"), ("D", "50.00", "k4")]
    result = tally(doc(units, [("A", "yes"), ("B", "yes")]))
    assert figures(result)[:4] == ("1000.00", 4, "900.00", 2)
    assert result["outcome"] == "no_decision"


def test_quorum_needs_area_too_even_with_most_owners():
    # 3 of 4 owners but 3*300 = 900 < 2*1000 = 2000
    units = [("A", "100.00", "k1"), ("B", "100.00", "k2"), ("C", "100.00", "k3"), ("D", "700.00", "k4")]
    result = tally(doc(units, [("A", "yes"), ("B", "yes"), ("C", "yes")]))
    assert result["outcome"] == "no_decision"


def test_ordinary_exactly_half_of_area_fails():
    # yes 100.00 of participating 200.00 (owners 2 of 3 would pass)
    units = [("A", "50.00", "k1"), ("B", "50.00", "k2"), ("C", "100.00", "k3")]
    result = tally(doc(units, [("A", "yes"), ("B", "yes"), ("C", "no")]))
    assert figures(result) == ("200.00", 3, "200.00", 3, "100.00", 2, "100.00", 1, "0.00", 0)
    assert (result["quorum_met"], result["passed"], result["outcome"]) == (True, False, "rejected")


def test_ordinary_one_cent_over_half_of_area_passes():
    units = [("A", "50.00", "k1"), ("B", "50.00", "k2"), ("C", "99.99", "k3")]
    result = tally(doc(units, [("A", "yes"), ("B", "yes"), ("C", "no")]))
    assert (result["yes_area"], result["participating_area"]) == ("100.00", "199.99")
    assert result["outcome"] == "passed"


def test_ordinary_exactly_half_of_owners_fails():
    # area 60 % yes, but 2 of 4 owners
    units = [("A", "150.00", "k1"), ("B", "150.00", "k2"), ("C", "100.00", "k3"), ("D", "100.00", "k4")]
    result = tally(doc(units, [("A", "yes"), ("B", "yes"), ("C", "no"), ("D", "no")]))
    assert (result["yes_area"], result["yes_owners"], result["participating_owners"]) == ("300.00", 2, 4)
    assert result["outcome"] == "rejected"


FOUR = [("A", "100.00", "k1"), ("B", "100.00", "k2"), ("C", "100.00", "k3"), ("D", "100.00", "k4")]


def test_major_exactly_three_quarters_passes():
    result = tally(doc(FOUR, [("A", "yes"), ("B", "yes"), ("C", "yes"), ("D", "no")], matter_class="major"))
    assert (result["yes_area"], result["participating_area"], result["yes_owners"]) == ("300.00", "400.00", 3)
    assert result["outcome"] == "passed"


def test_major_one_cent_short_of_three_quarters_fails():
    units = [("A", "100.00", "k1"), ("B", "100.00", "k2"), ("C", "99.99", "k3"), ("D", "100.00", "k4")]
    ballots = [("A", "yes"), ("B", "yes"), ("C", "yes"), ("D", "no")]
    result = tally(doc(units, ballots, matter_class="major"))
    # 4*29999 = 119996 < 3*39999 = 119997
    assert (result["yes_area"], result["participating_area"]) == ("299.99", "399.99")
    assert result["outcome"] == "rejected"
    # the same ballots carry an ordinary matter
    assert tally(doc(units, ballots))["outcome"] == "passed"


def test_major_owners_below_three_quarters_fails_with_area_above():
    # yes area 75 % exactly but owners 2 of 3 (4*2 = 8 < 9)
    units = [("A", "150.00", "k1"), ("B", "150.00", "k2"), ("C", "100.00", "k3")]
    result = tally(doc(units, [("A", "yes"), ("B", "yes"), ("C", "no")], matter_class="major"))
    assert result["outcome"] == "rejected"


def test_abstain_is_participation_but_not_yes():
    result = tally(doc(THREE, [("1-101", "yes"), ("1-102", "abstain")]))
    assert figures(result) == ("300.00", 3, "200.00", 2, "100.00", 1, "0.00", 0, "100.00", 1)
    assert result["outcome"] == "rejected"  # quorate; 1 yes of 2 participants is only half


def test_not_voting_is_not_participation():
    result = tally(doc(THREE, [("1-101", "yes")]))
    assert figures(result) == ("300.00", 3, "100.00", 1, "100.00", 1, "0.00", 0, "0.00", 0)
    assert result["outcome"] == "no_decision"


def test_multi_unit_owner_counts_once_with_all_units_in_scope():
    units = [
        ("1-101", "90.00", "k1"),
        ("1-102", "80.00", "k1"),  # k1 votes only through 1-101
        ("1-201", "120.25", "k2"),
        ("2-101", "75.10", "k3"),
    ]
    result = tally(doc(units, [("1-101", "yes"), ("2-101", "no")]))
    assert figures(result) == ("365.35", 3, "245.10", 2, "170.00", 1, "75.10", 1, "0.00", 0)
    # 3*24510 = 73530 >= 2*36535 = 73070; 3*2 >= 2*3
    assert result["outcome"] == "rejected"  # owners 1 of 2: exactly half


def test_multi_unit_owner_may_vote_through_every_unit_with_one_choice():
    units = [("1-101", "90.00", "k1"), ("1-102", "80.00", "k1"), ("1-201", "10.00", "k2")]
    result = tally(doc(units, [("1-101", "yes"), ("1-102", "yes")]))
    assert figures(result)[:6] == ("180.00", 2, "170.00", 1, "170.00", 1)
    assert result["outcome"] == "no_decision"  # 1 of 2 owners


def test_empty_ballot_box_is_no_decision():
    result = tally(doc(THREE, []))
    assert figures(result)[2:] == ("0.00", 0, "0.00", 0, "0.00", 0, "0.00", 0)
    assert result["outcome"] == "no_decision"


def test_areas_accept_one_or_no_decimals_and_integers_and_decimals():
    units = [("A", "90.5", "k1"), ("B", "90", "k2"), ("C", 10, "k3"), ("D", Decimal("0.01"), "k4")]
    result = tally(doc(units, []))
    assert result["total_area"] == "190.51"


FIVE = [(c, "100.00", f"k{i}") for i, c in enumerate("ABCDE", start=1)]


def test_follow_majority_off_by_default_and_when_false():
    ballots = [("A", "yes"), ("B", "yes"), ("C", "no")]
    default = tally(doc(FIVE, ballots))
    off = tally(doc(FIVE, ballots, follow=False))
    assert default == off
    assert off["outcome"] == "no_decision"  # 3 of 5 owners: 9 < 10
    assert "followed_majority_side" not in off


def test_follow_majority_on_adds_non_voters_to_the_majority_side():
    result = tally(doc(FIVE, [("A", "yes"), ("B", "yes"), ("C", "no")], follow=True))
    assert figures(result) == ("500.00", 5, "500.00", 5, "400.00", 4, "100.00", 1, "0.00", 0)
    assert result["outcome"] == "passed"
    assert result["non_voters_follow_majority"] is True
    assert result["followed_majority_side"] == "yes"
    assert (result["followed_area"], result["followed_owners"]) == ("200.00", 2)
    without = result["without_following"]
    assert figures(without) == ("500.00", 5, "300.00", 3, "200.00", 2, "100.00", 1, "0.00", 0)
    assert without["outcome"] == "no_decision"


def test_follow_majority_to_the_no_side():
    result = tally(doc(FIVE, [("A", "yes"), ("B", "no"), ("C", "no")], follow=True))
    assert result["followed_majority_side"] == "no"
    assert figures(result) == ("500.00", 5, "500.00", 5, "100.00", 1, "400.00", 4, "0.00", 0)
    assert result["outcome"] == "rejected"


def test_follow_majority_ignores_abstainers_when_choosing_the_side():
    # 1 yes, 0 no, 2 abstain: the majority of yes against no is yes
    result = tally(doc(FIVE, [("A", "yes"), ("B", "abstain"), ("C", "abstain")], follow=True))
    assert result["followed_majority_side"] == "yes"
    assert (result["yes_owners"], result["abstain_owners"], result["participating_owners"]) == (3, 2, 5)
    assert result["outcome"] == "passed"  # 3 of 5 owners, 300 of 500 area


def test_follow_majority_tie_adds_nobody():
    result = tally(doc(FIVE, [("A", "yes"), ("B", "no"), ("C", "abstain"), ("D", "abstain")], follow=True))
    assert result["followed_majority_side"] is None
    assert (result["followed_area"], result["followed_owners"]) == ("0.00", 0)
    assert figures(result) == ("500.00", 5, "400.00", 4, "100.00", 1, "100.00", 1, "200.00", 2)
    plain = {k: v for k, v in result.items() if k in result["without_following"]}
    assert plain == result["without_following"]
    assert result["outcome"] == "rejected"


def test_follow_majority_adds_the_whole_area_of_a_multi_unit_non_voter():
    units = [("A", "100.00", "k1"), ("B", "100.00", "k2"), ("C", "50.00", "k3"), ("D", "60.00", "k3")]
    result = tally(doc(units, [("A", "yes"), ("B", "no"), ("D", "no")], follow=True))
    # k3 voted no through D: no-side 2 owners; nobody left to follow
    assert result["followed_majority_side"] == "no"
    assert (result["followed_owners"], result["no_area"], result["no_owners"]) == (0, "210.00", 2)


# ---------------------------------------------------------------- errors


def error_code(d) -> str:
    with pytest.raises(VerifyError) as info:
        tally(d)
    assert info.value.message  # a message for people
    return info.value.code


def test_unknown_unit_in_a_ballot():
    assert error_code(doc(THREE, [("9-999", "yes")])) == "unknown_unit"


def test_two_ballots_for_one_unit():
    assert error_code(doc(THREE, [("1-101", "yes"), ("1-101", "yes")])) == "duplicate_ballot"


def test_units_of_one_owner_with_different_choices():
    units = [("1-101", "90.00", "k1"), ("1-102", "80.00", "k1")]
    assert error_code(doc(units, [("1-101", "yes"), ("1-102", "no")])) == "conflicting_choices"
    assert error_code(doc(units, [("1-101", "abstain"), ("1-102", "yes")])) == "conflicting_choices"


def test_duplicate_unit_in_roll():
    units = [("1-101", "90.00", "k1"), ("1-101", "90.00", "k2")]
    assert error_code(doc(units, [])) == "duplicate_unit"


@pytest.mark.parametrize(
    ("area", "code"),
    [
        ("-90.00", "negative_number"),
        ("0", "zero_number"),
        ("0.00", "zero_number"),
        ("90.001", "too_many_decimals"),
        ("90.000", "too_many_decimals"),
        ("90,00", "malformed_number"),
        ("abc", "malformed_number"),
        ("", "malformed_number"),
        (" 90.00", "malformed_number"),
        ("+90.00", "malformed_number"),
        ("1e2", "malformed_number"),
        (".5", "malformed_number"),
        ("5.", "malformed_number"),
        ("NaN", "malformed_number"),
        ("１２", "malformed_number"),  # full-width digits
        ("1234567890123456", "malformed_number"),  # 16 integer digits
        (90.5, "malformed_number"),  # a float from Python code
        (True, "malformed_number"),
        (None, "malformed_number"),
        (Decimal("-1"), "negative_number"),
        (Decimal("NaN"), "malformed_number"),
        (-5, "negative_number"),
    ],
)
def test_bad_areas(area, code):
    assert error_code(doc([("A", area, "k1")], [])) == code


def test_unknown_choice():
    assert error_code(doc(THREE, [("1-101", "YES")])) == "unknown_choice"
    assert error_code(doc(THREE, [("1-101", None)])) == "unknown_choice"


def test_unknown_matter_class():
    assert error_code(doc(THREE, [], matter_class="special")) == "unknown_matter_class"


def test_empty_roll():
    assert error_code(doc([], [])) == "empty_roll"


@pytest.mark.parametrize(
    "bad",
    [
        {"units": [], "ballots": []},  # missing matter_class
        {"matter_class": "ordinary", "units": [], "ballots": [], "non_voters_follow_majorty": True},
        {"matter_class": "ordinary", "units": {}, "ballots": []},
        {"matter_class": "ordinary", "units": [{"unit": "A", "area": "1"}], "ballots": []},
        {"matter_class": "ordinary", "units": [{"unit": "A", "area": "1", "owner": ""}], "ballots": []},
        {"matter_class": "ordinary", "units": [{"unit": 101, "area": "1", "owner": "k"}], "ballots": []},
        {"matter_class": "ordinary", "units": [{"unit": "A", "area": "1", "owner": "k"}], "ballots": "A"},
        {
            "matter_class": "ordinary",
            "units": [{"unit": "A", "area": "1", "owner": "k"}],
            "ballots": [{"unit": "A", "choice": "yes", "weight": 2}],
        },
        {
            "matter_class": "ordinary",
            "units": [{"unit": "A", "area": "1", "owner": "k"}],
            "ballots": [],
            "non_voters_follow_majority": "yes",
        },
    ],
)
def test_bad_format(bad):
    assert error_code(bad) == "bad_format"


def test_document_must_be_an_object():
    assert error_code([]) == "bad_format"
