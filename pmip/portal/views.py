"""Owner pages (WeChat H5). Views read through selectors and render; they never write models."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json

from django.contrib.messages import get_messages
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe

from pmip.core import public_cache
from pmip.core.errors import DomainError
from pmip.portal import selectors
from pmip.portal.forms import ProjectSearchForm
from pmip.portal.htmx import is_htmx_partial
from pmip.portal.menus import (
    HOME_MODULES,
    HOME_SHORTCUTS,
    MENUS,
    PROJECT_SECTIONS,
    SECTIONS_BY_SLUG,
)
from pmip.portal.paging import asked_number, elder_mode, known_page, owner_page, owner_page_of, page_size
from pmip.registry.models import Project
from pmip.registry.search_index import SEARCH_NAMESPACE
from pmip.registry.selectors import (
    PUBLIC_NAMESPACE,
    get_public_project,
    load_public_project,
    search_projects,
)

PAGE_SIZE = 20
SECTION_PAGE_SIZE = 20


def domain_errors(*, back: str):
    """Map a DomainError raised by a selector or service to a portal page with its status and plain message.

    `back` is the URL name the page offers as "返回" (e.g. the search an unknown project code came from).
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except DomainError as exc:
                context = {
                    "page_title": "提示",
                    "message": exc.message,
                    "status": exc.status,
                    "back_url": reverse(back),
                }
                return render(request, "portal/error.html", context, status=exc.status)

        return wrapper

    return decorate


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {
            "page_title": "深圳市物业管理信息平台",
            "tab": "home",
            "modules": HOME_MODULES,
            "shortcuts": HOME_SHORTCUTS,
        },
    )


def menu_page(request: HttpRequest, key: str) -> HttpResponse:
    menu = MENUS[key]
    return render(
        request,
        "portal/menu.html",
        {"page_title": menu.title, "menu": menu, "back_url": reverse(menu.back), "tab": menu.tab},
    )


RESULT_FIELDS = ("code", "name", "address", "district__name", "subdistrict__name")
# Stands for the request's CSRF token in a page rendered ahead of the request. Put in unescaped (safe), it holds
# "<", which any text from a request or the registry has escaped ("&lt;") or percent-encoded in a link, so its one
# occurrence in a kept page is the token's place.
CSRF_STANDIN = mark_safe("<pmip-csrf-token-stand-in>")
SEARCH_ROWS = "portal/projects/_search_rows.html"


def _districts() -> list[tuple[int, str]]:
    """(id, name) of every district, for the filter: from the public cache (rebuilt after a registry write)."""
    return public_cache.cached(
        SEARCH_NAMESPACE, "districts", lambda: list(selectors.districts().values_list("pk", "name"))
    )


def _search_results(query: str, district_id: int | None, per_page: int, asked: int) -> tuple[int, int, str]:
    """(count, page number, the page's rows as HTML) of a search — exactly what the queries give — from the public
    cache: kept per (query, district, page size, page) until a project or district changes (the key is a hash, so
    any query fits it). An out-of-range page (shown as the last one) is not kept under its own number."""

    def build() -> tuple[int, int, str]:
        # Only what a result shows: no community or company joined, no unused columns read and turned into objects.
        found = (
            search_projects(query=query, district_id=district_id)
            .select_related(None)
            .select_related("district", "subdistrict")
            .only(*RESULT_FIELDS)
        )
        page = owner_page_of(found, per_page, asked)
        rows = render_to_string(SEARCH_ROWS, {"projects": page.object_list}).strip()
        return page.paginator.count, page.number, rows

    key = hashlib.sha256(json.dumps([query, district_id, per_page, asked]).encode()).hexdigest()
    return public_cache.cached(SEARCH_NAMESPACE, key, build, keep=lambda built: built[1] == asked)


def _search_page(request: HttpRequest) -> tuple[str, dict]:
    """The template and context of the search page asked for."""
    form = ProjectSearchForm(request.GET or None, districts=_districts())
    query, district_id = form.criteria() if form.is_bound else ("", None)
    per_page = page_size(request, PAGE_SIZE)
    count, number, rows = _search_results(query, district_id, per_page, asked_number(request))
    context = {
        "page_title": "物业项目查询",
        "back_url": reverse("portal:disclosure"),
        "tab": "disclosure",
        "form": form,
        "query": query,
        "district_id": district_id,
        "page": known_page((), count=count, number=number, per_page=per_page),
        "rows": mark_safe(rows),  # noqa: S308 - our own render, escaped there
    }
    template = "portal/projects/search.html" + ("#results" if is_htmx_partial(request) else "")
    return template, context


