"""Public project search and basic information (物业项目查询)."""

from __future__ import annotations

from ninja import Query, Router

from pmip.api.pagination import page_of
from pmip.api.schemas import Problem, ProjectDetailOut, ProjectListItemOut, ProjectPageOut, ProjectSearchIn
from pmip.registry.selectors import get_public_project, search_projects

router = Router(tags=["物业项目（公开）"])


@router.get("", response={200: ProjectPageOut, 422: Problem}, summary="搜索物业项目")
def list_projects(request, filters: Query[ProjectSearchIn]):
    qs = search_projects(query=filters.q)
    if filters.district:
        qs = qs.filter(district__code=filters.district)
    count, size, num_pages, items = page_of(qs, filters.page)
    return ProjectPageOut(
        count=count,
        page=filters.page,
        page_size=size,
        num_pages=num_pages,
        items=[ProjectListItemOut.of(p) for p in items],
    )


@router.get("/{code}", response={200: ProjectDetailOut, 404: Problem}, summary="物业项目基础信息")
def project_detail(request, code: str):
    return ProjectDetailOut.of(get_public_project(code=code))
