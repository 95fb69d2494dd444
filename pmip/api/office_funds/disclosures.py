"""信息公开 (drafts included) and 公示."""

from __future__ import annotations

from ninja import Query

from pmip.api.office_funds.common import _ERRORS, _project, router
from pmip.api.office_funds.schemas import (
    OfficeFundDisclosureOut,
    OfficeFundDisclosurePageOut,
    OfficeFundDisclosuresIn,
)
from pmip.api.pagination import page_of
from pmip.funds import selectors, services


@router.get(
    "/projects/{code}/disclosures",
    response={200: OfficeFundDisclosurePageOut, **_ERRORS},
    summary="信息公开（含草稿）",
)
def list_disclosures(request, code: str, filters: Query[OfficeFundDisclosuresIn]):
    project = _project(request.auth, code)
    qs = selectors.disclosures_for(actor=request.auth, project=project, kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    count, size, num_pages, items = page_of(qs, filters.page)
    return OfficeFundDisclosurePageOut(
        count=count,
        page=filters.page,
        page_size=size,
        num_pages=num_pages,
        items=[OfficeFundDisclosureOut.of(d) for d in items],
    )


@router.post(
    "/disclosures/{disclosure_id}/publish", response={200: OfficeFundDisclosureOut, **_ERRORS}, summary="公示"
)
def publish_disclosure(request, disclosure_id: int):
    disclosure = services.publish_disclosure(actor=request.auth, disclosure_id=disclosure_id)
    return OfficeFundDisclosureOut.of(disclosure)
