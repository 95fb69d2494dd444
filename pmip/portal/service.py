"""物业服务 as the manual shows it (ch. 2, 3): first 身份认证 — choose 业主 or 被委托人 — then the list of the user's
bound (业主) or delegated (被委托人) 小区 to open, above the 物业服务 menu. The choice is remembered in the session.

Also `my_project`: 项目信息 opens the user's own 小区 (one: straight there; several: choose — 切换小区; none: the
city-wide search).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from pmip.delegation.selectors import delegated_projects
from pmip.identity.models import BindingStatus, HouseBinding
from pmip.portal.menus import MENUS
from pmip.registry.models import Project

ROLES = {"owner": "业主", "delegate": "被委托人"}
SESSION_KEY = "pmip_service_role"


def bound_projects(account) -> list[Project]:
    """Projects where the account has an active binding, by name (one query)."""
    if not getattr(account, "is_authenticated", False):
        return []
    ids = HouseBinding.objects.filter(account=account, status=BindingStatus.ACTIVE).values("project_id")
    return list(Project.objects.filter(pk__in=ids).order_by("name", "code"))


def own_projects(account) -> list[Project]:
    """Bound and delegated projects together, without repeats (the 小区 this user may open)."""
    seen: dict[int, Project] = {p.pk: p for p in bound_projects(account)}
    if getattr(account, "is_authenticated", False):
        for p in delegated_projects(account=account):
            seen.setdefault(p.pk, p)
    return sorted(seen.values(), key=lambda p: (p.name, p.code))


def service(request: HttpRequest) -> HttpResponse:
    """物业服务: 身份认证 (业主 / 被委托人) and the 小区 of that role, then the menu."""
    menu = MENUS["service"]
    role = request.GET.get("role", "")
    if role in ROLES:
        request.session[SESSION_KEY] = role
    else:
        role = request.session.get(SESSION_KEY, "") if hasattr(request, "session") else ""
        if role not in ROLES:
            role = ""
    user = request.user
    logged_in = getattr(user, "is_authenticated", False)
    projects: list[Project] = []
    if logged_in and role == "owner":
        projects = bound_projects(user)
    elif logged_in and role == "delegate":
        projects = list(delegated_projects(account=user))
    here = reverse("portal:service")
    context = {
        "page_title": menu.title,
        "menu": menu,
        "back_url": reverse(menu.back),
        "tab": menu.tab,
        "role": role,
        "role_label": ROLES.get(role, ""),
        "roles": [(key, label, f"{here}?role={key}") for key, label in ROLES.items()],
        "logged_in": logged_in,
        "projects": projects,
        "login_url": f"{reverse('portal_account:login')}?next={here}",
    }
    return render(request, "portal/service.html", context)
