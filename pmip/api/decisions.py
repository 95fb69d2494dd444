"""Owner API of 业主决策, /api/v1/decisions: the caller's meetings, a meeting's matters and the caller's voting slots,
casting (the same service and error codes as the pages: `voting_not_open`, `already_voted`, `not_eligible`,
`forbidden`, `not_found`, `invalid`), the caller's receipts, and after the close the bulletin and, once published,
the tally sheet.

Authentication: the owner's Django session (the portal log-in); unsafe methods need the CSRF token. Before the close
nothing here returns anyone's choice but the caller's own (as the owner or as a delegate for a principal).
"""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema, Status
from pydantic import Field

from pmip.api.owner import OwnerSessionAuth
from pmip.api.schemas import Problem, TallyResultOut
from pmip.core.errors import ValidationFailed
from pmip.decisions import overview, selectors, services, tally
from pmip.decisions.choices import ConvenerKind
from pmip.decisions.models import Matter

router = Router(tags=["业主决策"], auth=OwnerSessionAuth())
_ERRORS = {401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}
BULLETIN_PAGE_SIZE = 50


class AgreementRequired(ValidationFailed):
    code = "agreement_required"


# --- schemas ----------------------------------------------------------------------------------------------------


class MeetingOut(Schema):
    id: int
    project_code: str
    project_name: str
    title: str
    state: str = Field(
        ..., description="noticed 公示中 / open 投票中 / closed 已截止 / published 结果已公布 / cancelled"
    )
    state_label: str
    voting_starts_at: dt.datetime
    voting_ends_at: dt.datetime
    allow_ballot_change: bool = Field(..., description="截止前可否修改已投选票")
    rehearsal: bool = Field(False, description="演练会议：仅供试用投票，结果不产生法律效力")
    pending_matters: int = Field(..., description="我现在可以投、尚未投的议题数")
    results_published: bool


class CandidateOut(Schema):
    id: int
    order: int
    name: str


class MatterOut(Schema):
    id: int
    order: int
    title: str
    description: str
    item: int
    item_label: str
    matter_class: str = Field(..., description="ordinary 一般事项 / major 重大事项")
    kind: str = Field(..., description="question 表决事项 / election 选举")
    seats: int | None
    scope_buildings: list[str] = Field(..., description="表决范围的楼栋；空表示全体业主")
    candidates: list[CandidateOut]
    state: str = Field(
        ..., description="not_started / pending / voted / cannot / ended / published / cancelled"
    )
    state_label: str
    reason: str = Field(..., description="不能投票的原因（state 为 cannot 时）")
    outcome: str = Field(..., description="已公布的表决事项：passed / rejected / no_decision")


class UnitOut(Schema):
    room: str = Field(..., examples=["1栋101"])
    area: str = Field(..., examples=["90.00"])


class MyBallotOut(Schema):
    choices: dict[str, str] = Field(..., description='{"matter": "yes"}，选举为 {候选人id: 选择}')
    receipt: str
    sequence: int
    channel: str
    cast_at: dt.datetime


class SlotMatterOut(Schema):
    matter_id: int
    units: list[UnitOut] = Field(..., description="本票覆盖的房屋（本议题表决范围内）")
    area: str = Field(..., description="合计面积 m²")
    ballot: MyBallotOut | None


class SlotOut(Schema):
    """One owner the caller votes for: themself, or a principal (delegate). One ballot per matter covers all the
    owner's units in that matter's scope."""

    unit_id: int = Field(..., description="投票时传入的 unit_id")
    for_self: bool
    principal: str = Field(..., description="业主姓名（掩码）")
    units: list[UnitOut]
    can_vote: bool
    reason: str
    matters: list[SlotMatterOut]


class MeetingDetailOut(MeetingOut):
    convener: str
    description: str
    matters: list[MatterOut]
    slots: list[SlotOut]


class BallotIn(Schema):
    unit_id: int
    answers: dict[int, str | dict[int, str]] = Field(
        ..., description='议题id → "yes"/"no"/"abstain"；选举议题为 {候选人id: 选择}，须覆盖每位候选人'
    )
    agreement_accepted: bool = Field(..., description="已阅读并同意《服务协议》")


class CastOut(Schema):
    matter_id: int
    sequence: int
    receipt: str
    replaced: bool


class ReceiptOut(Schema):
    meeting_id: int
    meeting_title: str
    matter_id: int
    matter_title: str
    unit_id: int
    for_self: bool
    principal: str
    choices: dict[str, str]
    receipt: str
    sequence: int
    channel: str
    cast_at: dt.datetime


