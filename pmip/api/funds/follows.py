"""关注: the projects an owner follows."""

from __future__ import annotations

from ninja import Status

from pmip.api.funds.common import _ERRORS, owner_auth, router
from pmip.api.funds.schemas import FollowIn, PublicProjectOut, _public
from pmip.funds import presenters as data
from pmip.funds import selectors, services
from pmip.registry.selectors import get_public_project


@router.get(
    "/follows", auth=owner_auth, response={200: list[PublicProjectOut], **_ERRORS}, summary="我关注的小区"
)
def follows(request):
    return [_public(item) for item in data.followed_projects(actor=request.auth)]


@router.post(
    "/follows", auth=owner_auth, response={201: PublicProjectOut, **_ERRORS}, summary="关注小区（维修金概览）"
)
def follow(request, payload: FollowIn):
    project = get_public_project(code=payload.code)
    services.follow_project(actor=request.auth, project=project)
    return Status(201, _public(selectors.public_project_figures(project=project)))


@router.delete("/follows/{code}", auth=owner_auth, response={204: None, **_ERRORS}, summary="取消关注")
def unfollow(request, code: str):
    services.unfollow_project(actor=request.auth, project=get_public_project(code=code))
    return Status(204, None)
