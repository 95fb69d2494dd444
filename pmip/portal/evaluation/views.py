"""评价小区 (owner manual ch. 6 §1.3–1.6 and ch. 8): 我要评价, 评价详情, 评价记录, 评价统计, 评价排名 / 排名公开.

我要评价, 评价详情, 评价记录 and 评价统计 need the owner log-in and show only the projects where the account is a bound
owner or a verified delegate; the ranking and its method page are public. Views never write models: the one write
goes through `pmip.evaluation.services.submit_evaluation`.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from pmip.core import public_cache
from pmip.core.errors import DomainError
from pmip.evaluation import periods, ranking, selectors, services
from pmip.evaluation.choices import SubjectKind, Target
from pmip.evaluation.models import COMMENT_MAX
from pmip.portal.account.decorators import owner_login_required
from pmip.portal.paging import owner_page, page_size
from pmip.portal.views import domain_errors

PAGE_SIZE = 20
RANK_PAGE_SIZE = 30
STARS = (1, 2, 3, 4, 5)


def _ctx(title: str, back: str, **extra) -> dict:
    return {"page_title": title, "back_url": back, "tab": "mine", **extra}


def _target(value: str) -> str:
    if value not in Target.values:
        raise Http404("没有这个评价对象。")
    return value


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """评价小区: 我要评价, 评价排名, 评价记录, 评价统计."""
    return render(request, "portal/evaluation/index.html", _ctx("评价小区", reverse("portal:service")))


@owner_login_required
@never_cache
@require_GET
def choose(request: HttpRequest) -> HttpResponse:
    """我要评价: the owner's projects, each with 选择."""
    projects = selectors.owner_projects(actor=request.user)
    return render(
        request,
        "portal/evaluation/choose.html",
        _ctx(
            "我要评价",
            reverse("portal_evaluation:index"),
            projects=projects,
            next_view="portal_evaluation:targets",
        ),
    )


@owner_login_required
@never_cache
@require_GET
@domain_errors(back="portal_evaluation:choose")
def targets(request: HttpRequest, project_id: int) -> HttpResponse:
    """选择评价对象: 物业管理处 or 业委会 (only where one exists), with 评价详情 and 排名公开 links."""
    project = selectors.get_owner_project(actor=request.user, project_id=project_id)
    context = _ctx(
        "选择评价对象",
        reverse("portal_evaluation:choose"),
        project=project,
        targets=selectors.targets(project),
        period_label=periods.label(services.current_period()),
    )
    return render(request, "portal/evaluation/targets.html", context)


@owner_login_required
@never_cache
@require_http_methods(["GET", "POST"])
@domain_errors(back="portal_evaluation:choose")
def rate(request: HttpRequest, project_id: int, target: str) -> HttpResponse:
    """总体评价: stars for the overall score and each item, an optional comment, then 提交."""
    target = _target(target)
    project = selectors.get_owner_project(actor=request.user, project_id=project_id)
    delegations = selectors.principals(actor=request.user, project=project)
    items = services.active_items(target)
    error = error_field = None
    values = {"stars": "", "comment": "", "items": {}, "principal": ""}
    if request.method == "POST":
        values = {
            "stars": request.POST.get("stars", ""),
            "comment": request.POST.get("comment", "")[: COMMENT_MAX * 2],
            "items": {i.pk: request.POST.get(f"item_{i.pk}", "") for i in items},
            "principal": request.POST.get("principal", ""),
        }
        principal = None
        if values["principal"]:
            try:
                principal = int(values["principal"])
            except ValueError:
                principal = -1
        try:
            services.submit_evaluation(
                actor=request.user,
                project_id=project.pk,
                target=target,
                stars=values["stars"] or None,
                item_stars={pk: (v or None) for pk, v in values["items"].items()},
                comment=values["comment"],
                on_behalf_of=principal,
            )
        except DomainError as exc:
            error, error_field = exc.message, exc.field
        else:
            messages.success(request, "评价已提交，感谢您的参与。本期内再次评价将替换本次评价。")
            return redirect("portal_evaluation:records")
    previous = (
        selectors.own_evaluations(actor=request.user)
        .filter(project=project, target=target, period=services.current_period(), is_current=True)
        .first()
    )
    context = _ctx(
        f"评价{Target(target).label}",
        reverse("portal_evaluation:targets", args=[project.pk]),
        project=project,
        target=target,
        target_label=Target(target).label,
        items=[(i, f"item_{i.pk}", str(values["items"].get(i.pk, ""))) for i in items],
        stars_choices=STARS,
        values=values,
        error=error,
        error_field=error_field,
        delegations=delegations,
        previous=previous,
        comment_max=COMMENT_MAX,
        period_label=periods.label(services.current_period()),
    )
    return render(request, "portal/evaluation/rate.html", context, status=422 if error else 200)


