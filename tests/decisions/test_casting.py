"""Casting ballots: one per owner and matter, receipts, delegation, multi-unit and co-owned units, scope, timing,
ballot changes and paper ballots."""

from __future__ import annotations

import datetime as dt

import pytest

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.decisions import services
from pmip.decisions.models import Ballot, MatterCount, PaperBallotEntry
from pmip.decisions.selectors import count_discrepancies
from pmip.delegation.models import DelegationStatus
from tests.decisions import factories as f


def counts(matter, candidate=None):
    row = MatterCount.objects.get(matter=matter, candidate=candidate)
    return (row.yes_owners, row.yes_area, row.no_owners, row.no_area, row.abstain_owners, row.abstain_area)


@pytest.fixture
def owners(project):
    """张三 owns 1-101 (90.00) and 2-101 (50.00); 李四 owns 1-102 (80.00)."""
    a, b = f.person("张三"), f.person("李四")
    units = {
        "1-101": f.unit(project, "1-101", "90.00"),
        "2-101": f.unit(project, "2-101", "50.00"),
        "1-102": f.unit(project, "1-102", "80.00"),
    }
    f.own(units["1-101"], a)
    f.own(units["2-101"], a)
    f.own(units["1-102"], b)
    return a, b, units


def test_a_ballot_returns_its_receipt_and_moves_the_counts(project, convener, owners):
    a, _, units = owners
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()

    result = f.vote(a, matter, units["1-101"], "yes")

    ballot = Ballot.objects.get()
    assert (result.matter_id, result.sequence, result.receipt, result.replaced) == (
        matter.pk,
        1,
        ballot.receipt,
        False,
    )
    assert ballot.receipt == services.receipt_code(
        meeting_id=meeting.pk,
        matter_id=matter.pk,
        sequence=1,
        owner_token=ballot.owner_token,
        choices={"matter": "yes"},
        channel="online",
        nonce=ballot.nonce,
    )
    assert (ballot.area, ballot.choices, ballot.by_delegate, ballot.cast_at) == (
        14000,
        {"matter": "yes"},
        False,
        f.T_VOTE,
    )
    assert counts(matter) == (1, 14000, 0, 0, 0, 0)


def test_an_owner_with_several_units_casts_one_ballot_covering_them_all(project, convener, owners):
    a, _, units = owners
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()
    f.vote(a, matter, units["1-101"], "no")

    with pytest.raises(ValidationFailed) as exc:
        f.vote(a, matter, units["2-101"], "yes")  # the other unit: same owner, same matter

    assert exc.value.code == "already_voted"
    assert Ballot.objects.count() == 1
    assert counts(matter) == (0, 0, 1, 14000, 0, 0)


def test_a_ballot_is_final_unless_the_meeting_allows_changes(project, convener, owners):
    a, _, units = owners
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()
    f.vote(a, matter, units["1-101"], "yes")
    with pytest.raises(ValidationFailed):
        f.vote(a, matter, units["1-101"], "no")
    assert counts(matter) == (1, 14000, 0, 0, 0, 0)
    assert Ballot.objects.count() == 1


def test_a_changed_ballot_supersedes_the_old_one_when_allowed(project, convener, owners):
    a, _, units = owners
    meeting = f.open_meeting(convener, project, [f.question()], allow_ballot_change=True)
    matter = meeting.matters.get()
    first = f.vote(a, matter, units["1-101"], "yes")
    second = f.vote(a, matter, units["2-101"], "abstain")

    assert (second.sequence, second.replaced) == (2, True)
    old, new = Ballot.objects.order_by("sequence")
    assert (old.receipt, old.superseded_at, old.superseded_by) == (first.receipt, f.T_VOTE, new)
    assert new.superseded_at is None
    assert counts(matter) == (0, 0, 0, 0, 1, 14000)
    assert count_discrepancies(meeting) == []


def test_a_delegate_votes_for_the_principal_and_counts_as_the_principal(project, convener, owners):
    a, b, units = owners
    d = f.person("王受托")
    f.delegate(a, project, d)
    f.delegate(b, project, d)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()

    f.vote(d, matter, units["1-101"], "yes")
    f.vote(d, matter, units["1-102"], "yes")

    assert counts(matter) == (2, 22000, 0, 0, 0, 0)  # two principals, two owners
    ballots = Ballot.objects.order_by("sequence")
    assert [x.by_delegate for x in ballots] == [True, True]
    assert len({x.owner_token for x in ballots}) == 2
    entry = AuditEntry.objects.filter(action="decisions.ballot.cast").order_by("id").first()
    assert (entry.actor, entry.on_behalf_of, entry.actor_label) == (
        d.account,
        a.account,
        "被委托人 王** 代业主 张*",
    )


