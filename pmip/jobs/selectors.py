"""Reads of office jobs for an actor: their own jobs, and those whose scope their roles cover. Outside that a job
does not exist (NotFound, the same as a missing id)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from pmip.core.errors import NotFound
from pmip.identity.models import ScopeLevel
from pmip.identity.scopes import roles_of
from pmip.jobs.models import OfficeJob

NOT_FOUND = "未找到该任务，或您没有查看权限。"


def _visible_q(actor) -> Q | None:
    if not getattr(actor, "is_authenticated", False):
        return None
    q = Q(started_by=actor)
    for role in roles_of(actor):
        if role.level == ScopeLevel.CITY:
            return Q()
        if role.level == ScopeLevel.DISTRICT:
            q |= Q(district_id=role.district_id)
        elif role.level == ScopeLevel.SUBDISTRICT:
            q |= Q(subdistrict_id=role.subdistrict_id)
        elif role.level == ScopeLevel.COMMITTEE:
            q |= Q(project_id=role.project_id)
        elif role.level == ScopeLevel.COMPANY:
            q |= Q(company_id=role.company_id)
    return q


def jobs_for(*, actor) -> QuerySet[OfficeJob]:
    """Jobs the actor may see, newest first (staff only: an account without office roles sees its own, if any)."""
    q = _visible_q(actor)
    if q is None:
        return OfficeJob.objects.none()
    return OfficeJob.objects.filter(q).select_related("started_by")


def recent_jobs_of(*, actor, limit: int = 20) -> list[OfficeJob]:
    """The actor's own most recent jobs (the list on the jobs page)."""
    if not getattr(actor, "is_authenticated", False):
        return []
    return list(OfficeJob.objects.filter(started_by=actor).order_by("-created_at", "-pk")[:limit])


def get_job(*, actor, job_id: int) -> OfficeJob:
    job = jobs_for(actor=actor).filter(pk=job_id).first()
    if job is None:
        raise NotFound(NOT_FOUND)
    return job
