"""Staff API of 业主决策 (/api/v1/office/decisions/...), with the back-office session (password + SMS code); CSRF is
checked on writes.

The same selectors and services as the back-office pages, so the same scopes and error codes: a meeting outside
the caller's scope is 404 `not_found` (for reads and writes alike); a step out of order is 422 `meeting_state`
(e.g. a notice published too late, a matter added after the notice, voting opened before its start); publication
when the recount differs from the counters is 409 `count_mismatch`. Turnout never contains a choice; the tally sheet
and the export exist only after the close.
"""

from __future__ import annotations

import datetime as dt

from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from pmip.api.auth import StaffSessionAuth
from pmip.api.pagination import page_of
from pmip.api.schemas import Problem, TallyResultOut
from pmip.core.errors import NotFound
from pmip.decisions import export as export_mod
from pmip.decisions import selectors, services
from pmip.decisions.choices import (
    ConvenerKind,
    ElectionRanking,
    MatterKind,
    MatterScope,
    MeetingState,
    MeetingType,
    PublicityKind,
)
from pmip.decisions.models import Matter, Meeting, PublicityFile
from pmip.decisions.rules import meeting_notice_deadline, settings_used
from pmip.registry.models import Project

router = Router(tags=["管理后台 · 业主决策"], auth=StaffSessionAuth())

_ERRORS = {401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}


# --- schemas ---------------------------------------------------------------------------------------------------


class MeetingFilterIn(Schema):
    state: MeetingState | None = Field(
        None, description="draft / noticed / open / closed / published / cancelled"
    )
    page: int = Field(1, ge=1, le=100000)


class MeetingListItemOut(Schema):
    id: int
    title: str
    project_code: str
    project_name: str
    state: str
    state_label: str
    convener_kind: str
    meeting_type: str
    voting_starts_at: dt.datetime
    voting_ends_at: dt.datetime
    rehearsal: bool = Field(False, description="演练会议：结果不产生法律效力，不计入统计和公开数据")

    @classmethod
    def fields_of(cls, m: Meeting) -> dict:
        return {
            "id": m.pk,
            "title": m.title,
            "project_code": m.project.code,
            "project_name": m.project.name,
            "state": m.state,
            "state_label": m.get_state_display(),
            "convener_kind": m.convener_kind,
            "meeting_type": m.meeting_type,
            "voting_starts_at": m.voting_starts_at,
            "voting_ends_at": m.voting_ends_at,
            "rehearsal": m.rehearsal,
        }


class MeetingPageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[MeetingListItemOut]


class OfficeCandidateOut(Schema):
    id: int
    order: int
    name: str


class OfficeMatterOut(Schema):
    id: int
    order: int
    title: str
    description: str
    item: int
    item_label: str
    matter_class: str
    kind: str
    seats: int | None
    scope: str
    building_ids: list[int]
    candidates: list[OfficeCandidateOut]

    @classmethod
    def of(cls, m: Matter) -> OfficeMatterOut:
        return cls(
            id=m.pk,
            order=m.order,
            title=m.title,
            description=m.description,
            item=m.item,
            item_label=m.get_item_display(),
            matter_class=m.matter_class,
            kind=m.kind,
            seats=m.seats,
            scope=m.scope,
            building_ids=sorted(b.pk for b in m.buildings.all()),
            candidates=[OfficeCandidateOut(id=c.pk, order=c.order, name=c.name) for c in m.candidates.all()],
        )


class FileOut(Schema):
    id: int
    kind: str
    title: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime

    @classmethod
    def of(cls, f: PublicityFile) -> FileOut:
        return cls(
            id=f.pk,
            kind=f.kind,
            title=f.title,
            original_name=f.original_name,
            content_type=f.content_type,
            size=f.size,
            sha256=f.sha256,
            uploaded_at=f.uploaded_at,
        )


class OfficeSettingOut(Schema):
    key: str
    label: str
    value: bool | int | str
    text: str
    default: bool


