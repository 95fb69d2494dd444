"""Back office → 维修资金: maintenance-fund ledgers, repairs, postings, fund-centre imports, common-fund accounts and
bank statements, disclosures, quarterly reports, the replenishment list and reconciliation.

Views validate input, call a selector or a service of `pmip.funds`, and render. Who may do what is decided by
`pmip.funds.permissions` (read: any back-office role covering the project; 记账: an editable government role;
维修申报/共有资金/公示/报表: that or the project's committee). A project outside the user's scope is 404 for GET and
POST alike (the project is looked up in the user's scope first, and every object is checked to belong to it); a
reader who may not write sees no buttons, and a write they attempt anyway is refused by the service (403 page).

Nothing posted can be edited or deleted: there is no URL for it. A correction is a reversal (冲正) or, for a
repair, cancelling it (every share reversed).
"""

from __future__ import annotations

import functools
import hashlib

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pmip.core import clock
from pmip.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from pmip.core.money import CENT
from pmip.funds import importing, permissions, reports, selectors, services
from pmip.funds.apportion import from_fen
from pmip.funds.choices import (
    AccountStatus,
    DisclosureKind,
    DisclosureStatus,
    EntryKind,
    InterestMethod,
    RepairScopeKind,
    RepairStatus,
    ReportSection,
    ReportStatus,
)
from pmip.funds.models import ZERO
from pmip.funds.policy import FIELDS as POLICY_FIELDS
from pmip.funds.policy import policy_for
from pmip.funds.reconcile import reconcile
from pmip.identity.scopes import is_city, roles_of
from pmip.office.forms import ProjectSearchForm
from pmip.office.funds.forms import (
    AccountOpenForm,
    AllocateInterestForm,
    CancelRepairForm,
    ChargeForm,
    ConfirmForm,
    DisclosureFilterForm,
    FirstDepositForm,
    LedgerFilterForm,
    MonthlyForm,
    NoticeForm,
    ReceiveInterestForm,
    ReconcileForm,
    RepairForm,
    ReportLineForm,
    ReportOpenForm,
    ReverseForm,
    UploadForm,
)
from pmip.office.views import office_required
from pmip.registry import selectors as registry
from pmip.registry.models import Building, DataSharingBank, Project, Unit

PROJECTS_PER_PAGE = 20
ENTRIES_PER_PAGE = 50
UNITS_PER_PAGE = 50
ROWS_PER_PAGE = 30

APPORTION_RULE = (
    "按专有部分面积分摊（《民法典》第二百八十三条）：每户先取“维修金额 × 本户面积 ÷ 范围内总面积”精确到分"
    "（舍去分以下），余下的分按舍去部分从大到小每户补1分，舍去部分相同的按房号（楼栋号-房号）顺序；"
    "各户分摊合计等于维修金额。"
)
POLICY_LABELS = {
    "cost_standard_lift": "有电梯住宅建安造价（元/m²）",
    "cost_standard_no_lift": "无电梯住宅建安造价（元/m²）",
    "first_deposit_rate": "首期缴存比例",
    "monthly_rate": "日常缴存标准（元/m²/月）",
    "replenish_threshold_pct": "续筹线（余额低于首期的百分比）",
    "interest_method": "利息分配方式",
    "disclosure_threshold": "大额资金转账公示门槛（元）",
}
FIGURE_LABELS = {
    "first_deposit": "首期",
    "deposited": "缴存",
    "interest": "利息收益",
    "used": "使用",
    "refunded": "退款",
    "transferred": "划转",
    "balance": "余额",
    "pool": "未分配利息",
}
LEVEL_LABELS = {"unit": "房屋", "building": "楼栋", "project": "小区"}


# --- access and helpers ------------------------------------------------------------------------------------------


