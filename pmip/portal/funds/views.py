"""Owner pages of the money features (owner manual ch. 5, 7, 9, 10 and 11's 维修金概览), mounted at /funds/.

- 维修资金情况: the owner's projects → a project (总体概况, 资金统计, 业委会情况, charts, 所在楼栋, 房屋号 and the detail
  tabs 资金明细 / 日常金明细 / 小区共有资金 / 维修明细 / 栋列表, swapped with htmx) → a building (overview, statistics,
  资金明细, 房屋列表: rooms and areas only, the owner's own units linked) → the owner's own unit (overview,
  statistics, the 续筹 status with the rule and threshold used, a balance chart and the sub-ledger).
- 业主共有资金 (切换房屋, 切换账号), 季度收支报表 (with XLSX and PDF), 信息公开 of the project (published only).
- 维修金概览: public city, district and project figures, project search, 关注 for logged-in owners.

Every owner page needs the owner log-in and reads through `pmip.funds.selectors` with the logged-in account, which
scopes everything to the projects where the owner has an active binding and the sub-ledgers of their own units;
anything else is the same "not found" page (404). Views never write models: 关注 goes through
`pmip.funds.services`. A delegate (被委托人) reads a delegated project like its principal — the project and
building pages and the unit pages of exactly the principal's bound units there — with "代业主 张* 查看" shown; the
维修资金情况 entry page lists the delegated projects under their own heading.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from pmip.core import display
from pmip.core.errors import DomainError, NotFound
from pmip.funds import permissions, reports, selectors, services
from pmip.funds import presenters as data
from pmip.funds.choices import DisclosureKind
from pmip.identity.owner_services import is_owner
from pmip.portal.account.decorators import owner_login_required, safe_next
from pmip.portal.htmx import swaps
from pmip.portal.menus import MENUS
from pmip.portal.paging import owner_page
from pmip.portal.views import domain_errors
from pmip.registry.models import Project
from pmip.registry.selectors import get_public_project, list_districts, search_projects

PAGE_SIZE = 20
UNIT_PAGE_SIZE = 30
PROJECT_TABS = (
    ("entries", "资金明细"),
    ("monthly", "日常金明细"),
    ("common", "小区共有资金"),
    ("repairs", "维修明细"),
    ("buildings", "栋列表"),
)
BUILDING_TABS = (("entries", "资金明细"), ("units", "房屋列表"))
DISCLOSURE_KINDS = (("", "全部"), *DisclosureKind.choices)
NOT_FOUND_PROJECT = "未找到该小区的维修资金信息，或您没有查看权限。"


def _context(title: str, back: str, **extra) -> dict:
    return {"page_title": title, "back_url": back, "tab": "mine", **extra}


def _render(request: HttpRequest, template: str, context: dict, *, target: str = ""):
    """The page, or only its partial named like the element `target` when htmx swaps just that element (each
    page defines it with `{% partialdef target inline %}` around the element's content)."""
    chosen = f"{template}#{target}" if target and swaps(request, target) else template
    response = render(request, chosen, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _owner_project(request: HttpRequest, project_id: int) -> Project:
    """One of the owner's projects (an active binding there) or a delegated project, else NotFound."""
    return selectors.owner_fund_project(actor=request.user, project_id=project_id)


def _chosen_project(request: HttpRequest) -> tuple[Project | None, list[Project]]:
    """The project named by ?project= (it must be one of the owner's), else the owner's first project."""
    projects = list(selectors.my_fund_projects(actor=request.user))
    raw = request.GET.get("project")
    if raw:
        by_id = {p.pk: p for p in projects}
        project = by_id.get(_int(raw))
        if project is None:
            raise NotFound(NOT_FOUND_PROJECT)
        return project, projects
    return (projects[0] if projects else None), projects


def _no_units(request: HttpRequest, title: str) -> HttpResponse:
    return render(request, "portal/funds/no_units.html", _context(title, reverse("portal:service")))


# --------------------------------------------------------------------------------------------------------------
# 维修资金情况
# --------------------------------------------------------------------------------------------------------------


@owner_login_required
@never_cache
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """维修资金情况: the projects where the owner has bound units, and the units themselves; then the projects
    the account reads as a delegate (代业主 张* 查看) with the principals' units."""
    projects = list(selectors.my_fund_projects(actor=request.user))
    delegated = [
        {
            "project": d.project,
            "figures": d.figures,
            "principals": data.principal_names(d.principals),
            "units": d.units,
        }
        for d in selectors.delegated_fund_projects(actor=request.user)
    ]
    if not projects and not delegated:
        return _no_units(request, "维修资金情况")
    units = selectors.my_fund_units(actor=request.user)
    rows = [
        {
            "project": p,
            "figures": selectors.Figures.of(getattr(p, "fund_balance", None)),
            "units": [u for u in units if u.unit.project_id == p.pk],
        }
        for p in projects
    ]
    return render(
        request,
        "portal/funds/index.html",
        _context("维修资金情况", reverse("portal:service"), rows=rows, delegated=delegated),
    )


@owner_login_required
@never_cache
@require_GET
@domain_errors(back="portal_funds:index")
def project(request: HttpRequest, project_id: int) -> HttpResponse:
    """小区: 总体概况, 资金统计, 业委会情况, charts, 所在楼栋, 房屋号 and the detail tabs (htmx)."""
    project = _owner_project(request, project_id)
    tab = request.GET.get("tab") or "entries"
    if tab not in dict(PROJECT_TABS):
        tab = "entries"
    context = _context(
        project.name,
        reverse("portal_funds:index"),
        project=project,
        tabs=PROJECT_TABS,
        current=tab,
        tab_url=reverse("portal_funds:project", args=[project.pk]),
        **_project_tab(request, project, tab),
    )
    if swaps(request, "fund-details"):
        return _render(request, "portal/funds/project.html", context, target="fund-details")
    overview = selectors.project_overview(actor=request.user, project=project)
    mine = [u for u in selectors.my_fund_units(actor=request.user) if u.unit.project_id == project.pk]
    acting_for = data.acting_for_names(actor=request.user, project=project)
    if acting_for:
        mine += [
            u
            for d in selectors.delegated_fund_projects(actor=request.user)
            if d.project.pk == project.pk
            for u in d.units
            if u.unit.pk not in {m.unit.pk for m in mine}
        ]
    buildings = {u.unit.building_id: u.unit.building for u in mine}
    context.update(
        overview=overview,
        figures=overview.figures,
        threshold_source=overview.policy.label_of("replenish_threshold_pct"),
        members=list(overview.committee.members.all()) if overview.committee else [],
        my_units=mine,
        acting_for=acting_for,
        my_buildings=sorted(buildings.values(), key=lambda b: (len(b.number), b.number)),
        charts=data.project_charts(actor=request.user, project=project),
    )
    return _render(request, "portal/funds/project.html", context)


def _project_tab(request: HttpRequest, project: Project, tab: str) -> dict:
    actor = request.user
    if tab in ("entries", "monthly"):
        kinds = ["monthly"] if tab == "monthly" else None
        qs = data.entry_groups(selectors.project_entries(actor=actor, project=project, kinds=kinds))
        page = owner_page(request, qs, PAGE_SIZE)
        return {"page": page, "groups": data.as_groups(page.object_list)}
    if tab == "common":
        return {"accounts": list(selectors.common_fund_accounts(actor=actor, project=project))}
    if tab == "repairs":
        page = owner_page(request, selectors.project_repairs(actor=actor, project=project), PAGE_SIZE)
        return {"page": page, "repairs": data.repair_rows(actor=actor, project=project, repairs=page)}
    page = owner_page(request, selectors.project_building_list(actor=actor, project=project), PAGE_SIZE)
    return {"page": page, "buildings": page.object_list}


@owner_login_required
@never_cache
@require_GET
@domain_errors(back="portal_funds:index")
def building(request: HttpRequest, building_id: int) -> HttpResponse:
    """楼栋: 总体资金概况, 资金统计, 资金明细 and 房屋列表 (room and area only; the owner's own units are links)."""
    overview = selectors.building_overview(actor=request.user, building_id=building_id)
    building = overview.building
    tab = request.GET.get("tab") or "entries"
    if tab not in dict(BUILDING_TABS):
        tab = "entries"
    context = _context(
        f"{building.number}栋",
        reverse("portal_funds:project", args=[building.project_id]),
        project=building.project,
        building=building,
        overview=overview,
        figures=overview.figures,
        tabs=BUILDING_TABS,
        current=tab,
        tab_url=reverse("portal_funds:building", args=[building.pk]),
        acting_for=data.acting_for_names(actor=request.user, project=building.project),
    )
    if tab == "units":
        page = owner_page(
            request, selectors.building_unit_list(actor=request.user, building=building), UNIT_PAGE_SIZE
        )
        context.update(page=page, own=permissions.readable_unit_ids(request.user, building.project))
    else:
        qs = data.entry_groups(
            selectors.project_entries(actor=request.user, project=building.project, building=building)
        )
        page = owner_page(request, qs, PAGE_SIZE)
        context.update(page=page, groups=data.as_groups(page.object_list))
    return _render(
        request,
        "portal/funds/building.html",
        context,
        target="fund-details",
    )


@owner_login_required
@never_cache
@require_GET
@domain_errors(back="portal_funds:index")
def unit(request: HttpRequest, unit_id: int) -> HttpResponse:
    """房屋资金概况 of one of the owner's own units: overview, statistics, 续筹, balance chart, the sub-ledger."""
    overview = selectors.unit_overview(actor=request.user, unit_id=unit_id)
    lines = selectors.unit_ledger(actor=request.user, unit_id=unit_id)
    page = owner_page(request, lines[::-1], PAGE_SIZE)
    context = _context(
        f"{overview.label} 房屋资金概况",
        reverse("portal_funds:building", args=[overview.unit.building_id]),
        overview=overview,
        unit=overview.unit,
        project=overview.unit.project,
        figures=overview.figures,
        line_text=display.format_money(display.ceil_to_fen(overview.line)),
        page=page,
        rows=[{"line": line, "label": data.ledger_label(line.entry)} for line in page.object_list],
        entry_count=len(lines),
        charts={"balance": data.unit_balance_series(lines)},
        acting_for=data.acting_for_names(
            actor=request.user, project=overview.unit.project, unit_id=overview.unit.pk
        ),
    )
    return _render(request, "portal/funds/unit.html", context, target="unit-ledger")


# --------------------------------------------------------------------------------------------------------------
# 业主共有资金
# --------------------------------------------------------------------------------------------------------------


@owner_login_required
@never_cache
@require_GET
@domain_errors(back="portal:service")
def common_funds(request: HttpRequest) -> HttpResponse:
    """业主共有资金: the accounts of the chosen unit's project and the chosen account's flows. 切换房屋 (?unit=),
    切换账号 (?account=); ?project= picks the owner's first unit in that project."""
    units = selectors.my_fund_units(actor=request.user)
    if not units:
        return _no_units(request, "业主共有资金")
    chosen = None
    if request.GET.get("unit"):
        chosen = next((u for u in units if u.unit.pk == _int(request.GET["unit"])), None)
    elif request.GET.get("project"):
        chosen = next((u for u in units if u.unit.project_id == _int(request.GET["project"])), None)
    else:
        chosen = units[0]
    if chosen is None:
        raise NotFound("未找到该房屋，或您没有查看权限。")
    project = chosen.unit.project
    accounts = list(selectors.common_fund_accounts(actor=request.user, project=project))
    account = None
    if request.GET.get("account"):
        account = next((a for a in accounts if a.pk == _int(request.GET["account"])), None)
        if account is None:
            raise NotFound("未找到该账户，或您没有查看权限。")
    elif accounts:
        account = accounts[0]
    page = None
    if account is not None:
        page = owner_page(
            request, selectors.account_flows(actor=request.user, account_id=account.pk), PAGE_SIZE
        )
    context = _context(
        "业主共有资金",
        reverse("portal:service"),
        units=units,
        chosen=chosen,
        project=project,
        accounts=accounts,
        account=account,
        page=page,
    )
    return _render(request, "portal/funds/common.html", context, target="flows")


# --------------------------------------------------------------------------------------------------------------
# 季度收支报表
# --------------------------------------------------------------------------------------------------------------


@owner_login_required
@never_cache
@require_GET
@domain_errors(back="portal:service")
def report_list(request: HttpRequest) -> HttpResponse:
    """季度收支报表 of the chosen project (published reports only), newest first."""
    project, projects = _chosen_project(request)
    if project is None:
        return _no_units(request, "季度收支报表")
    page = owner_page(request, selectors.quarterly_reports(actor=request.user, project=project), PAGE_SIZE)
    context = _context(
        "季度收支报表", reverse("portal:service"), project=project, projects=projects, page=page
    )
    return render(request, "portal/funds/reports.html", context)


@owner_login_required
@never_cache
@require_GET
@domain_errors(back="portal_funds:reports")
def report(request: HttpRequest, report_id: int) -> HttpResponse:
    """One 季度收支报表: 应收账款, 维修金收支 (from the ledger), 业务收支明细, with XLSX and PDF downloads."""
    data_ = selectors.report_data(actor=request.user, report_id=report_id)
    context = _context(
        f"{data_.report.year}年第{data_.report.quarter}季度收支报表",
        f"{reverse('portal_funds:reports')}?project={data_.project.pk}",
        data=data_,
        project=data_.project,
        heading=reports.report_title(data_),
        versions=selectors.report_versions(actor=request.user, report=data_.report),
        fund_income=[(label, data_.fund.income[key]) for key, label in reports.FUND_INCOME],
        fund_expense=[(label, data_.fund.expense[key]) for key, label in reports.FUND_EXPENSE],
    )
    return render(request, "portal/funds/report.html", context)


@owner_login_required
@never_cache
@require_GET
@domain_errors(back="portal_funds:reports")
def report_download(request: HttpRequest, report_id: int, fmt: str) -> HttpResponse:
    """The report as XLSX or PDF (the domain's exports), as an attachment."""
    if fmt not in ("xlsx", "pdf"):
        raise Http404("没有这种格式。")
    report_data = selectors.report_data(actor=request.user, report_id=report_id)
    return data.report_file(report_data, fmt)


# --------------------------------------------------------------------------------------------------------------
# 信息公开 (of the project)
# --------------------------------------------------------------------------------------------------------------


@owner_login_required
@never_cache
@require_GET
@domain_errors(back="portal:service")
def disclosure_list(request: HttpRequest) -> HttpResponse:
    """小区信息公开: published large-transfer disclosures, emergency-repair disclosures and other notices."""
    project, projects = _chosen_project(request)
    if project is None:
        return _no_units(request, "信息公开")
    kind = request.GET.get("kind") or ""
    if kind not in DisclosureKind.values:
        kind = ""
    qs = selectors.disclosures_for(actor=request.user, project=project, kind=kind or None)
    page = owner_page(request, qs, PAGE_SIZE)
    context = _context(
        "信息公开",
        reverse("portal:service"),
        project=project,
        projects=projects,
        page=page,
        kind=kind,
        kinds=DISCLOSURE_KINDS,
    )
    return _render(
        request,
        "portal/funds/disclosures.html",
        context,
        target="disclosure-list",
    )


@owner_login_required
@never_cache
@require_GET
@domain_errors(back="portal_funds:disclosures")
def disclosure(request: HttpRequest, disclosure_id: int) -> HttpResponse:
    item = selectors.get_disclosure(actor=request.user, disclosure_id=disclosure_id)
    context = _context(
        item.get_kind_display(),
        f"{reverse('portal_funds:disclosures')}?project={item.project_id}",
        item=item,
        project=item.project,
    )
    return render(request, "portal/funds/disclosure.html", context)


# --------------------------------------------------------------------------------------------------------------
# 维修金概览 (public)
# --------------------------------------------------------------------------------------------------------------


def _disclosure_tabs(current_url: str) -> list[dict]:
    return [{"label": e.label, "url": e.url, "on": e.url == current_url} for e in MENUS["disclosure"].tabs]


@never_cache
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """维修金概览: city and district totals, project search with figures, and the projects the owner follows."""
    city = selectors.city_overview()
    district_code = (request.GET.get("district") or "").strip()
    district = next((d for d in list_districts() if d.code == district_code), None)
    district_id = district.pk if district else None
    query = (request.GET.get("q") or "").strip()[:50]
    page = owner_page(
        request,
        search_projects(query=query, district_id=district_id).select_related("fund_balance"),
        PAGE_SIZE,
    )
    owner = is_owner(request.user)
    followed = data.followed_projects(actor=request.user) if owner else []
    context = {
        "page_title": "维修金概览",
        "back_url": reverse("portal:disclosure"),
        "tab": "disclosure",
        "nav_tabs": _disclosure_tabs(reverse("portal_funds:overview")),
        "city": city.city,
        "districts": city.districts,
        "district_code": district.code if district else "",
        "query": query,
        "page": page,
        "results": selectors.public_figures_for(page.object_list),
        "owner": owner,
        "followed": followed,
        "followed_ids": {f.project.pk for f in followed},
        "next": request.get_full_path(),
    }
    return _render(
        request,
        "portal/funds/overview.html",
        context,
        target="overview-results",
    )


def _follow_change(request: HttpRequest, code: str, *, follow: bool) -> HttpResponse:
    back = safe_next(request, request.POST.get("next"), default=reverse("portal_funds:overview"))
    try:
        project = get_public_project(code=code)
        if follow:
            services.follow_project(actor=request.user, project=project)
            messages.success(request, f"已关注{project.name}。")
        else:
            services.unfollow_project(actor=request.user, project=project)
            messages.success(request, f"已取消关注{project.name}。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(back)


@owner_login_required
@require_POST
def follow(request: HttpRequest, code: str) -> HttpResponse:
    """关注小区 (then back to 维修金概览)."""
    return _follow_change(request, code, follow=True)


@owner_login_required
@require_POST
def unfollow(request: HttpRequest, code: str) -> HttpResponse:
    """取消关注."""
    return _follow_change(request, code, follow=False)