def test_the_delegating_owner_cannot_vote(project, convener, owners):
    a, _, units = owners
    f.delegate(a, project, f.person("王受托"))
    meeting = f.open_meeting(convener, project, [f.question()])
    with pytest.raises(PermissionDenied) as exc:
        f.vote(a, meeting.matters.get(), units["1-101"], "yes")
    assert exc.value.message == "委托期内，您不能参与业主决策；如需自己投票，请先解除委托。"
    assert Ballot.objects.count() == 0
    assert AuditEntry.objects.filter(action="decisions.ballot.cast").count() == 0


def test_a_delegation_granted_during_the_vote_stops_the_owner_and_revoking_stops_the_delegate(
    project, convener, owners
):
    a, _, units = owners
    d = f.person("王受托")
    meeting = f.open_meeting(convener, project, [f.question("一"), f.question("二")])
    one, two = meeting.matters.order_by("order")
    delegation = f.delegate(a, project, d)
    with pytest.raises(PermissionDenied):
        f.vote(a, one, units["1-101"], "yes")
    f.vote(d, one, units["1-101"], "yes")
    delegation.status = DelegationStatus.REVOKED
    delegation.save()
    with pytest.raises(NotFound):
        f.vote(d, two, units["1-101"], "yes")
    f.vote(a, two, units["1-101"], "no")
    assert counts(one) == (1, 14000, 0, 0, 0, 0)
    assert counts(two) == (0, 0, 1, 14000, 0, 0)


def test_someone_unrelated_cannot_vote_for_a_unit(project, convener, owners):
    _, b, units = owners
    meeting = f.open_meeting(convener, project, [f.question()])
    with pytest.raises(NotFound):
        f.vote(b, meeting.matters.get(), units["1-101"], "yes")
    assert Ballot.objects.count() == 0


def test_co_owned_unit_votes_only_through_the_effective_nominee(project, convener):
    a, b = f.person("陈一"), f.person("林二")
    u = f.unit(project, "1-101", "90.00")
    f.co_own(u, [a, b])
    with clock.frozen(f.T0):
        services.nominate_voter(actor=a.account, unit_id=u.pk, nominee_id=b.account.pk)
        services.nominate_voter(actor=b.account, unit_id=u.pk, nominee_id=b.account.pk)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()

    with pytest.raises(PermissionDenied):
        f.vote(a, matter, u, "yes")
    f.vote(b, matter, u, "yes")
    assert counts(matter) == (1, 9000, 0, 0, 0, 0)


def test_co_owned_unit_without_an_effective_nomination_cannot_vote_online_or_on_paper(
    project, convener, clerk2
):
    a, b = f.person("陈一"), f.person("林二")
    u = f.unit(project, "1-101", "90.00")
    f.co_own(u, [a, b])
    with clock.frozen(f.T0):
        services.nominate_voter(actor=a.account, unit_id=u.pk, nominee_id=a.account.pk)
        services.nominate_voter(actor=b.account, unit_id=u.pk, nominee_id=b.account.pk)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()

    for who in (a, b):
        with pytest.raises(PermissionDenied) as exc:
            f.vote(who, matter, u, "yes")
        assert (
            exc.value.message
            == "本房屋不能参加本次网络投票：共有房屋未有效推选投票人。投票人名册已在投票开始时确定。"
        )
    with clock.frozen(f.T_VOTE), pytest.raises(PermissionDenied):
        services.enter_paper_ballot(actor=convener, matter_id=matter.pk, unit_id=u.pk, choice="yes")
    assert (Ballot.objects.count(), PaperBallotEntry.objects.count()) == (0, 0)


def test_a_nomination_changed_during_the_vote_applies_to_the_next_meeting(project, convener):
    a, b = f.person("陈一"), f.person("林二")
    u = f.unit(project, "1-101", "90.00")
    f.co_own(u, [a, b])
    with clock.frozen(f.T0):
        services.nominate_voter(actor=a.account, unit_id=u.pk, nominee_id=a.account.pk)
        services.nominate_voter(actor=b.account, unit_id=u.pk, nominee_id=a.account.pk)
    current = f.open_meeting(convener, project, [f.question()])
    with clock.frozen(f.T_VOTE):
        services.nominate_voter(actor=a.account, unit_id=u.pk, nominee_id=b.account.pk)
        services.nominate_voter(actor=b.account, unit_id=u.pk, nominee_id=b.account.pk)
    with pytest.raises(PermissionDenied):
        f.vote(b, current.matters.get(), u, "yes")
    f.vote(a, current.matters.get(), u, "yes")

    later = f.open_meeting(convener, project, [f.question()])
    with pytest.raises(PermissionDenied):
        f.vote(a, later.matters.get(), u, "yes")
    f.vote(b, later.matters.get(), u, "no")


