"""信息公开 (owner manual ch. 11): 物业信息 public registers, 信用信息, 物业服务评价公示. No log-in, paginated.

Natural persons appear with a masked name, role, project and their entries only; the data subject (logged in) sees
their own record in full."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from pmip.credit import scoring
from pmip.credit import selectors as credit_sel
from pmip.credit.choices import SubjectKind
from pmip.portal.htmx import is_htmx_partial
from pmip.portal.paging import owner_page
from pmip.portal.views import domain_errors
from pmip.registry import public

PAGE_SIZE = 20


def _page(request: HttpRequest, qs):
    return owner_page(request, qs, PAGE_SIZE)


def _search(
    request: HttpRequest, *, title: str, qs, template: str, placeholder: str, **extra
) -> HttpResponse:
    query = public.clean_query(request.GET.get("q"))
    context = {
        "page_title": title,
        "back_url": reverse("portal:disclosure"),
        "tab": "disclosure",
        "query": query,
        "placeholder": placeholder,
        "page": _page(request, qs(query)),
        "results_template": template,
        **extra,
    }
    name = template if is_htmx_partial(request) else "portal/public/search.html"
    response = render(request, name, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
def banks(request: HttpRequest) -> HttpResponse:
    return _search(
        request,
        title="数据共享银行",
        qs=lambda q: public.search_banks(query=q),
        template="portal/public/_banks.html",
        placeholder="银行名称、网点或地址",
        intro="以下银行支持开立业主共有资金账户，并与本平台共享账户流水。",
    )


@require_GET
def companies(request: HttpRequest) -> HttpResponse:
    return _search(
        request,
        title="物业企业查询",
        qs=lambda q: public.search_companies(query=q),
        template="portal/public/_companies.html",
        placeholder="企业名称、统一社会信用代码或拼音首字母",
    )


@require_GET
@domain_errors(back="portal_public:companies")
def company(request: HttpRequest, credit_code: str) -> HttpResponse:
    from pmip.evaluation import ranking
    from pmip.evaluation.choices import SubjectKind as EvalKind
    from pmip.evaluation.selectors import default_period

    c = public.get_company(credit_code=credit_code)
    period = default_period(EvalKind.COMPANY)
    context = {
        "page_title": "物业企业详情",
        "back_url": reverse("portal_public:companies"),
        "tab": "disclosure",
        "company": c,
        "standing": credit_sel.company_standing(c.pk),
        "row": ranking.position_of(period=period, kind=EvalKind.COMPANY, code=c.credit_code),
        "period": period,
        "page": _page(request, public.company_projects(company=c)),
        "subject": credit_sel.public_subjects(kind=SubjectKind.COMPANY).filter(company=c).first(),
    }
    return render(request, "portal/public/company.html", context)


@require_GET
def practitioners(request: HttpRequest) -> HttpResponse:
    return _search(
        request,
        title="从业人员查询",
        qs=lambda q: public.search_practitioners(query=q),
        template="portal/public/_practitioners.html",
        placeholder="姓名、企业名称、证书编号或拼音首字母",
        intro="仅显示掩码姓名、所在企业、岗位和证书编号。",
    )


@require_GET
def assemblies(request: HttpRequest) -> HttpResponse:
    return _search(
        request,
        title="业主大会查询",
        qs=lambda q: public.search_assemblies(query=q),
        template="portal/public/_assemblies.html",
        placeholder="小区名称、项目编号、备案编号或拼音首字母",
    )


# --- 信用信息 -------------------------------------------------------------------------------------------------------


@require_GET
def credit(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", SubjectKind.COMPANY)
    if kind not in SubjectKind.values:
        kind = SubjectKind.COMPANY
    return _search(
        request,
        title="信用信息",
        qs=lambda q: credit_sel.public_subjects(kind=kind, query=q),
        template="portal/public/_credit_subjects.html",
        placeholder="名称、小区或统一社会信用代码",
        kind=kind,
        kinds=SubjectKind.choices,
    )


@require_GET
@domain_errors(back="portal_public:credit")
def credit_subject(request: HttpRequest, subject_id: int) -> HttpResponse:
    subject = credit_sel.get_subject(subject_id=subject_id)
    policy = scoring.get_policy()
    result = credit_sel.visible_score(request.user, subject, policy)
    entries = credit_sel.visible_entries(request.user, subject)
    context = {
        "page_title": "信用信息",
        "back_url": f"{reverse('portal_public:credit')}?kind={subject.kind}",
        "tab": "disclosure",
        "subject": subject,
        "own": credit_sel.is_own(request.user, subject),
        "policy": policy,
        "result": result,
        "good": [e for e in entries if e.polarity == "good"],
        "bad": [e for e in entries if e.polarity == "bad"],
        "counted_ids": {e.pk for e in result.counted},
        "blacklisted": result.serious,
    }
    return render(request, "portal/public/credit_subject.html", context)


@require_GET
def blacklist(request: HttpRequest) -> HttpResponse:
    context = {
        "page_title": "失信名单",
        "back_url": reverse("portal_public:credit"),
        "tab": "disclosure",
        "page": _page(request, credit_sel.blacklist()),
    }
    return render(request, "portal/public/blacklist.html", context)


# --- 物业服务评价公示 -----------------------------------------------------------------------------------------------


@require_GET
def service_evaluation(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", SubjectKind.COMPANY)
    if kind not in (SubjectKind.COMPANY, SubjectKind.PROJECT_LEADER):
        kind = SubjectKind.COMPANY
    policy = scoring.get_policy()
    page = _page(
        request, credit_sel.public_subjects(kind=kind, query=public.clean_query(request.GET.get("q")))
    )
    rows = [
        (s, scoring.fmt(scoring.combined_score(s, policy).combined), scoring.subject_score(s, policy))
        for s in page.object_list
    ]
    on_risk = set(
        credit_sel.risk_list().filter(subject__in=page.object_list).values_list("subject_id", flat=True)
    )
    context = {
        "page_title": "物业服务评价",
        "back_url": reverse("portal:disclosure"),
        "tab": "disclosure",
        "kind": kind,
        "kinds": [(SubjectKind.COMPANY, "物业服务企业"), (SubjectKind.PROJECT_LEADER, "项目负责人")],
        "page": page,
        "rows": rows,
        "on_risk": on_risk,
        "policy": policy,
        "risk_page": owner_page(request, credit_sel.risk_list(current_only=False), PAGE_SIZE, param="rpage"),
        "fmt": scoring.fmt,
        "query": public.clean_query(request.GET.get("q")),
    }
    return render(request, "portal/public/service_evaluation.html", context)


@require_GET
@domain_errors(back="portal_public:service_evaluation")
def service_evaluation_detail(request: HttpRequest, subject_id: int) -> HttpResponse:
    subject = credit_sel.get_subject(subject_id=subject_id)
    if subject.kind not in (SubjectKind.COMPANY, SubjectKind.PROJECT_LEADER):
        from pmip.core.errors import NotFound

        raise NotFound("物业服务评价只公示物业服务企业和项目负责人。")
    policy = scoring.get_policy()
    combined = scoring.combined_score(subject, policy)
    result = credit_sel.visible_score(request.user, subject, policy)
    entries = credit_sel.visible_entries(request.user, subject)
    context = {
        "page_title": "物业服务评价公示",
        "back_url": f"{reverse('portal_public:service_evaluation')}?kind={subject.kind}",
        "tab": "disclosure",
        "subject": subject,
        "policy": policy,
        "combined": combined,
        "owner_score": scoring.fmt(combined.owner),
        "combined_score": scoring.fmt(combined.combined),
        "result": result,
        "counted_ids": {e.pk for e in result.counted},
        "good": [e for e in entries if e.polarity == "good"],
        "bad": [e for e in entries if e.polarity == "bad"],
        "listings": subject.risk_listings.order_by("-entered_on"),
    }
    return render(request, "portal/public/service_evaluation_detail.html", context)
