"""Reads of the registry. Public reads (project search and detail) need no actor; scoped reads take one."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Length

from pmip.audit import actions
from pmip.audit.models import AuditEntry
from pmip.core import public_cache
from pmip.core.errors import NotFound
from pmip.identity.scopes import project_q
from pmip.registry import search_index
from pmip.registry.models import Building, Community, District, Project, PropertyCompany, Unit


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
        qs = qs.filter(_search_condition(query))
    return qs.order_by("code")


def _search_condition(query: str) -> Q:
    """Name/address substring, code prefix or pinyin-initials prefix — narrowed first by indexes.

    The substring branches go through the n-gram index (`search_index`): the candidates' ids come from an index
    look-up, and the `LIKE` then runs on those rows only, never on the whole table. The prefix branches use the
    btree (pattern) indexes on `code` and `name_initials`. The branches are combined as one `id IN (… UNION …)`
    so the planner never falls back to scanning the table for an `OR`.
    """
    cond = Q(name__contains=query) | Q(address__contains=query) | Q(code__startswith=query)
    branches = []
    text = search_index.text_candidates(query)
    if text is not None:
        branches.append(text)
    if query[0].isascii() and query[0].isalnum():
        branches.append(Project.objects.filter(code__startswith=query).values("pk"))
    initials = query.replace(" ", "").lower()
    if query.isascii() and initials.isalpha():
        cond |= Q(name_initials__startswith=initials)
        branches.append(Project.objects.filter(name_initials__startswith=initials).values("pk"))
    if not branches:
        return Q(pk__in=[])
    ids = branches[0] if len(branches) == 1 else branches[0].union(*branches[1:])
    return Q(pk__in=ids) & cond


PUBLIC_NAMESPACE = "registry"  # invalidated by every registry write (pmip.registry.apps)


def load_public_project(*, code: str) -> Project:
    """基础信息 of one project by its project code (public), from the database: for a cached read built on it (the
    owner detail page keeps its rendered content with the project). NotFound for an unknown code."""
    try:
        return _public_projects().get(code=(code or "")[:32])
    except Project.DoesNotExist as exc:
        raise NotFound("未找到该物业项目。") from exc


def get_public_project(*, code: str) -> Project:
    """基础信息 of one project by its project code (public). Served from the public cache while no registry write
    happened since it was read (see pmip.core.public_cache)."""
    code = (code or "")[:32]
    return public_cache.cached(PUBLIC_NAMESPACE, f"project:{code}", lambda: load_public_project(code=code))


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


# --- back office (added for the office and the staff API) ----------------------------------------------------


def search_projects_for_staff(
    *, actor, query: str = "", district_id: int | None = None, district_code: str = ""
) -> QuerySet[Project]:
    """`search_projects` limited to the actor's scope (nothing for accounts without roles)."""
    q = project_q(actor)
    if q is None:
        return Project.objects.none()
    qs = search_projects(query=query, district_id=district_id).filter(q)
    if district_code:
        qs = qs.filter(district__code=district_code)
    return qs


def list_districts() -> QuerySet[District]:
    """All districts (public), for filters."""
    return District.objects.order_by("code")


def project_buildings(*, project: Project) -> QuerySet[Building]:
    """Buildings of a project with `unit_count` and `total_area` (Decimal or None), in natural number order."""
    return (
        Building.objects.filter(project=project)
        .annotate(unit_count=Count("units"), total_area=Sum("units__area"))
        .order_by(Length("number"), "number")
    )


def get_building_of_project(*, project: Project, building_id: int) -> Building:
    """A building of an already scoped project; any other id does not exist."""
    try:
        return Building.objects.select_related("project").get(project=project, pk=building_id)
    except Building.DoesNotExist as exc:
        raise NotFound("未找到该楼栋。") from exc


def building_units(*, building: Building) -> QuerySet[Unit]:
    """Units of one building, by floor then room number (callers paginate)."""
    return Unit.objects.filter(building=building).order_by("floor", Length("number"), "number")


def project_audit_trail(*, project: Project, limit: int = 20) -> list[AuditEntry]:
    """The most recent audit entries of a project (the caller has scoped the project already)."""
    return list(
        AuditEntry.objects.filter(project_id=project.pk)
        .exclude(action__in=actions.private_codes())  # who voted is never listed on project pages
        .order_by("-at", "-id")[:limit]
    )


def audit_for_staff(*, actor, query: str = "", action: str = "") -> QuerySet[AuditEntry]:
    """The one back-office audit view: entries of projects in the actor's scope (plus the actor's own entries),
    never the private ones (who voted), newest first. `query` matches the object id or request id; `action` a
    registered code."""
    q = project_q(actor)
    scoped = Q(actor=actor) if getattr(actor, "is_authenticated", False) else Q(pk__in=[])
    if q is not None:
        scoped |= Q(project_id__in=Project.objects.filter(q).values("pk"))
    qs = AuditEntry.objects.filter(scoped).exclude(action__in=actions.private_codes())
    if action:
        qs = qs.filter(action=action)
    query = (query or "").strip()[:64]
    if query:
        qs = qs.filter(Q(object_id=query) | Q(request_id=query))
    return qs.order_by("-at", "-id")


def get_company_by_credit_code(*, credit_code: str) -> PropertyCompany | None:
    """A property company by its 统一社会信用代码 (public data), or None."""
    code = (credit_code or "").strip().upper()
    if not code:
        return None
    return PropertyCompany.objects.filter(credit_code=code).first()


def communities_of_subdistrict(*, subdistrict_id: int) -> QuerySet[Community]:
    return Community.objects.filter(subdistrict_id=subdistrict_id).order_by("name")


def get_community(*, community_id: int) -> Community | None:
    return Community.objects.filter(pk=community_id).first()