def funds_view(view):
    """`office_required` (log-in, NotFound → 404 page) plus PermissionDenied → 403 page with the service's message."""

    @functools.wraps(view)
    def inner(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return render(request, "office/funds/forbidden.html", {"message": exc.message}, status=403)

    return office_required(inner)


def _posted(request):
    """The POST data of a POST (even an empty one, so an unticked confirmation box is an error), else None."""
    return request.POST if request.method == "POST" else None


def _project(request, code: str) -> Project:
    """The project in the user's scope (registry scope, then the funds read rule); 404 otherwise."""
    project = registry.get_project_for_staff(actor=request.user, code=code)
    permissions.require_read_project(request.user, project)
    return project


def _may(request, project: Project) -> dict[str, bool]:
    return {
        "ledger": permissions.can_post_ledger(request.user, project),
        "manage": permissions.can_manage(request.user, project),
    }


def _may_import(user) -> bool:
    """Fund-centre imports need the ledger role; the service checks it for every project in the file."""
    return any(r.can_edit and r.level in permissions.GOVERNMENT_LEVELS for r in roles_of(user))


def _require_ledger(request, project: Project) -> None:
    permissions.require_ledger(request.user, project)


def _require_manage(request, project: Project) -> None:
    permissions.require_manage(request.user, project)


def _belongs(obj, project: Project, message: str = "未找到该记录，或您没有查看权限。") -> None:
    if obj.project_id != project.pk:
        raise NotFound(message)


def _form_error(form, exc: DomainError, field_map: dict | None = None) -> None:
    field = (field_map or {}).get(exc.field or "", exc.field)
    form.add_error(field if field and field in form.fields else None, exc.message)


def _buildings(project: Project) -> list[Building]:
    return list(registry.project_buildings(project=project))


def _resolve_units(project: Project, pairs: list[tuple[str, str]]) -> tuple[list[int], list[str]]:
    """Unit ids for ('1', '101') codes of the project, in the order given, and the codes not found."""
    if not pairs:
        return [], []
    found = {
        (u.building.number, u.number): u.pk
        for u in Unit.objects.filter(
            project=project,
            building__number__in={b for b, _ in pairs},
            number__in={n for _, n in pairs},
        ).select_related("building")
    }
    ids = [found[p] for p in pairs if p in found]
    missing = [f"{b}-{n}" for b, n in pairs if (b, n) not in found]
    return ids, missing


def _entry_label(entry) -> str:
    if entry.unit_id is None:
        return "小区（利息池）"
    return f"{entry.building.number}-{entry.unit.number}"


def _kind_label(entry) -> str:
    if entry.kind == EntryKind.REVERSAL:
        return f"冲正（{entry.get_category_display()}）"
    return entry.get_kind_display()


def _reversible(entry) -> bool:
    """What `services.reverse_entry` accepts: not a reversal, not a repair share, not reversed yet."""
    return entry.kind != EntryKind.REVERSAL and entry.repair_id is None and not _is_reversed(entry)


def _is_reversed(entry) -> bool:
    try:
        return entry.reversed_by is not None
    except entry.__class__.reversed_by.RelatedObjectDoesNotExist:
        return False


def preview_digest(allocations) -> str:
    """A fingerprint of an apportionment (unit, area weight, share): the confirm form carries it so that what is
    posted is what the user saw."""
    text = "\n".join(f"{a.key}:{a.weight}:{a.amount}" for a in allocations)
    return hashlib.sha256(text.encode()).hexdigest()


def _preview_rows(allocations) -> dict:
    rows = [
        {"label": a.label, "area": from_fen(a.weight), "amount": a.amount, "extra": a.got_leftover_fen}
        for a in allocations
    ]
    return {
        "rows": rows,
        "total": sum((a.amount for a in allocations), ZERO),
        "area_total": from_fen(sum(a.weight for a in allocations)),
        "count": len(rows),
        "rule": APPORTION_RULE,
        "digest": preview_digest(allocations),
    }


def _policy_rows(policy) -> list[dict]:
    rows = []
    for name in POLICY_FIELDS:
        value = getattr(policy, name)
        if name == "interest_method":
            value = dict(InterestMethod.choices).get(value, value)
        elif name == "first_deposit_rate":
            value = f"{(value * 100).normalize():f}%"
        elif name == "replenish_threshold_pct":
            value = f"{value.normalize():f}%"
        rows.append({"label": POLICY_LABELS[name], "value": value, "source": policy.label_of(name)})
    return rows


def _project_context(request, project: Project, section: str) -> dict:
    return {"project": project, "may": _may(request, project), "section": section}


# --- index, project, buildings, units, ledger ---------------------------------------------------------------------


@funds_view
@require_GET
def index(request):
    districts = list(registry.list_districts())
    form = ProjectSearchForm(request.GET or None, districts=districts)
    query, district_code = "", ""
    if form.is_valid():
        query, district_code = form.cleaned_data["q"], form.cleaned_data["district"]
    qs = registry.search_projects_for_staff(
        actor=request.user, query=query, district_code=district_code
    ).select_related("district", "subdistrict", "fund_balance")
    page = Paginator(qs, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = selectors.public_figures_for(page.object_list)
    return render(
        request,
        "office/funds/index.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "may_import": _may_import(request.user),
            "may_reconcile": is_city(request.user),
        },
    )


@funds_view
@require_GET
def project_detail(request, code: str):
    project = _project(request, code)
    overview = selectors.project_overview(actor=request.user, project=project)
    context = _project_context(request, project, "overview")
    context.update(
        {
            "overview": overview,
            "figures": overview.figures,
            "buildings": selectors.project_building_list(actor=request.user, project=project),
            "policy_rows": _policy_rows(overview.policy),
            "draft_disclosures": selectors.disclosures_for(actor=request.user, project=project)
            .filter(status=DisclosureStatus.DRAFT)
            .count(),
        }
    )
    return render(request, "office/funds/project.html", context)


def _filtered_entries(request, project: Project, form: LedgerFilterForm):
    kinds, building = None, None
    qs = None
    if form.is_valid():
        data = form.cleaned_data
        kinds = [data["kind"]] if data["kind"] else None
        if data["building"]:
            building = next((b for b in form.buildings if str(b.pk) == data["building"]), None)
        qs = selectors.project_entries(actor=request.user, project=project, kinds=kinds, building=building)
        if data["date_from"]:
            qs = qs.filter(occurred_on__gte=data["date_from"])
        if data["date_to"]:
            qs = qs.filter(occurred_on__lte=data["date_to"])
    else:
        qs = selectors.project_entries(actor=request.user, project=project).none()
    return qs.select_related("reversed_by")


@funds_view
@require_GET
def ledger(request, code: str):
    project = _project(request, code)
    buildings = _buildings(project)
    form = LedgerFilterForm(request.GET or {}, buildings=buildings)
    form.buildings = buildings
    page = Paginator(_filtered_entries(request, project, form), ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    may = _may(request, project)
    rows = [
        {
            "entry": e,
            "label": _entry_label(e),
            "kind": _kind_label(e),
            "reversed": _is_reversed(e),
            "reversible": may["ledger"] and _reversible(e),
        }
        for e in page.object_list
    ]
    context = _project_context(request, project, "ledger")
    context.update({"form": form, "page": page, "rows": rows})
    return render(request, "office/funds/ledger.html", context)


@funds_view
@require_GET
def building_detail(request, code: str, building_id: int):
    project = _project(request, code)
    overview = selectors.building_overview(actor=request.user, building_id=building_id)
    _belongs(overview.building, project, "未找到该楼栋，或您没有查看权限。")
    units = selectors.building_unit_list(actor=request.user, building=overview.building)
    page = Paginator(units, UNITS_PER_PAGE).get_page(request.GET.get("page"))
    context = _project_context(request, project, "overview")
    context.update({"overview": overview, "figures": overview.figures, "page": page})
    return render(request, "office/funds/building.html", context)


@funds_view
@require_GET
def unit_detail(request, code: str, unit_id: int):
    project = _project(request, code)
    overview = selectors.unit_overview(actor=request.user, unit_id=unit_id)
    _belongs(overview.unit, project, "未找到该房屋，或您没有查看权限。")
    lines = selectors.unit_ledger(actor=request.user, unit_id=unit_id)
    page = Paginator(lines, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    may = _may(request, project)
    rows = [
        {
            "line": line,
            "entry": line.entry,
            "kind": _kind_label(line.entry),
            "reversible": may["ledger"] and not line.reversed and _reversible_plain(line.entry),
        }
        for line in page.object_list
    ]
    context = _project_context(request, project, "overview")
    context.update({"overview": overview, "figures": overview.figures, "page": page, "rows": rows})
    return render(request, "office/funds/unit.html", context)


def _reversible_plain(entry) -> bool:
    return entry.kind != EntryKind.REVERSAL and entry.repair_id is None


@funds_view
@require_http_methods(["GET", "POST"])
def entry_reverse(request, code: str, entry_id: int):
    """冲正 one entry (ledger role): the reason is required and the step is confirmed."""
    project = _project(request, code)
    entry = (
        selectors.project_entries(actor=request.user, project=project)
        .select_related("reversed_by")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise NotFound("未找到该记账记录。")
    _require_ledger(request, project)
    form = ReverseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            reversal = services.reverse_entry(
                actor=request.user,
                entry_id=entry.pk,
                reason=form.cleaned_data["reason"],
                occurred_on=form.cleaned_data["occurred_on"],
            )
        except ValidationFailed as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                f"已冲正：{entry.reference}，冲正金额 {reversal.amount} 元（冲正流水号 {reversal.reference}）。",
            )
            return redirect("office_funds:ledger", code=project.code)
    context = _project_context(request, project, "ledger")
    context.update(
        {
            "entry": entry,
            "label": _entry_label(entry),
            "kind": _kind_label(entry),
            "reversed": _is_reversed(entry),
            "form": form,
        }
    )
    return render(request, "office/funds/reverse.html", context)


@funds_view
@require_GET
def flags(request, code: str):
    """续筹: units of the project strictly below the replenishment line."""
    project = _project(request, code)
    policy = policy_for(project)
    qs = selectors.flagged_units(actor=request.user, project=project)
    page = Paginator(qs, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    pct = policy.replenish_threshold_pct
    rows = [
        {
            "balance": b,
            "label": f"{b.building.number}-{b.unit.number}",
            "line": selectors.replenish_line(b.first_deposit, pct).quantize(CENT),
            "ratio": (b.balance * 100 / b.first_deposit).quantize(CENT),
        }
        for b in page.object_list
    ]
    context = _project_context(request, project, "flags")
    context.update(
        {"page": page, "rows": rows, "pct": pct, "pct_source": policy.label_of("replenish_threshold_pct")}
    )
    return render(request, "office/funds/flags.html", context)


# --- repairs ------------------------------------------------------------------------------------------------------


@funds_view
@require_GET
def repair_list(request, code: str):
    project = _project(request, code)
    page = Paginator(selectors.project_repairs(actor=request.user, project=project), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = _project_context(request, project, "repairs")
    context["page"] = page
    return render(request, "office/funds/repairs.html", context)


def _repair_values(project: Project, form: RepairForm) -> dict | None:
    """The service arguments of a valid RepairForm, or None after adding the errors to the form."""
    data = form.cleaned_data
    scope = data["scope_kind"]
    unit_ids: list[int] = []
    if scope == RepairScopeKind.UNITS:
        unit_ids, missing = _resolve_units(project, data["unit_codes"])
        if missing:
            form.add_error("unit_codes", f"本小区没有以下房屋：{'、'.join(missing[:20])}。")
            return None
    return {
        "title": data["title"],
        "amount": data["amount"],
        "scope_kind": scope,
        "building_ids": [int(b) for b in data["buildings"]] if scope == RepairScopeKind.BUILDINGS else [],
        "unit_ids": unit_ids,
        "description": data["description"],
        "contractor": data["contractor"],
        "started_on": data["started_on"],
        "finished_on": data["finished_on"],
        "emergency_kind": data["emergency_kind"] or "",
        "decision_ref": data["decision_ref"],
    }


@funds_view
@require_http_methods(["GET", "POST"])
def repair_new(request, code: str):
    """维修申报 with an apportionment preview. Every POST recomputes the preview from the form; 登记 (draft) or
    登记并分摊入账 (ledger role) is accepted only when the confirmation is ticked and the preview the user saw (its
    digest) is still the one the form gives — otherwise the new preview is shown for checking."""
    project = _project(request, code)
    _require_manage(request, project)
    may = _may(request, project)
    buildings = _buildings(project)
    form = RepairForm(_posted(request), buildings=buildings)
    preview = None
    confirm_error = ""
    if request.method == "POST" and form.is_valid():
        values = _repair_values(project, form)
        if values is not None:
            try:
                allocations = services.preview_apportionment(
                    project=project,
                    amount=values["amount"],
                    scope_kind=values["scope_kind"],
                    building_ids=values["building_ids"],
                    unit_ids=values["unit_ids"],
                )
            except ValidationFailed as exc:
                _form_error(form, exc, {"building_ids": "buildings", "unit_ids": "unit_codes"})
            else:
                preview = _preview_rows(allocations)
                action = request.POST.get("action", "preview")
                if action in ("save", "post"):
                    if request.POST.get("preview_digest") != preview["digest"]:
                        confirm_error = "内容已修改，分摊结果随之变化。请核对下面新的分摊预览后再确认。"
                    elif request.POST.get("confirm") != "on":
                        confirm_error = "请勾选确认后再提交。"
                    elif action == "post" and not may["ledger"]:
                        raise PermissionDenied(
                            "只有负责该小区的住房建设部门（可编辑角色）可以办理维修资金记账。"
                        )
                    else:
                        return _save_repair(request, project, form, values, post=action == "post")
    context = _project_context(request, project, "repairs")
    context.update({"form": form, "preview": preview, "confirm_error": confirm_error})
    return render(request, "office/funds/repair_form.html", context)


def _save_repair(request, project: Project, form: RepairForm, values: dict, *, post: bool):
    """Create the repair (draft); with `post`, create and charge it in one transaction (all or nothing)."""
    try:
        with transaction.atomic():
            repair = services.create_repair(actor=request.user, project=project, **values)
            if post:
                result = services.charge_repair(actor=request.user, repair_id=repair.pk)
    except ValidationFailed as exc:
        _form_error(form, exc, {"building_ids": "buildings", "unit_ids": "unit_codes"})
        context = _project_context(request, project, "repairs")
        context.update({"form": form, "preview": None, "confirm_error": ""})
        return render(request, "office/funds/repair_form.html", context)
    if post:
        messages.success(
            request,
            f"维修记录已登记并分摊入账：{repair.title}，{result.total} 元，共 {len(result.entries)} 户。",
        )
        if repair.is_emergency and not repair.decision_ref:
            messages.info(request, "这是未经表决的紧急维修，系统已生成紧急维修公示草稿，请核对后公示。")
    else:
        messages.success(request, f"维修记录已登记（待分摊入账）：{repair.title}，{repair.amount} 元。")
    return redirect("office_funds:repair", code=project.code, repair_id=repair.pk)


def _repair(request, project: Project, repair_id: int):
    repair = selectors.get_repair(actor=request.user, repair_id=repair_id)
    _belongs(repair, project, "未找到该维修记录。")
    return repair


def _repair_context(request, project: Project, repair, *, charge_form=None) -> dict:
    context = _project_context(request, project, "repairs")
    context["repair"] = repair
    context["scope_buildings"] = (
        list(repair.buildings.order_by("number")) if repair.scope_kind == "buildings" else []
    )
    if repair.status == RepairStatus.DRAFT:
        try:
            preview = _preview_rows(services.preview_repair(repair=repair))
        except ValidationFailed as exc:
            preview, context["preview_error"] = None, exc.message
        context["preview"] = preview
        if preview is not None and context["may"]["ledger"]:
            context["charge_form"] = charge_form or ChargeForm(initial={"preview_digest": preview["digest"]})
    else:
        shares = list(selectors.repair_shares(actor=request.user, repair=repair))
        context["shares"] = shares
        context["share_total"] = sum((s.amount for s in shares), ZERO)
        context["area_total"] = sum((s.area for s in shares), ZERO)
    context["may_cancel"] = repair.status != RepairStatus.CANCELLED and (
        context["may"]["ledger"] if repair.status == RepairStatus.CHARGED else context["may"]["manage"]
    )
    context["disclosures"] = list(repair.disclosures.order_by("-created_at"))
    context["rule"] = APPORTION_RULE
    return context


@funds_view
@require_GET
def repair_detail(request, code: str, repair_id: int):
    project = _project(request, code)
    repair = _repair(request, project, repair_id)
    return render(request, "office/funds/repair.html", _repair_context(request, project, repair))


@funds_view
@require_POST
def repair_charge(request, code: str, repair_id: int):
    """分摊入账 of a draft repair (ledger role), only if the preview shown is still what would be posted."""
    project = _project(request, code)
    repair = _repair(request, project, repair_id)
    _require_ledger(request, project)
    form = ChargeForm(request.POST)
    if form.is_valid():
        try:
            current = preview_digest(services.preview_repair(repair=repair))
        except ValidationFailed as exc:
            form.add_error(None, exc.message)
        else:
            if current != form.cleaned_data["preview_digest"]:
                form = ChargeForm(initial={"preview_digest": current})
                messages.error(request, "分摊结果已变化（房屋或面积有更新）。请核对新的分摊预览后再确认。")
            else:
                try:
                    result = services.charge_repair(
                        actor=request.user, repair_id=repair.pk, occurred_on=form.cleaned_data["occurred_on"]
                    )
                except ValidationFailed as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, f"已分摊入账：{result.total} 元，共 {len(result.entries)} 户。")
                    if repair.is_emergency and not repair.decision_ref:
                        messages.info(
                            request, "这是未经表决的紧急维修，系统已生成紧急维修公示草稿，请核对后公示。"
                        )
                    return redirect("office_funds:repair", code=project.code, repair_id=repair.pk)
    repair = _repair(request, project, repair_id)
    context = _repair_context(request, project, repair, charge_form=form)
    return render(request, "office/funds/repair.html", context, status=422)


@funds_view
@require_http_methods(["GET", "POST"])
def repair_cancel(request, code: str, repair_id: int):
    """撤销: a draft is cancelled (manage role); a charged repair is reversed share by share (ledger role)."""
    project = _project(request, code)
    repair = _repair(request, project, repair_id)
    if repair.status == RepairStatus.CHARGED:
        _require_ledger(request, project)
    else:
        _require_manage(request, project)
    form = CancelRepairForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_repair(
                actor=request.user, repair_id=repair.pk, reason=form.cleaned_data["reason"]
            )
        except ValidationFailed as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                "维修记录已撤销，各户分摊已逐笔冲正。"
                if repair.status == RepairStatus.CHARGED
                else "维修记录已撤销。",
            )
            return redirect("office_funds:repair", code=project.code, repair_id=repair.pk)
    context = _project_context(request, project, "repairs")
    context.update({"repair": repair, "form": form})
    return render(request, "office/funds/repair_cancel.html", context)


# --- postings (ledger role) ---------------------------------------------------------------------------------------


def _posting_summary(result, what: str) -> str:
    text = f"{what}已记账：{result.count} 户，合计 {result.total} 元。"
    if result.skipped:
        text += f"另有 {len(result.skipped)} 户未记账（{'；'.join(f'{k}：{v}' for k, v in list(result.skipped.items())[:5])}"
        text += "等）。" if len(result.skipped) > 5 else "）。"
    return text


@funds_view
@require_http_methods(["GET", "POST"])
def post_first_deposits(request, code: str):
    project = _project(request, code)
    _require_ledger(request, project)
    form = FirstDepositForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        pairs = form.cleaned_data["unit_codes"]
        unit_ids, missing = _resolve_units(project, pairs)
        if missing:
            form.add_error("unit_codes", f"本小区没有以下房屋：{'、'.join(missing[:20])}。")
        else:
            try:
                result = services.post_first_deposits(
                    actor=request.user,
                    project=project,
                    unit_ids=unit_ids or None,
                    occurred_on=form.cleaned_data["occurred_on"],
                )
            except ValidationFailed as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _posting_summary(result, "首期维修资金"))
                return redirect("office_funds:ledger", code=project.code)
    context = _project_context(request, project, "postings")
    policy = policy_for(project)
    context.update({"form": form, "policy_rows": _policy_rows(policy)[:3], "title": "首期维修资金记账"})
    return render(request, "office/funds/post_first.html", context)


@funds_view
@require_http_methods(["GET", "POST"])
def post_monthly(request, code: str):
    project = _project(request, code)
    _require_ledger(request, project)
    form = MonthlyForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            result = services.post_monthly_contributions(
                actor=request.user,
                project=project,
                period=form.cleaned_data["period"],
                occurred_on=form.cleaned_data["occurred_on"],
            )
        except ValidationFailed as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _posting_summary(result, f"{form.cleaned_data['period']}日常维修资金"))
            return redirect("office_funds:ledger", code=project.code)
    context = _project_context(request, project, "postings")
    policy = policy_for(project)
    context.update({"form": form, "policy_rows": _policy_rows(policy)[3:4]})
    return render(request, "office/funds/post_monthly.html", context)


@funds_view
@require_http_methods(["GET", "POST"])
def post_interest(request, code: str):
    """利息收益: receive into the project's pool; allocate the pool to the sub-ledgers (preview, then a confirmed
    post of exactly the previewed shares)."""
    project = _project(request, code)
    _require_ledger(request, project)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    receive_form = ReceiveInterestForm(request.POST if action == "receive" else None, prefix="r")
    allocate_form = AllocateInterestForm(
        request.POST if action in ("preview", "allocate") else None, prefix="a"
    )
    pool = selectors.project_overview(actor=request.user, project=project).figures.pool
    preview, confirm_error = None, ""
    if action == "receive" and receive_form.is_valid():
        data = receive_form.cleaned_data
        try:
            entry = services.receive_interest(
                actor=request.user,
                project=project,
                amount=data["amount"],
                occurred_on=data["occurred_on"],
                period=data["period"],
                memo=data["memo"],
            )
        except ValidationFailed as exc:
            _form_error(receive_form, exc)
        else:
            messages.success(request, f"利息收益 {entry.amount} 元已记入本小区待分配利息。")
            return redirect("office_funds:post_interest", code=project.code)
    if action in ("preview", "allocate") and allocate_form.is_valid():
        data = allocate_form.cleaned_data
        if not data["amount"] and pool <= 0:
            allocate_form.add_error(None, "没有待分配的利息。")
        else:
            try:
                p = services.preview_interest_allocation(
                    project=project,
                    amount=data["amount"] or pool,
                    period_end=data["period_end"],
                    period_start=data["period_start"],
                    method=data["method"] or None,
                )
            except ValidationFailed as exc:
                _form_error(allocate_form, exc)
            else:
                preview = {
                    "method": dict(InterestMethod.choices)[p.method],
                    "amount": p.amount,
                    "total": p.total,
                    "without": p.units_without_share,
                    "rows": p.allocations,
                    "digest": preview_digest(p.allocations),
                }
        if preview is not None and action == "allocate":
            if request.POST.get("preview_digest") != preview["digest"]:
                confirm_error = "内容已修改，分配结果随之变化。请核对下面新的分配预览后再确认。"
            elif request.POST.get("confirm") != "on":
                confirm_error = "请勾选确认后再提交。"
            else:
                try:
                    result = services.allocate_interest(
                        actor=request.user,
                        project=project,
                        period_end=data["period_end"],
                        period_start=data["period_start"],
                        method=data["method"] or None,
                        amount=data["amount"] or None,
                        period=data["period"],
                    )
                except ValidationFailed as exc:
                    _form_error(allocate_form, exc)
                    preview = None
                else:
                    messages.success(
                        request, f"利息收益 {result.total} 元已分配至 {result.count - 1} 户分户账。"
                    )
                    return redirect("office_funds:ledger", code=project.code)
    policy = policy_for(project)
    context = _project_context(request, project, "postings")
    context.update(
        {
            "receive_form": receive_form,
            "allocate_form": allocate_form,
            "preview": preview,
            "confirm_error": confirm_error,
            "pool": pool,
            "policy_rows": [
                r for r in _policy_rows(policy) if r["label"] == POLICY_LABELS["interest_method"]
            ],
        }
    )
    return render(request, "office/funds/post_interest.html", context)


# --- fund-centre import -------------------------------------------------------------------------------------------


@funds_view
@require_http_methods(["GET", "POST"])
def import_entries(request):
    """资金中心明细导入: every row error shown with its row number; nothing imported on any error; a re-import of
    the same file changes nothing and says so."""
    if not _may_import(request.user):
        raise PermissionDenied("只有住房建设部门（可编辑角色）可以导入维修资金明细。")
    form = UploadForm(_posted(request), request.FILES or None)
    errors, result = [], None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = importing.read_table(upload, filename=upload.name)
            result = importing.import_fund_entries(actor=request.user, rows=rows, source=upload.name)
        except importing.ImportRejected as exc:
            errors = exc.errors
            form.add_error(None, exc.message)
        except ValidationFailed as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "office/funds/import.html",
        {"form": form, "errors": errors, "result": result},
        status=422 if errors else 200,
    )


