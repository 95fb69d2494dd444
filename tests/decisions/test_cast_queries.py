"""The cast path stays a handful of statements: this test fails when it grows.

One ballot of an owner voting for themself on one question of the whole project: the meeting read under its lock,
the voter's roll entries, the delegation rule, the matter, the owner's current ballot (an online ballot replaces a
paper one), the count row, the sequence, the ballot and the audit entry with its chain head (read, insert, move the head) —
11 statements (the transaction's own BEGIN/COMMIT or savepoints not counted)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pmip.core import clock
from pmip.decisions import services
from pmip.decisions.models import Ballot
from tests.decisions import factories as f

pytestmark = pytest.mark.django_db

MAX_CAST_STATEMENTS = 11


def test_one_ballot_in_a_handful_of_statements(project, convener):
    owner = f.person("张三")
    unit = f.unit(project, "1-101", "90.00")
    f.own(unit, owner)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()
    with clock.frozen(f.T_VOTE), CaptureQueriesContext(connection) as queries:
        services.cast_ballots(
            actor=owner.account, meeting_id=meeting.pk, unit_id=unit.pk, answers={matter.pk: "yes"}
        )
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    assert Ballot.objects.filter(matter=matter).count() == 1
    assert len(statements) <= MAX_CAST_STATEMENTS, "\n".join(statements)
