"""招标投标 API: owners read the tenders of their projects (/api/v1/tendering), staff read and record them
(/api/v1/office/tendering). Same services and scope as the pages: outside the scope a tender is 404."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema, Status
from pydantic import Field

from pmip.api.auth import StaffSessionAuth
from pmip.api.owner import OwnerSessionAuth
from pmip.api.pagination import page_of
from pmip.api.schemas import Problem
from pmip.tendering import selectors, services
from pmip.tendering.choices import Step
from pmip.tendering.models import Tender

router = Router(tags=["招标投标"], auth=OwnerSessionAuth())
office_router = Router(tags=["后台：招标投标"], auth=StaffSessionAuth())
_ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}


class TenderSummaryOut(Schema):
    id: int
    title: str
    project_code: str
    project_name: str
    method: str
    method_label: str
    stage: str = Field(..., description="当前进度")

    @classmethod
    def of(cls, t: Tender) -> TenderSummaryOut:
        return cls(
            id=t.pk,
            title=t.title,
            project_code=t.project.code,
            project_name=t.project.name,
            method=t.method,
            method_label=t.get_method_display(),
            stage=selectors.current_stage(t),
        )


class TenderPageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[TenderSummaryOut]


class TenderDocumentOut(Schema):
    id: int
    title: str
    content_type: str
    size: int


class TenderStepOut(Schema):
    step: str
    label: str
    is_notice: bool
    recorded: bool
    date: dt.date | None = None
    period_days: int | None = Field(None, description="公示期（工作日）")
    period_ends: dt.date | None = Field(None, description="公示期最后一天")
    version: int | None = None
    correction_reason: str = ""
    note: str = ""
    documents: list[TenderDocumentOut] = []


class TenderBidderOut(Schema):
    company_name: str
    credit_code: str
    winner: bool
    credit_grade: str | None = Field(None, description="信用等级；信用信息未接入时为空")
    on_risk_list: bool | None = Field(None, description="是否在风险名单；信用信息未接入时为空")


class TenderDetailOut(TenderSummaryOut):
    tenderer_kind: str
    agent: str
    announcement_days: int
    result_days: int
    steps: list[TenderStepOut]
    bidders: list[TenderBidderOut]


class TenderListIn(Schema):
    page: int = Field(1, ge=1, le=100000)
    q: str = Field("", max_length=50, description="后台：按招标项目、小区名称或项目编号搜索")


class TenderStepIn(Schema):
    step: Step
    date: dt.date
    note: str = Field("", max_length=500)
    winner_bidder_id: int | None = Field(None, ge=1, le=10**12)


def _detail(t: Tender) -> TenderDetailOut:
    steps = []
    for item in selectors.timeline(t):
        row = item.current
        steps.append(
            TenderStepOut(
                step=item.step,
                label=item.label,
                is_notice=item.is_notice,
                recorded=row is not None,
                date=row.date if row else None,
                period_days=row.period_days if row else None,
                period_ends=row.period_ends if row else None,
                version=row.version if row else None,
                correction_reason=row.correction_reason if row else "",
                note=row.note if row else "",
                documents=[
                    TenderDocumentOut(id=d.pk, title=d.title, content_type=d.content_type, size=d.size)
                    for d in (row.documents.all() if row else [])
                ],
            )
        )
    summary = TenderSummaryOut.of(t)
    return TenderDetailOut(
        **summary.model_dump(),
        tenderer_kind=t.tenderer_kind,
        agent=t.agent,
        announcement_days=t.announcement_days,
        result_days=t.result_days,
        steps=steps,
        bidders=[
            TenderBidderOut(
                company_name=b.name,
                credit_code=b.credit_code,
                winner=b.bidder.winner,
                credit_grade=b.grade,
                on_risk_list=b.on_risk_list,
            )
            for b in selectors.bidders(t)
        ],
    )


def _page(qs, page: int) -> TenderPageOut:
    count, size, num_pages, items = page_of(qs, page)
    return TenderPageOut(
        count=count,
        page=page,
        page_size=size,
        num_pages=num_pages,
        items=[TenderSummaryOut.of(t) for t in items],
    )


@router.get("/tenders", response={200: TenderPageOut, **_ERRORS}, summary="本人小区的招标投标情况")
def owner_tenders(request, filters: Query[TenderListIn]):
    return _page(selectors.tenders_for_owner(account=request.auth), filters.page)


@router.get("/tenders/{tender_id}", response={200: TenderDetailOut, **_ERRORS}, summary="招标投标详情")
def owner_tender(request, tender_id: int):
    return _detail(selectors.get_tender_for_owner(account=request.auth, tender_id=tender_id))


@office_router.get("/tenders", response={200: TenderPageOut, **_ERRORS}, summary="管辖范围内的招标项目")
def office_tenders(request, filters: Query[TenderListIn]):
    return _page(selectors.tenders_for_staff(actor=request.auth, q=filters.q), filters.page)


@office_router.get("/tenders/{tender_id}", response={200: TenderDetailOut, **_ERRORS}, summary="招标项目详情")
def office_tender(request, tender_id: int):
    return _detail(selectors.get_tender_for_staff(actor=request.auth, tender_id=tender_id))


@office_router.post(
    "/tenders/{tender_id}/steps",
    response={201: TenderDetailOut, **_ERRORS},
    summary="登记下一阶段（并推送业主）",
)
def office_record_step(request, tender_id: int, payload: TenderStepIn):
    selectors.get_tender_for_staff(actor=request.auth, tender_id=tender_id)
    services.record_step(
        actor=request.auth,
        tender_id=tender_id,
        step=payload.step.value,
        date=payload.date,
        note=payload.note,
        winner_bidder_id=payload.winner_bidder_id,
    )
    return Status(201, _detail(selectors.get_tender_for_staff(actor=request.auth, tender_id=tender_id)))