# --- common funds -------------------------------------------------------------------------------------------------


@funds_view
@require_GET
def account_list(request, code: str):
    project = _project(request, code)
    accounts = list(selectors.common_fund_accounts(actor=request.user, project=project))
    context = _project_context(request, project, "accounts")
    context.update({"accounts": accounts})
    if context["may"]["manage"]:
        context["form"] = AccountOpenForm(banks=DataSharingBank.objects.order_by("name"))
    return render(request, "office/funds/accounts.html", context)


@funds_view
@require_POST
def account_open(request, code: str):
    project = _project(request, code)
    _require_manage(request, project)
    form = AccountOpenForm(request.POST, banks=DataSharingBank.objects.order_by("name"))
    if form.is_valid():
        data = form.cleaned_data
        try:
            account = services.open_common_fund_account(
                actor=request.user,
                project=project,
                bank=data["bank"],
                name=data["name"],
                number=data["number"],
                opened_on=data["opened_on"],
            )
        except ValidationFailed as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"已登记共有资金账户：{account.bank.name} {account.number_masked}。")
            return redirect("office_funds:account", code=project.code, account_id=account.pk)
    context = _project_context(request, project, "accounts")
    context.update(
        {"accounts": list(selectors.common_fund_accounts(actor=request.user, project=project)), "form": form}
    )
    return render(request, "office/funds/accounts.html", context, status=422)


