"""维修明细 of a project and each unit's share of a charged repair."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from pmip.core import display
from pmip.core.errors import NotFound
from pmip.funds import permissions
from pmip.funds.models import Repair
from pmip.registry.models import Project


def project_repairs(*, actor, project: Project) -> QuerySet[Repair]:
    """维修明细 of the project, newest first."""
    permissions.require_read_project(actor, project)
    return (
        Repair.objects.filter(project=project)
        .annotate(unit_count=Count("shares"))
        .order_by("-created_at", "-id")
    )


def get_repair(*, actor, repair_id: int) -> Repair:
    repair = Repair.objects.select_related("project").filter(pk=repair_id).first()
    if repair is None or not permissions.may_read_project(actor, repair.project):
        raise NotFound("未找到该维修记录。")
    return repair


def repair_shares(*, actor, repair: Repair):
    """Each unit's share of a charged repair (label order)."""
    permissions.require_read_project(actor, repair.project)
    return display.sort_by_unit_label(
        repair.shares.select_related("unit").order_by("label", "unit_id"), lambda s: s.label
    )