class ElectionOut(Schema):
    seats: int
    elected: list[str]
    tied: list[str]
    over_subscribed: bool
    ranking: str


class MatterSheetOut(Schema):
    matter_id: int
    order: int
    title: str
    class_label: str
    results: list[TallyResultOut]
    election: ElectionOut | None


class TallyOut(Schema):
    meeting_id: int
    title: str
    results_published_at: dt.datetime | None
    settings: list[dict] = Field(..., description="计票所用的议事规则设置")
    roll_hash: str
    matters: list[MatterSheetOut]


class BulletinQuery(Schema):
    q: str = Field("", max_length=80, description="回执码或其开头几位")
    matter: int | None = None
    page: int = Field(1, ge=1, le=100000)


class BulletinLineOut(Schema):
    matter_id: int
    sequence: int
    receipt: str
    channel: str
    units: list[UnitOut]
    area: str


class BulletinOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[BulletinLineOut]


# --- helpers ----------------------------------------------------------------------------------------------------


def _meeting_out(view: overview.MeetingView, cls=MeetingOut, **extra):
    m = view.meeting
    return cls(
        id=m.pk,
        project_code=m.project.code,
        project_name=m.project.name,
        title=m.title,
        state=m.state,
        state_label=m.get_state_display(),
        voting_starts_at=m.voting_starts_at,
        voting_ends_at=m.voting_ends_at,
        allow_ballot_change=m.allow_ballot_change,
        rehearsal=m.rehearsal,
        pending_matters=view.pending_count,
        results_published=m.state == "published",
        **extra,
    )


def _ballot_out(b: overview.MyBallot | None) -> MyBallotOut | None:
    if b is None:
        return None
    return MyBallotOut(
        choices=b.choices, receipt=b.receipt, sequence=b.sequence, channel=b.channel, cast_at=b.cast_at
    )


def _units(pairs) -> list[UnitOut]:
    return [UnitOut(room=room, area=area) for room, area in pairs]


def _slot_reason(slot: overview.Slot) -> str:
    return overview.DELEGATED_AWAY if slot.blocked_by_delegation and slot.eligible else slot.ineligible_reason


def _matter_out(row: overview.MatterRow) -> MatterOut:
    m = row.matter
    return MatterOut(
        id=m.pk,
        order=m.order,
        title=m.title,
        description=m.description,
        item=m.item,
        item_label=m.get_item_display(),
        matter_class=m.matter_class,
        kind=m.kind,
        seats=m.seats,
        scope_buildings=[f"{b.number}栋" for b in m.buildings.all()],
        candidates=[CandidateOut(id=c.pk, order=c.order, name=c.name) for c in m.candidates.all()],
        state=row.state,
        state_label=row.state_label,
        reason=row.reason,
        outcome=row.outcome,
    )


# --- endpoints --------------------------------------------------------------------------------------------------


@router.get("/meetings", response={200: list[MeetingOut], **_ERRORS}, summary="我的小区的业主大会会议")
def my_meetings(request, project_code: str = ""):
    out = []
    projects = overview.owner_projects(actor=request.auth)
    for project in projects:
        if project_code and project.code != project_code:
            continue
        view = overview.project_overview(actor=request.auth, project_id=project.pk, projects=projects)
        out += [_meeting_out(m) for m in view.meetings]
    return out


@router.get(
    "/meetings/{meeting_id}", response={200: MeetingDetailOut, **_ERRORS}, summary="会议的表决事项和我的投票"
)
def meeting_detail(request, meeting_id: int):
    view = overview.meeting_view(actor=request.auth, meeting_id=meeting_id)
    matters = {m.pk: m for m in view.matters}
    slots = [
        SlotOut(
            unit_id=s.unit_id,
            for_self=s.for_self,
            principal=s.principal_masked,
            units=_units((overview.room_label(e.unit_label), tally.format_area(e.area)) for e in s.entries),
            can_vote=s.can_vote,
            reason=_slot_reason(s),
            matters=[
                SlotMatterOut(
                    matter_id=mid,
                    units=_units(s.scope_rooms(matters[mid])),
                    area=s.scope_area(matters[mid]),
                    ballot=_ballot_out(s.ballots.get(mid)),
                )
                for mid in s.matter_ids
            ],
        )
        for s in view.slots
    ]
    return _meeting_out(
        view,
        MeetingDetailOut,
        convener=ConvenerKind(view.meeting.convener_kind).label,
        description=view.meeting.description,
        matters=[_matter_out(r) for r in view.rows],
        slots=slots,
    )


