"""Writing audit entries. Call `record()` inside the service's transaction: the entry commits or rolls back with the
change it records. It is one INSERT and takes no shared lock; the entry is chained seconds after the commit
(`pmip.audit.chain.seal`).

`record()` refuses an action code that is not registered (`pmip.audit.actions`) and refuses to run outside an
atomic block: an audit entry must commit or roll back with the change it records.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from pmip.audit import actions, chain
from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.core.masking import mask_name
from pmip.core.middleware import current_ip, current_request_id


def record(
    *,
    actor: Any | None,
    action: str,
    obj: models.Model | None = None,
    project_id: int | None = None,
    data: dict | None = None,
    on_behalf_of: Any | None = None,
    actor_label: str = "",
    insert: bool = True,
) -> AuditEntry:
    """Append one audit entry. `data` must never contain clear ID numbers, full names or other sensitive values.

    `insert=False`: the entry is built and checked but not written; the caller writes it (`rows.insert`, or as part of
    one of its own statements) before its transaction ends — the ballot cast sends it with the ballot's statement."""
    actions.get(action)  # raises UnknownAuditAction
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record() must run inside the service's transaction (transaction.atomic)")
    if project_id is None and obj is not None:
        project_id = getattr(obj, "project_id", None)
        if project_id is None and obj.__class__.__name__ == "Project":
            project_id = obj.pk
    actor = actor if getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        at=clock.now(),
        actor=actor,
        actor_label=actor_label or _masked_label(actor),
        on_behalf_of=on_behalf_of,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        project_id=project_id,
        data=data or {},
        request_id=current_request_id(),
        ip=current_ip(),
    )
    return chain.append(entry) if insert else chain.prepare(entry)


def _masked_label(actor) -> str:
    """Names never go into the audit log in clear: the label is masked (张*); the account id is kept in `actor`."""
    if actor is None:
        return "系统"
    masked = getattr(actor, "masked_name", None)
    return masked or mask_name(str(actor))
