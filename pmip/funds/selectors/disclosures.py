"""信息公开 of a project: staff in scope see drafts too; owners see published ones only."""

from __future__ import annotations

from django.db.models import QuerySet

from pmip.core.errors import NotFound
from pmip.funds import permissions
from pmip.funds.choices import DisclosureStatus
from pmip.funds.models import Disclosure
from pmip.registry.models import Project


def disclosures_for(*, actor, project: Project, kind: str | None = None) -> QuerySet[Disclosure]:
    """信息公开 of the project: staff in scope see drafts too; owners see published ones only."""
    permissions.require_read_project(actor, project)
    qs = Disclosure.objects.filter(project=project).select_related("bank_flow", "repair")
    if not permissions.staff_sees(actor, project):
        qs = qs.filter(status=DisclosureStatus.PUBLISHED)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-published_at", "-created_at", "-id")


def get_disclosure(*, actor, disclosure_id: int) -> Disclosure:
    disclosure = Disclosure.objects.select_related("project", "bank_flow").filter(pk=disclosure_id).first()
    if disclosure is None or not permissions.may_read_project(actor, disclosure.project):
        raise NotFound("未找到该公示。")
    if disclosure.status != DisclosureStatus.PUBLISHED and not permissions.staff_sees(
        actor, disclosure.project
    ):
        raise NotFound("未找到该公示。")
    return disclosure
