"""Nightly: verify the audit chain and publish the day's head hash (审计链每日公布).

The publication is an append-only row (`AuditHeadPublication`), shown to everyone at /audit/chain/ and as open data
at /audit/chain.json. Anyone who copied a day's head can later check that the log still leads to it: a rewrite of
any entry up to that head changes every hash after it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from pmip.audit import chain
from pmip.audit.models import AuditEntry, AuditHeadPublication
from pmip.audit.services import record
from pmip.core import clock


def verify_and_publish() -> AuditHeadPublication | None:
    """Chain what is waiting, verify the whole chain, publish today's head (once per local day). Returns the
    publication (None when today's was already published). A broken chain is published too (chain_ok False) and
    audited."""
    chain.seal()
    result = chain.verify()
    today = clock.today()
    if AuditHeadPublication.objects.filter(day=today).exists():
        return None
    try:
        with transaction.atomic():
            publication = AuditHeadPublication.objects.create(
                day=today,
                seq=result.head_seq,
                hash=result.head_hash,
                verified_at=clock.now(),
                chain_ok=result.ok,
            )
            record(
                actor=None,
                action="audit.chain.verified" if result.ok else "audit.chain.broken",
                obj=publication,
                data={
                    "checked": result.checked,
                    "head_seq": result.head_seq,
                    "head_hash": result.head_hash,
                    "broken_seq": result.broken_seq,
                    "reason": result.reason,
                },
            )
    except IntegrityError:
        return None  # published meanwhile by another worker
    return publication


def published_heads():
    return AuditHeadPublication.objects.order_by("-day")


def head_still_matches(publication: AuditHeadPublication) -> bool:
    """Does the entry at the published seq still carry the published hash?"""
    if publication.seq == 0:
        return publication.hash == ""
    return AuditEntry.objects.filter(seq=publication.seq, entry_hash=publication.hash).exists()
