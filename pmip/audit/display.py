"""How an audit entry is shown: the registered label, and the actor masked (张*) for everyone but the actor."""

from __future__ import annotations

from pmip.audit import actions
from pmip.core.masking import mask_name


def actor_display(entry, viewer=None) -> str:
    """The stored label is masked at write time; entries written before that are masked here."""
    if viewer is not None and getattr(viewer, "pk", None) is not None and entry.actor_id == viewer.pk:
        return f"{viewer}（本人）"
    label = entry.actor_label or ""
    if not label or label == "系统" or "*" in label:
        return label
    return mask_name(label)


def action_label(entry) -> str:
    return actions.label(entry.action)
