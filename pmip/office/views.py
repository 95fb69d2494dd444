"""Back office (管理后台, PC): staff log-in in two steps, dashboard, registry browsing and editing.

Views validate input, call a service or a selector, and render. Objects outside the user's scope are 404 —
not-found and forbidden look the same.
"""

from __future__ import annotations

import functools
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Sum, prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from pmip.audit import actions
from pmip.audit.display import action_label, actor_display
from pmip.core import clock
from pmip.core.errors import DomainError, NotFound, ValidationFailed
from pmip.core.middleware import client_ip
from pmip.identity.models import Account
from pmip.identity.scopes import roles_of
from pmip.identity.services import (
    LoginFailed,
    authenticate_staff,
    complete_staff_login,
    mark_second_factor,
    may_enter_office,
    may_enter_ops,
    passed_second_factor,
    record_staff_logout,
    send_staff_login_code,
)
from pmip.office.forms import CodeForm, LoginForm, ProjectEditForm, ProjectSearchForm
from pmip.registry import selectors
from pmip.registry.services import PROJECT_EDITABLE_FIELDS, update_project

PENDING_KEY = "_pmip_office_pending"
PENDING_SECONDS = 10 * 60
PROJECTS_PER_PAGE = 20
UNITS_PER_PAGE = 50


# --- access -------------------------------------------------------------------------------------------------


