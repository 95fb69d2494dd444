"""Staff API: scoped project reads and the basic-information edit, with the back-office session."""

from __future__ import annotations

from ninja import Query, Router

from pmip.api.auth import StaffSessionAuth
from pmip.api.pagination import page_of
from pmip.api.schemas import (
    Problem,
    ProjectPatchIn,
    StaffProjectListItemOut,
    StaffProjectOut,
    StaffProjectPageOut,
    StaffProjectSearchIn,
)
from pmip.core.errors import ValidationFailed
from pmip.registry import selectors
from pmip.registry.services import update_project

router = Router(tags=["管理后台"], auth=StaffSessionAuth())

_ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}


def _can_edit(actor, project) -> bool:
    return selectors.projects_for_staff(actor=actor, editable=True).filter(pk=project.pk).exists()


@router.get("/projects", response={200: StaffProjectPageOut, **_ERRORS}, summary="管辖范围内的物业项目")
def list_projects(request, filters: Query[StaffProjectSearchIn]):
    qs = selectors.search_projects_for_staff(
        actor=request.auth, query=filters.q, district_code=filters.district
    )
    count, size, num_pages, items = page_of(qs, filters.page)
    return StaffProjectPageOut(
        count=count,
        page=filters.page,
        page_size=size,
        num_pages=num_pages,
        items=[StaffProjectListItemOut.of(p) for p in items],
    )


@router.get("/projects/{code}", response={200: StaffProjectOut, **_ERRORS}, summary="物业项目（管辖范围内）")
def get_project(request, code: str):
    project = selectors.get_project_for_staff(actor=request.auth, code=code)
    return StaffProjectOut.of(project, can_edit=_can_edit(request.auth, project))


@router.patch("/projects/{code}", response={200: StaffProjectOut, **_ERRORS}, summary="修改物业项目基础信息")
def patch_project(request, code: str, payload: ProjectPatchIn):
    actor = request.auth
    project = selectors.get_project_for_staff(actor=actor, code=code)
    given = payload.model_dump(exclude_unset=True)
    changes: dict = {key: given[key] for key in ("name", "address", "service_phone") if key in given}
    if "company_credit_code" in given:
        credit_code = (given["company_credit_code"] or "").strip()
        company = selectors.get_company_by_credit_code(credit_code=credit_code) if credit_code else None
        if credit_code and company is None:
            raise ValidationFailed(
                "未找到该统一社会信用代码对应的物业服务企业。", field="company_credit_code"
            )
        changes["company"] = company
    if "community_id" in given:
        community_id = given["community_id"]
        community = selectors.get_community(community_id=community_id) if community_id else None
        if community_id and community is None:
            raise ValidationFailed("所选社区不存在。", field="community_id")
        changes["community"] = community
    updated = update_project(actor=actor, project=project, **changes)
    return StaffProjectOut.of(updated, can_edit=True)
