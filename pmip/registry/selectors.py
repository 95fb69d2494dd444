"""Reads of the registry. Public reads (project search and detail) need no actor; scoped reads take one."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from pmip.core.errors import NotFound
from pmip.identity.scopes import project_q
from pmip.registry.models import Project


def _public_projects() -> QuerySet[Project]:
    return Project.objects.select_related("district", "subdistrict", "community", "company")


def search_projects(*, query: str = "", district_id: int | None = None) -> QuerySet[Project]:
    """City-wide public project search by name, address, project code or pinyin initials (e.g. 'lhsz').

    Ordered by code; callers paginate. Empty query lists all projects (still paginated).
    """
    qs = _public_projects()
    if district_id:
        qs = qs.filter(district_id=district_id)
    query = (query or "").strip()[:50]
    if query:
        cond = Q(name__contains=query) | Q(address__contains=query) | Q(code__startswith=query)
        if query.isascii() and query.replace(" ", "").isalpha():
            cond |= Q(name_initials__startswith=query.replace(" ", "").lower())
        qs = qs.filter(cond)
    return qs.order_by("code")


def get_public_project(*, code: str) -> Project:
    """基础信息 of one project by its project code (public)."""
    try:
        return _public_projects().get(code=code)
    except Project.DoesNotExist as exc:
        raise NotFound("未找到该物业项目。") from exc


def projects_for_staff(*, actor, editable: bool = False) -> QuerySet[Project]:
    """Projects a back-office account may see (or edit). Nothing for accounts without roles."""
    q = project_q(actor, editable=editable)
    if q is None:
        return Project.objects.none()
    return _public_projects().filter(q)


def get_project_for_staff(*, actor, code: str, editable: bool = False) -> Project:
    """One project in the actor's scope; outside the scope it does not exist (not-found and forbidden look alike)."""
    try:
        return projects_for_staff(actor=actor, editable=editable).get(code=code)
    except Project.DoesNotExist as exc:
        raise NotFound("未找到该物业项目，或不在您的管辖范围内。") from exc
