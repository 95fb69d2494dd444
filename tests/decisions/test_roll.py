"""The voter roll frozen when voting opens: headcount keys, areas, voters, eligibility, scope, the hash."""

from __future__ import annotations

import hashlib

import pytest

from pmip.core import clock
from pmip.decisions import roll as roll_mod
from pmip.decisions import services
from pmip.decisions.models import MatterCount, RollEntry
from pmip.decisions.selectors import count_discrepancies
from tests.decisions import factories as f


def roll_rows(meeting):
    return {
        e.unit_label: (
            e.area,
            e.owner_kind,
            e.eligible,
            e.ineligible_reason,
            e.principal_id,
            e.voter_id,
            e.delegated,
        )
        for e in RollEntry.objects.filter(meeting=meeting)
    }


def test_developer_units_count_as_one_owner_and_a_multi_unit_buyer_as_one(project, convener):
    a, b = f.person("张三"), f.person("李四")
    f.own(f.unit(project, "1-101", "90.00"), a)
    f.own(f.unit(project, "1-102", "85.50"), a)
    f.own(f.unit(project, "1-201", "120.25"), b)
    f.unit(project, "2-101", "75.10", developer_held=True)
    sold_not_delivered = f.unit(project, "2-102", "60.00", delivered=False)
    f.own(sold_not_delivered, f.person("王五"))

    meeting = f.open_meeting(convener, project, [f.question()])

    keys = dict(RollEntry.objects.filter(meeting=meeting).values_list("unit_label", "owner_key"))
    assert keys["1-101"] == keys["1-102"]
    assert keys["2-101"] == keys["2-102"] == "developer"
    assert len(set(keys.values())) == 3
    count = MatterCount.objects.get(matter__meeting=meeting)
    assert (count.total_area, count.total_owners) == (9000 + 8550 + 12025 + 7510 + 6000, 3)
    rows = roll_rows(meeting)
    assert rows["2-101"][1:4] == ("developer", False, "developer")
    assert rows["1-101"][:5] == (9000, "single", True, "", a.account.pk)


def test_unbound_and_unverified_owners_are_on_the_roll_but_cannot_vote(project, convener):
    bound_unverified = f.person("赵六", verified=False)
    not_bound = f.person("钱七")
    f.own(f.unit(project, "1-101", "90.00"), bound_unverified)
    f.own(f.unit(project, "1-102", "80.00"), not_bound, bound=False)
    f.unit(project, "1-103", "70.00")  # no title record at all

    meeting = f.open_meeting(convener, project, [f.question()])

    rows = roll_rows(meeting)
    assert rows["1-101"][2:6] == (False, "not_verified", bound_unverified.account.pk, None)
    assert rows["1-102"][2:6] == (False, "not_bound", None, None)
    assert rows["1-103"][1:4] == ("unregistered", False, "no_title")
    assert MatterCount.objects.get(matter__meeting=meeting).total_owners == 3


def test_co_owned_unit_needs_every_co_owner_to_nominate_the_same_person(project, convener):
    husband, wife, son = f.person("陈一"), f.person("林二"), f.person("陈三")
    agreed = f.unit(project, "1-101", "90.00")
    f.co_own(agreed, [husband, wife])
    split = f.unit(project, "1-102", "90.00")
    f.co_own(split, [husband, son])
    half = f.unit(project, "1-201", "90.00")
    f.co_own(half, [wife, son])
    with clock.frozen(f.T0):
        services.nominate_voter(actor=husband.account, unit_id=agreed.pk, nominee_id=wife.account.pk)
        services.nominate_voter(actor=wife.account, unit_id=agreed.pk, nominee_id=wife.account.pk)
        services.nominate_voter(actor=husband.account, unit_id=split.pk, nominee_id=husband.account.pk)
        services.nominate_voter(actor=son.account, unit_id=split.pk, nominee_id=son.account.pk)
        services.nominate_voter(actor=wife.account, unit_id=half.pk, nominee_id=wife.account.pk)

    meeting = f.open_meeting(convener, project, [f.question()])

    rows = roll_rows(meeting)
    assert rows["1-101"][1:5] == ("co_owned", True, "", wife.account.pk)
    assert rows["1-102"][1:5] == ("co_owned", False, "no_nomination", None)
    assert rows["1-201"][1:5] == ("co_owned", False, "no_nomination", None)
    keys = set(RollEntry.objects.filter(meeting=meeting).values_list("owner_key", flat=True))
    assert keys == {f"unit:{agreed.pk}", f"unit:{split.pk}", f"unit:{half.pk}"}


def test_a_co_owner_not_on_the_platform_blocks_the_nomination(project, convener):
    a, b = f.person("陈一"), f.person("林二")
    u = f.unit(project, "1-101", "90.00")
    f.co_own(u, [a, b], bound=[a])
    with clock.frozen(f.T0):
        services.nominate_voter(actor=a.account, unit_id=u.pk, nominee_id=a.account.pk)
    meeting = f.open_meeting(convener, project, [f.question()])
    assert roll_rows(meeting)["1-101"][2:4] == (False, "no_nomination")


