"""Back office → 维修资金: access (`funds_view`), the project look-up in the user's scope, labels and the preview rows
shared by the pages of this package."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render

from pmip.core.errors import NotFound, PermissionDenied
from pmip.funds import permissions
from pmip.funds.apportion import apportionment_digest, from_fen
from pmip.funds.choices import (
    EntryKind,
    InterestMethod,
)
from pmip.funds.models import ZERO
from pmip.funds.policy import FIELDS as POLICY_FIELDS
from pmip.identity.scopes import roles_of
from pmip.office.flow import act_on_form, posted
from pmip.office.funds.forms import ConfirmForm
from pmip.office.views import office_required
from pmip.registry import selectors as registry
from pmip.registry.models import Building, Project, Unit

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


def confirm_view(
    request,
    *,
    act: Callable[[], Any],
    done: Callable[[Any], HttpResponse],
    template: str,
    context: Callable[[], dict],
) -> HttpResponse:
    """A 确认 page (tick the box, then act) through the one form flow (pmip.office.flow): on a valid POST `act()`
    then `done(result)`; otherwise (GET, box not ticked, the service's refusal on the form) the page `template`
    with `context()` — built only then, after any refusal — and the form."""
    form = ConfirmForm(posted(request))
    response = act_on_form(request, form, lambda _: act(), done=done)
    if response is not None:
        return response
    return render(request, template, {**context(), "form": form})


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
        "digest": apportionment_digest(allocations),
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
