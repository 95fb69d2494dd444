"""招标投标 API: owners read the tenders of their projects (/api/v1/tendering), staff read and record them
(/api/v1/office/tendering): create a tender, add bidders, record the next step, correct a step (a new version),
upload a step's document. Same services, scope and audit entries as the office pages: outside the scope a tender is
404, a role that may only read gets 403, a refused input is a 422 problem body naming the field."""

from __future__ import annotations

import datetime as dt

from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from pmip.api.auth import StaffSessionAuth
from pmip.api.owner import OwnerSessionAuth
from pmip.api.pagination import page_of
from pmip.api.schemas import Problem
from pmip.tendering import selectors, services
from pmip.tendering.choices import Step, TendererKind, TenderMethod
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
    id: int | None = Field(None, description="当前版本的记录编号（未登记时为空）")
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
    id: int = Field(..., description="投标人编号（登记中标时使用）")
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


def _written(request, tender_id: int) -> Status:
    """The answer to a write: the tender as it is now (201)."""
    return Status(201, _detail(selectors.get_tender_for_staff(actor=request.auth, tender_id=tender_id)))


def _detail(t: Tender) -> TenderDetailOut:
    steps = []
    for item in selectors.timeline(t):
        row = item.current
        steps.append(
            TenderStepOut(
                id=row.pk if row else None,
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
                id=b.bidder.pk,
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
    return _written(request, tender_id)


class TenderCreateIn(Schema):
    project_code: str = Field(..., min_length=1, max_length=20, description="物业项目编号")
    title: str = Field(..., max_length=120, description="招标项目名称")
    tenderer_kind: TendererKind = Field(..., description="招标人：建设单位（前期物业）或业主大会")
    method: TenderMethod = Field(..., description="招标方式")
    agent: str = Field("", max_length=120, description="招标代理机构")
    meeting_id: int | None = Field(
        None, ge=1, le=10**12, description="业主大会招标时：决定招标的业主决策会议编号"
    )
    announcement_days: int = Field(5, ge=1, le=60, description="招标公告公示期（工作日）")
    result_days: int = Field(3, ge=1, le=60, description="结果公示期（工作日）")


class TenderCorrectionIn(Schema):
    step: Step
    date: dt.date
    note: str = Field("", max_length=500)
    reason: str = Field(..., max_length=300, description="更正原因（必填，向业主推送）")


class TenderBidderIn(Schema):
    credit_code: str = Field(..., min_length=1, max_length=18, description="投标企业的统一社会信用代码")


@office_router.post("/tenders", response={201: TenderDetailOut, **_ERRORS}, summary="登记招标项目")
def office_create_tender(request, payload: TenderCreateIn):
    tender = services.create_tender(
        actor=request.auth,
        project_id=services.managed_project_id(actor=request.auth, code=payload.project_code),
        title=payload.title,
        tenderer_kind=payload.tenderer_kind.value,
        method=payload.method.value,
        agent=payload.agent,
        meeting_id=payload.meeting_id,
        announcement_days=payload.announcement_days,
        result_days=payload.result_days,
    )
    return _written(request, tender.pk)


@office_router.post(
    "/tenders/{tender_id}/corrections",
    response={201: TenderDetailOut, **_ERRORS},
    summary="更正已登记的阶段（新版本，并推送业主）",
)
def office_correct_step(request, tender_id: int, payload: TenderCorrectionIn):
    selectors.get_tender_for_staff(actor=request.auth, tender_id=tender_id)
    services.correct_step(
        actor=request.auth,
        tender_id=tender_id,
        step=payload.step.value,
        date=payload.date,
        note=payload.note,
        reason=payload.reason,
    )
    return _written(request, tender_id)


@office_router.post(
    "/tenders/{tender_id}/bidders", response={201: TenderDetailOut, **_ERRORS}, summary="登记投标人（开标前）"
)
def office_add_bidder(request, tender_id: int, payload: TenderBidderIn):
    selectors.get_tender_for_staff(actor=request.auth, tender_id=tender_id)
    services.add_bidder(actor=request.auth, tender_id=tender_id, credit_code=payload.credit_code)
    return _written(request, tender_id)


@office_router.post(
    "/tenders/{tender_id}/documents",
    response={201: TenderDocumentOut, **_ERRORS},
    summary="上传阶段文件（PDF、JPG或PNG，大小受限）",
)
def office_upload_document(
    request,
    tender_id: int,
    step: Form[Step],
    title: Form[str],
    file: File[UploadedFile],
):
    selectors.get_tender_for_staff(actor=request.auth, tender_id=tender_id)
    document = services.upload_step_document(
        actor=request.auth, tender_id=tender_id, step=step.value, title=title, upload=file
    )
    return Status(
        201,
        TenderDocumentOut(
            id=document.pk, title=document.title, content_type=document.content_type, size=document.size
        ),
    )
