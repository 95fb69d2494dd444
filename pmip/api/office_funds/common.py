"""The staff funds router (back-office session auth), its error answers and the project look-up."""

from __future__ import annotations

from ninja import Router

from pmip.api.auth import StaffSessionAuth
from pmip.api.schemas import Problem
from pmip.funds import permissions
from pmip.registry import selectors as registry

router = Router(tags=["管理后台 · 维修资金"], auth=StaffSessionAuth())

_ERRORS = {401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}


def _project(actor, code: str):
    project = registry.get_project_for_staff(actor=actor, code=code)
    permissions.require_read_project(actor, project)
    return project