def test_an_owner_outside_a_matters_scope_cannot_vote_on_it(project, convener, owners):
    _, b, units = owners
    b2 = f.building(project, "2")
    meeting = f.open_meeting(
        convener, project, [f.question("2栋电梯", item=5, scope="buildings", building_ids=[b2.pk])]
    )
    with pytest.raises(NotFound):  # 1-102 is not even on this meeting's roll
        f.vote(b, meeting.matters.get(), units["1-102"], "yes")


def test_in_scope_area_only_for_an_owner_with_units_inside_and_outside(project, convener, owners):
    a, _, units = owners
    b2 = f.building(project, "2")
    meeting = f.open_meeting(
        convener,
        project,
        [f.question("续聘物业"), f.question("2栋电梯", item=5, scope="buildings", building_ids=[b2.pk])],
    )
    whole, lift = meeting.matters.order_by("order")
    with clock.frozen(f.T_VOTE):
        services.cast_ballots(
            actor=a.account,
            meeting_id=meeting.pk,
            unit_id=units["1-101"].pk,
            answers={whole.pk: "yes", lift.pk: "no"},
        )
    assert counts(whole) == (1, 14000, 0, 0, 0, 0)
    assert counts(lift) == (0, 0, 1, 5000, 0, 0)
    _, b, _ = owners
    # 李四 (1-102 only) is on the roll, but not in the lift's scope
    with pytest.raises(ValidationFailed) as exc:
        f.vote(b, lift, units["1-102"], "yes")
    assert exc.value.message == "您的房屋不在议题“2栋电梯”的表决范围内。"
    assert counts(lift) == (0, 0, 1, 5000, 0, 0)


def test_nothing_is_accepted_before_the_start_or_after_the_end(project, convener, owners):
    a, _, units = owners
    noticed = f.noticed_meeting(convener, project, [f.question()])
    with clock.frozen(f.T_VOTE), pytest.raises(ValidationFailed) as exc:
        services.cast_ballot(
            actor=a.account, matter_id=noticed.matters.get().pk, unit_id=units["1-101"].pk, choice="yes"
        )
    assert exc.value.message == "投票尚未开始。"

    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()
    # still "open" at the end time (the task has not run yet): refused all the same
    with clock.frozen(f.T_END), pytest.raises(ValidationFailed) as exc:
        services.cast_ballot(actor=a.account, matter_id=matter.pk, unit_id=units["1-101"].pk, choice="yes")
    assert (exc.value.code, exc.value.message) == ("voting_not_open", "投票已截止，不能再投票。")
    f.close(None, meeting)
    with clock.frozen(f.T_VOTE), pytest.raises(ValidationFailed):  # closed, whatever the clock says
        services.cast_ballot(actor=a.account, matter_id=matter.pk, unit_id=units["1-101"].pk, choice="yes")
    assert Ballot.objects.count() == 0


def test_an_election_ballot_must_answer_every_candidate(project, convener, owners):
    a, _, units = owners
    meeting = f.open_meeting(convener, project, [f.election("选举业委会委员", 1, ["甲", "乙"])])
    matter = meeting.matters.get()
    c1, c2 = matter.candidates.order_by("order")
    with pytest.raises(ValidationFailed):
        f.vote(a, matter, units["1-101"], {c1.pk: "yes"})
    with pytest.raises(ValidationFailed):
        f.vote(a, matter, units["1-101"], "yes")
    f.vote(a, matter, units["1-101"], {c1.pk: "yes", c2.pk: "no"})
    assert counts(matter, c1) == (1, 14000, 0, 0, 0, 0)
    assert counts(matter, c2) == (0, 0, 1, 14000, 0, 0)


def test_audit_of_a_ballot_holds_no_choice(project, convener, owners):
    a, _, units = owners
    meeting = f.open_meeting(convener, project, [f.question()])
    result = f.vote(a, meeting.matters.get(), units["1-101"], "abstain")
    entry = AuditEntry.objects.get(action="decisions.ballot.cast")
    assert entry.data == {
        "meeting": meeting.pk,
        "matter": result.matter_id,
        "channel": "online",
        "replaced": False,
    }
    # the entry names neither the ballot nor its receipt, so it cannot be joined to the choice
    assert (entry.object_type, entry.object_id) != ("decisions.ballot", str(Ballot.objects.get().pk))
    assert result.receipt not in str(entry.data)
    assert "abstain" not in str(AuditEntry.objects.values_list("data", flat=True))


# --- paper ballots ----------------------------------------------------------------------------------------------


def paper(actor, matter, u, choice, at=f.T_VOTE):
    with clock.frozen(at):
        return services.enter_paper_ballot(
            actor=actor, matter_id=matter.pk, unit_id=u.pk, choice=choice, form_number="No.7"
        )