def project_search(request: HttpRequest) -> HttpResponse:
    """物业项目查询: full page, or only the result list for htmx (the search box updates it while typing).

    The page depends only on the query string and whether htmx asks for the list alone — but for elder mode and
    messages to show, which are rendered for the reader — so it is kept whole in the public cache (namespace
    `project-search`, the key a hash of both) and served with the request's own CSRF token."""
    if _rendered_for_reader(request):
        response = render(request, *_search_page(request))
    else:

        def build() -> str:
            template, context = _search_page(request)
            return str(render_to_string(template, {**context, "csrf_token": CSRF_STANDIN}, request))

        asked = json.dumps([request.META.get("QUERY_STRING", ""), is_htmx_partial(request)])
        response = _kept_page(
            request,
            public_cache.cached(
                SEARCH_NAMESPACE, f"page:{hashlib.sha256(asked.encode()).hexdigest()}", build
            ),
        )
    patch_vary_headers(response, ("HX-Request",))
    return response


SESSION_MY_PROJECT = "my_project"


def _owner_project_ids(request: HttpRequest) -> set[int]:
    from pmip.decisions.selectors import owner_project_ids

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "kind", "") != "owner":
        return set()
    return owner_project_ids(actor=user)


def _project_context(project, current: str, request: HttpRequest | None = None) -> dict:
    mine = _owner_project_ids(request) if request is not None else set()
    return {
        "project": project,
        "sections": PROJECT_SECTIONS,
        "current_section": current,
        "tab": "mine" if project.pk in mine else "disclosure",
        "is_mine": project.pk in mine,
        "several_mine": len(mine) > 1,
    }


def my_project(request: HttpRequest) -> HttpResponse:
    """项目信息 tile: the owner's bound (or delegated) project, the one chosen before, or ?project= (切换小区)."""
    from pmip.identity.owner_services import is_owner
    from pmip.portal.account.decorators import login_url

    if not is_owner(getattr(request, "user", None)):
        return redirect(login_url(request.get_full_path()))
    ids = _owner_project_ids(request)
    if not ids:
        return render(
            request,
            "portal/projects/no_projects.html",
            {"page_title": "项目信息", "back_url": reverse("portal:service"), "tab": "mine"},
        )
    chosen = None
    for raw in (request.GET.get("project"), request.session.get(SESSION_MY_PROJECT)):
        try:
            pid = int(raw)
        except (TypeError, ValueError):
            continue
        if pid in ids:
            chosen = pid
            break
    if chosen is None:
        chosen = (
            Project.objects.filter(pk__in=ids).order_by("name", "code").values_list("pk", flat=True).first()
        )
    request.session[SESSION_MY_PROJECT] = chosen
    code = Project.objects.filter(pk=chosen).values_list("code", flat=True).get()
    return redirect("portal:project_detail", code)


def my_project_switch(request: HttpRequest) -> HttpResponse:
    """切换小区 for 项目信息."""
    from pmip.identity.owner_services import is_owner
    from pmip.portal.account.decorators import login_url

    if not is_owner(getattr(request, "user", None)):
        return redirect(login_url(request.get_full_path()))
    ids = _owner_project_ids(request)
    projects = Project.objects.filter(pk__in=ids).select_related("district").order_by("name", "code")
    context = {
        "page_title": "切换小区",
        "back_url": reverse("portal:my_project"),
        "tab": "mine",
        "projects": projects,
        "current": request.session.get(SESSION_MY_PROJECT),
    }
    return render(request, "portal/projects/switch.html", context)


DETAIL_CONTENT = "portal/projects/_detail_content.html"
DETAIL_PAGE = "portal/projects/detail.html"


@dataclasses.dataclass(frozen=True, slots=True)
class DetailPage:
    project: Project
    contents: dict[bool, str]  # 基础信息 without / with the 切换小区 link (an owner with several projects)
    # the whole page as a visitor sees it (not the reader's project, no elder mode, no messages)
    public_page: str


