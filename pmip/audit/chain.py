"""The hash chain of the audit log: canonical encoding, appending under the head lock, verification.

Canonical encoding (version 1) of an entry: UTF-8 JSON, keys sorted, no spaces, no ASCII escaping, of
  v, seq, prev, at (UTC, ISO 8601 with microseconds), actor, on_behalf_of (account ids or null), actor_label, action,
  object_type, object_id, project_id, data, request_id, ip.
entry_hash = SHA-256 hex of that encoding; prev = the previous entry's entry_hash ("" for the first).

Appending (`append`) locks the one head row (SELECT ... FOR UPDATE) — services call `record()` as the last step of
their transaction, so the lock is held only for one INSERT, one UPDATE and the commit.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction

from pmip.audit.models import AuditEntry, AuditHead
from pmip.core import rows

STREAM = "main"
VERSION = 1


def normalise_data(data: dict | None) -> dict:
    """What the JSON column will give back: the hash is computed over exactly that."""
    return json.loads(json.dumps(data or {}, ensure_ascii=False))


def _at(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(entry: AuditEntry) -> bytes:
    body = {
        "v": VERSION,
        "seq": entry.seq,
        "prev": entry.prev_hash,
        "at": _at(entry.at),
        "actor": entry.actor_id,
        "on_behalf_of": entry.on_behalf_of_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "project_id": entry.project_id,
        "data": entry.data,
        "request_id": entry.request_id,
        "ip": entry.ip,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def _locked_head() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(stream=STREAM).first()
    if head is not None:
        return head
    # First entry ever, or the table was emptied by a test flush: start from the last chained entry.
    last = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").first()
    try:
        with transaction.atomic():
            AuditHead.objects.create(
                stream=STREAM,
                seq=last.seq if last is not None and last.seq is not None else 0,
                hash=last.entry_hash if last else "",
            )
    except IntegrityError:
        pass  # created meanwhile by another transaction
    return AuditHead.objects.select_for_update().get(stream=STREAM)


def _locked_head_row() -> tuple[int, str]:
    """(seq, hash) of the head, locked FOR UPDATE until the commit: one plain statement (the ORM path creates the head
    when there is none yet)."""
    sql = f"SELECT seq, hash FROM {AuditHead._meta.db_table} WHERE stream = %s"  # noqa: S608 — constant table name
    if connection.vendor == "postgresql":
        sql += " FOR UPDATE"  # SQLite serialises writers (BEGIN IMMEDIATE)
    with connection.cursor() as cursor:
        cursor.execute(sql, [STREAM])
        row = cursor.fetchone()
    if row is None:
        head = _locked_head()
        return head.seq, head.hash
    return int(row[0]), row[1]


def _insert_moving_head(entry: AuditEntry) -> None:
    """PostgreSQL: insert the entry and move the head in one statement (a data-modifying WITH), as `save()` and an
    UPDATE would in two. The values are prepared by the model fields, as the ORM's insert prepares them; the
    statement text is built once (`pmip.core.rows`)."""
    with connection.cursor() as cursor:
        cursor.execute(_moving_head_sql(), [*rows.insert_values(entry), entry.seq, entry.entry_hash, STREAM])
        entry.pk = cursor.fetchone()[0]
    entry._state.adding = False
    entry._state.db = connection.alias


@functools.cache
def _moving_head_sql() -> str:
    table, columns, placeholders = rows.insert_parts(AuditEntry)
    return (
        f"WITH e AS (INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING id)"  # noqa: S608 — model's own names
        f" UPDATE {AuditHead._meta.db_table} SET seq = %s, hash = %s WHERE stream = %s RETURNING (SELECT id FROM e)"
    )


def append(entry: AuditEntry) -> AuditEntry:
    """Give `entry` (unsaved) its place in the chain and save it. Must run inside the caller's transaction.

    Statements: the head read under its lock, then the insert and the head's move (one statement on PostgreSQL)."""
    entry.data = normalise_data(entry.data)
    entry.seq, entry.prev_hash = _locked_head_row()
    entry.seq += 1
    entry.entry_hash = entry_hash(entry)
    if connection.vendor == "postgresql":
        _insert_moving_head(entry)
    else:
        rows.insert(entry)  # what entry.save(force_insert=True) writes, without compiling the ORM's insert
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {AuditHead._meta.db_table} SET seq = %s, hash = %s WHERE stream = %s",  # noqa: S608
                [entry.seq, entry.entry_hash, STREAM],
            )
    return entry


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""


def verify(*, batch: int = 2000) -> Verification:
    """Walk the chain from the first entry; stop at the first broken link and name it."""
    prev_hash, expected_seq, checked = "", 1, 0
    last_id = None
    qs = AuditEntry.objects.filter(seq__isnull=False).order_by("seq")
    after = 0
    while True:
        rows = list(qs.filter(seq__gt=after)[:batch])
        if not rows:
            break
        for entry in rows:
            if entry.seq != expected_seq:
                return Verification(
                    False,
                    checked,
                    expected_seq - 1,
                    prev_hash,
                    entry.seq,
                    entry.pk,
                    f"缺少第{expected_seq}条",
                )
            if entry.prev_hash != prev_hash:
                return Verification(
                    False, checked, entry.seq - 1, prev_hash, entry.seq, entry.pk, "前序哈希不符"
                )
            if entry_hash(entry) != entry.entry_hash:
                return Verification(
                    False, checked, entry.seq - 1, prev_hash, entry.seq, entry.pk, "内容与哈希不符"
                )
            prev_hash, expected_seq, checked, last_id = entry.entry_hash, entry.seq + 1, checked + 1, entry.pk
        after = expected_seq - 1  # the last row's seq (every row matched the expected one)
    head = AuditHead.objects.filter(stream=STREAM).first()
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev_hash):
        return Verification(
            False, checked, expected_seq - 1, prev_hash, head.seq, last_id, "链头与最后一条不符"
        )
    unchained = AuditEntry.objects.filter(seq__isnull=True).first()
    if unchained is not None and checked:
        return Verification(False, checked, expected_seq - 1, prev_hash, None, unchained.pk, "有未入链的记录")
    return Verification(True, checked, expected_seq - 1, prev_hash)
