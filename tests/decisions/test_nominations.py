"""推选投票人: who may nominate whom, replacement, and the status a co-owner sees (masked names only)."""

from __future__ import annotations

import pytest

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.core.errors import NotFound, ValidationFailed
from pmip.decisions import selectors, services
from pmip.decisions.models import VoterNomination
from tests.decisions import factories as f


@pytest.fixture
def couple(project):
    """1-101 co-owned by 陈一 and 林二 (both bound); 1-102 owned by 王五 alone."""
    a, b, c = f.person("陈一"), f.person("林二"), f.person("王五")
    shared = f.unit(project, "1-101", "90.00")
    f.co_own(shared, [a, b])
    single = f.unit(project, "1-102", "80.00")
    f.own(single, c)
    return a, b, c, shared, single


def nominate(who, unit, nominee):
    with clock.frozen(f.T0):
        return services.nominate_voter(actor=who.account, unit_id=unit.pk, nominee_id=nominee.account.pk)


def test_a_single_owner_unit_needs_no_nomination(couple):
    _, _, c, _, single = couple
    with pytest.raises(ValidationFailed) as exc:
        nominate(c, single, c)
    assert exc.value.message == "该房屋只有一位产权人，无需推选投票人。"
    status = selectors.nomination_status(actor=c.account, unit_id=single.pk)
    assert (status.co_owned, status.effective, status.explanation) == (
        False,
        False,
        "该房屋只有一位产权人，由产权人本人投票，无需推选。",
    )
    assert VoterNomination.objects.count() == 0


def test_only_bound_co_owners_nominate_and_only_co_owners_are_nominated(couple):
    a, _, c, shared, _ = couple
    with pytest.raises(NotFound):
        nominate(c, shared, a)  # not bound to the unit
    with pytest.raises(ValidationFailed) as exc:
        nominate(a, shared, c)  # not a co-owner
    assert exc.value.message == "只能推选已绑定本房屋的共有人作为投票人。"
    assert VoterNomination.objects.count() == 0
    assert AuditEntry.objects.filter(action="decisions.nomination.made").count() == 0


def test_status_until_everyone_named_the_same_person(couple):
    a, b, _, shared, _ = couple

    nominate(a, shared, b)
    status = selectors.nomination_status(actor=a.account, unit_id=shared.pk)
    assert (status.effective, status.my_nominee_id) == (False, b.account.pk)
    assert [(x.holder_masked, x.on_platform, x.nominated_masked, x.is_me) for x in status.co_owners] == [
        ("陈*", True, "林*", True),
        ("林*", True, "", False),
    ]
    assert status.explanation == "尚有共有人未推选投票人：需全体共有人推选同一人，推选才生效。"

    nominate(b, shared, b)
    status = selectors.nomination_status(actor=b.account, unit_id=shared.pk)
    assert (status.effective, status.effective_nominee_masked, status.explanation) == (
        True,
        "林*",
        "全体共有人推选了同一人，推选已生效。",
    )
    assert status.candidates == [(a.account.pk, "陈*"), (b.account.pk, "林*")]


def test_different_nominees_fail_and_a_new_nomination_replaces_the_old(couple):
    a, b, _, shared, _ = couple
    first = nominate(a, shared, a)
    nominate(b, shared, b)
    assert selectors.nomination_status(actor=a.account, unit_id=shared.pk).explanation == (
        "共有人推选的不是同一人，推选未生效。"
    )

    second = nominate(a, shared, b)

    first.refresh_from_db()
    assert (first.ended_at, second.ended_at) == (f.T0, None)
    assert VoterNomination.objects.filter(ended_at__isnull=True).count() == 2
    assert selectors.nomination_status(actor=a.account, unit_id=shared.pk).effective is True
    entry = AuditEntry.objects.filter(action="decisions.nomination.made").order_by("-id").first()
    assert entry.data == {"unit": shared.pk, "nominee": b.account.pk, "replaced": first.pk}


def test_status_shows_the_voter_frozen_in_an_open_meeting(project, convener, couple):
    a, b, _, shared, _ = couple
    nominate(a, shared, a)
    nominate(b, shared, a)
    meeting = f.open_meeting(convener, project, [f.question()])
    with clock.frozen(f.T_VOTE):
        services.nominate_voter(actor=a.account, unit_id=shared.pk, nominee_id=b.account.pk)
    status = selectors.nomination_status(actor=b.account, unit_id=shared.pk)
    assert status.frozen_voters == [(meeting.title, "陈*")]
    assert status.explanation == (
        "共有人推选的不是同一人，推选未生效。"
        "正在进行的投票以投票开始时的名册为准，在投票中变更推选人，下次业主大会才生效。"
    )


def test_someone_not_bound_cannot_read_a_units_status(couple):
    _, _, c, shared, _ = couple
    with pytest.raises(NotFound):
        selectors.nomination_status(actor=c.account, unit_id=shared.pk)
