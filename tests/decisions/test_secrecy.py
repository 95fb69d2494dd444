"""Secrecy before the close: an owner sees only their own choice, the convener sees turnout only; results and the
bulletin come after the close; public lists never show names."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pmip.core import clock
from pmip.core.errors import NotFound
from pmip.decisions import selectors, services
from tests.decisions import factories as f


@pytest.fixture
def scene(project, convener):
    """张三 1-101 (100.00) + 2-201 (50.00); 李四 1-102 (100.00); 王五 1-201 (100.00); 赵六 2-101 (100.00);
    2-102 (100.00) held by the developer. Voting open."""
    a, b, c, d = f.person("张三"), f.person("李四"), f.person("王五"), f.person("赵六")
    units = {}
    for label, area, who in [
        ("1-101", "100.00", a),
        ("1-102", "100.00", b),
        ("1-201", "100.00", c),
        ("2-101", "100.00", d),
        ("2-201", "50.00", a),
    ]:
        units[label] = f.unit(project, label, area)
        f.own(units[label], who)
    units["2-102"] = f.unit(project, "2-102", "100.00", developer_held=True)
    meeting = f.open_meeting(convener, project, [f.question()])
    return meeting, meeting.matters.get(), (a, b, c, d), units


def test_an_owner_reads_only_their_own_choice(scene, django_assert_max_num_queries):
    meeting, matter, (a, b, _, _), units = scene
    receipt = f.vote(a, matter, units["1-101"], "yes").receipt
    f.vote(b, matter, units["1-102"], "no")

    mine = selectors.my_ballot(actor=a.account, matter_id=matter.pk, unit_id=units["2-201"].pk)
    assert (mine.choices, mine.receipt) == ({"matter": "yes"}, receipt)
    with pytest.raises(NotFound):
        selectors.my_ballot(actor=a.account, matter_id=matter.pk, unit_id=units["1-102"].pk)

    with django_assert_max_num_queries(10):
        slots = selectors.voting_slots(actor=a.account, meeting=meeting)
    assert len(slots) == 1
    slot = slots[0]
    assert (slot.unit_labels, slot.for_self, slot.eligible, slot.matter_ids) == (
        ["1-101", "2-201"],
        True,
        True,
        [matter.pk],
    )
    assert {k: v.choices for k, v in slot.ballots.items()} == {matter.pk: {"matter": "yes"}}


def test_a_delegate_reads_the_principals_ballot_and_nobody_elses(scene, project):
    meeting, matter, (a, b, _, _), units = scene
    d = f.person("受托人")
    f.delegate(a, project, d)
    f.vote(d, matter, units["1-101"], "abstain")
    f.vote(b, matter, units["1-102"], "no")
    assert selectors.my_ballot(actor=d.account, matter_id=matter.pk, unit_id=units["1-101"].pk).choices == {
        "matter": "abstain"
    }
    with pytest.raises(NotFound):
        selectors.my_ballot(actor=d.account, matter_id=matter.pk, unit_id=units["1-102"].pk)
    [slot] = selectors.voting_slots(actor=d.account, meeting=meeting)
    assert (slot.for_self, slot.principal_masked, slot.unit_labels) == (False, "张*", ["1-101", "2-201"])
    [own_slot] = selectors.voting_slots(actor=a.account, meeting=meeting)
    assert own_slot.blocked_by_delegation is True


def test_the_convener_sees_turnout_only_with_what_is_still_needed(
    scene, convener, django_assert_max_num_queries
):
    meeting, matter, (a, b, _, _), units = scene
    f.vote(a, matter, units["1-101"], "yes")
    f.vote(b, matter, units["1-102"], "no")

    with django_assert_max_num_queries(12):
        [t] = selectors.turnout(actor=convener, meeting_id=meeting.pk)

    fields = {x.name for x in dataclasses.fields(t)}
    assert not any(word in name for name in fields for word in ("yes", "no_", "abstain", "choice"))
    assert (t.total_owners, t.total_area, t.participating_owners, t.participating_area) == (
        5,
        "550.00",
        2,
        "250.00",
    )
    assert (t.quorum_owners, t.quorum_area, t.owners_needed, t.area_needed, t.quorum_reached) == (
        4,
        "366.67",
        2,
        "116.67",
        False,
    )
    assert [dataclasses.astuple(b) for b in t.buildings] == [
        ("1栋", 3, 3, "300.00", 2, 2, "200.00"),
        ("2栋", 3, 3, "250.00", 1, 1, "50.00"),
    ]


def test_no_results_for_anyone_before_the_close_and_for_owners_before_publication(scene, convener, project):
    meeting, matter, (a, *_), units = scene
    f.vote(a, matter, units["1-101"], "yes")
    for actor in (convener, a.account):
        with pytest.raises(NotFound):
            selectors.tally_sheet(actor=actor, meeting_id=meeting.pk)
        with pytest.raises(NotFound):
            selectors.bulletin(actor=actor, meeting_id=meeting.pk)
    f.close(None, meeting)
    assert selectors.tally_sheet(actor=convener, meeting_id=meeting.pk).published is False
    with pytest.raises(NotFound):
        selectors.tally_sheet(actor=a.account, meeting_id=meeting.pk)
    with clock.frozen(f.T_END):
        services.publish_results(actor=convener, meeting_id=meeting.pk)
    assert selectors.tally_sheet(actor=a.account, meeting_id=meeting.pk).published is True


def test_other_projects_staff_and_company_see_nothing(scene, other_committee, far_subdistrict_staff, where):
    meeting, *_ = scene
    company = f.staff("company", level="company", company=where.project.company or _company())
    for actor in (other_committee, far_subdistrict_staff, company):
        with pytest.raises(NotFound):
            selectors.turnout(actor=actor, meeting_id=meeting.pk)
        assert list(selectors.meetings_for_staff(actor=actor)) == []


def _company():
    from pmip.registry.models import PropertyCompany

    return PropertyCompany.objects.create(name="某物业公司", credit_code="91440300MA5F999999")


def test_district_bureau_reads_turnout_but_cannot_run_the_meeting(scene, district_staff):
    meeting, *_ = scene
    assert selectors.turnout(actor=district_staff, meeting_id=meeting.pk)[0].total_owners == 5
    assert selectors.may_run_meeting(actor=district_staff, meeting=meeting) is False
    with clock.frozen(f.T_END), pytest.raises(NotFound):
        services.close_voting(actor=district_staff, meeting_id=meeting.pk)


def test_the_bulletin_lists_receipts_with_rooms_and_areas_never_names(scene, convener):
    meeting, matter, (a, b, _, _), units = scene
    ra = f.vote(a, matter, units["2-201"], "yes").receipt
    rb = f.vote(b, matter, units["1-102"], "no").receipt
    f.close(None, meeting)

    lines = selectors.bulletin(actor=b.account, meeting_id=meeting.pk)

    assert [(x.sequence, x.receipt, x.channel, x.units, x.area) for x in lines] == [
        (1, ra, "网络投票", [("1-101", "100.00"), ("2-201", "50.00")], "150.00"),
        (2, rb, "网络投票", [("1-102", "100.00")], "100.00"),
    ]
    text = str([dataclasses.asdict(x) for x in lines])
    assert "张" not in text and "李" not in text and "yes" not in text


def test_a_delegate_verified_after_the_owner_voted_does_not_see_the_earlier_choice(project, convener):
    """Issue 8, item 10: the owner votes, then delegates; the delegate must not learn the owner's choice before
    the close (domain selectors and the owner-page overview alike)."""
    from pmip.decisions import overview

    a, d = f.person("张三"), f.person("王受托")
    u = f.unit(project, "1-101", "90.00")
    f.own(u, a)
    meeting = f.open_meeting(convener, project, [f.question()], allow_ballot_change=True)
    matter = meeting.matters.get()
    f.vote(a, matter, u, "no")
    f.delegate(a, project, d, at=f.T_VOTE + dt.timedelta(hours=1))  # verified after the owner voted
    with clock.frozen(f.T_VOTE + dt.timedelta(hours=2)):
        (slot,) = selectors.voting_slots(actor=d.account, meeting=meeting)
        assert slot.ballots == {}
        assert selectors.my_ballot(actor=d.account, matter_id=matter.pk, unit_id=u.pk) is None
        view = overview.meeting_view(actor=d.account, meeting_id=meeting.pk)
        assert all(s.ballots == {} for s in view.slots)
        # the owner still sees their own ballot
        assert selectors.my_ballot(actor=a.account, matter_id=matter.pk, unit_id=u.pk).choices == {
            "matter": "no"
        }
        # a ballot the delegate casts is theirs to see
        services.cast_ballot(actor=d.account, matter_id=matter.pk, unit_id=u.pk, choice="yes")
        assert selectors.my_ballot(actor=d.account, matter_id=matter.pk, unit_id=u.pk).choices == {
            "matter": "yes"
        }
