"""Writing audit entries. Call `record()` inside the service's transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from pmip.audit.models import AuditEntry
from pmip.core import clock
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
) -> AuditEntry:
    """Append one audit entry. `data` must never contain clear ID numbers or other sensitive values."""
    if project_id is None and obj is not None:
        project_id = getattr(obj, "project_id", None)
        if project_id is None and obj.__class__.__name__ == "Project":
            project_id = obj.pk
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        at=clock.now(),
        actor=actor,
        actor_label=actor_label or (str(actor) if actor else "系统"),
        on_behalf_of=on_behalf_of,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        project_id=project_id,
        data=data or {},
        request_id=current_request_id(),
        ip=current_ip(),
    )
