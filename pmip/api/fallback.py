"""Unknown paths under /api/v1/ answer with a problem body too (mounted last)."""

from __future__ import annotations

from ninja import Router

from pmip.core.errors import NotFound

router = Router()


@router.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:path}", include_in_schema=False)
def unknown(request, path: str):
    raise NotFound("接口不存在。")
