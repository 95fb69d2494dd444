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
import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from pmip.audit.models import AuditEntry, AuditHead

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
                stream=STREAM, seq=last.seq if last else 0, hash=last.entry_hash if last else ""
            )
    except IntegrityError:
        pass  # created meanwhile by another transaction
    return AuditHead.objects.select_for_update().get(stream=STREAM)


def append(entry: AuditEntry) -> AuditEntry:
    """Give `entry` (unsaved) its place in the chain and save it. Must run inside the caller's transaction."""
    entry.data = normalise_data(entry.data)
    head = _locked_head()
    entry.seq = head.seq + 1
    entry.prev_hash = head.hash
    entry.entry_hash = entry_hash(entry)
    entry.save(force_insert=True)
    AuditHead.objects.filter(stream=STREAM).update(seq=entry.seq, hash=entry.entry_hash)
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
        after = rows[-1].seq
    head = AuditHead.objects.filter(stream=STREAM).first()
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev_hash):
        return Verification(
            False, checked, expected_seq - 1, prev_hash, head.seq, last_id, "链头与最后一条不符"
        )
    unchained = AuditEntry.objects.filter(seq__isnull=True).first()
    if unchained is not None and checked:
        return Verification(False, checked, expected_seq - 1, prev_hash, None, unchained.pk, "有未入链的记录")
    return Verification(True, checked, expected_seq - 1, prev_hash)
