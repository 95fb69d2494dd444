"""The city-wide open data of 维修金概览 (public, no actor) and 关注 (follows)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from pmip.funds.models import ZERO, ProjectBalance, ProjectFollow, summed
from pmip.funds.selectors.balances import Figures, flagged_counts, project_figures
from pmip.registry.models import District, Project, Unit


@dataclass(frozen=True)
class PublicFigures:
    """What 维修金概览 shows for a project (open data, no personal data)."""

    project: Project
    figures: Figures
    unit_count: int
    flagged_count: int


def public_project_figures(*, project: Project) -> PublicFigures:
    return PublicFigures(
        project=project,
        figures=project_figures(project),
        unit_count=Unit.objects.filter(project=project).count(),
        flagged_count=flagged_counts([project.pk]).get(project.pk, 0),
    )


@dataclass(frozen=True)
class AreaTotals:
    name: str
    code: str
    project_count: int
    deposited: Decimal
    used: Decimal
    interest: Decimal
    balance: Decimal
    flagged_count: int


@dataclass
class CityOverview:
    city: AreaTotals
    districts: list[AreaTotals] = field(default_factory=list)


def city_overview() -> CityOverview:
    """City and per-district totals: deposited, used, interest, balance, units below the replenishment line.
    Public. A handful of aggregate queries whatever the size of the city."""
    sums = dict(
        deposited=Sum("deposited"), used=Sum("used"), interest=Sum("interest"), balance=Sum("balance")
    )
    by_district = {
        row["project__district_id"]: row
        for row in ProjectBalance.objects.values("project__district_id").annotate(n=Count("id"), **sums)
    }
    flagged = flagged_counts(None)
    project_district = dict(Project.objects.values_list("id", "district_id")) if flagged else {}
    flagged_by_district: dict[int, int] = defaultdict(int)
    for project_id, n in flagged.items():
        flagged_by_district[project_district[project_id]] += n
    project_counts = dict(
        Project.objects.values("district_id").annotate(n=Count("id")).values_list("district_id", "n")
    )
    districts = []
    for district in District.objects.order_by("code"):
        row: Mapping[str, Any] = by_district.get(district.pk, {})
        districts.append(
            AreaTotals(
                name=district.name,
                code=district.code,
                project_count=project_counts.get(district.pk, 0),
                deposited=summed(row.get("deposited")),
                used=summed(row.get("used")),
                interest=summed(row.get("interest")),
                balance=summed(row.get("balance")),
                flagged_count=flagged_by_district.get(district.pk, 0),
            )
        )
    city = AreaTotals(
        name="深圳市",
        code="440300",
        project_count=sum(project_counts.values()),
        deposited=sum((d.deposited for d in districts), ZERO),
        used=sum((d.used for d in districts), ZERO),
        interest=sum((d.interest for d in districts), ZERO),
        balance=sum((d.balance for d in districts), ZERO),
        flagged_count=sum(flagged.values()),
    )
    return CityOverview(city=city, districts=districts)


def public_project_list(*, district_id: int | None = None, query: str = "") -> QuerySet[Project]:
    """Projects by code for 维修金概览 (callers paginate, then turn a page into figures with
    `public_figures_for(page)`)."""
    qs = Project.objects.select_related("district", "fund_balance")
    if district_id:
        qs = qs.filter(district_id=district_id)
    query = (query or "").strip()[:50]
    if query:
        qs = qs.filter(Q(name__contains=query) | Q(code__startswith=query))
    return qs.order_by("code")


def public_figures_for(projects) -> list[PublicFigures]:
    """Public figures of a page of projects (fetched with select_related("fund_balance")): a few queries in all,
    whatever the page size."""
    projects = list(projects)
    ids = [p.pk for p in projects]
    flagged = flagged_counts(ids) if ids else {}
    unit_counts = dict(
        Unit.objects.filter(project_id__in=ids)
        .values("project_id")
        .annotate(n=Count("id"))
        .values_list("project_id", "n")
    )
    return [
        PublicFigures(
            project=p,
            figures=Figures.of(getattr(p, "fund_balance", None)),
            unit_count=unit_counts.get(p.pk, 0),
            flagged_count=flagged.get(p.pk, 0),
        )
        for p in projects
    ]


def followed_projects(*, actor) -> list[PublicFigures]:
    """The projects the account follows (newest first), with their public figures (a few queries)."""
    if not getattr(actor, "is_authenticated", False):
        return []
    follows = ProjectFollow.objects.filter(account=actor).select_related("project", "project__fund_balance")
    return public_figures_for(f.project for f in follows.order_by("-created_at", "-id"))


def is_following(*, actor, project: Project) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    return ProjectFollow.objects.filter(account=actor, project=project).exists()
