"""The cast path stays a handful of statements: these tests fail when it grows.

One ballot of an owner voting for themself on one question of the whole project, in the service: the voter (the
meeting under its lock, the owner's roll entries and the delegation rule in one statement), the matter with the
owner's current ballot (an online ballot replaces a paper one), and the writes: on PostgreSQL the count row, the
meeting's sequence, the ballot and the audit entry (unsealed: the sealer chains it after the commit, so no shared
lock is taken) in one statement — 3 statements (6 on SQLite: audit entry, count row, sequence and ballot one by
one; the transaction's own BEGIN/COMMIT or savepoints not counted). Through the owner API the
request adds one statement: the session with its account (pmip.ops.sessions); the session is not written back on
every request (its last-seen time only once a minute)."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pmip.core import clock
from pmip.decisions import services
from pmip.decisions.models import Ballot
from tests.decisions import factories as f
from tests.portal_decisions.support import meeting_around_now

pytestmark = pytest.mark.django_db

# PostgreSQL moves the count row and the sequence and inserts the ballot and the audit entry in one statement.
MAX_CAST_STATEMENTS = 3 if connection.vendor == "postgresql" else 6
MAX_CAST_REQUEST_STATEMENTS = MAX_CAST_STATEMENTS + 1  # + the session with its account, one statement


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
    # One insert of the ballot and one of the audit entry; the count row and the sequence are updates.
    inserts = sorted(t for s in statements for t in re.findall(r'INSERT INTO "?(\w+)"?', s))
    assert inserts == ["audit_auditentry", "decisions_ballot"], "\n".join(statements)
    assert not [s for s in statements if "audit_audithead" in s], (
        "the cast must not take the chain's head lock"
    )
    if connection.vendor == "postgresql":  # the meeting's critical section is one statement (and the commit)
        last = statements[-1]
        assert all(
            t in last for t in ("decisions_mattercount", "decisions_meeting", "decisions_ballot", "audit_")
        )


def test_a_cast_request_reads_the_session_with_its_account_in_one_statement_and_does_not_write_it(
    project, convener
):
    owner = f.person("李四")
    unit = f.unit(project, "1-102", "80.00")
    f.own(unit, owner)
    meeting = meeting_around_now(convener, project, [f.question()])
    matter = meeting.matters.get()
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.account)
    assert client.get("/api/v1/decisions/meetings").status_code == 200  # the owner opens the list first
    client.cookies["csrftoken"] = token = "k" * 32
    body = {"unit_id": unit.pk, "answers": {str(matter.pk): "yes"}, "agreement_accepted": True}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/api/v1/decisions/meetings/{meeting.pk}/ballots",
            json.dumps(body),
            content_type="application/json",
            HTTP_X_CSRFTOKEN=token,
        )
    assert response.status_code == 201, response.content
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    sessions = [s for s in statements if "ops_accountsession" in s]
    assert len(sessions) == 1 and sessions[0].startswith("SELECT"), "\n".join(sessions)
    reads_account = [s for s in statements if '"identity_account"' in s.split(" WHERE ")[0]]
    assert reads_account == sessions, "\n".join(statements)  # the account only in the session's statement
    assert len(statements) <= MAX_CAST_REQUEST_STATEMENTS, "\n".join(statements)
