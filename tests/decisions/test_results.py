"""Hand-worked results through the whole platform, the tally sheet, the export and its agreement with pmip_verify,
and the recount check that blocks publication."""

from __future__ import annotations

import pytest

import pmip_verify
from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.core.errors import NotFound
from pmip.decisions import export, selectors, services
from pmip.decisions.models import MatterCount
from tests.decisions import factories as f


@pytest.fixture
def scene(project, convener):
    """Owners and areas (TA = 550.01 m², TH = 5):
    张三 1-101 100.00 + 2-201 50.00 (one owner, 150.00); 李四 1-102 100.00; 王五 1-201 100.01; 赵六 2-101 100.00;
    2-102 100.00 developer-held (one owner, votes on paper)."""
    a, b, c, d = f.person("张三"), f.person("李四"), f.person("王五"), f.person("赵六")
    units = {}
    for label, area, who in [
        ("1-101", "100.00", a),
        ("1-102", "100.00", b),
        ("1-201", "100.01", c),
        ("2-101", "100.00", d),
        ("2-201", "50.00", a),
    ]:
        units[label] = f.unit(project, label, area)
        f.own(units[label], who)
    units["2-102"] = f.unit(project, "2-102", "100.00", developer_held=True)
    b2 = f.building(project, "2")
    meeting = f.open_meeting(
        convener,
        project,
        [
            f.question("续聘物业服务企业", item=4),
            f.question("改建小区大门", item=7),
            f.question("2栋外墙维修使用维修资金", item=5, scope="buildings", building_ids=[b2.pk]),
            f.election("补选业主委员会委员", 1, ["甲", "乙"]),
        ],
    )
    return meeting, list(meeting.matters.order_by("order")), (a, b, c, d), units


def cast_scene(meeting, matters, people, units):
    manager, gate, wall, vote = matters
    a, b, c, d = people
    jia, yi = vote.candidates.order_by("order")
    answers = [
        (
            a,
            units["1-101"],
            {manager.pk: "yes", gate.pk: "yes", wall.pk: "yes", vote.pk: {jia.pk: "yes", yi.pk: "yes"}},
        ),
        (b, units["1-102"], {manager.pk: "yes", gate.pk: "yes", vote.pk: {jia.pk: "yes", yi.pk: "yes"}}),
        (c, units["1-201"], {manager.pk: "no", gate.pk: "yes", vote.pk: {jia.pk: "no", yi.pk: "yes"}}),
        (
            d,
            units["2-101"],
            {manager.pk: "abstain", gate.pk: "no", wall.pk: "yes", vote.pk: {jia.pk: "yes", yi.pk: "no"}},
        ),
    ]
    with clock.frozen(f.T_VOTE):
        for who, u, ans in answers:
            services.cast_ballots(actor=who.account, meeting_id=meeting.pk, unit_id=u.pk, answers=ans)


def figures(doc):
    keys = [
        "total_owners",
        "total_area",
        "participating_owners",
        "participating_area",
        "yes_owners",
        "yes_area",
        "no_owners",
        "no_area",
        "abstain_owners",
        "abstain_area",
        "outcome",
    ]
    return tuple(doc[k] for k in keys)


