"""tally() against a second, independently written recount that uses Fractions of Decimal areas."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from pmip_verify import tally


@st.composite
def elections(draw):
    n_units = draw(st.integers(min_value=1, max_value=12))
    n_owners = draw(st.integers(min_value=1, max_value=n_units))
    owners = [f"k{draw(st.integers(min_value=0, max_value=n_owners - 1))}" for _ in range(n_units)]
    areas = [draw(st.integers(min_value=1, max_value=50000)) for _ in range(n_units)]
    units = [
        {"unit": f"U{i}", "area": f"{a // 100}.{a % 100:02d}", "owner": o}
        for i, (a, o) in enumerate(zip(areas, owners, strict=True))
    ]
    owner_choice = {o: draw(st.sampled_from(["yes", "no", "abstain", None])) for o in set(owners)}
    ballots = []
    for u in units:
        choice = owner_choice[u["owner"]]
        if choice is not None and draw(st.booleans()):
            ballots.append({"unit": u["unit"], "choice": choice})
    return {
        "matter_class": draw(st.sampled_from(["ordinary", "major"])),
        "non_voters_follow_majority": draw(st.booleans()),
        "units": units,
        "ballots": ballots,
    }


def reference(d):
    area: dict[str, Decimal] = {}
    for u in d["units"]:
        area[u["owner"]] = area.get(u["owner"], Decimal(0)) + Decimal(u["area"])
    owner_of = {u["unit"]: u["owner"] for u in d["units"]}
    chose = {owner_of[b["unit"]]: b["choice"] for b in d["ballots"]}
    if d["non_voters_follow_majority"]:
        yes = sum(1 for c in chose.values() if c == "yes")
        no = sum(1 for c in chose.values() if c == "no")
        if yes != no:
            side = "yes" if yes > no else "no"
            chose = {o: chose.get(o, side) for o in area}
    ta, th = sum(area.values()), len(area)
    pa = sum(area[o] for o in chose)
    ph = len(chose)
    ya = sum(area[o] for o, c in chose.items() if c == "yes")
    yh = sum(1 for c in chose.values() if c == "yes")
    quorate = Fraction(pa) >= Fraction(2, 3) * Fraction(ta) and Fraction(ph) >= Fraction(2, 3) * th
    if not quorate:
        return "no_decision", pa, ya
    if d["matter_class"] == "ordinary":
        ok = Fraction(ya) > Fraction(pa) / 2 and Fraction(yh) > Fraction(ph, 2)
    else:
        ok = Fraction(ya) >= Fraction(3, 4) * Fraction(pa) and Fraction(yh) >= Fraction(3, 4) * ph
    return ("passed" if ok else "rejected"), pa, ya


@given(elections())
def test_tally_matches_an_independent_recount(d):
    result = tally(d)
    outcome, pa, ya = reference(d)
    assert result["outcome"] == outcome
    assert result["passed"] is (outcome == "passed")
    assert result["quorum_met"] is (outcome != "no_decision")
    assert Decimal(result["participating_area"]) == pa
    assert Decimal(result["yes_area"]) == ya
    assert Decimal(result["total_area"]) == sum(Decimal(u["area"]) for u in d["units"])


@given(elections())
def test_ballot_order_does_not_matter(d):
    reordered = {**d, "ballots": list(reversed(d["ballots"])), "units": list(reversed(d["units"]))}
    assert tally(reordered) == tally(d)
