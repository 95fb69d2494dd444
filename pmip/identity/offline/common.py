"""Offline verification: constants, settings read once per call, and who verifies what (committee and
subdistrict roles, by project scope)."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db.models import Q

from pmip.core.conf import pmip_settings
from pmip.identity.models import (
    AccountKind,
    OfflineEvidence,
    ScopeLevel,
)
from pmip.identity.scopes import roles_of

OWNER_OFFLINE_LINK = "/delegation/offline/"
REASON_MAX = 200
REPLY_MAX = 200
EVIDENCE_KINDS = tuple(OfflineEvidence.Kind.values)


def evidence_max_bytes() -> int:
    return int(pmip_settings().offline_evidence_max_bytes)


def private_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT)


EVIDENCE_STORAGE = "offline_evidence"  # the STORAGES alias (config/settings.py)
log = logging.getLogger("pmip.identity.offline")  # one logger for the whole package


def evidence_storage() -> Storage:
    return storages[EVIDENCE_STORAGE]


def evidence_retention_days() -> int:
    """Days after the decision that evidence files are kept (at least one)."""
    return max(1, int(pmip_settings().offline_evidence_retention_days))


# --- who verifies what --------------------------------------------------------------------------------------


VERIFIER_LEVELS = (ScopeLevel.COMMITTEE, ScopeLevel.SUBDISTRICT)


def _staff(actor) -> bool:
    return (
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.kind in (AccountKind.STAFF, AccountKind.OPERATOR)
    )


def verifier_project_q(actor, *, prefix: str = "") -> Q | None:
    """A Q over Project (or a model reaching it by `prefix`) for the projects whose offline verifications the actor
    may handle: their committee's project, or every project of their subdistrict. None when they handle none."""
    if not _staff(actor):
        return None
    q: Q | None = None
    for role in roles_of(actor):
        if role.level == ScopeLevel.COMMITTEE:
            part = Q(**{f"{prefix}id": role.project_id})
        elif role.level == ScopeLevel.SUBDISTRICT:
            part = Q(**{f"{prefix}subdistrict_id": role.subdistrict_id})
        else:
            continue
        q = part if q is None else q | part
    return q


def is_verifier(actor) -> bool:
    return verifier_project_q(actor) is not None


def subdistrict_ids(actor) -> list[int]:
    if not _staff(actor):
        return []
    # a subdistrict role always names its subdistrict (check constraint staffrole_scope_matches_level)
    return [
        r.subdistrict_id
        for r in roles_of(actor)
        if r.level == ScopeLevel.SUBDISTRICT and r.subdistrict_id is not None
    ]


def handles_house_queue(actor) -> bool:
    return bool(subdistrict_ids(actor))
