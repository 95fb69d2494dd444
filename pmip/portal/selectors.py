"""Public (no log-in) reads of one project's registry data for the 项目信息 pages.

Everything here is public information the manual shows to anyone who can open the project: no ID numbers, no
phone numbers of people, and people's names only masked (the templates mask them with `mask_name`).
These belong with the registry's other public reads; they live here until pmip.registry.selectors takes them.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from pmip.core import clock
from pmip.core.display import natural_key
from pmip.registry.models import (
    Committee,
    CommitteeMember,
    District,
    Facility,
    PartyBranch,
    Practitioner,
    Project,
    SafetyInspection,
)


def districts() -> QuerySet[District]:
    """All districts, for the search filter."""
    return District.objects.order_by("code")


def project_practitioners(*, project: Project) -> QuerySet[Practitioner]:
    """Practitioners (项目负责人 etc.) of the project's current property company working on this project."""
    if project.company_id is None:
        return Practitioner.objects.none()
    return Practitioner.objects.filter(project=project, company_id=project.company_id).order_by("role", "id")


def current_committee(*, project: Project) -> Committee | None:
    """The project's latest 业委会/筹备组/换届小组 (by term start) with its members, or None."""
    members = Prefetch("members", queryset=CommitteeMember.objects.order_by("role", "id"))
    return (
        Committee.objects.filter(project=project)
        .prefetch_related(members)
        .order_by("-term_start", "-id")
        .first()
    )


def committee_term_ended(committee: Committee) -> bool:
    return committee.term_end < clock.today()


def party_branches(*, project: Project) -> QuerySet[PartyBranch]:
    return PartyBranch.objects.filter(project=project).order_by("id")


def safety_inspections(*, project: Project) -> QuerySet[SafetyInspection]:
    """Newest first."""
    return SafetyInspection.objects.filter(project=project).order_by("-inspected_on", "-id")


def facilities(*, project: Project) -> QuerySet[Facility]:
    return Facility.objects.filter(project=project).select_related("building").order_by("kind", "id")


def owner_situation(*, project: Project) -> list[dict]:
    """业主情况 per building: units, units with at least one active binding, and the bound share of the area.

    Counts only: no names, no rooms. One aggregate query."""
    from decimal import Decimal

    from django.db.models import Count, Exists, OuterRef, Sum
    from django.db.models import Q as _Q

    from pmip.identity.models import BindingStatus, HouseBinding
    from pmip.registry.models import Building, Unit

    bound = HouseBinding.objects.filter(unit=OuterRef("pk"), status=BindingStatus.ACTIVE)
    rows = (
        Unit.objects.filter(project=project)
        .annotate(is_bound=Exists(bound))
        .values("building_id")
        .annotate(
            units=Count("id"),
            total_area=Sum("area"),
            bound_units=Count("id", filter=_Q(is_bound=True)),
            bound_area=Sum("area", filter=_Q(is_bound=True)),
        )
    )
    by_building = {r["building_id"]: r for r in rows}
    out = []
    buildings = sorted(Building.objects.filter(project=project), key=lambda b: (natural_key(b.number), b.pk))
    for b in buildings:  # natural order: 2栋 before 10栋 (issue 12)
        r = by_building.get(b.pk, {"units": 0, "total_area": None, "bound_units": 0, "bound_area": None})
        area = r["total_area"] or Decimal(0)
        bound_area = r["bound_area"] or Decimal(0)
        share = (bound_area * 100 / area).quantize(Decimal("0.01")) if area else Decimal("0.00")
        out.append(
            {
                "building": str(b),
                "units": r["units"],
                "bound_units": r["bound_units"],
                "area": area,
                "bound_area": bound_area,
                "share": share,
            }
        )
    return out


def project_manager(*, project: Project) -> Practitioner | None:
    from pmip.registry.choices import PractitionerRole

    return project_practitioners(project=project).filter(role=PractitionerRole.PROJECT_MANAGER).first()


def voting_figures(*, project: Project) -> dict:
    from pmip.decisions.selectors import project_voting_figures

    return project_voting_figures(project_id=project.pk)


def company_figures(*, project: Project) -> dict:
    """Credit grade (pmip.credit) and the evaluation score of the project's 物业管理处 and company (latest period)."""
    from pmip.credit.selectors import company_standing
    from pmip.evaluation import ranking
    from pmip.evaluation.choices import SubjectKind
    from pmip.evaluation.selectors import default_period

    out: dict = {"standing": None, "project_row": None, "company_row": None, "period": None}
    if project.company_id is None:
        return out
    out["standing"] = company_standing(project.company_id)
    period = default_period(SubjectKind.PROJECT)
    out["period"] = period
    out["project_row"] = ranking.position_of(period=period, kind=SubjectKind.PROJECT, code=project.code)
    out["company_row"] = ranking.position_of(
        period=period, kind=SubjectKind.COMPANY, code=project.company.credit_code
    )
    return out
