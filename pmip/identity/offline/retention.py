"""Retention of offline-verification evidence: files deleted `PMIP_OFFLINE_EVIDENCE_RETENTION_DAYS` after the
decision (the periodic task `pmip.identity.tasks.purge_offline_evidence`); the rows stay, with `deleted_at`."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from pmip.audit.services import record
from pmip.core import clock
from pmip.identity.models import (
    OfflineEvidence,
    OfflineVerification,
    OfflineVerificationStatus,
)
from pmip.identity.offline.common import evidence_retention_days
from pmip.identity.offline.files import delete_evidence_file

# --- retention ------------------------------------------------------------------------------------------------


def applications_with_expired_evidence(*, now: dt.datetime | None = None) -> QuerySet[OfflineVerification]:
    """Decided applications whose decision is at least the retention period old and that still have files."""
    cutoff = (now or clock.now()) - dt.timedelta(days=evidence_retention_days())
    kept = OfflineEvidence.objects.filter(application=OuterRef("pk"), deleted_at__isnull=True)
    return OfflineVerification.objects.filter(
        status__in=(OfflineVerificationStatus.APPROVED, OfflineVerificationStatus.REJECTED),
        decided_at__lte=cutoff,
    ).filter(Exists(kept))


def purge_expired_evidence(*, limit: int = 200) -> int:
    """Delete the evidence files of applications decided `PMIP_OFFLINE_EVIDENCE_RETENTION_DAYS` days ago or more
    (at most `limit` applications per run); returns the number of files deleted.

    Per application, in one transaction: the files are deleted from the storage, the rows keep kind, size, SHA-256,
    uploader and time with `deleted_at` set (the uploaded file name is cleared), and one audit entry
    identity.offline.evidence_deleted (actor 系统) lists them. A file already missing from the storage counts as
    deleted; if the transaction fails after a file was deleted, the next run marks it.
    """
    now = clock.now()
    days = evidence_retention_days()
    ids = list(
        applications_with_expired_evidence(now=now)
        .order_by("decided_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    deleted = 0
    for application_id in ids:
        with transaction.atomic():
            application = OfflineVerification.objects.select_for_update().get(pk=application_id)
            rows = list(
                OfflineEvidence.objects.select_for_update()
                .filter(application=application, deleted_at__isnull=True)
                .order_by("pk")
            )
            if not rows:
                continue
            record(
                actor=None,
                action="identity.offline.evidence_deleted",
                obj=application,
                data={
                    "files": [{"id": r.pk, "kind": r.kind, "size": r.size, "sha256": r.sha256} for r in rows],
                    "retention_days": days,
                    "decided_at": application.decided_at.isoformat() if application.decided_at else None,
                },
            )
            OfflineEvidence.objects.filter(pk__in=[r.pk for r in rows]).update(
                deleted_at=now, original_name=""
            )
            for row in rows:
                delete_evidence_file(row.stored_name)
            deleted += len(rows)
    return deleted