class OfficeMeetingOut(MeetingListItemOut):
    description: str
    notice_days: int
    notice_minutes: int = Field(0, description="演练会议：会议通知提前分钟数（非演练会议为0）")
    include_parking_storage: bool
    non_voters_follow_majority: bool
    allow_ballot_change: bool
    election_ranking: str
    notice_deadline: dt.datetime
    notice_published_at: dt.datetime | None
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None
    results_published_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancel_reason: str
    roll_hash: str
    count_mismatch: bool
    may_run: bool = Field(..., description="whether the caller may take the convener's steps")
    settings: list[OfficeSettingOut]
    matters: list[OfficeMatterOut]
    files: list[FileOut]

    @classmethod
    def of(cls, m: Meeting, *, actor) -> OfficeMeetingOut:
        return cls(
            **cls.fields_of(m),
            description=m.description,
            notice_days=m.notice_days,
            notice_minutes=m.notice_minutes,
            include_parking_storage=m.include_parking_storage,
            non_voters_follow_majority=m.non_voters_follow_majority,
            allow_ballot_change=m.allow_ballot_change,
            election_ranking=m.election_ranking,
            notice_deadline=meeting_notice_deadline(m),
            notice_published_at=m.notice_published_at,
            opened_at=m.opened_at,
            closed_at=m.closed_at,
            results_published_at=m.results_published_at,
            cancelled_at=m.cancelled_at,
            cancel_reason=m.cancel_reason,
            roll_hash=m.roll_hash,
            count_mismatch=m.count_mismatch,
            may_run=selectors.may_run_meeting(actor=actor, meeting=m),
            settings=[OfficeSettingOut(**s) for s in settings_used(m)],
            matters=[OfficeMatterOut.of(x) for x in selectors.matters_of(meeting=m)],
            files=[FileOut.of(f) for f in m.files.order_by("kind", "uploaded_at", "pk")],
        )


class MeetingCreateIn(Schema):
    project_code: str = Field(..., max_length=20, description="物业项目编号")
    convener_kind: ConvenerKind
    title: str = Field(..., max_length=200)
    voting_starts_at: dt.datetime = Field(
        ..., description="带时区的ISO 8601时间，例如 2026-05-17T10:00:00+08:00"
    )
    voting_ends_at: dt.datetime
    meeting_type: MeetingType = MeetingType.EXTRAORDINARY
    description: str = Field("", max_length=5000)
    notice_days: int = Field(15, ge=1, le=90, description="会议通知提前天数（可配置，默认15日）")
    include_parking_storage: bool = False
    non_voters_follow_majority: bool = False
    allow_ballot_change: bool = False
    election_ranking: ElectionRanking = ElectionRanking.OWNERS_THEN_AREA
    rehearsal: bool = Field(
        False,
        description="演练会议：通知提前时间按分钟计（notice_minutes），名称自动加“【演练】”，结果不产生法律效力，"
        "不计入统计和公开数据；创建后不能更改",
    )
    notice_minutes: int | None = Field(
        None, ge=1, le=1440, description="仅演练会议：会议通知提前分钟数（默认5）"
    )


class MatterIn(Schema):
    title: str = Field(..., max_length=200)
    item: int = Field(..., ge=1, le=9, description="民法典第二百七十八条第一款第几项（6、7、8为重大事项）")
    description: str = Field("", max_length=10000)
    kind: MatterKind = MatterKind.QUESTION
    seats: int | None = Field(None, ge=1, le=99)
    scope: MatterScope = MatterScope.PROJECT
    building_ids: list[int] = Field(default_factory=list)
    candidates: list[str] = Field(default_factory=list, max_length=99)


class CancelIn(Schema):
    reason: str = Field(..., max_length=200)


class BuildingTurnoutOut(Schema):
    building: str
    units: int
    owners: int
    area: str
    participating_units: int
    participating_owners: int
    participating_area: str


class MatterTurnoutOut(Schema):
    """Participation only: never a choice."""

    matter_id: int
    order: int
    title: str
    total_owners: int
    total_area: str
    participating_owners: int
    participating_area: str
    quorum_owners: int
    quorum_area: str
    owners_needed: int
    area_needed: str
    quorum_reached: bool
    buildings: list[BuildingTurnoutOut]