def test_parking_and_storage_are_left_out_unless_the_setting_includes_them(project, convener):
    a = f.person("张三")
    f.own(f.unit(project, "1-101", "90.00"), a)
    f.own(f.unit(project, "9-001", "12.50", use="parking"), f.person("李四"))
    f.unit(project, "9-002", "6.00", use="storage")

    excluded = f.open_meeting(convener, project, [f.question()])
    included = f.open_meeting(convener, project, [f.question()], include_parking_storage=True)

    assert set(roll_rows(excluded)) == {"1-101"}
    assert set(roll_rows(included)) == {"1-101", "9-001", "9-002"}
    count = MatterCount.objects.get(matter__meeting=included)
    assert (count.total_area, count.total_owners) == (9000 + 1250 + 600, 3)


def test_building_scope_counts_only_units_inside_and_an_owner_once_with_in_scope_area(project, convener):
    a, b = f.person("张三"), f.person("李四")
    f.own(f.unit(project, "1-101", "90.00"), a)
    f.own(f.unit(project, "2-101", "80.00"), a)
    f.own(f.unit(project, "2-102", "70.00"), b)
    f.own(f.unit(project, "3-101", "60.00"), f.person("王五"))
    b2 = f.building(project, "2")

    meeting = f.open_meeting(
        convener,
        project,
        [f.question("2栋电梯更新", item=5, scope="buildings", building_ids=[b2.pk]), f.question("续聘物业")],
    )

    lift, manager = meeting.matters.order_by("order")
    lift_count = MatterCount.objects.get(matter=lift)
    assert (lift_count.total_area, lift_count.total_owners) == (8000 + 7000, 2)
    manager_count = MatterCount.objects.get(matter=manager)
    assert (manager_count.total_area, manager_count.total_owners) == (9000 + 8000 + 7000 + 6000, 3)


def test_roll_of_a_building_scoped_meeting_holds_only_those_buildings(project, convener):
    f.own(f.unit(project, "1-101", "90.00"), f.person("张三"))
    f.own(f.unit(project, "2-101", "80.00"), f.person("李四"))
    b2 = f.building(project, "2")
    meeting = f.open_meeting(
        convener, project, [f.question("2栋屋面维修", item=5, scope="buildings", building_ids=[b2.pk])]
    )
    assert set(roll_rows(meeting)) == {"2-101"}


def test_delegated_owner_has_the_delegate_as_voter(project, convener):
    a, d = f.person("张三"), f.person("受托人")
    f.own(f.unit(project, "1-101", "90.00"), a)
    f.delegate(a, project, d)
    meeting = f.open_meeting(convener, project, [f.question()])
    assert roll_rows(meeting)["1-101"][4:] == (a.account.pk, d.account.pk, True)


def test_roll_hash_is_sha256_of_the_canonical_roll_and_detects_tampering(project, convener):
    f.own(f.unit(project, "1-101", "90.00"), f.person("张三"))
    f.own(f.unit(project, "1-102", "80.00"), f.person("李四"))
    meeting = f.open_meeting(convener, project, [f.question()])

    entries = list(RollEntry.objects.filter(meeting=meeting))
    assert meeting.roll_hash == hashlib.sha256(roll_mod.canonical_roll(meeting, entries)).hexdigest()
    assert len(meeting.roll_hash) == 64
    assert count_discrepancies(meeting) == []

    RollEntry.objects.filter(meeting=meeting, unit_label="1-102").update(area=8001)
    assert count_discrepancies(meeting)[0] == {"kind": "roll_hash"}


def test_the_roll_never_changes_after_opening(project, convener):
    u = f.unit(project, "1-101", "90.00")
    late = f.person("张三")
    record = f.own(u, late, bound=False)
    meeting = f.open_meeting(convener, project, [f.question()])
    before = roll_rows(meeting)

    with clock.frozen(f.T_VOTE):
        f.bind(late, u, record)  # binds during the vote
    meeting.refresh_from_db()

    assert roll_rows(meeting) == before
    assert before["1-101"][2:4] == (False, "not_bound")
    assert count_discrepancies(meeting) == []


def test_building_the_roll_takes_a_fixed_number_of_queries(project, convener, django_assert_max_num_queries):
    for i in range(30):
        f.own(f.unit(project, f"1-{100 + i}", "80.00"), f.person(f"业主{i}"))
    meeting = f.noticed_meeting(convener, project, [f.question()])
    matters = list(meeting.matters.prefetch_related("buildings", "candidates"))
    with django_assert_max_num_queries(5):
        entries = roll_mod.build_roll(meeting, matters)
    assert len(entries) == 30
    assert all(e.eligible for e in entries)


@pytest.mark.parametrize("source", ["registered", "surveyed", "contract"])
def test_the_area_source_is_kept(project, convener, source):
    f.own(f.unit(project, "1-101", "90.01", area_source=source), f.person("张三"))
    meeting = f.open_meeting(convener, project, [f.question()])
    entry = RollEntry.objects.get(meeting=meeting)
    assert (entry.area, entry.area_source) == (9001, source)
