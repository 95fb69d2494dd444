"""Public (no log-in) reads of one project's registry data for the 项目信息 pages.

Everything here is public information the manual shows to anyone who can open the project: no ID numbers, no
phone numbers of people, and people's names only masked (the templates mask them with `mask_name`).
These belong with the registry's other public reads; they live here until pmip.registry.selectors takes them.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from pmip.core import clock
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