def _detail_page(code: str) -> DetailPage:
    """The project and its 基础信息 page — public, the same for everyone but for the reader's own project (tab, back
    link, 切换小区) and elder mode, so the content is kept for both 切换小区 variants and the whole page for the common
    case — from the public cache (one round trip when cached; rebuilt after any registry write). Raises NotFound (not
    cached)."""

    def build() -> DetailPage:
        project = load_public_project(code=code)
        shown = {"project": project, "sections": PROJECT_SECTIONS, "current_section": "basic"}
        contents = {
            switch: str(
                render_to_string(DETAIL_CONTENT, {**shown, "is_mine": switch, "several_mine": switch})
            )
            for switch in (False, True)
        }
        # What project_detail's render gives a visitor; no request: the context processors' values are those of a
        # visitor without messages (user.elder_mode false, no messages), the CSRF token a stand-in.
        context = {
            **shown,
            "tab": "disclosure",
            "is_mine": False,
            "several_mine": False,
            "page_title": project.name,
            "back_url": reverse("portal:project_search"),
            "detail_content": mark_safe(contents[False]),  # noqa: S308 - our render
            "csrf_token": CSRF_STANDIN,
        }
        return DetailPage(project, contents, str(render_to_string(DETAIL_PAGE, context)))

    return public_cache.cached(PUBLIC_NAMESPACE, f"detail:{(code or '')[:32]}", build)


def _rendered_for_reader(request: HttpRequest) -> bool:
    """Elder mode or messages to show: the page differs from the kept one and is rendered for this reader."""
    return elder_mode(request) or bool(get_messages(request))


def _kept_page(request: HttpRequest, html: str) -> HttpResponse:
    """A page rendered ahead of the request (kept in the public cache), with the request's CSRF token in its place."""
    return HttpResponse(html.replace(CSRF_STANDIN, get_token(request), 1))


@domain_errors(back="portal:project_search")
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    """项目信息 → 基础信息 of one project, with the 项目信息 sub-menu. A visitor's page (not the reader's project, no
    elder mode, no messages to show) is the cached one with the request's CSRF token; any other is rendered."""
    page = _detail_page(code)
    project = page.project
    context = _project_context(project, "basic", request)
    if not context["is_mine"] and not _rendered_for_reader(request):
        return _kept_page(request, page.public_page)
    back = "portal:service" if context["is_mine"] else "portal:project_search"
    context.update(
        page_title=project.name,
        back_url=reverse(back),
        detail_content=mark_safe(page.contents[context["is_mine"] and context["several_mine"]]),  # noqa: S308
    )
    return render(request, DETAIL_PAGE, context)


@domain_errors(back="portal:project_search")
def project_section(request: HttpRequest, code: str, section: str) -> HttpResponse:
    """One item of the 项目信息 sub-menu."""
    info = SECTIONS_BY_SLUG.get(section)
    if info is None or section == "basic":
        raise Http404("没有这个栏目。")
    project = get_public_project(code=code)
    back_url = reverse("portal:project_detail", args=[project.code])
    context = _project_context(project, section, request)
    context.update(page_title=f"{info.title}", back_url=back_url, section=info)
    if section == "company":
        context["practitioners"] = selectors.project_practitioners(project=project)
        context["manager"] = selectors.project_manager(project=project)
        context["figures"] = selectors.company_figures(project=project)
    elif section == "committee":
        committee = selectors.current_committee(project=project)
        context["committee"] = committee
        context["term_ended"] = committee is not None and selectors.committee_term_ended(committee)
    elif section == "owners":
        context["buildings"] = selectors.owner_situation(project=project)
    elif section == "voting":
        context["figures"] = selectors.voting_figures(project=project)
    elif section == "party-branch":
        context["branches"] = selectors.party_branches(project=project)
    elif section == "inspections":
        context["page"] = owner_page(
            request, selectors.safety_inspections(project=project), SECTION_PAGE_SIZE
        )
    elif section == "facilities":
        context["page"] = owner_page(request, selectors.facilities(project=project), SECTION_PAGE_SIZE)
    return render(request, f"portal/projects/section_{section.replace('-', '_')}.html", context)


def account_home(request: HttpRequest) -> HttpResponse:
    """我的: the account hub (log-in, binding, messages, delegation, log-out). Works logged in or not."""
    return render(
        request,
        "portal/account_home.html",
        {"page_title": "我的", "tab": "account", "back_url": reverse("portal:home")},
    )


def standin_inbox(request):
    """模拟收件箱: the messages the embedded SMS and WeChat stand-ins sent. Development only — a 404 when the
    deployment is production or no stand-in is configured. Open to anyone: it exists to let a tester log in."""
    from pmip.integrations import standins

    if not standins.active():
        raise Http404("未启用模拟服务。")
    response = render(
        request,
        "portal/standins/inbox.html",
        {
            "page_title": "模拟收件箱（开发环境）",
            "back_url": reverse("portal_account:login"),
            "sms": standins.sms_messages(),
            "wechat": standins.wechat_messages(),
        },
    )
    response["Cache-Control"] = "no-store"
    return response
