"""The meeting's receipt sequence and the ballot rows: the writes inside a meeting's critical section.

Every ballot of a meeting takes the meeting row's lock (its `ballot_sequence`, gapless and unique) and its matter's
count row lock, both held until the commit, so whatever runs between those locks and the commit is paid once per
ballot of the whole meeting, one after the other. On PostgreSQL that section is one statement and the commit: the
last count-row UPDATE, the sequence, the cast's audit entries and the ballots' INSERT go together (a data-modifying
WITH), and the receipt is computed in the database from the same canonical text `receipt_code` hashes
(`receipt_parts`). SQLite serialises writers anyway and takes the plain path: the audit entries, the sequence, then
each ballot.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping, Sequence

from django.db import connection, models

from pmip.core import rows
from pmip.decisions.models import Ballot, Meeting

_SEQUENCE_SQL = "UPDATE decisions_meeting SET ballot_sequence = ballot_sequence + %s WHERE id = %s"
# where the sequence goes in the canonical text (keys sorted: after "owner", before "v")
_MARK = '"sequence":-1'


def receipt_parts(
    *, meeting_id: int, matter_id: int, owner_token: str, choices: Mapping[str, str], channel: str, nonce: str
) -> tuple[str, str]:
    """The canonical ballot's text before and after the sequence number: the receipt is SHA-256 of
    head + str(sequence) + tail. ASCII only (json.dumps escapes the rest), so the database hashes the same bytes.
    A JSON string cannot hold the mark unescaped (its quotes are), so it occurs exactly once."""
    doc = {
        "v": 1,
        "meeting": meeting_id,
        "matter": matter_id,
        "sequence": -1,
        "owner": owner_token,
        "choices": dict(choices),
        "channel": channel,
        "nonce": nonce,
    }
    head, tail = json.dumps(doc, sort_keys=True, separators=(",", ":")).split(_MARK)
    return head + '"sequence":', tail


def receipt_code(
    *,
    meeting_id: int,
    matter_id: int,
    sequence: int,
    owner_token: str,
    choices: Mapping[str, str],
    channel: str,
    nonce: str,
) -> str:
    """SHA-256 over the canonical ballot. The random nonce keeps it from being reversed to the choice."""
    head, tail = receipt_parts(
        meeting_id=meeting_id,
        matter_id=matter_id,
        owner_token=owner_token,
        choices=choices,
        channel=channel,
        nonce=nonce,
    )
    return hashlib.sha256(f"{head}{sequence}{tail}".encode()).hexdigest()


def allocate_sequences(meeting: Meeting, n: int) -> int:
    """Reserve `n` receipt sequence numbers of the meeting; returns the first. The UPDATE locks the meeting row
    against other casts until commit (gapless, unique)."""
    with connection.cursor() as cursor:
        cursor.execute(f"{_SEQUENCE_SQL} RETURNING ballot_sequence", [n, meeting.pk])
        last = cursor.fetchone()[0]
    meeting.ballot_sequence = last
    return last - n + 1


def receipt_of(ballot: Ballot) -> str:
    """`receipt_code` of a ballot with its sequence set."""
    head, tail = _receipt_parts_of(ballot)
    return hashlib.sha256(f"{head}{ballot.sequence}{tail}".encode()).hexdigest()


def _receipt_parts_of(ballot: Ballot) -> tuple[str, str]:
    return receipt_parts(
        meeting_id=ballot.meeting_id,
        matter_id=ballot.matter_id,
        owner_token=ballot.owner_token,
        choices=ballot.choices,
        channel=ballot.channel,
        nonce=ballot.nonce,
    )


@functools.cache
def _sequenced_insert_sql(count_sql: str, n: int, also: tuple[tuple[type[models.Model], int], ...]) -> str:
    """The statement of `insert_sequenced` for `n` ballots after the count-row UPDATE `count_sql` (a bounded set:
    one per choice column and kind of row), with the rows of `also` ((model, how many), …) riding along."""
    table, columns, _ = rows.insert_parts(Ballot)
    selects = []
    for k in range(n):
        sequence = f"s.ballot_sequence - {n - 1 - k}"
        receipt = f"encode(sha256(convert_to(%s || ({sequence})::text || %s, 'UTF8')), 'hex')"
        values = rows.cast_placeholders(Ballot, {"sequence": sequence, "receipt": receipt})
        selects.append(f"SELECT {values} FROM s")  # noqa: S608 — column types and constants
    riding = ""  # one INSERT per model, its rows in order (their keys follow that order)
    for i, (model, count) in enumerate(also):
        also_table, also_columns, _ = rows.insert_parts(model)
        values = ", ".join([f"({rows.cast_placeholders(model)})"] * count)
        riding += f", a{i} AS (INSERT INTO {also_table} ({also_columns}) VALUES {values})"  # noqa: S608
    return (
        f"WITH c AS ({count_sql} RETURNING 1),"  # noqa: S608 — built from the model's names and constant SQL
        f" s AS ({_SEQUENCE_SQL} AND (SELECT count(*) FROM c) >= 0 RETURNING ballot_sequence){riding}"
        f" INSERT INTO {table} ({columns}) {' UNION ALL '.join(selects)} RETURNING id, sequence, receipt"
    )


def insert_sequenced(
    meeting: Meeting,
    ballots: Sequence[Ballot],
    last_count: tuple[str, list],
    also: Sequence[models.Model] = (),
) -> None:
    """PostgreSQL: the last count-row UPDATE, the meeting's sequence for `ballots` and their INSERT, in one
    statement; sets each ballot's key, sequence and receipt. The meeting's UPDATE still waits for the count row (its
    condition on the WITH's result is evaluated before the meeting row is read): the lock order of the cast.
    `also`: new rows (the cast's audit entries) inserted by the same statement — no round trip of their own; their
    keys are not read back. Raises IntegrityError as an insert does (the one-valid-ballot constraint)."""
    count_sql, count_params = last_count
    params = [*count_params, len(ballots), meeting.pk]
    groups: dict[type[models.Model], list[models.Model]] = {}
    for row in also:
        groups.setdefault(type(row), []).append(row)
    for group in groups.values():
        for row in group:
            params.extend(rows.insert_values(row))
    for ballot in ballots:
        for f, value in zip(rows.insert_fields(Ballot), rows.insert_values(ballot), strict=True):
            if f.attname == "receipt":
                params.extend(_receipt_parts_of(ballot))
            elif f.attname != "sequence":
                params.append(value)
    sql = _sequenced_insert_sql(count_sql, len(ballots), tuple((m, len(g)) for m, g in groups.items()))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = sorted(cursor.fetchall(), key=lambda row: row[1])
    meeting.ballot_sequence = returned[-1][1]
    for ballot, (pk, sequence, receipt) in zip(ballots, returned, strict=True):
        ballot.pk, ballot.sequence, ballot.receipt = pk, sequence, receipt
        ballot._state.adding = False
        ballot._state.db = connection.alias
