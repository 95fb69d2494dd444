"""互动交流 / 政民互动 API: the asker's own enquiries (/api/v1/me/enquiries) and the office queue of the level that
handles them now (/api/v1/office/enquiries). The same services and selectors as the pages (pmip.enquiries): outside
the scope an enquiry is 404. Images are uploaded and viewed on the pages (multipart), the API lists their ids.
公开答复 (/api/v1/public/enquiries): the anonymised answers published with the asker's consent, as a page and as open
data (CSV); the answering office publishes or takes down, the asker gives or withdraws consent."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from pmip.api.auth import StaffSessionAuth
from pmip.api.owner import OwnerSessionAuth
from pmip.api.pagination import page_of
from pmip.api.schemas import Problem
from pmip.core import clock
from pmip.core.exports import csv_bytes
from pmip.enquiries import public, selectors, services
from pmip.enquiries.models import Category, Channel, Enquiry, PublicAnswer, Rating, State

router = Router(tags=["互动交流 / 政民互动"], auth=OwnerSessionAuth())
office_router = Router(tags=["后台：咨询投诉"], auth=StaffSessionAuth())
public_router = Router(tags=["公开答复"])
_ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}


class EnquirySummaryOut(Schema):
    id: int
    channel: str
    channel_label: str
    category: str
    category_label: str
    title: str
    state: str
    state_label: str
    level: str
    level_label: str = Field(..., description="当前办理层级")
    project_code: str | None = None
    project_name: str | None = None
    due_date: dt.date = Field(..., description="答复期限（工作日计算）")
    overdue: bool
    created_at: dt.datetime

    @classmethod
    def of(cls, e: Enquiry) -> EnquirySummaryOut:
        return cls(
            id=e.pk,
            channel=e.channel,
            channel_label=e.get_channel_display(),
            category=e.category,
            category_label=e.get_category_display(),
            title=e.title,
            state=e.state,
            state_label=e.get_state_display(),
            level=e.level,
            level_label=e.get_level_display(),
            project_code=e.project.code if e.project_id else None,
            project_name=e.project.name if e.project_id else None,
            due_date=e.due_date,
            overdue=e.is_open and e.due_date < clock.today(),
            created_at=e.created_at,
        )


class EnquiryPageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[EnquirySummaryOut]


class EnquiryMessageOut(Schema):
    role: str = Field(..., description="asker 提问人 / office 办理部门 / system 系统")
    office_label: str = Field("", description="办理部门名称（不含个人姓名）")
    text: str
    created_at: dt.datetime


class EnquiryDetailOut(EnquirySummaryOut):
    text: str
    office: str = Field(..., description="当前办理部门")
    escalations: int
    reopened: bool
    rating: str = Field("", description="satisfied / unsatisfied；未评价为空")
    answered_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    messages: list[EnquiryMessageOut]
    image_ids: list[int] = Field(default_factory=list, description="图片（在页面中查看）")
    public_consent: bool = Field(False, description="政民互动：提问人同意答复后匿名公开")
    published: bool = Field(False, description="已匿名公开到“公开答复”")


class EnquiryQueueCountsOut(Schema):
    pending: int = 0
    processing: int = 0
    answered: int = 0
    overdue: int = 0


class EnquiryQueueOut(EnquiryPageOut):
    counts: EnquiryQueueCountsOut


class EnquiryListIn(Schema):
    page: int = Field(1, ge=1, le=100000)
    channel: Channel | None = None


class EnquiryQueueIn(Schema):
    page: int = Field(1, ge=1, le=100000)
    state: State | None = None
    category: Category | None = None
    overdue: bool = False


class EnquiryOpenIn(Schema):
    channel: Channel
    category: Category
    title: str = Field(..., max_length=services.TITLE_MAX)
    text: str = Field(..., max_length=services.TEXT_MAX)
    project_id: int | None = Field(
        None, ge=1, le=10**12, description="互动交流：本人已绑定（或受委托）的小区"
    )
    district_id: int | None = Field(None, ge=1, le=10**12, description="政民互动：区（可选）")
    public_consent: bool = Field(False, description="政民互动：同意答复后匿名公开")


class EnquiryRateIn(Schema):
    rating: Rating


class EnquiryReopenIn(Schema):
    reason: str = Field(..., max_length=services.TEXT_MAX)


class EnquiryAnswerIn(Schema):
    text: str = Field(..., max_length=services.TEXT_MAX)


class EnquiryConsentIn(Schema):
    consent: bool = Field(..., description="true 同意答复后匿名公开；false 撤回同意")


class PublicAnswerIn(Schema):
    title: str | None = Field(None, max_length=services.TITLE_MAX, description="不填则用自动匿名化的标题")
    question: str | None = Field(None, max_length=services.TEXT_MAX)
    answer: str | None = Field(None, max_length=services.TEXT_MAX)


class TakeDownIn(Schema):
    reason: str = Field(..., max_length=public.REASON_MAX)


class PublicAnswerOut(Schema):
    id: int
    category: str
    category_label: str
    title: str
    question: str = Field(..., description="已去除姓名、电话、证件号码和房号")
    answer: str
    office: str = Field(..., description="答复部门")
    asked_on: dt.date
    answered_on: dt.date
    published_at: dt.datetime

    @classmethod
    def of(cls, a: PublicAnswer) -> PublicAnswerOut:
        return cls(
            id=a.pk, category=a.category, category_label=a.get_category_display(), title=a.title,
            question=a.question, answer=a.answer, office=a.office_label, asked_on=a.asked_on,
            answered_on=a.answered_on, published_at=a.published_at,
        )  # fmt: skip


class PublicAnswerPageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[PublicAnswerOut]


class PublicAnswerListIn(Schema):
    page: int = Field(1, ge=1, le=100000)
    q: str = Field("", max_length=50, description="搜索标题、问题和答复")
    category: Category | None = None


def _detail(e: Enquiry) -> EnquiryDetailOut:
    return EnquiryDetailOut(
        **EnquirySummaryOut.of(e).model_dump(),
        text=e.text,
        office=services.office_label(e),
        escalations=e.escalations,
        reopened=e.reopened,
        rating=e.rating,
        answered_at=e.answered_at,
        closed_at=e.closed_at,
        messages=[
            EnquiryMessageOut(role=m.role, office_label=m.office_label, text=m.text, created_at=m.created_at)
            for m in e.messages.all()
        ],
        image_ids=[i.pk for i in e.images.all()],
        public_consent=e.public_consent,
        published=public.current(e) is not None,
    )


def _page(qs, page: int) -> EnquiryPageOut:
    count, size, num_pages, items = page_of(qs, page)
    return EnquiryPageOut(
        count=count,
        page=page,
        page_size=size,
        num_pages=num_pages,
        items=[EnquirySummaryOut.of(e) for e in items],
    )


# --- owner / asker ------------------------------------------------------------------------------------------------


@router.get("", response={200: EnquiryPageOut, **_ERRORS}, summary="我的咨询（最新在前）")
def my_enquiries(request, filters: Query[EnquiryListIn]):
    channel = filters.channel.value if filters.channel else None
    return _page(selectors.mine(account=request.auth, channel=channel), filters.page)


@router.post(
    "", response={201: EnquiryDetailOut, **_ERRORS}, summary="提交咨询、建议或投诉（图片请在页面上传）"
)
def open_enquiry(request, payload: EnquiryOpenIn):
    enquiry = services.open_enquiry(
        actor=request.auth,
        channel=payload.channel.value,
        category=payload.category.value,
        title=payload.title,
        text=payload.text,
        project_id=payload.project_id,
        district_id=payload.district_id,
        public_consent=payload.public_consent,
    )
    return Status(201, _detail(selectors.get_mine(account=request.auth, enquiry_id=enquiry.pk)))


@router.get("/{enquiry_id}", response={200: EnquiryDetailOut, **_ERRORS}, summary="我的咨询详情")
def my_enquiry(request, enquiry_id: int):
    return _detail(selectors.get_mine(account=request.auth, enquiry_id=enquiry_id))


@router.post("/{enquiry_id}/withdraw", response={200: EnquiryDetailOut, **_ERRORS}, summary="撤回（答复前）")
def withdraw_enquiry(request, enquiry_id: int):
    services.withdraw(actor=request.auth, enquiry_id=enquiry_id)
    return _detail(selectors.get_mine(account=request.auth, enquiry_id=enquiry_id))


@router.post("/{enquiry_id}/rating", response={200: EnquiryDetailOut, **_ERRORS}, summary="评价答复")
def rate_enquiry(request, enquiry_id: int, payload: EnquiryRateIn):
    services.rate(actor=request.auth, enquiry_id=enquiry_id, rating=payload.rating.value)
    return _detail(selectors.get_mine(account=request.auth, enquiry_id=enquiry_id))


@router.post(
    "/{enquiry_id}/reopen", response={200: EnquiryDetailOut, **_ERRORS}, summary="重新打开（仅一次）"
)
def reopen_enquiry(request, enquiry_id: int, payload: EnquiryReopenIn):
    services.reopen(actor=request.auth, enquiry_id=enquiry_id, reason=payload.reason)
    return _detail(selectors.get_mine(account=request.auth, enquiry_id=enquiry_id))


# --- office -------------------------------------------------------------------------------------------------------


@office_router.get("", response={200: EnquiryQueueOut, **_ERRORS}, summary="本部门待办的咨询（按答复期限）")
def office_enquiries(request, filters: Query[EnquiryQueueIn]):
    qs = selectors.queue(
        actor=request.auth,
        state=filters.state.value if filters.state else "",
        category=filters.category.value if filters.category else "",
        overdue=filters.overdue,
    )
    page = _page(qs, filters.page)
    counts = selectors.queue_counts(actor=request.auth)
    return EnquiryQueueOut(**page.model_dump(), counts=EnquiryQueueCountsOut(**counts))


@office_router.get("/{enquiry_id}", response={200: EnquiryDetailOut, **_ERRORS}, summary="咨询详情（办理）")
def office_enquiry(request, enquiry_id: int):
    return _detail(selectors.get_for_office(actor=request.auth, enquiry_id=enquiry_id))


@office_router.post("/{enquiry_id}/accept", response={200: EnquiryDetailOut, **_ERRORS}, summary="受理")
def accept_enquiry(request, enquiry_id: int):
    services.accept(actor=request.auth, enquiry_id=enquiry_id)
    return _detail(selectors.get_for_office(actor=request.auth, enquiry_id=enquiry_id))


@office_router.post("/{enquiry_id}/answer", response={200: EnquiryDetailOut, **_ERRORS}, summary="答复")
def answer_enquiry(request, enquiry_id: int, payload: EnquiryAnswerIn):
    services.answer(actor=request.auth, enquiry_id=enquiry_id, text=payload.text)
    return _detail(selectors.get_for_office(actor=request.auth, enquiry_id=enquiry_id))


@router.post(
    "/{enquiry_id}/consent",
    response={200: EnquiryDetailOut, **_ERRORS},
    summary="政民互动：同意或撤回匿名公开（撤回后公开内容立即撤下）",
)
def enquiry_consent(request, enquiry_id: int, payload: EnquiryConsentIn):
    public.set_consent(actor=request.auth, enquiry_id=enquiry_id, consent=payload.consent)
    return _detail(selectors.get_mine(account=request.auth, enquiry_id=enquiry_id))


@office_router.post(
    "/{enquiry_id}/publish",
    response={201: PublicAnswerOut, **_ERRORS},
    summary="匿名公开答复（提问人已同意；未填的内容取自动去除个人信息的问答）",
)
def publish_enquiry(request, enquiry_id: int, payload: PublicAnswerIn):
    row = public.publish(
        actor=request.auth,
        enquiry_id=enquiry_id,
        title=payload.title,
        question=payload.question,
        answer=payload.answer,
    )
    return Status(201, PublicAnswerOut.of(row))


@office_router.post(
    "/{enquiry_id}/take-down", response={200: EnquiryDetailOut, **_ERRORS}, summary="撤下公开答复"
)
def take_down_enquiry(request, enquiry_id: int, payload: TakeDownIn):
    public.take_down(actor=request.auth, enquiry_id=enquiry_id, reason=payload.reason)
    return _detail(selectors.get_for_office(actor=request.auth, enquiry_id=enquiry_id))


@public_router.get(
    "/answers", response={200: PublicAnswerPageOut, 422: Problem}, summary="公开答复（常见问答）"
)
def public_answers(request, filters: Query[PublicAnswerListIn]):
    qs = public.published(q=filters.q, category=filters.category.value if filters.category else "")
    count, size, num_pages, items = page_of(qs, filters.page)
    return PublicAnswerPageOut(
        count=count, page=filters.page, page_size=size, num_pages=num_pages,
        items=[PublicAnswerOut.of(a) for a in items],
    )  # fmt: skip


CSV_HEADER = ("编号", "类别", "标题", "问题", "答复部门", "答复", "提问日期", "答复日期", "公开时间")


@public_router.get(
    "/answers.csv",
    response={200: str},
    summary="开放数据：公开答复（CSV，全部）",
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def public_answers_csv(request):
    rows = (
        (
            a.pk, a.get_category_display(), a.title, a.question, a.office_label, a.answer,
            a.asked_on.isoformat(), a.answered_on.isoformat(), clock.local(a.published_at).isoformat(),
        )
        for a in public.published().iterator(chunk_size=500)
    )  # fmt: skip
    response = HttpResponse(csv_bytes(CSV_HEADER, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="public-answers.csv"'
    return response