def test_hand_worked_meeting(scene, convener):
    meeting, matters, people, units = scene
    cast_scene(meeting, matters, people, units)
    f.close(None, meeting)
    with clock.frozen(f.T_END):
        services.publish_results(actor=convener, meeting_id=meeting.pk)

    sheet = selectors.tally_sheet(actor=people[0].account, meeting_id=meeting.pk)
    manager, gate, wall, vote = sheet.matters

    # 4 of 5 owners and 450.01 of 550.01 m² took part; yes = 2 owners of 4: exactly half fails
    [r] = manager.results
    assert figures(r.document) == (
        5,
        "550.01",
        4,
        "450.01",
        2,
        "250.00",
        1,
        "100.01",
        1,
        "100.00",
        "rejected",
    )
    assert [(t["key"], t["passed"]) for t in r.tests] == [
        ("quorum_area", True),
        ("quorum_owners", True),
        ("approval_area", True),
        ("approval_owners", False),
    ]
    assert r.conclusion == "未通过：参与表决人数和面积已达三分之二，但同意票未达到要求"

    # major: 3 of 4 owners (exactly three quarters) and 350.01 of 450.01 m² (4*35001 >= 3*45001)
    [r] = gate.results
    assert (gate.class_label, r.matter_class) == ("重大事项", "major")
    assert figures(r.document) == (5, "550.01", 4, "450.01", 3, "350.01", 1, "100.00", 0, "0.00", "passed")

    # building 2 only: 张三 counts with 2-201 (50.00) alone; 2 of 3 owners (exactly two thirds) took part, but
    # 150.00 m² is less than two thirds of 250.00 m²
    [r] = wall.results
    assert figures(r.document) == (3, "250.00", 2, "150.00", 2, "150.00", 0, "0.00", 0, "0.00", "no_decision")
    assert r.conclusion == "未形成决定：参与表决的人数或面积不足三分之二（不等于否决）"

    # election, 1 seat: both pass with 3 yes-owners; 乙 has 350.01 m² against 甲's 350.00 — the last cent decides
    jia, yi = vote.results
    assert (
        jia.candidate_name,
        jia.document["yes_owners"],
        jia.document["yes_area"],
        jia.document["passed"],
    ) == ("甲", 3, "350.00", True)
    assert (yi.candidate_name, yi.document["yes_owners"], yi.document["yes_area"], yi.document["passed"]) == (
        "乙",
        3,
        "350.01",
        True,
    )
    assert (vote.election.elected, vote.election.tied, vote.election.over_subscribed) == (["乙"], [], True)

    assert [s["key"] for s in sheet.settings] == [
        "notice_days",
        "include_parking_storage",
        "non_voters_follow_majority",
        "allow_ballot_change",
        "election_ranking",
    ]
    assert all(s["default"] for s in sheet.settings)
    assert sheet.roll_hash == meeting.roll_hash


def test_the_platform_result_equals_pmip_verify_on_the_export_for_every_matter(scene, convener):
    meeting, matters, people, units = scene
    cast_scene(meeting, matters, people, units)
    f.close(None, meeting)

    doc = export.export_meeting(actor=convener, meeting_id=meeting.pk)

    assert doc["format"] == "pmip-decisions-export/1"
    assert len(doc["matters"]) == 5  # three questions and two candidates
    for entry in doc["matters"]:
        assert pmip_verify.tally(entry["tally_input"]) == entry["platform_result"]
    manager = doc["matters"][0]["tally_input"]
    assert manager["units"] == [
        {"unit": "1-101", "area": "100.00", "owner": "owner-0001"},
        {"unit": "1-102", "area": "100.00", "owner": "owner-0002"},
        {"unit": "1-201", "area": "100.01", "owner": "owner-0003"},
        {"unit": "2-101", "area": "100.00", "owner": "owner-0004"},
        {"unit": "2-102", "area": "100.00", "owner": "owner-0005"},
        {"unit": "2-201", "area": "50.00", "owner": "owner-0001"},
    ]
    assert manager["ballots"] == [
        {"unit": "1-101", "choice": "yes"},
        {"unit": "1-102", "choice": "yes"},
        {"unit": "1-201", "choice": "no"},
        {"unit": "2-101", "choice": "abstain"},
        {"unit": "2-201", "choice": "yes"},
    ]
    assert AuditEntry.objects.filter(action="decisions.meeting.exported", actor=convener).count() == 1


def test_export_only_after_the_close_and_only_for_staff_in_scope(scene, convener, other_committee):
    meeting, *_ = scene
    with pytest.raises(NotFound):
        export.export_meeting(actor=convener, meeting_id=meeting.pk)
    f.close(None, meeting)
    with pytest.raises(NotFound):
        export.export_meeting(actor=other_committee, meeting_id=meeting.pk)
    assert AuditEntry.objects.filter(action="decisions.meeting.exported").count() == 0