def _account(request, project: Project, account_id: int):
    account = selectors.get_common_fund_account(actor=request.user, account_id=account_id)
    _belongs(account, project, "未找到该账户，或您没有查看权限。")
    return account


def _account_context(request, project: Project, account, *, form=None, errors=(), result=None) -> dict:
    context = _project_context(request, project, "accounts")
    page = Paginator(
        selectors.account_flows(actor=request.user, account_id=account.pk), ROWS_PER_PAGE
    ).get_page(request.GET.get("page"))
    transfers = list(
        selectors.disclosures_for(actor=request.user, project=project, kind=DisclosureKind.LARGE_TRANSFER)
        .filter(bank_flow__account=account)
        .select_related("bank_flow")
    )
    context.update(
        {
            "account": account,
            "page": page,
            "transfers": transfers,
            "threshold": policy_for(project).disclosure_threshold,
            "errors": errors,
            "result": result,
            "active": account.status == AccountStatus.ACTIVE,
        }
    )
    if context["may"]["manage"] and account.status == AccountStatus.ACTIVE:
        context["form"] = form or UploadForm()
    return context


@funds_view
@require_GET
def account_detail(request, code: str, account_id: int):
    project = _project(request, code)
    account = _account(request, project, account_id)
    return render(request, "office/funds/account.html", _account_context(request, project, account))


