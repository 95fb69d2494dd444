"""信息公开: a project's published disclosures."""

from __future__ import annotations

from ninja import Query

from pmip.api.funds.common import _ERRORS, _owner_project, _paged, owner_auth, router
from pmip.api.funds.schemas import DisclosureOut, DisclosurePageOut, DisclosuresIn
from pmip.api.pagination import page_of
from pmip.funds import selectors
from pmip.funds.choices import DisclosureKind
from pmip.funds.presenters import money

# --- 信息公开 ----------------------------------------------------------------------------------------------------


def _disclosure(d) -> DisclosureOut:
    return DisclosureOut(
        id=d.pk,
        kind=d.kind,
        kind_label=DisclosureKind(d.kind).label,
        title=d.title,
        body=d.body,
        amount=None if d.amount is None else money(d.amount),
        published_at=d.published_at,
    )


@router.get(
    "/projects/{project_id}/disclosures",
    auth=owner_auth,
    response={200: DisclosurePageOut, **_ERRORS},
    summary="小区信息公开（已公示）",
)
def project_disclosures(request, project_id: int, filters: Query[DisclosuresIn]):
    project = _owner_project(request.auth, project_id)
    qs = selectors.disclosures_for(actor=request.auth, project=project, kind=filters.kind or None)
    result = page_of(qs, filters.page)
    return _paged(DisclosurePageOut, filters.page, result, [_disclosure(d) for d in result[3]])


@router.get(
    "/disclosures/{disclosure_id}",
    auth=owner_auth,
    response={200: DisclosureOut, **_ERRORS},
    summary="公示详情",
)
def disclosure_detail(request, disclosure_id: int):
    return _disclosure(selectors.get_disclosure(actor=request.auth, disclosure_id=disclosure_id))