class TurnoutOut(Schema):
    meeting_id: int
    state: str
    matters: list[MatterTurnoutOut]


class OfficeElectionOut(Schema):
    seats: int
    elected: list[str]
    tied: list[str]
    over_subscribed: bool
    ranking: str


class OfficeMatterSheetOut(Schema):
    matter_id: int
    order: int
    title: str
    item: int
    class_label: str
    results: list[TallyResultOut]
    election: OfficeElectionOut | None


class OfficeTallyOut(Schema):
    meeting_id: int
    state: str
    published: bool
    roll_hash: str
    results_due_by: dt.datetime | None
    count_mismatch: bool
    settings: list[OfficeSettingOut]
    matters: list[OfficeMatterSheetOut]


# --- reads -----------------------------------------------------------------------------------------------------


def _detail(request, meeting_id: int) -> OfficeMeetingOut:
    meeting = selectors.get_meeting_for_staff(actor=request.auth, meeting_id=meeting_id)
    return OfficeMeetingOut.of(meeting, actor=request.auth)


@router.get("/meetings", response={200: MeetingPageOut, **_ERRORS}, summary="管辖范围内的业主大会会议")
def list_meetings(request, filters: Query[MeetingFilterIn]):
    qs = selectors.meetings_for_staff(actor=request.auth, state=filters.state or "")
    count, size, num_pages, items = page_of(qs, filters.page)
    return MeetingPageOut(
        count=count,
        page=filters.page,
        page_size=size,
        num_pages=num_pages,
        items=[MeetingListItemOut(**MeetingListItemOut.fields_of(m)) for m in items],
    )


@router.get("/meetings/{meeting_id}", response={200: OfficeMeetingOut, **_ERRORS}, summary="会议详情")
def get_meeting(request, meeting_id: int):
    return _detail(request, meeting_id)


@router.get(
    "/meetings/{meeting_id}/turnout",
    response={200: TurnoutOut, **_ERRORS},
    summary="参与情况（不含表决意见）",
)
def get_turnout(request, meeting_id: int):
    meeting = selectors.get_meeting_for_staff(actor=request.auth, meeting_id=meeting_id)
    rows = selectors.turnout(actor=request.auth, meeting_id=meeting_id)
    return TurnoutOut(
        meeting_id=meeting.pk,
        state=meeting.state,
        matters=[
            MatterTurnoutOut(
                matter_id=t.matter.pk,
                order=t.matter.order,
                title=t.matter.title,
                total_owners=t.total_owners,
                total_area=t.total_area,
                participating_owners=t.participating_owners,
                participating_area=t.participating_area,
                quorum_owners=t.quorum_owners,
                quorum_area=t.quorum_area,
                owners_needed=t.owners_needed,
                area_needed=t.area_needed,
                quorum_reached=t.quorum_reached,
                buildings=[BuildingTurnoutOut(**b.__dict__) for b in t.buildings],
            )
            for t in rows
        ],
    )


def _after_close(request, meeting_id: int, message: str) -> Meeting:
    meeting = selectors.get_meeting_for_staff(actor=request.auth, meeting_id=meeting_id)
    if meeting.state not in selectors.AFTER_CLOSE:
        raise NotFound(message)
    return meeting


@router.get(
    "/meetings/{meeting_id}/tally", response={200: OfficeTallyOut, **_ERRORS}, summary="计票结果（截止后）"
)
def get_tally(request, meeting_id: int):
    meeting = _after_close(request, meeting_id, "投票截止后才能查看计票结果。")
    sheet = selectors.tally_sheet(actor=request.auth, meeting_id=meeting_id)
    return OfficeTallyOut(
        meeting_id=meeting.pk,
        state=meeting.state,
        published=sheet.published,
        roll_hash=sheet.roll_hash,
        results_due_by=sheet.results_due_by,
        count_mismatch=meeting.count_mismatch,
        settings=[OfficeSettingOut(**s) for s in sheet.settings],
        matters=[
            OfficeMatterSheetOut(
                matter_id=ms.matter.pk,
                order=ms.matter.order,
                title=ms.matter.title,
                item=ms.matter.item,
                class_label=ms.class_label,
                results=[TallyResultOut.of(r, legacy_result=True) for r in ms.results],
                election=OfficeElectionOut(**ms.election.__dict__) if ms.election else None,
            )
            for ms in sheet.matters
        ],
    )


