"""Back office → 维修资金: the project list, a project's overview, ledger, buildings, units, 冲正 and the flags."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from pmip.core import display
from pmip.core.errors import NotFound
from pmip.core.money import CENT
from pmip.funds import selectors, services
from pmip.funds.choices import (
    DisclosureStatus,
)
from pmip.funds.policy import policy_for
from pmip.identity.scopes import is_city
from pmip.office.flow import act_on_form, posted, succeeded
from pmip.office.forms import ProjectSearchForm
from pmip.office.funds.forms import (
    LedgerFilterForm,
    ReverseForm,
)
from pmip.office.funds.views.common import (
    ENTRIES_PER_PAGE,
    PROJECTS_PER_PAGE,
    ROWS_PER_PAGE,
    UNITS_PER_PAGE,
    _belongs,
    _buildings,
    _entry_label,
    _kind_label,
    _may,
    _may_import,
    _policy_rows,
    _project,
    _project_context,
    _require_ledger,
    funds_view,
)
from pmip.registry import selectors as registry
from pmip.registry.models import Project

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
            "reversed": services.is_reversed(e),
            "reversible": may["ledger"] and services.is_reversible(e),
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
            "reversible": may["ledger"] and services.is_reversible(line.entry, reversed=line.reversed),
        }
        for line in page.object_list
    ]
    context = _project_context(request, project, "overview")
    context.update({"overview": overview, "figures": overview.figures, "page": page, "rows": rows})
    return render(request, "office/funds/unit.html", context)


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
    form = ReverseForm(posted(request))
    done = act_on_form(
        request,
        form,
        lambda data: services.reverse_entry(
            actor=request.user, entry_id=entry.pk, reason=data["reason"], occurred_on=data["occurred_on"]
        ),
        done=lambda reversal: succeeded(
            request,
            f"已冲正：{entry.reference}，冲正金额 {display.format_money(reversal.amount)} 元（冲正流水号 {reversal.reference}）。",
            "office_funds:ledger",
            code=project.code,
        ),
    )
    if done:
        return done
    context = _project_context(request, project, "ledger")
    context.update(
        {
            "entry": entry,
            "label": _entry_label(entry),
            "kind": _kind_label(entry),
            "reversed": services.is_reversed(entry),
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
