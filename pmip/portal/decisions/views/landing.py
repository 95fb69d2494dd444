"""业主决策 home and 切换小区 (the projects where the account is an owner or a delegate)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pmip.decisions import overview
from pmip.delegation.selectors import active_delegation
from pmip.portal.account.decorators import owner_login_required
from pmip.portal.decisions.views.base import (
    SESSION_PROJECT,
    identity_state,
    no_projects,
    page_context,
    project_url,
    selected_project,
)

# --- 业主决策 home -----------------------------------------------------------------------------------------------


@owner_login_required
@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """业主决策: the chosen project (切换小区), the owner's standing, 推选投票人 and 参与投票, the notes."""
    projects = overview.owner_projects(actor=request.user)
    if not projects:
        return no_projects(request, "业主决策")
    project = selected_project(request, projects)
    view = overview.project_overview(actor=request.user, project_id=project.pk, projects=projects)
    context = page_context(
        request,
        "业主决策",
        reverse("portal:service"),
        project=project,
        several=len(projects) > 1,
        overview=view,
        pending=len(view.tab("pending")),
        bound_units=len(view.bound_unit_ids),
        delegation=active_delegation(owner=request.user, project=project),
        delegated_away=overview.DELEGATED_AWAY,
        **identity_state(request.user),
    )
    return render(request, "portal/decisions/home.html", context)


@owner_login_required
@never_cache
@require_GET
def switch(request: HttpRequest) -> HttpResponse:
    """切换小区: the projects where the account is an owner or a delegate."""
    projects = overview.owner_projects(actor=request.user)
    if not projects:
        return no_projects(request, "切换小区")
    target = request.GET.get("to")
    target = target if target in ("home", "nominate", "votes") else "home"
    current = request.session.get(SESSION_PROJECT)
    context = page_context(
        request,
        "切换小区",
        reverse(f"portal_decisions:{target}"),
        choices=[(p, project_url(f"portal_decisions:{target}", p), p.pk == current) for p in projects],
    )
    return render(request, "portal/decisions/switch.html", context)