@router.get(
    "/meetings/{meeting_id}/export",
    response={200: dict, **_ERRORS},
    summary="导出计票数据（截止后，pmip-verify 输入格式，操作留痕）",
)
def get_export(request, meeting_id: int):
    return export_mod.export_meeting(actor=request.auth, meeting_id=meeting_id)


# --- writes ----------------------------------------------------------------------------------------------------


@router.post("/meetings", response={201: OfficeMeetingOut, **_ERRORS}, summary="新建会议（草稿）")
def create_meeting(request, payload: MeetingCreateIn):
    project_id = (
        Project.objects.filter(code=payload.project_code.strip()).values_list("pk", flat=True).first()
    )
    if project_id is None:
        raise NotFound("未找到该物业项目，或不在您的管辖范围内。")
    data = payload.model_dump(exclude={"project_code"})
    meeting = services.create_meeting(actor=request.auth, project_id=project_id, **data)
    return Status(201, _detail(request, meeting.pk))


@router.post("/meetings/{meeting_id}/matters", response={201: OfficeMatterOut, **_ERRORS}, summary="添加议题")
def add_matter(request, meeting_id: int, payload: MatterIn):
    matter = services.add_matter(actor=request.auth, meeting_id=meeting_id, **payload.model_dump())
    matter = next(m for m in selectors.matters_of(meeting=matter.meeting) if m.pk == matter.pk)
    return Status(201, OfficeMatterOut.of(matter))


@router.post("/meetings/{meeting_id}/files", response={201: FileOut, **_ERRORS}, summary="上传公示文件")
def upload_file(
    request,
    meeting_id: int,
    kind: Form[PublicityKind],
    title: Form[str],
    file: File[UploadedFile],
):
    f = services.upload_publicity_file(
        actor=request.auth, meeting_id=meeting_id, kind=kind, title=title, upload=file
    )
    return Status(201, FileOut.of(f))


@router.post(
    "/meetings/{meeting_id}/notice", response={200: OfficeMeetingOut, **_ERRORS}, summary="发布会议通知"
)
def publish_notice(request, meeting_id: int):
    services.publish_notice(actor=request.auth, meeting_id=meeting_id)
    return _detail(request, meeting_id)


@router.post("/meetings/{meeting_id}/open", response={200: OfficeMeetingOut, **_ERRORS}, summary="开始投票")
def open_voting(request, meeting_id: int):
    services.open_voting(actor=request.auth, meeting_id=meeting_id)
    return _detail(request, meeting_id)


@router.post("/meetings/{meeting_id}/close", response={200: OfficeMeetingOut, **_ERRORS}, summary="截止投票")
def close_voting(request, meeting_id: int):
    services.close_voting(actor=request.auth, meeting_id=meeting_id)
    return _detail(request, meeting_id)


@router.post(
    "/meetings/{meeting_id}/publish-results",
    response={200: OfficeMeetingOut, **_ERRORS},
    summary="公布表决结果",
)
def publish_results(request, meeting_id: int):
    services.publish_results(actor=request.auth, meeting_id=meeting_id)
    return _detail(request, meeting_id)


@router.post("/meetings/{meeting_id}/cancel", response={200: OfficeMeetingOut, **_ERRORS}, summary="取消会议")
def cancel_meeting(request, meeting_id: int, payload: CancelIn):
    services.cancel_meeting(actor=request.auth, meeting_id=meeting_id, reason=payload.reason)
    return _detail(request, meeting_id)