def test_a_developer_paper_ballot_counts_as_one_owner(scene, convener, clerk2):
    meeting, matters, people, units = scene
    cast_scene(meeting, matters, people, units)
    wall = matters[2]
    with clock.frozen(f.T_VOTE):
        services.enter_paper_ballot(actor=convener, matter_id=wall.pk, unit_id=units["2-102"].pk, choice="no")
        services.enter_paper_ballot(actor=clerk2, matter_id=wall.pk, unit_id=units["2-102"].pk, choice="no")
    f.close(None, meeting)
    [r] = selectors.tally_sheet(actor=convener, meeting_id=meeting.pk).matters[2].results
    # now 3 of 3 owners and all 250.00 m² took part; yes 2 owners 150.00 m²: 2*15000 > 25000 and 2*2 > 3
    assert figures(r.document) == (3, "250.00", 3, "250.00", 2, "150.00", 1, "100.00", 0, "0.00", "passed")
    for entry in export.tally_inputs(meeting):
        assert pmip_verify.tally(entry["tally_input"]) == entry["platform_result"]


@pytest.mark.parametrize(
    ("against", "outcome"), [("99.99", "passed"), ("100.00", "rejected"), ("100.01", "rejected")]
)
def test_an_ordinary_matter_decided_by_the_last_cent_of_area(project, convener, against, outcome):
    x, z, y = f.person("甲"), f.person("乙"), f.person("丙")
    ux, uz, uy = (
        f.unit(project, "1-101", "50.00"),
        f.unit(project, "1-102", "50.00"),
        f.unit(project, "1-201", against),
    )
    f.own(ux, x)
    f.own(uz, z)
    f.own(uy, y)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()
    f.vote(x, matter, ux, "yes")
    f.vote(z, matter, uz, "yes")
    f.vote(y, matter, uy, "no")
    f.close(None, meeting)
    [entry] = export.tally_inputs(meeting)
    assert entry["platform_result"]["outcome"] == outcome
    assert pmip_verify.tally(entry["tally_input"]) == entry["platform_result"]


def test_non_voters_follow_the_majority_when_the_setting_is_on_and_both_figures_are_shown(project, convener):
    people = [f.person(f"业主{i}") for i in range(6)]
    us = [f.unit(project, f"1-10{i}", "100.00") for i in range(6)]
    for p, u in zip(people, us, strict=True):
        f.own(u, p)
    meeting = f.open_meeting(convener, project, [f.question()], non_voters_follow_majority=True)
    matter = meeting.matters.get()
    f.vote(people[0], matter, us[0], "yes")
    f.vote(people[1], matter, us[1], "yes")
    f.vote(people[2], matter, us[2], "no")
    f.close(None, meeting)

    [r] = selectors.tally_sheet(actor=convener, meeting_id=meeting.pk).matters[0].results

    assert (
        r.document["followed_majority_side"],
        r.document["followed_owners"],
        r.document["followed_area"],
    ) == ("yes", 3, "300.00")
    assert figures(r.document)[-1] == "passed"
    assert r.document["without_following"]["outcome"] == "no_decision"
    assert [t["passed"] for t in r.tests_without_following] == [False, False, True, True]
    [entry] = export.tally_inputs(meeting)
    assert pmip_verify.tally(entry["tally_input"]) == entry["platform_result"]


def test_counters_that_differ_from_the_recount_block_publication(scene, convener):
    meeting, matters, people, units = scene
    cast_scene(meeting, matters, people, units)
    MatterCount.objects.filter(matter=matters[0]).update(yes_owners=3)  # a corrupted counter

    f.close(None, meeting)

    assert meeting.count_mismatch is True
    closed = AuditEntry.objects.get(action="decisions.meeting.closed")
    assert closed.data["count_check"] == "mismatch"
    assert closed.data["problems"] == [{"kind": "count", "matter": matters[0].pk, "candidate": None}]
    with clock.frozen(f.T_END), pytest.raises(services.CountMismatch):
        services.publish_results(actor=convener, meeting_id=meeting.pk)
    meeting.refresh_from_db()
    assert (meeting.state, meeting.results_published_at) == ("closed", None)


def test_reading_results_does_not_read_ballots(scene, convener, django_assert_max_num_queries):
    meeting, matters, people, units = scene
    cast_scene(meeting, matters, people, units)
    f.close(None, meeting)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(10):
        selectors.tally_sheet(actor=convener, meeting_id=meeting.pk)
    assert not any("decisions_ballot" in q["sql"] for q in ctx.captured_queries)
