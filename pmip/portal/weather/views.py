"""Owner page 小区气象公告栏 (manual ch. 12), mounted at /weather/: search a project (name, address, code or pinyin
initials), 确定选择, then the district's current weather, the next 7 days and the warning signals in force with what
to do — all from stored data (the provider is called only by the scheduled refresh). Owners may opt in to a push
for orange and red signals."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from pmip.core.errors import DomainError
from pmip.portal.account.decorators import owner_login_required
from pmip.portal.paging import owner_page
from pmip.registry.selectors import search_projects
from pmip.weather import selectors, services

SESSION_KEY = "pmip_weather_project"
PAGE_SIZE = 10


def _project_id(raw) -> int | None:
    raw = str(raw or "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


@require_http_methods(["GET"])
@owner_login_required
def index(request):
    q = request.GET.get("q", "")[:50]
    chosen_id = _project_id(request.GET.get("project")) or _project_id(request.session.get(SESSION_KEY))
    chosen = search_projects().filter(pk=chosen_id).select_related("district").first() if chosen_id else None
    if chosen is not None:
        request.session[SESSION_KEY] = chosen.pk
    results = None
    if q or chosen is None:
        results = owner_page(request, search_projects(query=q), PAGE_SIZE)
    view = selectors.project_weather(project=chosen, account=request.user) if chosen else None
    return render(
        request,
        "portal/weather/index.html",
        {
            "page_title": "小区气象公告栏",
            "back_url": reverse("portal:service"),
            "tab": "mine",
            "q": q,
            "results": results,
            "chosen": chosen,
            "view": view,
        },
    )


@require_POST
@owner_login_required
def subscribe(request):
    project_id = _project_id(request.POST.get("project"))
    on = request.POST.get("on") == "1"
    try:
        services.set_subscription(actor=request.user, project_id=project_id or 0, on=on)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已开启橙色、红色预警推送。" if on else "已关闭预警推送。")
    return redirect(f"{reverse('portal_weather:index')}?project={project_id or ''}")
