"""Disclosures: `create_notice`, `edit_disclosure`, `publish_disclosure`."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import NotFound, ValidationFailed
from pmip.funds import permissions
from pmip.funds.choices import (
    DisclosureKind,
    DisclosureStatus,
)
from pmip.funds.models import (
    BankFlow,
    Disclosure,
    Repair,
)
from pmip.identity.models import Account
from pmip.registry.models import Project

# --------------------------------------------------------------------------------------------------------------
# Disclosures
# --------------------------------------------------------------------------------------------------------------


def _create_disclosure(
    *,
    actor,
    project: Project,
    kind: str,
    title: str,
    body: str,
    amount: Decimal | None = None,
    bank_flow: BankFlow | None = None,
    repair: Repair | None = None,
    threshold: Decimal | None = None,
) -> Disclosure:
    disclosure = Disclosure.objects.create(
        project=project,
        kind=kind,
        title=title,
        body=body,
        amount=amount,
        bank_flow=bank_flow,
        repair=repair,
        threshold=threshold,
        created_at=clock.now(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record(
        actor=actor,
        action="funds.disclosure.created",
        obj=disclosure,
        data={
            "kind": kind,
            "amount": str(amount) if amount is not None else "",
            "automatic": kind != DisclosureKind.NOTICE,
        },
    )
    return disclosure


def _clean_title_body(title: str, body: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationFailed("请填写标题。", field="title")
    if len(title) > 120:
        raise ValidationFailed("标题不能超过120个字。", field="title")
    body = (body or "").strip()
    if len(body) > 5000:
        raise ValidationFailed("内容不能超过5000个字。", field="body")
    return title, body


def create_notice(*, actor: Account | None, project: Project, title: str, body: str) -> Disclosure:
    """其他信息公开: a draft notice for the project's owners. Audit: funds.disclosure.created."""
    permissions.require_manage(actor, project)
    title, body = _clean_title_body(title, body)
    if not body:
        raise ValidationFailed("请填写公开内容。", field="body")
    with transaction.atomic():
        return _create_disclosure(
            actor=actor, project=project, kind=DisclosureKind.NOTICE, title=title, body=body
        )


def _locked_disclosure(actor, disclosure_id: int) -> Disclosure:
    disclosure = (
        Disclosure.objects.select_for_update(of=("self",))
        .select_related("project")
        .filter(pk=disclosure_id)
        .first()
    )
    if disclosure is None or not (
        permissions.is_system(actor) or permissions.staff_sees(actor, disclosure.project)
    ):
        raise NotFound("未找到该公示。")
    permissions.require_manage(actor, disclosure.project)
    return disclosure


def edit_disclosure(*, actor: Account | None, disclosure_id: int, title: str, body: str) -> Disclosure:
    """Edit a draft's title and text (amounts and the linked flow cannot change). Audit: funds.disclosure.edited."""
    title, body = _clean_title_body(title, body)
    with transaction.atomic():
        disclosure = _locked_disclosure(actor, disclosure_id)
        if disclosure.status != DisclosureStatus.DRAFT:
            raise ValidationFailed("已公示的内容不能修改。", code="disclosure_published")
        disclosure.title, disclosure.body = title, body
        disclosure.save(update_fields=["title", "body"])
        record(actor=actor, action="funds.disclosure.edited", obj=disclosure, data={"title": title})
    return disclosure


def publish_disclosure(*, actor: Account | None, disclosure_id: int) -> Disclosure:
    """公示: draft → published (irreversible). Raises PermissionDenied/NotFound/ValidationFailed.
    Audit: funds.disclosure.published."""
    with transaction.atomic():
        disclosure = _locked_disclosure(actor, disclosure_id)
        if disclosure.status == DisclosureStatus.PUBLISHED:
            raise ValidationFailed("该内容已公示。", code="disclosure_published")
        disclosure.status = DisclosureStatus.PUBLISHED
        disclosure.published_at = clock.now()
        disclosure.published_by = actor if getattr(actor, "is_authenticated", False) else None
        disclosure.save(update_fields=["status", "published_at", "published_by"])
        record(
            actor=actor,
            action="funds.disclosure.published",
            obj=disclosure,
            data={"kind": disclosure.kind, "title": disclosure.title},
        )
    return disclosure