@funds_view
@require_POST
def account_statement(request, code: str, account_id: int):
    """对账单导入: validated as a whole; outflows above the threshold create draft large-transfer disclosures."""
    project = _project(request, code)
    account = _account(request, project, account_id)
    _require_manage(request, project)
    form = UploadForm(request.POST, request.FILES)
    errors, result = [], None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = importing.read_table(upload, filename=upload.name)
            result = importing.import_bank_statement(
                actor=request.user, account=account, rows=rows, source=upload.name
            )
        except importing.ImportRejected as exc:
            errors = exc.errors
            form.add_error(None, exc.message)
        except ValidationFailed as exc:
            form.add_error(None, exc.message)
        else:
            text = f"对账单已导入：新增流水 {len(result.created)} 笔，已存在未变 {result.unchanged} 笔。"
            if result.disclosures:
                text += f"其中 {len(result.disclosures)} 笔支出超过 {result.threshold} 元，已生成大额资金转账公示草稿。"
            messages.success(request, text)
            return redirect("office_funds:account", code=project.code, account_id=account.pk)
    account = _account(request, project, account_id)
    context = _account_context(request, project, account, form=form, errors=errors, result=result)
    return render(request, "office/funds/account.html", context, status=422)


@funds_view
@require_http_methods(["GET", "POST"])
def account_close(request, code: str, account_id: int):
    project = _project(request, code)
    account = _account(request, project, account_id)
    _require_manage(request, project)
    form = ConfirmForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.close_common_fund_account(actor=request.user, account_id=account.pk)
        except ValidationFailed as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"账户 {account.number_masked} 已销户；流水仍可查看。")
            return redirect("office_funds:account", code=project.code, account_id=account.pk)
    context = _project_context(request, project, "accounts")
    context.update({"account": account, "form": form})
    return render(request, "office/funds/account_close.html", context)