@owner_login_required
@never_cache
@require_GET
@domain_errors(back="portal_evaluation:choose")
def details(request: HttpRequest, project_id: int, target: str) -> HttpResponse:
    """评价详情: this project's evaluations of one object (stars, comment, date, masked evaluator + building)."""
    target = _target(target)
    project = selectors.get_owner_project(actor=request.user, project_id=project_id)
    page = owner_page(request, selectors.project_evaluations(project=project, target=target), PAGE_SIZE)
    context = _ctx(
        "评价详情",
        reverse("portal_evaluation:targets", args=[project.pk]),
        project=project,
        target=target,
        target_label=Target(target).label,
        page=page,
    )
    return render(request, "portal/evaluation/details.html", context)


@owner_login_required
@never_cache
@require_GET
def records(request: HttpRequest) -> HttpResponse:
    """评价记录: the owner's own evaluations with replies; replaced ones are marked."""
    page = owner_page(request, selectors.own_evaluations(actor=request.user), PAGE_SIZE)
    return render(
        request,
        "portal/evaluation/records.html",
        _ctx("评价记录", reverse("portal_evaluation:index"), page=page),
    )


@owner_login_required
@never_cache
@require_GET
def stats_choose(request: HttpRequest) -> HttpResponse:
    """评价统计: choose the project (then the object)."""
    projects = selectors.owner_projects(actor=request.user)
    return render(
        request,
        "portal/evaluation/choose.html",
        _ctx("评价统计", reverse("portal_evaluation:index"), projects=projects, stats=True),
    )


@owner_login_required
@never_cache
@require_GET
@domain_errors(back="portal_evaluation:stats_choose")
def stats(request: HttpRequest, project_id: int, target: str) -> HttpResponse:
    """评价统计 of one object: star distribution, item averages (from the tallies), and every comment with its reply."""
    target = _target(target)
    project = selectors.get_owner_project(actor=request.user, project_id=project_id)
    kind = SubjectKind.PROJECT if target == Target.OFFICE else SubjectKind.COMMITTEE
    period = selectors.parse_period(request.GET.get("period"), kind)
    result = selectors.object_stats(project=project, target=target, period=period)
    tally = result.tally
    distribution = []
    if tally is not None and tally.count:
        distribution = [(s, n, round(100 * n / tally.count)) for s, n in tally.distribution]
    page = owner_page(
        request,
        selectors.project_evaluations(project=project, target=target, period=period).exclude(comment=""),
        PAGE_SIZE,
    )
    context = _ctx(
        "评价统计",
        reverse("portal_evaluation:stats_choose"),
        project=project,
        target=target,
        target_label=Target(target).label,
        period=period,
        period_label=periods.label(period),
        period_choices=[(p, periods.label(p)) for p in selectors.available_periods(kind=kind)],
        tally=tally,
        mean=ranking.round2(tally.mean) if tally is not None and tally.count else None,
        distribution=distribution,
        item_averages=result.items,
        page=page,
    )
    return render(request, "portal/evaluation/stats.html", context)


@require_GET
def ranking_page(request: HttpRequest) -> HttpResponse:
    """评价排名 / 排名公开: city ranking of projects, companies or committees in one period (public)."""
    kind = request.GET.get("kind", SubjectKind.PROJECT)
    if kind not in SubjectKind.values:
        kind = SubjectKind.PROJECT
    show = "unranked" if request.GET.get("show") == "unranked" else "ranked"
    highlight = request.GET.get("code", "")[:64]
    asked = ranking.PageRequest.of(
        period=request.GET.get("period"),
        kind=kind,
        unranked=show == "unranked",
        number=request.GET.get("page") or 1,
        size=page_size(request, RANK_PAGE_SIZE),  # 长辈模式: half as many rows
    )

    def build() -> tuple[ranking.RankingPage, str]:
        result = ranking.page_of(asked)
        context = {"rows": result.rows, "show": show, "highlight": highlight}
        return result, render_to_string("portal/evaluation/_ranking_rows.html", context)

    # The page and its rendered rows are one item of the rankings' public cache (one round trip per view); a
    # highlighted row (?code=) is rendered for that view only, from the cached page.
    result, rows_html = (
        build() if highlight else public_cache.cached(services.RANKING_CACHE, f"portal-{asked.key}", build)
    )
    period = result.period
    context = {
        "page_title": "评价排名",
        "back_url": reverse("portal_evaluation:index"),
        "tab": "disclosure",
        "kind": kind,
        "kinds": SubjectKind.choices,
        "kind_label": SubjectKind(kind).label,
        "period": period,
        "period_label": periods.label(period),
        "period_choices": [(p, periods.label(p)) for p in result.period_choices],
        "result": result,
        "show": show,
        "page": result.as_page(),
        "rows_html": rows_html,
    }
    return render(request, "portal/evaluation/ranking.html", context)


@require_GET
def method(request: HttpRequest) -> HttpResponse:
    """How the ranking is computed, with the settings in force."""
    policy = services.get_policy()
    context = {
        "page_title": "排名计算方法",
        "back_url": reverse("portal_evaluation:ranking"),
        "tab": "disclosure",
        "policy": policy,
        "period_months_label": dict(policy._meta.get_field("period_months").choices)[policy.period_months],
    }
    return render(request, "portal/evaluation/method.html", context)
