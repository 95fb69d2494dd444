"""The hash chain of the audit log: canonical encoding, sealing in commit order, verification.

Canonical encoding (version 1) of an entry: UTF-8 JSON, keys sorted, no spaces, no ASCII escaping, of
  v, seq, prev, at (UTC, ISO 8601 with microseconds), actor, on_behalf_of (account ids or null), actor_label, action,
  object_type, object_id, project_id, data, request_id, ip.
entry_hash = SHA-256 hex of that encoding; prev = the previous entry's entry_hash ("" for the first).

Two steps (docs/audit.md, "Sealing"):
- `append` inserts the entry in the caller's transaction, unsealed (seq NULL): one INSERT and no shared lock, so
  audited writes of different owners no longer queue on one row while they commit.
- `seal` (the periodic task `seal_audit_chain`, every few seconds) takes the head row FOR UPDATE — only sealers take
  it — and gives the committed unsealed entries, in id order, their seq, prev_hash and entry_hash. An entry is
  therefore chained in (about) commit order, once: the database refuses any other change to an entry, and a seal
  only of an unsealed one (`pmip.audit.triggers`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction

from pmip.audit.models import AuditEntry, AuditHead
from pmip.core import clock, rows
from pmip.core.conf import pmip_settings

STREAM = "main"
VERSION = 1
SEAL_BATCH = 1000  # entries per sealing transaction: the head lock is held for one batch


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


def prepare(entry: AuditEntry) -> AuditEntry:
    """`entry` (unsaved) as it is inserted: its data as the JSON column gives it back, unsealed."""
    entry.data = normalise_data(entry.data)
    entry.seq, entry.prev_hash, entry.entry_hash = None, "", ""
    return entry


def append(entry: AuditEntry) -> AuditEntry:
    """Insert `entry` (unsaved) unsealed, in the caller's transaction: one INSERT, no lock. `seal` chains it once the
    transaction has committed; a rolled-back entry is never chained."""
    # rows.insert: what entry.save(force_insert=True) writes, without compiling the ORM's insert
    rows.insert(prepare(entry))
    return entry


def _locked_head() -> AuditHead:
    """The head row, locked until the commit (SQLite: the IMMEDIATE transaction already serialises writers). Created
    from the last sealed entry when missing (first entry ever, or a test flush emptied the table)."""
    head = AuditHead.objects.select_for_update().filter(stream=STREAM).first()
    if head is not None:
        return head
    last = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").first()
    try:
        with transaction.atomic():
            AuditHead.objects.create(
                stream=STREAM,
                seq=last.seq if last is not None and last.seq is not None else 0,
                hash=last.entry_hash if last else "",
            )
    except IntegrityError:
        pass  # created meanwhile by another sealer
    return AuditHead.objects.select_for_update().get(stream=STREAM)


_SEAL_SQL = (
    f"UPDATE {AuditEntry._meta.db_table} SET seq = %s, prev_hash = %s, entry_hash = %s"  # noqa: S608 — model's table
    " WHERE id = %s AND seq IS NULL"
)


def _seal_batch(batch: int) -> int:
    with transaction.atomic():
        head = _locked_head()
        # read after the lock: a sealer that held it before us has committed, and this statement sees its work
        pending = list(AuditEntry.objects.filter(seq__isnull=True).order_by("id")[:batch])
        if not pending:
            return 0
        seq, prev = head.seq, head.hash
        params: list[tuple[int, str, str, int]] = []
        for entry in pending:
            seq += 1
            entry.seq, entry.prev_hash = seq, prev
            entry.entry_hash = prev = entry_hash(entry)
            params.append((seq, entry.prev_hash, entry.entry_hash, entry.pk))
        with connection.cursor() as cursor:
            cursor.executemany(_SEAL_SQL, params)
            if cursor.rowcount not in (-1, len(params)):  # cannot happen under the head lock; never seal half
                raise RuntimeError("audit entries were sealed meanwhile by someone not holding the head lock")
        AuditHead.objects.filter(stream=STREAM).update(seq=seq, hash=prev)
        return len(pending)


def seal(*, batch: int = SEAL_BATCH) -> int:
    """Chain every committed unsealed entry, oldest id first, one batch per transaction. Returns how many."""
    total = 0
    while True:
        done = _seal_batch(batch)
        total += done
        if done < batch:
            return total


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""
    unsealed: int = 0  # entries not chained yet (normal for a few seconds after their commit)
    oldest_unsealed_at: dt.datetime | None = None


def unsealed() -> tuple[int, dt.datetime | None]:
    """How many entries wait for `seal`, and when the oldest was written (partial index: no scan of the log)."""
    pending = AuditEntry.objects.filter(seq__isnull=True)
    oldest = pending.order_by("id").values_list("at", flat=True).first()
    return (pending.count() if oldest is not None else 0), oldest


def alarm_after() -> dt.timedelta:
    """How long an entry may wait for the sealer before that is an alarm (PMIP_AUDIT_SEAL_ALARM_SECONDS)."""
    return dt.timedelta(seconds=pmip_settings().audit_seal_alarm_seconds)


def overdue(oldest: dt.datetime | None, stale_after: dt.timedelta | None = None) -> bool:
    """Has the oldest unsealed entry (`unsealed()`'s second value) waited longer than `stale_after`?"""
    limit = alarm_after() if stale_after is None else stale_after
    return oldest is not None and clock.now() - oldest > limit


def verify(*, batch: int = 2000, stale_after: dt.timedelta | None = None) -> Verification:
    """Walk the chain from the first entry; stop at the first broken link and name it. Entries still unsealed are
    counted; one older than `stale_after` (default: the setting `audit_seal_alarm_seconds`) fails the check, since
    the sealer has stopped and those entries are not protected by the chain."""
    prev_hash, expected_seq, checked = "", 1, 0
    last_id = None
    qs = AuditEntry.objects.filter(seq__isnull=False).order_by("seq")
    after = 0
    while True:
        page = list(qs.filter(seq__gt=after)[:batch])
        if not page:
            break
        for entry in page:
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
    waiting, oldest = unsealed()
    stale_after = alarm_after() if stale_after is None else stale_after
    if overdue(oldest, stale_after):
        minutes = int(stale_after.total_seconds() // 60)
        return Verification(
            False,
            checked,
            expected_seq - 1,
            prev_hash,
            None,
            None,
            f"有{waiting}条记录超过{minutes}分钟未入链（封链任务未运行）",
            waiting,
            oldest,
        )
    return Verification(
        True, checked, expected_seq - 1, prev_hash, unsealed=waiting, oldest_unsealed_at=oldest
    )
