"""Bindings follow title changes: `end_bindings_for_changed_titles`, `follow_title_changes`."""

from __future__ import annotations

from django.db import transaction

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import (
    NotFound,
)
from pmip.identity.binding.bind import _end
from pmip.identity.models import (
    BindingStatus,
    HouseBinding,
)
from pmip.identity.scopes import project_q
from pmip.registry.models import Project, TitleRecord, Unit

# --------------------------------------------------------------------------------------------------- title changes


def end_bindings_for_changed_titles(*, actor, unit: Unit) -> int:
    """Called when a unit's title records change (a record gets `ended_on`, or a new holder is registered).

    For each active binding of the unit: if the title it rests on is still current, nothing changes; if it ended
    but the same person (ID type + blind index) holds a current title of the unit, the binding moves to that title
    (identity.binding.title_updated); otherwise the binding ends with reason `title_changed`
    (identity.binding.ended). `actor` is None for the system (registry imports) or a staff account whose editable
    scope includes the unit's project (else NotFound). Returns how many bindings ended.
    """
    if actor is not None:
        q = project_q(actor, editable=True)
        if q is None or not Project.objects.filter(q).filter(pk=unit.project_id).exists():
            raise NotFound("未找到该房屋，或不在您的管辖范围内。")
    with transaction.atomic(durable=True):
        return follow_title_changes(actor=actor, unit=unit)


def follow_title_changes(*, actor, unit: Unit) -> int:
    """The work of `end_bindings_for_changed_titles`, inside the caller's transaction (no scope check: the caller
    — the service above or a registry import that already checked its scope — is responsible)."""
    now = clock.now()
    ended = 0
    bindings = list(
        HouseBinding.objects.select_for_update(of=("self",))
        .filter(unit=unit, status=BindingStatus.ACTIVE)
        .select_related("title_record")
        .order_by("pk")
    )
    current = {
        (t.id_type, t.id_number_hash): t
        for t in TitleRecord.objects.filter(unit=unit, ended_on__isnull=True).order_by("pk")
    }
    for binding in bindings:
        title = binding.title_record
        if title.ended_on is None:
            continue
        successor = current.get((title.id_type, title.id_number_hash))
        if successor is not None:
            binding.title_record = successor
            binding.save(update_fields=["title_record"])
            record(
                actor=actor,
                action="identity.binding.title_updated",
                obj=binding,
                data={
                    "unit_id": unit.pk,
                    "old_title_record_id": title.pk,
                    "title_record_id": successor.pk,
                },
            )
            continue
        _end(binding, actor=actor, reason="title_changed", now=now)
        ended += 1
    return ended
