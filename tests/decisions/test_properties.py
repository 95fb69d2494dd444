"""Property tests through the platform: for random rolls and random casting (including refused and changed ballots),
the running counters equal a full recount and an independent model, and pmip_verify agrees with the platform on
the export of every matter."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pmip_verify
from pmip.core.errors import DomainError
from pmip.decisions import export
from pmip.decisions.models import MatterCount
from pmip.decisions.selectors import count_discrepancies
from tests.decisions import factories as f

CHOICES = ["yes", "no", "abstain"]


@st.composite
def scenarios(draw):
    owners = draw(
        st.lists(
            st.tuples(
                st.lists(
                    st.tuples(st.sampled_from(["1", "2"]), st.integers(1, 20000)), min_size=1, max_size=3
                ),
                st.booleans(),  # verified
            ),
            min_size=1,
            max_size=5,
        )
    )
    developer_units = draw(
        st.lists(st.tuples(st.sampled_from(["1", "2"]), st.integers(1, 20000)), max_size=2)
    )
    actions = draw(
        st.lists(
            st.tuples(
                st.integers(0, len(owners) - 1),
                st.integers(0, 1),
                st.sampled_from(CHOICES),
                st.integers(0, 2),
            ),
            max_size=14,
        )
    )
    return {
        "owners": owners,
        "developer_units": developer_units,
        "actions": actions,
        "allow_change": draw(st.booleans()),
        "follow": draw(st.booleans()),
    }


def _area(hundredths: int) -> str:
    return f"{hundredths // 100}.{hundredths % 100:02d}"


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_counters_equal_the_recount_a_model_and_pmip_verify(project, convener, scenario):
    with transaction.atomic():
        _run(project, convener, scenario)
        transaction.set_rollback(True)


def _run(project, convener, scenario):
    # building 1 always has a unit, so the building-scoped matter has a roll
    labels = iter(range(100, 1000))
    people, units_of = [], []
    for i, (spec, verified) in enumerate(scenario["owners"]):
        p = f.person(f"业主{i}", verified=verified)
        us = []
        for j, (building, area) in enumerate(spec):
            building = "1" if (i, j) == (0, 0) else building
            u = f.unit(project, f"{building}-{next(labels)}", _area(area))
            f.own(u, p)
            us.append(u)
        people.append((p, verified))
        units_of.append(us)
    for building, area in scenario["developer_units"]:
        f.unit(project, f"{building}-{next(labels)}", _area(area), developer_held=True)
    b1 = f.building(project, "1")
    meeting = f.open_meeting(
        convener,
        project,
        [f.question("全体", item=4), f.question("1栋", item=7, scope="buildings", building_ids=[b1.pk])],
        allow_ballot_change=scenario["allow_change"],
        non_voters_follow_majority=scenario["follow"],
    )
    matters = list(meeting.matters.order_by("order"))

    expected: dict[tuple[int, int], str] = {}  # (matter index, owner index) -> final choice
    for owner, m, choice, which_unit in scenario["actions"]:
        person, verified = people[owner]
        us = units_of[owner]
        unit = us[which_unit % len(us)]
        in_scope = m == 0 or any(u.building.number == "1" for u in us)  # voting through any unit of the owner
        try:
            f.vote(person, matters[m], unit, choice)
        except DomainError:
            accepted = False
        else:
            accepted = True
        should = verified and in_scope and (scenario["allow_change"] or (m, owner) not in expected)
        assert accepted == should
        if accepted:
            expected[(m, owner)] = choice

    for m, matter in enumerate(matters):
        row = MatterCount.objects.get(matter=matter)
        model = {c: [0, 0] for c in CHOICES}
        for (mi, owner), choice in expected.items():
            if mi == m:
                area = sum(int(u.area * 100) for u in units_of[owner] if m == 0 or u.building.number == "1")
                model[choice][0] += 1
                model[choice][1] += area
        assert (
            row.yes_owners,
            row.yes_area,
            row.no_owners,
            row.no_area,
            row.abstain_owners,
            row.abstain_area,
        ) == (
            model["yes"][0],
            model["yes"][1],
            model["no"][0],
            model["no"][1],
            model["abstain"][0],
            model["abstain"][1],
        )
    assert count_discrepancies(meeting) == []

    f.close(None, meeting)
    assert meeting.count_mismatch is False
    for entry in export.tally_inputs(meeting):
        assert pmip_verify.tally(entry["tally_input"]) == entry["platform_result"]