def office_required(view):
    """Logged in (both steps) with back-office rights; NotFound from selectors/services becomes a 404 page.

    A session without the second-factor mark (`passed_second_factor`: password alone, or a log-in by any other door)
    is sent to the office log-in, like /ops/ does; an account without back-office rights gets the 403 page.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("office:login"))
        if not may_enter_office(request.user):
            return render(request, "office/forbidden.html", status=403)
        if not passed_second_factor(request):
            return redirect_to_login(request.get_full_path(), reverse("office:login"))
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            return render(request, "office/not_found.html", {"message": exc.message}, status=404)

    return wrapper


def _safe_next(request, value: str | None) -> str:
    if (
        value
        and (value.startswith("/office/") or value.startswith("/ops/"))
        and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=False)
    ):
        return value
    return ""


def _pending_account(request) -> Account | None:
    """The account that passed the password step in this session, if still fresh."""
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return None
    if clock.now().timestamp() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    return Account.objects.filter(pk=pending.get("id"), is_active=True).first()


# --- log-in / log-out ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated and passed_second_factor(request):
        if next_url.startswith("/ops/") and may_enter_ops(request.user):
            return redirect(next_url)
        if may_enter_office(request.user):
            return redirect(next_url or "office:dashboard")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        try:
            account = authenticate_staff(
                username=form.cleaned_data["username"], password=form.cleaned_data["password"], ip=ip
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            request.session.pop(PENDING_KEY, None)
            request.session.cycle_key()
            request.session[PENDING_KEY] = {"id": account.pk, "at": clock.now().timestamp(), "next": next_url}
            try:
                sent = send_staff_login_code(account=account, ip=ip)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"验证码已发送至 {sent.masked_mobile}，5分钟内有效。")
            return redirect("office:login_verify")
    return render(request, "office/login.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
def login_verify(request):
    account = _pending_account(request)
    if account is None:
        messages.info(request, "请先输入用户名和密码。")
        return redirect("office:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            complete_staff_login(account=account, code=form.cleaned_data["code"], ip=client_ip(request))
        except LoginFailed as exc:
            request.session.pop(PENDING_KEY, None)
            messages.error(request, exc.message)
            return redirect("office:login")
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            next_url = request.session.get(PENDING_KEY, {}).get("next") or ""
            request.session.pop(PENDING_KEY, None)
            login(
                request, account, backend="django.contrib.auth.backends.ModelBackend"
            )  # cycles the session key
            mark_second_factor(request.session)
            messages.success(request, f"欢迎，{account}。")
            if next_url.startswith("/ops/") or not may_enter_office(account):
                return redirect(next_url if next_url.startswith("/ops/") else "admin:index")
            return redirect(next_url or "office:dashboard")
    return render(request, "office/verify.html", {"form": form, "masked_mobile": account.masked_mobile})


@require_POST
def login_resend(request):
    account = _pending_account(request)
    if account is None:
        messages.info(request, "请先输入用户名和密码。")
        return redirect("office:login")
    try:
        sent = send_staff_login_code(account=account, ip=client_ip(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"验证码已重新发送至 {sent.masked_mobile}，5分钟内有效。")
    return redirect("office:login_verify")


@require_POST
def logout_view(request):
    if may_enter_office(request.user) or may_enter_ops(request.user):
        record_staff_logout(account=request.user)
    logout(request)
    messages.info(request, "您已安全退出。")
    return redirect("office:login")


# --- pages --------------------------------------------------------------------------------------------------


@office_required
def dashboard(request):
    roles = list(roles_of(request.user))
    prefetch_related_objects(roles, "district", "subdistrict", "project", "company")
    context = {
        "roles": roles,
        "project_count": selectors.projects_for_staff(actor=request.user).count(),
        "editable_count": selectors.projects_for_staff(actor=request.user, editable=True).count(),
    }
    return render(request, "office/dashboard.html", context)


@office_required
def project_list(request):
    districts = list(selectors.list_districts())
    form = ProjectSearchForm(request.GET or None, districts=districts)
    query, district_code = "", ""
    if form.is_valid():
        query = form.cleaned_data["q"]
        district_code = form.cleaned_data["district"]
    qs = selectors.search_projects_for_staff(actor=request.user, query=query, district_code=district_code)
    page = Paginator(qs, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    ids = [p.pk for p in page.object_list]
    editable_ids = set(
        selectors.projects_for_staff(actor=request.user, editable=True)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "office/projects/list.html",
        {"form": form, "page": page, "editable_ids": editable_ids, "query": query},
    )


def _display(value) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, dict):
        return str(value.get("name", ""))
    return str(value)


def _audit_rows(entries, viewer=None) -> list[dict]:
    rows = []
    for entry in entries:
        changes = []
        for field, change in (entry.data or {}).get("changes", {}).items():
            changes.append(
                {
                    "label": PROJECT_EDITABLE_FIELDS.get(field, field),
                    "old": _display(change.get("old")),
                    "new": _display(change.get("new")),
                }
            )
        rows.append(
            {
                "at": clock.local(entry.at),
                "actor": actor_display(entry, viewer),
                "action": action_label(entry),
                "changes": changes,
            }
        )
    return rows


@office_required
def project_detail(request, code: str):
    project = selectors.get_project_for_staff(actor=request.user, code=code)
    buildings = list(selectors.project_buildings(project=project))
    can_edit = selectors.projects_for_staff(actor=request.user, editable=True).filter(pk=project.pk).exists()
    context = {
        "project": project,
        "buildings": buildings,
        "unit_total": sum(b.unit_count for b in buildings),
        "area_total": sum((b.total_area or Decimal("0") for b in buildings), Decimal("0")),
        "can_edit": can_edit,
        "audit_rows": _audit_rows(selectors.project_audit_trail(project=project), request.user),
    }
    return render(request, "office/projects/detail.html", context)


@office_required
def building_detail(request, code: str, building_id: int):
    project = selectors.get_project_for_staff(actor=request.user, code=code)
    building = selectors.get_building_of_project(project=project, building_id=building_id)
    units = selectors.building_units(building=building)
    page = Paginator(units, UNITS_PER_PAGE).get_page(request.GET.get("page"))
    area_total = units.aggregate(total=Sum("area"))["total"] or Decimal("0")
    return render(
        request,
        "office/projects/building.html",
        {"project": project, "building": building, "page": page, "area_total": area_total},
    )


_SERVICE_FIELD_TO_FORM = {"company": "company_credit_code"}


@office_required
@require_http_methods(["GET", "POST"])
def project_edit(request, code: str):
    project = selectors.get_project_for_staff(actor=request.user, code=code, editable=True)
    form = ProjectEditForm(
        request.POST or None, project=project, initial=ProjectEditForm.initial_for(project)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            update_project(
                actor=request.user,
                project=project,
                name=data["name"],
                address=data["address"],
                service_phone=data["service_phone"],
                company=data["company_credit_code"],
                community=data["community"],
            )
        except ValidationFailed as exc:
            field = _SERVICE_FIELD_TO_FORM.get(exc.field or "", exc.field)
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            if form.has_changed():
                messages.success(request, "基础信息已保存。")
            else:
                messages.info(request, "未作任何修改。")
            return redirect("office:project_detail", code=project.code)
    return render(request, "office/projects/edit.html", {"project": project, "form": form})


# --- audit ----------------------------------------------------------------------------------------------------

AUDIT_PER_PAGE = 50


@office_required
def audit_list(request):
    """审计日志: every domain's entries in the staff member's scope, with their registered labels."""
    action = request.GET.get("action", "")
    if action and not actions.is_registered(action):
        action = ""
    query = (request.GET.get("q") or "")[:64]
    qs = selectors.audit_for_staff(actor=request.user, query=query, action=action)
    page = Paginator(qs, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "at": clock.local(e.at),
            "actor": actor_display(e, request.user),
            "action": action_label(e),
            "code": e.action,
            "object": f"{e.object_type}#{e.object_id}" if e.object_id else "",
            "request_id": e.request_id,
        }
        for e in page.object_list
    ]
    private = actions.private_codes()
    choices = [(a.code, a.label) for a in actions.all_actions() if a.code not in private]
    context = {"page": page, "rows": rows, "choices": choices, "action": action, "query": query}
    return render(request, "office/audit.html", context)
