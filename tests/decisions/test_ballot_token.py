"""Vote privacy at the storage level (issue 8, item 3): with the database alone a choice cannot be linked to a unit,
an account or a name. The ballot stores a per-meeting keyed token; the platform recomputes it to find an owner's own
ballot and to count."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.test import override_settings

from pmip.audit.models import AuditEntry
from pmip.decisions import selectors, tokens
from pmip.decisions.export import tally_inputs
from pmip.decisions.models import Ballot, Meeting, RollEntry
from tests.decisions import factories as f


@pytest.fixture
def voted(project, convener):
    a, b = f.person("张三"), f.person("李四")
    u1, u2, u3 = (
        f.unit(project, "1-101", "90.00"),
        f.unit(project, "2-101", "50.00"),
        f.unit(project, "1-102", "80.00"),
    )
    f.own(u1, a)
    f.own(u2, a)
    f.own(u3, b)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()
    f.vote(a, matter, u1, "yes")
    f.vote(b, matter, u3, "no")
    return meeting, matter, a, b, (u1, u2, u3)


def _all_text_values() -> list[str]:
    """Every string stored in every table except the ballot token column itself."""
    out = []
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        fields = [
            fl.attname
            for fl in model._meta.concrete_fields
            if fl.get_internal_type() in ("CharField", "TextField", "JSONField")
            and not (model is Ballot and fl.name == "owner_token")
        ]
        if fields:
            for row in model.objects.values_list(*fields):
                out.extend(str(v) for v in row if v)
    return out


def test_no_column_of_a_ballot_joins_to_the_roll_an_account_or_a_unit(voted):
    meeting, matter, a, b, units = voted
    ballots = list(Ballot.objects.all())
    roll_keys = set(RollEntry.objects.filter(meeting=meeting).values_list("owner_key", flat=True))
    # the stored owner is not the roll key, and nothing else in the database holds the token
    assert not {x.owner_token for x in ballots} & roll_keys
    stored = "\n".join(_all_text_values())
    for x in ballots:
        assert x.owner_token.split(":", 1)[1] not in stored
    # no foreign key from a ballot to an account, a unit or a roll entry
    targets = {fl.related_model._meta.label for fl in Ballot._meta.concrete_fields if fl.is_relation}
    assert targets == {
        "decisions.Meeting",
        "decisions.Matter",
        "decisions.PaperBallotEntry",
        "decisions.Ballot",
    }
    # the audit entry of casting names the matter, not the ballot (its id, sequence or receipt)
    for entry in AuditEntry.objects.filter(action="decisions.ballot.cast"):
        assert entry.object_type == "decisions.matter"
        assert not any(x.receipt in str(entry.data) for x in ballots)


def test_the_token_is_per_meeting_and_keyed_outside_the_database(voted, project, convener):
    meeting, matter, a, b, units = voted
    key = RollEntry.objects.filter(meeting=meeting, unit=units[0]).values_list("owner_key", flat=True).get()
    token = tokens.token_of(meeting, key)
    assert Ballot.objects.filter(owner_token=token).count() == 1
    assert token.startswith(meeting.ballot_key_id + ":")
    # another meeting gives the same owner another token
    other = Meeting(pk=meeting.pk + 1000, ballot_key_id=meeting.ballot_key_id)
    assert tokens.token_of(other, key) != token
    # the key is not in any table
    raw = tokens._key(meeting.ballot_key_id).hex()
    assert raw not in "\n".join(_all_text_values())


def test_a_configured_ballot_key_is_used_for_new_meetings_and_old_meetings_keep_theirs(
    voted, project, convener
):
    meeting, matter, a, b, units = voted
    old_kid = meeting.ballot_key_id
    with override_settings(PMIP_BALLOT_KEY="b2:" + "A" * 43 + "="):
        assert tokens.active_key_id() == "b2"
        newer = f.open_meeting(convener, project, [f.question()])
        assert newer.ballot_key_id == "b2"
        f.vote(a, newer.matters.get(), units[0], "abstain")
        # the first meeting still finds its ballots with its own key
        own = selectors.my_ballot(actor=a.account, matter_id=matter.pk, unit_id=units[0].pk)
        assert own.choices == {"matter": "yes"}
        assert Meeting.objects.get(pk=meeting.pk).ballot_key_id == old_kid
    # b2 gone from the ring: its meeting's tokens cannot be computed (an error, never a wrong ballot)
    with override_settings(PMIP_BALLOT_KEY="b3:" + "B" * 43 + "="), pytest.raises(tokens.BallotKeyError):
        tokens.token_of(Meeting.objects.get(pk=newer.pk), "x")


def test_the_owner_still_finds_their_ballot_and_the_counts_and_export_agree(voted, convener):
    meeting, matter, a, b, units = voted
    assert selectors.my_ballot(actor=a.account, matter_id=matter.pk, unit_id=units[1].pk).choices == {
        "matter": "yes"
    }
    assert selectors.count_discrepancies(meeting) == []
    (entry,) = tally_inputs(f.close(convener, meeting))
    assert sorted((line["unit"], line["choice"]) for line in entry["tally_input"]["ballots"]) == [
        ("1-101", "yes"),
        ("1-102", "no"),
        ("2-101", "yes"),
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plain SQL join of the probe, PostgreSQL")
def test_the_probe_join_finds_nothing(voted):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM decisions_ballot b JOIN decisions_rollentry r ON r.owner_key = b.owner_token"
        )
        assert cursor.fetchone()[0] == 0
