"""Reads of 招标投标, scoped to the reader.

Owners (and delegates) see the tenders of the projects where they hold an active binding or act for an owner;
back-office staff see the tenders of the projects in their scope. Outside that, a tender does not exist (NotFound).
Bidders show the credit grade and 风险名单 status from `pmip.credit.selectors.company_standing` when the credit
domain is installed; otherwise no standing is shown (None), never a made-up one.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from pmip.core.errors import NotFound
from pmip.delegation.selectors import delegated_projects, grantable_projects
from pmip.identity.scopes import project_q
from pmip.registry.models import Project
from pmip.tendering.choices import NOTICES, ORDER, Step
from pmip.tendering.models import Bidder, Tender, TenderDocument, TenderStep


def owner_projects(*, account) -> QuerySet[Project]:
    if not getattr(account, "is_authenticated", False):
        return Project.objects.none()
    ids = list(grantable_projects(account=account).values_list("pk", flat=True)) + list(
        delegated_projects(account=account).values_list("pk", flat=True)
    )
    return Project.objects.filter(pk__in=ids).order_by("name", "code")


def tenders_for_owner(*, account, project_id: int | None = None) -> QuerySet[Tender]:
    qs = Tender.objects.filter(project__in=owner_projects(account=account)).select_related("project")
    if project_id:
        qs = qs.filter(project_id=project_id)
    return qs.order_by("-created_at", "-id")


def tenders_for_staff(*, actor, q: str = "") -> QuerySet[Tender]:
    scope = project_q(actor, prefix="project__")
    if scope is None:
        return Tender.objects.none()
    qs = Tender.objects.filter(scope).select_related("project")
    q = (q or "").strip()[:50]
    if q:
        qs = qs.filter(Q(title__contains=q) | Q(project__name__contains=q) | Q(project__code__startswith=q))
    return qs.order_by("-created_at", "-id")


def _get(qs: QuerySet[Tender], tender_id: int) -> Tender:
    tender = qs.filter(pk=tender_id).first()
    if tender is None:
        raise NotFound("未找到该招标项目，或您没有查看权限。")
    return tender


def get_tender_for_owner(*, account, tender_id: int) -> Tender:
    return _get(tenders_for_owner(account=account), tender_id)


def get_tender_for_staff(*, actor, tender_id: int) -> Tender:
    return _get(tenders_for_staff(actor=actor), tender_id)


@dataclass(frozen=True)
class TimelineItem:
    step: str
    label: str
    is_notice: bool
    current: TenderStep | None
    versions: int


def timeline(tender: Tender) -> list[TimelineItem]:
    """Every step in order: its current version (with documents prefetched) or None when not reached yet."""
    rows = list(
        TenderStep.objects.filter(tender=tender)
        .prefetch_related(Prefetch("documents", queryset=TenderDocument.objects.order_by("id")))
        .order_by("step", "version")
    )
    by_step: dict[str, list[TenderStep]] = {}
    for row in rows:
        by_step.setdefault(row.step, []).append(row)
    return [
        TimelineItem(
            step=code,
            label=Step(code).label,
            is_notice=code in NOTICES,
            current=by_step[code][-1] if code in by_step else None,
            versions=len(by_step.get(code, [])),
        )
        for code in ORDER
    ]


def current_stage(tender: Tender) -> str:
    reached = [item for item in timeline(tender) if item.current is not None]
    return reached[-1].label if reached else "待登记"


@dataclass(frozen=True)
class BidderRow:
    bidder: Bidder
    name: str
    credit_code: str
    grade: str | None
    score: object | None
    on_risk_list: bool | None


def _standing_function():
    try:
        module = importlib.import_module("pmip.credit.selectors")
    except ImportError:
        return None
    return getattr(module, "company_standing", None)


def credit_available() -> bool:
    return _standing_function() is not None


def bidders(tender: Tender) -> list[BidderRow]:
    standing = _standing_function()
    out = []
    for b in tender.bidders.select_related("company").order_by("id"):
        s = standing(b.company_id) if standing else None
        out.append(
            BidderRow(
                bidder=b,
                name=b.company.name,
                credit_code=b.company.credit_code,
                grade=getattr(s, "grade", None),
                score=getattr(s, "score", None),
                on_risk_list=getattr(s, "on_risk_list", None),
            )
        )
    return out


def document_for_owner(*, account, document_id: int) -> TenderDocument:
    document = (
        TenderDocument.objects.select_related("step__tender")
        .filter(pk=document_id, step__tender__project__in=owner_projects(account=account))
        .first()
    )
    if document is None:
        raise NotFound("未找到该文件。")
    return document


def document_for_staff(*, actor, document_id: int) -> TenderDocument:
    scope = project_q(actor, prefix="step__tender__project__")
    document = None if scope is None else TenderDocument.objects.filter(scope).filter(pk=document_id).first()
    if document is None:
        raise NotFound("未找到该文件。")
    return document