def test_paper_ballot_counts_after_a_second_equal_entry_by_another_clerk(project, convener, clerk2):
    developer_unit = f.unit(project, "2-102", "60.00", developer_held=True)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()

    first = paper(convener, matter, developer_unit, "yes")
    assert (first.state, Ballot.objects.count(), counts(matter)) == ("pending", 0, (0, 0, 0, 0, 0, 0))
    with pytest.raises(ValidationFailed) as exc:
        paper(convener, matter, developer_unit, "yes")
    assert exc.value.message == "书面表决票须由另一名工作人员复核录入。"

    second = paper(clerk2, matter, developer_unit, "yes")

    assert (second.pk, second.state, second.second_by) == (first.pk, "confirmed", clerk2)
    ballot = Ballot.objects.get()
    assert (ballot.channel, ballot.by_delegate, ballot.paper_entry) == ("paper", False, second)
    assert counts(matter) == (1, 6000, 0, 0, 0, 0)
    assert "yes" not in str(
        AuditEntry.objects.filter(action__startswith="decisions.paper").values_list("data", flat=True)
    )


def test_paper_entries_that_differ_are_flagged_and_not_counted(project, convener, clerk2):
    u = f.unit(project, "2-102", "60.00", developer_held=True)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()
    paper(convener, matter, u, "yes")
    entry = paper(clerk2, matter, u, "no")
    assert (entry.state, entry.first_choices, entry.second_choices) == (
        "mismatch",
        {"matter": "yes"},
        {"matter": "no"},
    )
    assert (Ballot.objects.count(), counts(matter)) == (0, (0, 0, 0, 0, 0, 0))
    assert AuditEntry.objects.filter(action="decisions.paper.mismatch").count() == 1
    # entered again from the form: a fresh double entry
    paper(clerk2, matter, u, "no")
    assert paper(convener, matter, u, "no").state == "confirmed"
    assert counts(matter) == (0, 0, 1, 6000, 0, 0)


def test_an_online_ballot_wins_over_paper_in_either_order(project, convener, clerk2, owners):
    a, b, units = owners
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()

    # online first, then paper: the paper ballot is not counted
    f.vote(a, matter, units["1-101"], "yes")
    paper(convener, matter, units["2-101"], "no")
    assert paper(clerk2, matter, units["2-101"], "no").state == "not_counted"

    # paper first, then online: the online ballot replaces it (even though changes are not allowed)
    paper(convener, matter, units["1-102"], "no")
    entry = paper(clerk2, matter, units["1-102"], "no")
    assert counts(matter) == (1, 14000, 1, 8000, 0, 0)
    result = f.vote(b, matter, units["1-102"], "yes")

    assert result.replaced is True
    entry.refresh_from_db()
    assert entry.state == "not_counted"
    assert counts(matter) == (2, 22000, 0, 0, 0, 0)
    assert Ballot.objects.filter(superseded_at__isnull=True).count() == 2
    assert count_discrepancies(meeting) == []


def test_staff_of_another_project_cannot_enter_paper_ballots(project, convener, other_committee):
    u = f.unit(project, "2-102", "60.00", developer_held=True)
    meeting = f.open_meeting(convener, project, [f.question()])
    with pytest.raises(NotFound):
        paper(other_committee, meeting.matters.get(), u, "yes")
    assert PaperBallotEntry.objects.count() == 0


def test_paper_ballots_are_refused_after_the_end(project, convener):
    u = f.unit(project, "2-102", "60.00", developer_held=True)
    meeting = f.open_meeting(convener, project, [f.question()])
    with pytest.raises(ValidationFailed):
        paper(convener, meeting.matters.get(), u, "yes", at=f.T_END + dt.timedelta(seconds=1))
    assert PaperBallotEntry.objects.count() == 0


def test_answers_from_a_form_with_string_keys_are_accepted(project, convener, owners):
    a, _, units = owners
    meeting = f.open_meeting(convener, project, [f.election("补选委员", 1, ["甲", "乙"])])
    matter = meeting.matters.get()
    c1, c2 = matter.candidates.order_by("order")
    with clock.frozen(f.T_VOTE):
        [result] = services.cast_ballots(
            actor=a.account,
            meeting_id=meeting.pk,
            unit_id=units["1-101"].pk,
            answers={str(matter.pk): {str(c1.pk): "abstain", str(c2.pk): "yes"}},
        )
    assert Ballot.objects.get().choices == {str(c1.pk): "abstain", str(c2.pk): "yes"}
    assert result.sequence == 1
    with clock.frozen(f.T_VOTE), pytest.raises(NotFound):
        services.cast_ballots(
            actor=a.account, meeting_id=meeting.pk, unit_id=units["1-101"].pk, answers={"x": "yes"}
        )