@router.post(
    "/meetings/{meeting_id}/ballots",
    response={201: list[CastOut], **_ERRORS},
    summary="投票（一次可对多个议题投票，全部成功或全部失败）",
)
def cast(request, meeting_id: int, payload: BallotIn):
    if not payload.agreement_accepted:
        raise AgreementRequired("请先阅读并同意《服务协议》。", field="agreement_accepted")
    results = services.cast_ballots(
        actor=request.auth, meeting_id=meeting_id, unit_id=payload.unit_id, answers=payload.answers
    )
    return Status(
        201,
        [
            CastOut(matter_id=r.matter_id, sequence=r.sequence, receipt=r.receipt, replaced=r.replaced)
            for r in results
        ],
    )


@router.get("/receipts", response={200: list[ReceiptOut], **_ERRORS}, summary="我的投票回执")
def my_receipts(request):
    out = []
    projects = overview.owner_projects(actor=request.auth)
    for project in projects:
        view = overview.project_overview(actor=request.auth, project_id=project.pk, projects=projects)
        for mv in view.meetings:
            titles = {m.pk: m.title for m in mv.matters}
            for s in mv.slots:
                for b in sorted(s.ballots.values(), key=lambda b: b.sequence):
                    out.append(
                        ReceiptOut(
                            meeting_id=mv.meeting.pk,
                            meeting_title=mv.meeting.title,
                            matter_id=b.matter_id,
                            matter_title=titles[b.matter_id],
                            unit_id=s.unit_id,
                            for_self=s.for_self,
                            principal=s.principal_masked,
                            choices=b.choices,
                            receipt=b.receipt,
                            sequence=b.sequence,
                            channel=b.channel,
                            cast_at=b.cast_at,
                        )
                    )
    return out


@router.get(
    "/meetings/{meeting_id}/results", response={200: TallyOut, **_ERRORS}, summary="计票结果（结果公布后）"
)
def results(request, meeting_id: int):
    selectors.get_meeting_for_owner(actor=request.auth, meeting_id=meeting_id)
    sheet = selectors.tally_sheet(actor=request.auth, meeting_id=meeting_id)
    return TallyOut(
        meeting_id=sheet.meeting.pk,
        title=sheet.meeting.title,
        results_published_at=sheet.meeting.results_published_at,
        settings=sheet.settings,
        roll_hash=sheet.roll_hash,
        matters=[
            MatterSheetOut(
                matter_id=ms.matter.pk,
                order=ms.matter.order,
                title=ms.matter.title,
                class_label=ms.class_label,
                results=[TallyResultOut.of(r) for r in ms.results],
                election=ElectionOut(
                    seats=ms.election.seats,
                    elected=ms.election.elected,
                    tied=ms.election.tied,
                    over_subscribed=ms.election.over_subscribed,
                    ranking=ms.election.ranking,
                )
                if ms.election
                else None,
            )
            for ms in sheet.matters
        ],
    )


@router.get(
    "/meetings/{meeting_id}/bulletin",
    response={200: BulletinOut, **_ERRORS},
    summary="选票公示（投票截止后）：回执码、楼栋房号和面积，不含姓名和投票内容",
)
def bulletin(request, meeting_id: int, filters: Query[BulletinQuery]):
    selectors.get_meeting_for_owner(actor=request.auth, meeting_id=meeting_id)
    lines = selectors.bulletin(actor=request.auth, meeting_id=meeting_id)
    q = "".join(ch for ch in filters.q.lower() if ch in "0123456789abcdef")
    if filters.matter is not None:
        if not Matter.objects.filter(pk=filters.matter, meeting_id=meeting_id).exists():
            raise ValidationFailed("该议题不属于本次会议。", field="matter")
        lines = [line for line in lines if line.matter_id == filters.matter]
    if q:
        lines = [line for line in lines if line.receipt.startswith(q)]
    count = len(lines)
    num_pages = max(1, -(-count // BULLETIN_PAGE_SIZE))
    start = (filters.page - 1) * BULLETIN_PAGE_SIZE
    return BulletinOut(
        count=count,
        page=filters.page,
        page_size=BULLETIN_PAGE_SIZE,
        num_pages=num_pages,
        items=[
            BulletinLineOut(
                matter_id=line.matter_id,
                sequence=line.sequence,
                receipt=line.receipt,
                channel=line.channel,
                units=_units((overview.room_label(label), area) for label, area in line.units),
                area=line.area,
            )
            for line in lines[start : start + BULLETIN_PAGE_SIZE]
        ],
    )
