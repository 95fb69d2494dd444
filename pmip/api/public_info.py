"""信息公开 API (public, no log-in): 数据共享银行, 物业企业 (+ detail), 从业人员, 业主大会, 信用信息, 物业服务评价公示
and 风险名单 (/api/v1/public); the credit back office (/api/v1/office/credit). Natural persons: masked names only."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema, Status
from pydantic import Field

from pmip.api.auth import StaffSessionAuth
from pmip.api.pagination import page_of
from pmip.api.schemas import Problem
from pmip.core.errors import NotFound
from pmip.core.masking import mask_name
from pmip.credit import scoring, services
from pmip.credit import selectors as credit
from pmip.credit.choices import SubjectKind
from pmip.credit.models import CreditEntry, CreditSubject
from pmip.registry import public

router = Router(tags=["信息公开"])
office = Router(tags=["信用信息（管理后台）"], auth=StaffSessionAuth())

_ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}


class PublicSearchIn(Schema):
    q: str = Field("", max_length=50, description="关键词：两个以上汉字、编号或拼音首字母")
    page: int = Field(1, ge=1, le=100000)


def _page(qs, page: int, of):
    count, size, num_pages, rows = page_of(qs, page)
    return {
        "count": count,
        "page": page,
        "page_size": size,
        "num_pages": num_pages,
        "items": [of(r) for r in rows],
    }


class PageMeta(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int


class BankOut(Schema):
    name: str
    branch: str
    address: str
    phone: str
    assemblies: int


class BankPageOut(PageMeta):
    items: list[BankOut]


@router.get("/banks", response={200: BankPageOut, 422: Problem}, summary="数据共享银行")
def banks(request, filters: Query[PublicSearchIn]):
    return _page(
        public.search_banks(query=filters.q),
        filters.page,
        lambda b: BankOut(
            name=b.name, branch=b.branch, address=b.address, phone=b.phone, assemblies=b.assembly_count
        ),
    )


class CompanyListOut(Schema):
    name: str
    credit_code: str
    projects: int


class CompanyPageOut(PageMeta):
    items: list[CompanyListOut]


@router.get("/companies", response={200: CompanyPageOut, 422: Problem}, summary="物业企业查询")
def companies(request, filters: Query[PublicSearchIn]):
    return _page(
        public.search_companies(query=filters.q),
        filters.page,
        lambda c: CompanyListOut(name=c.name, credit_code=c.credit_code, projects=c.project_count),
    )


class CompanyProjectOut(Schema):
    code: str
    name: str
    district: str


class CompanyDetailOut(Schema):
    name: str
    credit_code: str
    address: str
    phone: str
    credit_grade: str
    credit_score: int
    on_risk_list: bool
    evaluation_score: str | None = Field(None, description="最近一期业主评价收缩得分（评价数不足时为平均分）")
    evaluation_count: int
    projects: list[CompanyProjectOut]


@router.get(
    "/companies/{credit_code}", response={200: CompanyDetailOut, 404: Problem}, summary="物业企业详情"
)
def company(request, credit_code: str):
    from pmip.evaluation import ranking
    from pmip.evaluation.choices import SubjectKind as EvalKind
    from pmip.evaluation.selectors import default_period

    c = public.get_company(credit_code=credit_code)
    standing = credit.company_standing(c.pk)
    row = ranking.position_of(
        period=default_period(EvalKind.COMPANY), kind=EvalKind.COMPANY, code=c.credit_code
    )
    return CompanyDetailOut(
        name=c.name,
        credit_code=c.credit_code,
        address=c.address,
        phone=c.phone,
        credit_grade=standing.grade,
        credit_score=standing.score,
        on_risk_list=standing.on_risk_list,
        evaluation_score=(row.score or row.mean) if row else None,
        evaluation_count=row.count if row else 0,
        projects=[
            CompanyProjectOut(code=p.code, name=p.name, district=p.district.name)
            for p in public.company_projects(company=c)[:500]
        ],
    )


class PractitionerOut(Schema):
    name: str = Field(..., description="掩码姓名")
    company: str
    position: str
    project: str | None
    certificate_no: str


class PractitionerPageOut(PageMeta):
    items: list[PractitionerOut]


@router.get("/practitioners", response={200: PractitionerPageOut, 422: Problem}, summary="从业人员查询")
def practitioners(request, filters: Query[PublicSearchIn]):
    return _page(
        public.search_practitioners(query=filters.q),
        filters.page,
        lambda p: PractitionerOut(
            name=mask_name(p.name),
            company=p.company.name,
            position=p.get_role_display(),
            project=p.project.name if p.project else None,
            certificate_no=p.certificate_no,
        ),
    )


class AssemblyOut(Schema):
    project_code: str
    project_name: str
    filing_no: str
    committee_kind: str | None
    term_start: dt.date | None
    term_end: dt.date | None
    account_bank: str | None


class AssemblyPageOut(PageMeta):
    items: list[AssemblyOut]


def _assembly(a) -> AssemblyOut:
    committees = list(a.project.committees.all())
    c = committees[0] if committees else None
    return AssemblyOut(
        project_code=a.project.code,
        project_name=a.project.name,
        filing_no=a.filing_no,
        committee_kind=c.get_kind_display() if c else None,
        term_start=c.term_start if c else None,
        term_end=c.term_end if c else None,
        account_bank=a.bank_account_bank.name if a.bank_account_bank else None,
    )


@router.get("/assemblies", response={200: AssemblyPageOut, 422: Problem}, summary="业主大会查询")
def assemblies(request, filters: Query[PublicSearchIn]):
    return _page(public.search_assemblies(query=filters.q), filters.page, _assembly)


# --- 信用信息 -------------------------------------------------------------------------------------------------------


class CreditSubjectOut(Schema):
    id: int
    kind: str
    name: str = Field(..., description="自然人为掩码姓名")
    role: str
    project: str | None
    credit_code: str | None


def _subject(s: CreditSubject) -> CreditSubjectOut:
    return CreditSubjectOut(
        id=s.pk,
        kind=s.kind,
        name=s.public_name,
        role=s.role,
        project=s.project.name if s.project else None,
        credit_code=s.company.credit_code if s.company and s.kind == SubjectKind.COMPANY else None,
    )


class CreditSubjectPageOut(PageMeta):
    items: list[CreditSubjectOut]


class CreditSearchIn(PublicSearchIn):
    kind: str = Field(SubjectKind.COMPANY, max_length=24)


@router.get("/credit/subjects", response={200: CreditSubjectPageOut, 422: Problem}, summary="信用信息")
def credit_subjects(request, filters: Query[CreditSearchIn]):
    kind = filters.kind if filters.kind in SubjectKind.values else SubjectKind.COMPANY
    return _page(credit.public_subjects(kind=kind, query=filters.q), filters.page, _subject)


class CreditEntryOut(Schema):
    id: int
    polarity: str
    severity: str
    category: str
    title: str
    description: str
    points: int
    issuer: str
    document_no: str
    issued_on: dt.date
    valid_until: dt.date
    status: str = Field(..., description="active 有效 / disputed 异议处理中 / withdrawn 已撤销")
    counted: bool = Field(..., description="是否计入当前得分")


class CreditDetailOut(Schema):
    subject: CreditSubjectOut
    score: int
    grade: str
    base: int
    good_points: int
    good_counted: int
    bad_points: int
    blacklisted: bool
    entries: list[CreditEntryOut]


def _entry(e: CreditEntry, counted: set[int]) -> CreditEntryOut:
    return CreditEntryOut(
        id=e.pk,
        polarity=e.polarity,
        severity=e.severity,
        category=e.category,
        title=e.title,
        description=e.description,
        points=e.points,
        issuer=e.issuer,
        document_no=e.document_no,
        issued_on=e.issued_on,
        valid_until=e.valid_until,
        status=e.status,
        counted=e.pk in counted,
    )


@router.get(
    "/credit/subjects/{subject_id}", response={200: CreditDetailOut, 404: Problem}, summary="信用信息详情"
)
def credit_subject(request, subject_id: int):
    s = credit.get_subject(subject_id=subject_id)
    result = credit.visible_score(request.user, s)
    counted = {e.pk for e in result.counted}
    return CreditDetailOut(
        subject=_subject(s),
        score=result.score,
        grade=result.grade,
        base=result.base,
        good_points=result.good_points,
        good_counted=result.good_counted,
        bad_points=result.bad_points,
        blacklisted=result.serious,
        entries=[_entry(e, counted) for e in credit.visible_entries(request.user, s)],
    )


class ServiceEvaluationOut(Schema):
    subject: CreditSubjectOut
    owner_score: str | None = Field(None, description="业主评价得分（0–100）")
    inspection_score: int | None
    combined_score: str | None
    owner_weight: int
    inspection_weight: int
    credit_grade: str
    on_risk_list: bool


class ServiceEvaluationPageOut(PageMeta):
    items: list[ServiceEvaluationOut]


@router.get(
    "/service-evaluation", response={200: ServiceEvaluationPageOut, 422: Problem}, summary="物业服务评价公示"
)
def service_evaluation(request, filters: Query[CreditSearchIn]):
    kind = (
        filters.kind
        if filters.kind in (SubjectKind.COMPANY, SubjectKind.PROJECT_LEADER)
        else SubjectKind.COMPANY
    )
    policy = scoring.get_policy()
    on_risk = set(credit.risk_list().values_list("subject_id", flat=True))

    def of(s):
        c = scoring.combined_score(s, policy)
        return ServiceEvaluationOut(
            subject=_subject(s),
            owner_score=scoring.fmt(c.owner) if c.owner is not None else None,
            inspection_score=c.inspection,
            combined_score=scoring.fmt(c.combined) if c.combined is not None else None,
            owner_weight=c.owner_weight,
            inspection_weight=c.inspection_weight,
            credit_grade=scoring.subject_score(s, policy).grade,
            on_risk_list=s.pk in on_risk,
        )

    return _page(credit.public_subjects(kind=kind, query=filters.q), filters.page, of)


class RiskOut(Schema):
    subject: CreditSubjectOut
    reason: str
    entered_on: dt.date
    left_on: dt.date | None


class RiskPageOut(PageMeta):
    items: list[RiskOut]


@router.get("/risk-list", response={200: RiskPageOut, 422: Problem}, summary="风险名单")
def risk_list(request, page: int = Query(1, ge=1, le=100000), current: bool = True):
    return _page(
        credit.risk_list(current_only=current),
        page,
        lambda r: RiskOut(
            subject=_subject(r.subject), reason=r.reason, entered_on=r.entered_on, left_on=r.left_on
        ),
    )


# --- office ---------------------------------------------------------------------------------------------------------


class CreditEntryIn(Schema):
    polarity: str = Field(..., max_length=8)
    severity: str = Field("", max_length=10)
    category: str = Field("other", max_length=16)
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=1000)
    points: int = Field(..., ge=0, le=100)
    document_no: str = Field(..., max_length=60)
    issued_on: dt.date
    valid_until: dt.date | None = None


@office.post(
    "/subjects/{subject_id}/entries", response={201: CreditEntryOut, **_ERRORS}, summary="录入信用信息"
)
def add_entry(request, subject_id: int, payload: CreditEntryIn):
    e = services.add_entry(actor=request.auth, subject_id=subject_id, **payload.dict())
    return Status(201, _entry(e, {e.pk}))


class DisputeDecisionIn(Schema):
    uphold: bool
    note: str = Field(..., max_length=1000)


class DisputeOut(Schema):
    id: int
    entry_id: int
    state: str
    deadline: dt.date
    decision_note: str


@office.get("/disputes", response={200: list[DisputeOut], 401: Problem}, summary="待处理的信用异议")
def disputes(request):
    return [
        DisputeOut(
            id=d.pk, entry_id=d.entry_id, state=d.state, deadline=d.deadline, decision_note=d.decision_note
        )
        for d in credit.office_disputes(actor=request.auth)[:200]
    ]


@office.post("/disputes/{dispute_id}/decision", response={200: DisputeOut, **_ERRORS}, summary="处理信用异议")
def decide(request, dispute_id: int, payload: DisputeDecisionIn):
    d = services.decide_dispute(
        actor=request.auth, dispute_id=dispute_id, uphold=payload.uphold, note=payload.note
    )
    return DisputeOut(
        id=d.pk, entry_id=d.entry_id, state=d.state, deadline=d.deadline, decision_note=d.decision_note
    )


__all__ = ["NotFound", "office", "router"]
