"""The bulk read behind the lists (pmip.portal.decisions.overview) agrees with the domain's per-meeting
`voting_slots`, and the list pages and API take a fixed number of queries whatever the number of meetings."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pmip.core.errors import NotFound
from pmip.decisions import overview, selectors, services
from tests.decisions import factories as f
from tests.portal_decisions.support import close, meeting_around_now, nominate, publish, vote


def _domain(actor, meeting):
    return [
        (
            s.unit_id,
            s.unit_labels,
            s.owner_kind,
            s.for_self,
            s.principal_masked,
            s.eligible,
            s.ineligible_reason,
            s.blocked_by_delegation,
            s.matter_ids,
            {k: (b.choices, b.receipt) for k, b in s.ballots.items()},
        )
        for s in selectors.voting_slots(actor=actor, meeting=meeting)
    ]


def _bulk(view: overview.MeetingView):
    return [
        (
            s.unit_id,
            s.unit_labels,
            s.owner_kind,
            s.for_self,
            s.principal_masked,
            s.eligible,
            s.ineligible_reason,
            s.blocked_by_delegation,
            s.matter_ids,
            {k: (b.choices, b.receipt) for k, b in s.ballots.items()},
        )
        for s in view.slots
    ]


def test_the_bulk_slots_equal_the_domains_voting_slots_for_every_kind_of_owner(scene):
    nominate(scene.wang, scene.units["2-102"], scene.wang)
    nominate(scene.zhao, scene.units["2-102"], scene.wang)
    b1 = f.building(scene.project, "1")
    first = meeting_around_now(
        scene.convener,
        scene.project,
        [f.question(), f.question("1栋外墙", item=7, scope="buildings", building_ids=[b1.pk])],
    )
    second = meeting_around_now(scene.convener, scene.project, [f.question("第二次会议")], title="第二次会议")
    m1, m2 = first.matters.order_by("order")
    vote(scene.zhang, first, scene.units["2-101"], {m1.pk: "yes", m2.pk: "no"})
    vote(scene.zhou, first, scene.units["1-202"], {m1.pk: "abstain"})
    vote(scene.wang, second, scene.units["2-102"], {second.matters.get().pk: "no"})
    people = [scene.zhang, scene.li, scene.wang, scene.zhao, scene.qian, scene.sun, scene.zhou]
    for who in people:
        view = overview.project_overview(actor=who.account, project_id=scene.project.pk)
        by_id = {mv.meeting.pk: mv for mv in view.meetings}
        for meeting in (first, second):
            assert _bulk(by_id[meeting.pk]) == _domain(who.account, meeting), who.name
    # spot-check the shapes behind the comparison
    zhang = overview.meeting_view(actor=scene.zhang.account, meeting_id=first.pk).slots
    assert [(s.unit_labels, s.matter_ids, sorted(s.ballots)) for s in zhang] == [
        (["1-101", "2-101"], [m1.pk, m2.pk], sorted([m1.pk, m2.pk]))
    ]
    zhao = overview.meeting_view(actor=scene.zhao.account, meeting_id=first.pk).slots
    assert [(s.eligible, s.ineligible_reason, s.ballots) for s in zhao] == [
        (False, "本房屋由共有人推选的投票人投票", {})
    ]
    sun = overview.meeting_view(actor=scene.sun.account, meeting_id=first.pk).slots
    assert [(s.eligible, s.blocked_by_delegation, s.can_vote) for s in sun] == [(True, True, False)]


def test_the_tabs_sort_matters_by_state(scene):
    meeting = meeting_around_now(scene.convener, scene.project, [f.question(), f.question("第二项", item=9)])
    m1, m2 = meeting.matters.order_by("order")
    vote(scene.li, meeting, scene.units["1-102"], {m1.pk: "yes"})
    view = overview.project_overview(actor=scene.li.account, project_id=scene.project.pk)
    assert [(r.matter.pk, r.state) for r in view.tab("pending")] == [(m2.pk, "pending")]
    assert [(r.matter.pk, r.state) for r in view.tab("voted")] == [(m1.pk, "voted")]
    assert view.tab("counted") == []
    assert len(view.tab("all")) == 2
    qian = overview.project_overview(actor=scene.qian.account, project_id=scene.project.pk)
    assert [(r.state, r.reason) for r in qian.tab("all")] == [
        ("cannot", "业主未完成人脸认证或线下认证"),
        ("cannot", "业主未完成人脸认证或线下认证"),
    ]
    sun = overview.project_overview(actor=scene.sun.account, project_id=scene.project.pk)
    assert {r.reason for r in sun.tab("all")} == {overview.DELEGATED_AWAY}


def _meetings(scene, n: int):
    """n meetings in different states, each with two matters and ballots of 张三 and 李四."""
    made = []
    for i in range(n):
        meeting = meeting_around_now(
            scene.convener,
            scene.project,
            [f.question(f"议题{i}-1"), f.election(f"选举{i}", 1, ["甲", "乙"])],
            title=f"会议{i}",
        )
        q, e = meeting.matters.order_by("order")
        a, b = e.candidates.order_by("order")
        vote(scene.zhang, meeting, scene.units["1-101"], {q.pk: "yes", e.pk: {a.pk: "yes", b.pk: "no"}})
        vote(scene.li, meeting, scene.units["1-102"], {q.pk: "no"})
        if i % 3 == 1:
            close(scene.convener, meeting)
        elif i % 3 == 2:
            publish(scene.convener, meeting)
        made.append(meeting)
    return made


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/decisions/?project={p}",
        "/decisions/votes/?project={p}&tab=all",
        "/decisions/votes/?project={p}&tab=voted",
        "/api/v1/decisions/meetings",
        "/api/v1/decisions/receipts",
    ],
)
def test_list_pages_take_a_fixed_number_of_queries(client, scene, url, django_assert_max_num_queries):
    client.force_login(scene.zhang.account)
    url = url.format(p=scene.project.pk)
    _meetings(scene, 3)  # one open, one closed, one published
    client.get(url)  # warm the session
    three = _count(client, url)
    _meetings(scene, 6)
    with django_assert_max_num_queries(three):
        response = client.get(url)
    assert response.status_code == 200
    assert three <= 22


# --- the checks before the confirmation page (moved from the owner view into the domain, issue 9) ------------------


def test_the_checks_before_confirming_give_the_casting_services_refusals(scene):
    meeting = meeting_around_now(scene.convener, scene.project, [f.question()])
    matter = meeting.matters.get()
    row = overview.matter_row(actor=scene.zhang.account, matter_id=matter.pk)
    overview.require_voting_open(row)
    slot = overview.votable_slot(row, scene.units["1-101"].pk)
    assert (
        overview.votable_slot(row, str(scene.units["2-101"].pk)) is slot
    )  # the same owner, as text from a form
    with pytest.raises(NotFound):
        overview.votable_slot(row, scene.units["1-102"].pk)  # 李四's unit
    overview.require_may_cast(row, slot)
    vote(scene.zhang, meeting, scene.units["1-101"], {matter.pk: "yes"})
    row = overview.matter_row(actor=scene.zhang.account, matter_id=matter.pk)
    with pytest.raises(services.AlreadyVoted):  # no change allowed in this meeting
        overview.require_may_cast(row, overview.votable_slot(row, scene.units["1-101"].pk))
    # 孙八 delegated to 周九: his own slot may not vote, with the reason the pages show
    row = overview.matter_row(actor=scene.sun.account, matter_id=matter.pk)
    with pytest.raises(services.NotEligible, match=overview.DELEGATED_AWAY):
        overview.require_may_cast(row, overview.votable_slot(row, scene.units["1-202"].pk))
    # after the close the matter takes no ballot
    close(scene.convener, meeting)
    row = overview.matter_row(actor=scene.zhang.account, matter_id=matter.pk)
    with pytest.raises(services.VotingNotOpen, match="投票已截止"):
        overview.require_voting_open(row)


def test_a_noticed_meeting_is_not_open_yet(scene):
    meeting = meeting_around_now(scene.convener, scene.project, [f.question()], state="noticed")
    row = overview.matter_row(actor=scene.zhang.account, matter_id=meeting.matters.get().pk)
    with pytest.raises(services.VotingNotOpen, match="投票尚未开始"):
        overview.require_voting_open(row)
