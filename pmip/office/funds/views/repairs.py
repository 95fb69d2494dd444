"""Back office → 维修资金 → 维修: list, 维修申报 with the apportionment preview, detail, 修改 (not yet charged),
分摊入账, 撤销."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pmip.core import display
from pmip.core.errors import ValidationFailed
from pmip.funds import selectors, services
from pmip.funds.choices import (
    RepairScopeKind,
    RepairStatus,
)
from pmip.funds.models import ZERO
from pmip.funds.services import PreviewChanged
from pmip.office.flow import act_on_form, form_error, posted, succeeded
from pmip.office.funds.forms import (
    CancelRepairForm,
    ChargeForm,
    RepairForm,
)
from pmip.office.funds.views.common import (
    APPORTION_RULE,
    ROWS_PER_PAGE,
    _belongs,
    _buildings,
    _preview_rows,
    _project,
    _project_context,
    _require_ledger,
    _require_manage,
    _resolve_units,
    funds_view,
)
from pmip.registry.models import Project

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
    登记并分摊入账 (ledger role) needs the confirmation ticked, and the service posts only if the apportionment is
    still the one the user saw (its digest, compared under the project lock) — otherwise the new preview is shown."""
    project = _project(request, code)
    _require_manage(request, project)
    form = RepairForm(posted(request), buildings=_buildings(project))
    preview, confirm_error = None, ""
    if request.method == "POST" and form.is_valid():
        values = _repair_values(project, form)
        if values is not None:
            try:
                preview = _preview_rows(services.preview_apportionment(project=project, **_scope(values)))
            except ValidationFailed as exc:
                form_error(form, exc, REPAIR_FIELDS)
            else:
                action = request.POST.get("action", "preview")
                if action in ("save", "post") and request.POST.get("confirm") != "on":
                    confirm_error = "请勾选确认后再提交。"
                elif action in ("save", "post"):
                    try:
                        return _save_repair(request, project, values, post=action == "post")
                    except PreviewChanged:
                        confirm_error = "内容已修改，分摊结果随之变化。请核对下面新的分摊预览后再确认。"
                    except ValidationFailed as exc:
                        form_error(form, exc, REPAIR_FIELDS)
                        preview = None
    context = _project_context(request, project, "repairs")
    context.update({"form": form, "preview": preview, "confirm_error": confirm_error})
    return render(request, "office/funds/repair_form.html", context)


REPAIR_FIELDS = {"building_ids": "buildings", "unit_ids": "unit_codes"}


def _scope(values: dict) -> dict:
    return {k: values[k] for k in ("amount", "scope_kind", "building_ids", "unit_ids")}


def _save_repair(request, project: Project, values: dict, *, post: bool):
    """Create the repair (draft); with `post`, create and charge it (the service does both or neither)."""
    repair = services.create_repair(
        actor=request.user,
        project=project,
        **values,
        charge=post,
        expected_digest=request.POST.get("preview_digest", ""),
    )
    if post:
        charged = repair.shares.filter(amount__gt=0).count()
        messages.success(
            request,
            f"维修记录已登记并分摊入账：{repair.title}，{display.format_money(repair.amount)} 元，共 {charged} 户。",
        )
        if repair.is_emergency and not repair.decision_ref:
            messages.info(request, "这是未经表决的紧急维修，系统已生成紧急维修公示草稿，请核对后公示。")
    else:
        messages.success(
            request,
            f"维修记录已登记（待分摊入账）：{repair.title}，{display.format_money(repair.amount)} 元。",
        )
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
    context["may_edit"] = repair.status == RepairStatus.DRAFT and context["may"]["manage"]
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
            result = services.charge_repair(
                actor=request.user,
                repair_id=repair.pk,
                occurred_on=form.cleaned_data["occurred_on"],
                expected_digest=form.cleaned_data["preview_digest"],
            )
        except PreviewChanged:
            current = _preview_rows(services.preview_repair(repair=repair))["digest"]
            form = ChargeForm(initial={"preview_digest": current})
            messages.error(request, "分摊结果已变化（房屋或面积有更新）。请核对新的分摊预览后再确认。")
        except ValidationFailed as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, f"已分摊入账：{display.format_money(result.total)} 元，共 {len(result.entries)} 户。"
            )
            if repair.is_emergency and not repair.decision_ref:
                messages.info(request, "这是未经表决的紧急维修，系统已生成紧急维修公示草稿，请核对后公示。")
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
    form = CancelRepairForm(posted(request))
    charged = repair.status == RepairStatus.CHARGED
    done = act_on_form(
        request,
        form,
        lambda data: services.cancel_repair(actor=request.user, repair_id=repair.pk, reason=data["reason"]),
        done=lambda _: succeeded(
            request,
            "维修记录已撤销，各户分摊已逐笔冲正。" if charged else "维修记录已撤销。",
            "office_funds:repair",
            code=project.code,
            repair_id=repair.pk,
        ),
    )
    if done:
        return done
    context = _project_context(request, project, "repairs")
    context.update({"repair": repair, "form": form})
    return render(request, "office/funds/repair_cancel.html", context)


def _repair_initial(repair) -> dict:
    units = repair.units.select_related("building").order_by(*display.unit_ordering())
    return {
        "title": repair.title,
        "contractor": repair.contractor,
        "amount": repair.amount,
        "started_on": repair.started_on,
        "finished_on": repair.finished_on,
        "scope_kind": repair.scope_kind,
        "buildings": [str(pk) for pk in repair.buildings.values_list("pk", flat=True)],
        "unit_codes": ", ".join(f"{u.building.number}-{u.number}" for u in units),
        "emergency_kind": repair.emergency_kind,
        "decision_ref": repair.decision_ref,
        "description": repair.description,
    }


@funds_view
@require_http_methods(["GET", "POST"])
def repair_edit(request, code: str, repair_id: int):
    """修改 a repair not yet charged (manage role), e.g. to add the owners' decision number. The service refuses a
    charged or cancelled repair; the apportionment is previewed again on the detail page before charging."""
    project = _project(request, code)
    repair = _repair(request, project, repair_id)
    _require_manage(request, project)
    form = RepairForm(posted(request), buildings=_buildings(project), initial=_repair_initial(repair))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            values = _repair_values(project, form)
            if values is not None:
                try:
                    services.update_repair(actor=request.user, repair_id=repair.pk, **values)
                except ValidationFailed as exc:
                    form_error(form, exc, REPAIR_FIELDS)
                else:
                    messages.success(
                        request, f"维修记录已修改：{values['title']}。请核对分摊预览后再分摊入账。"
                    )
                    return redirect("office_funds:repair", code=project.code, repair_id=repair.pk)
    context = _project_context(request, project, "repairs")
    context.update({"repair": repair, "form": form})
    return render(request, "office/funds/repair_edit.html", context, status=status)
