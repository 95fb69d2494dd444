"""业主评价 API: public rankings and open data (/api/v1/evaluation), the owner's evaluations, and replies for staff
(/api/v1/office/evaluation). The same services and selectors as the pages; errors are problem bodies."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from pmip.api.auth import StaffSessionAuth
from pmip.api.delegation import OwnerSessionAuth
from pmip.api.pagination import page_of
from pmip.api.schemas import Problem
from pmip.core.errors import NotFound, ValidationFailed
from pmip.core.exports import csv_bytes
from pmip.evaluation import opendata, periods, ranking, selectors, services
from pmip.evaluation.choices import SubjectKind, Target
from pmip.evaluation.models import Evaluation

public = Router(tags=["业主评价（公开）"])
owner = Router(tags=["业主评价"], auth=OwnerSessionAuth())
office = Router(tags=["业主评价（管理后台）"], auth=StaffSessionAuth())

_ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}


def _check(period: str, kind: str) -> None:
    if kind not in SubjectKind.values:
        raise NotFound("排名对象只能是 project、company 或 committee。")
    if not periods.is_valid(period):
        raise NotFound("评价周期格式不正确（如 2026Q4）。")


# --- public -------------------------------------------------------------------------------------------------------


class EvalPolicyOut(Schema):
    prior_weight: int = Field(..., description="先验权重 m")
    min_count: int = Field(..., description="参与排名的最少评价数")
    period_months: int = Field(..., description="评价周期（月）：1、3、6、12")
    current_period: str


@public.get("/policy", response=EvalPolicyOut, summary="评价规则（排名计算参数）")
def policy(request):
    p = services.get_policy()
    return EvalPolicyOut(
        prior_weight=p.prior_weight,
        min_count=p.min_count,
        period_months=p.period_months,
        current_period=services.current_period(p),
    )


class EvalItemOut(Schema):
    id: int
    target: str
    name: str
    position: int
    active: bool


@public.get("/items", response=list[EvalItemOut], summary="评价项目")
def items(request, target: str | None = None):
    return [
        EvalItemOut(id=i.pk, target=i.target, name=i.name, position=i.position, active=i.active)
        for i in selectors.items(target if target in Target.values else None)
    ]


@public.get("/periods", response=list[str], summary="有评价数据的周期")
def period_list(request, kind: str = SubjectKind.PROJECT):
    return selectors.available_periods(kind=kind if kind in SubjectKind.values else None)


class RankRowOut(Schema):
    id: str = Field(..., description="项目编号 / 统一社会信用代码 / 项目编号-业委会编号")
    name: str
    count: int
    mean: str
    score: str | None
    rank: int | None


class RankingPageOut(Schema):
    period: str
    kind: str
    prior_weight: int
    min_count: int
    global_mean: str | None
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[RankRowOut]


@public.get(
    "/rankings/{period}/{kind}",
    response={200: RankingPageOut, 404: Problem, 422: Problem},
    summary="评价排名（分页）",
)
def ranking_page(
    request, period: str, kind: str, page: int = Query(1, ge=1, le=100000), unranked: bool = False
):
    _check(period, kind)
    result = ranking.page_of(
        ranking.PageRequest.of(period=period, kind=kind, unranked=unranked, number=page, size=20)
    )
    rows = result.rows if result.number == page else ()  # a page beyond the last is empty
    return RankingPageOut(
        period=period,
        kind=kind,
        prior_weight=result.prior_weight,
        min_count=result.min_count,
        global_mean=result.global_mean,
        count=result.count,
        page=page,
        page_size=result.page_size,
        num_pages=result.num_pages,
        items=[
            RankRowOut(id=r.code, name=r.name, count=r.count, mean=r.mean, score=r.score, rank=r.rank)
            for r in rows
        ],
    )


class PublishedRankedOut(Schema):
    id: str
    count: int
    mean: str
    score: str
    rank: int


class PublishedUnrankedOut(Schema):
    id: str
    count: int


class PublishedRankingOut(Schema):
    """Exactly the output of `pmip-verify ranking` on the open data of the same period and kind."""

    global_mean: str | None
    ranked: list[PublishedRankedOut]
    unranked: list[PublishedUnrankedOut]


@public.get(
    "/open-data/{period}/{kind}/ranking",
    response={200: PublishedRankingOut, 404: Problem},
    summary="开放数据：排名结果（pmip-verify 格式）",
)
def open_ranking(request, period: str, kind: str):
    _check(period, kind)
    return ranking.ranking(period=period, kind=kind).published()


class OpenSubjectOut(Schema):
    id: str
    scores: list[int]


class OpenScoresOut(Schema):
    """The input of `pmip-verify ranking`: anonymised overall stars of every current evaluation."""

    prior_weight: int
    min_count: int
    subjects: list[OpenSubjectOut]


@public.get(
    "/open-data/{period}/{kind}/scores",
    response={200: OpenScoresOut, 404: Problem},
    summary="开放数据：评分（JSON，pmip-verify ranking 的输入）",
)
def open_scores(request, period: str, kind: str):
    _check(period, kind)
    return opendata.scores_document(period=period, kind=kind)


@public.get(
    "/open-data/{period}/{kind}/scores.csv",
    response={200: str, 404: Problem},
    summary="开放数据：评分（CSV）",
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def open_scores_csv(request, period: str, kind: str):
    _check(period, kind)
    rows = opendata.scores_csv_rows(period=period, kind=kind)
    header = next(rows)
    response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="evaluation-{period}-{kind}.csv"'
    return response


# --- owner --------------------------------------------------------------------------------------------------------


class ReplyOut(Schema):
    author_role: str
    body: str
    created_at: dt.datetime
    updated_at: dt.datetime


class EvaluationOut(Schema):
    id: int
    project_code: str
    project_name: str
    target: str
    period: str
    stars: int
    items: dict[str, int] = Field(..., description="分项名称 → 星数")
    comment: str
    evaluator: str = Field(..., description="掩码姓名 + 楼栋")
    submitted_at: dt.datetime
    is_current: bool
    reply: ReplyOut | None

    @classmethod
    def of(cls, e: Evaluation) -> EvaluationOut:
        reply = selectors.reply_of(e)
        return cls(
            id=e.pk,
            project_code=e.project.code,
            project_name=e.project.name,
            target=e.target,
            period=e.period,
            stars=e.stars,
            items={s.item.name: s.stars for s in e.item_scores.all()},
            comment=e.comment,
            evaluator=e.evaluator_label,
            submitted_at=e.submitted_at,
            is_current=e.is_current,
            reply=ReplyOut(
                author_role=reply.author_role,
                body=reply.body,
                created_at=reply.created_at,
                updated_at=reply.updated_at,
            )
            if reply
            else None,
        )


class EvaluationPageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[EvaluationOut]


class EvaluationIn(Schema):
    project_code: str = Field(..., max_length=32)
    target: str = Field(..., description="office 物业管理处 / committee 业委会", max_length=12)
    stars: int = Field(..., ge=1, le=5)
    items: dict[int, int] = Field(..., description="评价项目 id → 星数（1–5），每个启用的项目都要评分")
    comment: str = Field("", max_length=500)
    on_behalf_of: int | None = Field(None, description="被委托人代评时，委托人的账户 id")


def _owner_project(request, code: str):
    for project in selectors.owner_projects(actor=request.auth):
        if project.code == code:
            return project
    raise NotFound("未找到该小区，或您不是该小区的业主或被委托人。")


@owner.post(
    "/evaluations", response={201: EvaluationOut, **_ERRORS}, summary="我要评价（本期重新评价将替换）"
)
def submit(request, payload: EvaluationIn):
    project = _owner_project(request, payload.project_code)
    if len(payload.items) > services.MAX_ITEMS:
        raise ValidationFailed("评价项目不正确。")
    e = services.submit_evaluation(
        actor=request.auth,
        project_id=project.pk,
        target=payload.target,
        stars=payload.stars,
        item_stars=payload.items,
        comment=payload.comment,
        on_behalf_of=payload.on_behalf_of,
    )
    e = selectors.own_evaluations(actor=request.auth).get(pk=e.pk)
    return Status(201, EvaluationOut.of(e))


@owner.get("/evaluations", response={200: EvaluationPageOut, 401: Problem}, summary="评价记录")
def mine(request, page: int = Query(1, ge=1, le=100000)):
    count, size, num_pages, rows = page_of(selectors.own_evaluations(actor=request.auth), page)
    return EvaluationPageOut(
        count=count, page=page, page_size=size, num_pages=num_pages, items=[EvaluationOut.of(e) for e in rows]
    )


@owner.get(
    "/projects/{code}/{target}/evaluations", response={200: EvaluationPageOut, **_ERRORS}, summary="评价详情"
)
def project_evaluations(request, code: str, target: str, page: int = Query(1, ge=1, le=100000)):
    if target not in Target.values:
        raise NotFound("没有这个评价对象。")
    project = _owner_project(request, code)
    count, size, num_pages, rows = page_of(
        selectors.project_evaluations(project=project, target=target), page
    )
    return EvaluationPageOut(
        count=count, page=page, page_size=size, num_pages=num_pages, items=[EvaluationOut.of(e) for e in rows]
    )


# --- office -------------------------------------------------------------------------------------------------------


class ReplyIn(Schema):
    body: str = Field(..., max_length=500)


@office.get("/evaluations", response={200: EvaluationPageOut, 401: Problem}, summary="范围内的业主评价")
def staff_list(
    request,
    page: int = Query(1, ge=1, le=100000),
    target: str | None = Query(None, max_length=12),
    unreplied: bool = False,
    project: str = Query("", max_length=32),
):
    qs = selectors.staff_evaluations(
        actor=request.auth, target=target, unreplied=unreplied, project_code=project
    )
    count, size, num_pages, rows = page_of(qs, page)
    return EvaluationPageOut(
        count=count, page=page, page_size=size, num_pages=num_pages, items=[EvaluationOut.of(e) for e in rows]
    )


@office.post(
    "/evaluations/{evaluation_id}/reply", response={201: ReplyOut, **_ERRORS}, summary="回复业主评价"
)
def reply(request, evaluation_id: int, payload: ReplyIn):
    selectors.get_staff_evaluation(actor=request.auth, evaluation_id=evaluation_id)
    r = services.reply_to_evaluation(actor=request.auth, evaluation_id=evaluation_id, body=payload.body)
    return Status(
        201,
        ReplyOut(author_role=r.author_role, body=r.body, created_at=r.created_at, updated_at=r.updated_at),
    )


@office.put(
    "/evaluations/{evaluation_id}/reply", response={200: ReplyOut, **_ERRORS}, summary="修改回复（24小时内）"
)
def edit(request, evaluation_id: int, payload: ReplyIn):
    e = selectors.get_staff_evaluation(actor=request.auth, evaluation_id=evaluation_id)
    existing = selectors.reply_of(e)
    if existing is None:
        raise NotFound("该评价还没有回复。")
    r = services.edit_reply(actor=request.auth, reply_id=existing.pk, body=payload.body)
    return ReplyOut(author_role=r.author_role, body=r.body, created_at=r.created_at, updated_at=r.updated_at)
