"""An owner following a project's fund pages: `follow_project`, `unfollow_project`."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.actors import require_signed_in
from pmip.core.errors import NotFound, ValidationFailed
from pmip.funds.models import (
    ProjectFollow,
)
from pmip.identity.models import Account
from pmip.registry.models import Project

# --------------------------------------------------------------------------------------------------------------
# Follows
# --------------------------------------------------------------------------------------------------------------


_require_account = require_signed_in


def follow_project(*, actor: Account, project: Project) -> ProjectFollow:
    """关注小区 (维修金概览). Following twice raises ValidationFailed. Audit: funds.follow.added."""
    _require_account(actor)
    try:
        with transaction.atomic():
            follow = ProjectFollow.objects.create(account=actor, project=project, created_at=clock.now())
            record(actor=actor, action="funds.follow.added", obj=follow, project_id=project.pk)
    except IntegrityError as exc:
        raise ValidationFailed("您已关注该小区。", code="already_following") from exc
    return follow


def unfollow_project(*, actor: Account, project: Project) -> None:
    """取消关注. Raises NotFound when not following. Audit: funds.follow.removed."""
    _require_account(actor)
    with transaction.atomic():
        follow = ProjectFollow.objects.filter(account=actor, project=project).first()
        if follow is None:
            raise NotFound("您没有关注该小区。")
        record(actor=actor, action="funds.follow.removed", obj=follow, project_id=project.pk)
        follow.delete()
