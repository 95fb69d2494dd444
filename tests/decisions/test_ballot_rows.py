"""The ballot rows of a cast: the receipt the database computes (PostgreSQL writes the sequence, the ballots and their
receipts in one statement) equals `receipt_code` over the stored ballot, on both databases; sequences are gapless
across a cast of several matters, an election and a replaced ballot."""

from __future__ import annotations

import hashlib
import json

import pytest

from pmip.audit import chain
from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.decisions import services
from pmip.decisions.models import Ballot
from pmip.decisions.services.ballot_rows import receipt_parts
from tests.decisions import factories as f

pytestmark = pytest.mark.django_db


def _expected(ballot: Ballot) -> str:
    return services.receipt_code(
        meeting_id=ballot.meeting_id,
        matter_id=ballot.matter_id,
        sequence=ballot.sequence,
        owner_token=ballot.owner_token,
        choices=ballot.choices,
        channel=ballot.channel,
        nonce=ballot.nonce,
    )


@pytest.mark.parametrize(
    "choices",
    [{"matter": "yes"}, {"12": "abstain", "7": "no"}, {"候选人": "yes", 'a"sequence":-1': "no"}],
)
def test_receipt_parts_frame_the_sequence_of_the_canonical_text(choices):
    head, tail = receipt_parts(
        meeting_id=3, matter_id=9, owner_token="tok", choices=choices, channel="online", nonce="ab" * 16
    )
    doc = {
        "v": 1,
        "meeting": 3,
        "matter": 9,
        "sequence": 4711,
        "owner": "tok",
        "choices": choices,
        "channel": "online",
        "nonce": "ab" * 16,
    }
    assert head + "4711" + tail == json.dumps(doc, sort_keys=True, separators=(",", ":"))
    assert (head + tail).isascii()  # the database hashes the same bytes
    assert (
        services.receipt_code(
            meeting_id=3,
            matter_id=9,
            sequence=4711,
            owner_token="tok",
            choices=choices,
            channel="online",
            nonce="ab" * 16,
        )
        == hashlib.sha256((head + "4711" + tail).encode()).hexdigest()
    )


def test_a_cast_of_several_matters_gets_gapless_sequences_and_checkable_receipts(project, convener):
    owner, other = f.person("张三"), f.person("李四")
    unit, unit2 = f.unit(project, "1-101", "90.00"), f.unit(project, "1-102", "80.00")
    f.own(unit, owner)
    f.own(unit2, other)
    meeting = f.open_meeting(
        convener, project, [f.question(), f.question(), f.question()], allow_ballot_change=True
    )
    matters = list(meeting.matters.order_by("pk"))
    with clock.frozen(f.T_VOTE):
        first = services.cast_ballots(
            actor=owner.account,
            meeting_id=meeting.pk,
            unit_id=unit.pk,
            answers={m.pk: c for m, c in zip(matters, ["yes", "no", "abstain"], strict=True)},
        )
        services.cast_ballots(
            actor=other.account, meeting_id=meeting.pk, unit_id=unit2.pk, answers={matters[1].pk: "yes"}
        )
        again = services.cast_ballots(  # a change: the new ballot replaces the old one
            actor=owner.account, meeting_id=meeting.pk, unit_id=unit.pk, answers={matters[0].pk: "no"}
        )
    assert [r.sequence for r in first] == [1, 2, 3] and again[0].sequence == 5 and again[0].replaced
    ballots = list(Ballot.objects.filter(meeting=meeting).order_by("sequence"))
    assert [b.sequence for b in ballots] == [1, 2, 3, 4, 5]
    for ballot in ballots:
        assert ballot.receipt == _expected(ballot)
    by_sequence = {b.sequence: b for b in ballots}
    assert [r.receipt for r in first] == [by_sequence[n].receipt for n in (1, 2, 3)]
    assert by_sequence[1].superseded_by_id == by_sequence[5].pk
    meeting.refresh_from_db()
    assert meeting.ballot_sequence == 5
    # the audit entries written with the ballots (in the same statement on PostgreSQL) are whole and chain
    cast = AuditEntry.objects.filter(action="decisions.ballot.cast").order_by("id")
    assert [(e.actor_id, e.data["matter"], e.data["replaced"]) for e in cast] == [
        (owner.account.pk, matters[0].pk, False),
        (owner.account.pk, matters[1].pk, False),
        (owner.account.pk, matters[2].pk, False),
        (other.account.pk, matters[1].pk, False),
        (owner.account.pk, matters[0].pk, True),
    ]
    assert all(e.project_id == project.pk and e.seq is None for e in cast)
    chain.seal()
    assert chain.verify().ok