# --- disclosures --------------------------------------------------------------------------------------------------


@funds_view
@require_GET
def disclosure_list(request, code: str):
    project = _project(request, code)
    form = DisclosureFilterForm(request.GET or None)
    kind = status = ""
    if form.is_valid():
        kind, status = form.cleaned_data["kind"], form.cleaned_data["status"]
    qs = selectors.disclosures_for(actor=request.user, project=project, kind=kind or None)
    if status:
        qs = qs.filter(status=status)
    # drafts (to do) first, then the latest publications — the same order on PostgreSQL and SQLite
    qs = qs.order_by(F("published_at").desc(nulls_first=True), "-created_at", "-id")
    page = Paginator(qs, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = _project_context(request, project, "disclosures")
    context.update({"form": form, "page": page})
    return render(request, "office/funds/disclosures.html", context)


@funds_view
@require_http_methods(["GET", "POST"])
def disclosure_new(request, code: str):
    project = _project(request, code)
    _require_manage(request, project)
    form = NoticeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            disclosure = services.create_notice(
                actor=request.user,
                project=project,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except ValidationFailed as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "信息公开草稿已保存。核对后请点击“公示”发布。")
            return redirect("office_funds:disclosure", code=project.code, disclosure_id=disclosure.pk)
    context = _project_context(request, project, "disclosures")
    context.update({"form": form, "creating": True})
    return render(request, "office/funds/disclosure_form.html", context)


def _disclosure(request, project: Project, disclosure_id: int):
    disclosure = selectors.get_disclosure(actor=request.user, disclosure_id=disclosure_id)
    _belongs(disclosure, project, "未找到该公示。")
    return disclosure


@funds_view
@require_GET
def disclosure_detail(request, code: str, disclosure_id: int):
    project = _project(request, code)
    disclosure = _disclosure(request, project, disclosure_id)
    context = _project_context(request, project, "disclosures")
    context.update({"disclosure": disclosure, "is_draft": disclosure.status == DisclosureStatus.DRAFT})
    return render(request, "office/funds/disclosure.html", context)


@funds_view
@require_http_methods(["GET", "POST"])
def disclosure_edit(request, code: str, disclosure_id: int):
    project = _project(request, code)
    disclosure = _disclosure(request, project, disclosure_id)
    _require_manage(request, project)
    if disclosure.status != DisclosureStatus.DRAFT:
        messages.error(request, "已公示的内容不能修改。")
        return redirect("office_funds:disclosure", code=project.code, disclosure_id=disclosure.pk)
    form = NoticeForm(_posted(request), initial={"title": disclosure.title, "body": disclosure.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_disclosure(
                actor=request.user,
                disclosure_id=disclosure.pk,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except ValidationFailed as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "草稿已保存。")
            return redirect("office_funds:disclosure", code=project.code, disclosure_id=disclosure.pk)
    context = _project_context(request, project, "disclosures")
    context.update({"form": form, "creating": False, "disclosure": disclosure})
    return render(request, "office/funds/disclosure_form.html", context)


@funds_view
@require_http_methods(["GET", "POST"])
def disclosure_publish(request, code: str, disclosure_id: int):
    """公示: draft → published, confirmed (irreversible; audited by the service)."""
    project = _project(request, code)
    disclosure = _disclosure(request, project, disclosure_id)
    _require_manage(request, project)
    form = ConfirmForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.publish_disclosure(actor=request.user, disclosure_id=disclosure.pk)
        except ValidationFailed as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"已公示：{disclosure.title}。本小区业主现在可以查看。")
            return redirect("office_funds:disclosure", code=project.code, disclosure_id=disclosure.pk)
    context = _project_context(request, project, "disclosures")
    context.update({"disclosure": disclosure, "form": form})
    return render(request, "office/funds/disclosure_publish.html", context)


# --- quarterly reports --------------------------------------------------------------------------------------------


@funds_view
@require_GET
def report_list(request, code: str):
    project = _project(request, code)
    reports_qs = selectors.quarterly_reports(actor=request.user, project=project)
    page = Paginator(reports_qs, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = _project_context(request, project, "reports")
    context["page"] = page
    if context["may"]["manage"]:
        today = clock.today()
        context["form"] = ReportOpenForm(initial={"year": today.year, "quarter": (today.month - 1) // 3 + 1})
    return render(request, "office/funds/reports.html", context)


@funds_view
@require_POST
def report_open(request, code: str):
    project = _project(request, code)
    _require_manage(request, project)
    form = ReportOpenForm(request.POST)
    if form.is_valid():
        try:
            report = services.open_quarterly_report(
                actor=request.user,
                project=project,
                year=form.cleaned_data["year"],
                quarter=form.cleaned_data["quarter"],
            )
        except ValidationFailed as exc:
            _form_error(form, exc)
        else:
            return redirect("office_funds:report", code=project.code, report_id=report.pk)
    context = _project_context(request, project, "reports")
    context.update(
        {
            "page": Paginator(
                selectors.quarterly_reports(actor=request.user, project=project), ROWS_PER_PAGE
            ).get_page(1),
            "form": form,
        }
    )
    return render(request, "office/funds/reports.html", context, status=422)


def _report_data(request, project: Project, report_id: int):
    data = selectors.report_data(actor=request.user, report_id=report_id)
    _belongs(data.report, project, "未找到该报表。")
    return data


def _report_context(request, project: Project, data, *, line_form=None) -> dict:
    context = _project_context(request, project, "reports")
    is_draft = data.report.status == ReportStatus.DRAFT
    sections = [
        {"key": key, "label": label, "lines": data.lines[key], "total": data.totals[key]}
        for key, label in ReportSection.choices
    ]
    context.update(
        {
            "data": data,
            "report": data.report,
            "sections": sections,
            "fund": data.fund,
            "fund_income": [(label, data.fund.income[key]) for key, label in reports.FUND_INCOME],
            "fund_expense": [(label, data.fund.expense[key]) for key, label in reports.FUND_EXPENSE],
            "is_draft": is_draft,
        }
    )
    if is_draft and context["may"]["manage"]:
        context["line_form"] = line_form or ReportLineForm()
    return context


@funds_view
@require_GET
def report_detail(request, code: str, report_id: int):
    project = _project(request, code)
    data = _report_data(request, project, report_id)
    return render(request, "office/funds/report.html", _report_context(request, project, data))


@funds_view
@require_POST
def report_line_add(request, code: str, report_id: int):
    project = _project(request, code)
    data = _report_data(request, project, report_id)
    _require_manage(request, project)
    form = ReportLineForm(request.POST)
    if form.is_valid():
        try:
            services.add_report_line(actor=request.user, report_id=data.report.pk, **form.cleaned_data)
        except ValidationFailed as exc:
            if data.report.status == ReportStatus.DRAFT:
                _form_error(form, exc)
            else:  # the page of a published report has no form to show the error on
                messages.error(request, exc.message)
        else:
            messages.success(
                request, f"已添加：{form.cleaned_data['item']} {form.cleaned_data['amount']} 元。"
            )
            return redirect("office_funds:report", code=project.code, report_id=data.report.pk)
    data = _report_data(request, project, report_id)
    return render(
        request,
        "office/funds/report.html",
        _report_context(request, project, data, line_form=form),
        status=422,
    )


@funds_view
@require_POST
def report_line_remove(request, code: str, report_id: int, line_id: int):
    """Remove a line of a DRAFT report (the report is not a ledger: published reports cannot change)."""
    project = _project(request, code)
    data = _report_data(request, project, report_id)
    _require_manage(request, project)
    if not any(line.pk == line_id for lines in data.lines.values() for line in lines):
        raise NotFound("未找到该明细。")
    try:
        services.remove_report_line(actor=request.user, line_id=line_id)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已删除该明细。")
    return redirect("office_funds:report", code=project.code, report_id=data.report.pk)


@funds_view
@require_http_methods(["GET", "POST"])
def report_publish(request, code: str, report_id: int):
    project = _project(request, code)
    data = _report_data(request, project, report_id)
    _require_manage(request, project)
    form = ConfirmForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.publish_quarterly_report(actor=request.user, report_id=data.report.pk)
        except ValidationFailed as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"{data.report}收支报表已公布，本小区业主现在可以查看。")
            return redirect("office_funds:report", code=project.code, report_id=data.report.pk)
    context = _report_context(request, project, data)
    context.pop("line_form", None)
    context["form"] = form
    return render(request, "office/funds/report_publish.html", context)


@funds_view
@require_GET
def report_download(request, code: str, report_id: int, fmt: str):
    project = _project(request, code)
    data = _report_data(request, project, report_id)
    if fmt == "xlsx":
        body = reports.quarterly_report_xlsx(data)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "pdf":
        body = reports.quarterly_report_pdf(data)
        content_type = "application/pdf"
    else:  # pragma: no cover - the URL pattern allows only these two
        raise NotFound()
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{reports.filename(data, fmt)}"'
    return response


# --- reconciliation (city) ----------------------------------------------------------------------------------------


@funds_view
@require_http_methods(["GET", "POST"])
def reconcile_view(request):
    """对账: recompute the maintained balances from the ledger and list every difference (city housing bureau)."""
    if not is_city(request.user):
        raise PermissionDenied("只有市住房建设部门可以运行维修资金对账。")
    form = ReconcileForm(_posted(request))
    mismatches = None
    scope = ""
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["project_code"].strip()
        project_ids, scope = None, "全市"
        if code:
            try:
                project = registry.get_project_for_staff(actor=request.user, code=code)
            except NotFound as exc:
                form.add_error("project_code", exc.message)
            else:
                project_ids, scope = [project.pk], f"{project.name}（{project.code}）"
    if request.method == "POST" and form.is_valid():
        found = reconcile(project_ids=project_ids, actor=request.user)
        projects = {p.pk: p for p in Project.objects.filter(pk__in={m.project_id for m in found})}
        mismatches = [
            {
                "project": projects.get(m.project_id),
                "level": LEVEL_LABELS[m.level],
                "object_id": m.object_id,
                "figure": FIGURE_LABELS.get(m.figure, m.figure),
                "stored": m.stored,
                "recomputed": m.recomputed,
                "difference": m.stored - m.recomputed,
            }
            for m in found
        ]
    return render(
        request,
        "office/funds/reconcile.html",
        {"form": form, "mismatches": mismatches, "scope": scope, "checked_at": clock.local(clock.now())},
    )
