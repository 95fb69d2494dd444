"""Back office → 维修资金: the fund-centre import and the city's reconciliation."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from pmip.core import clock
from pmip.core.errors import DomainError, NotFound, PermissionDenied
from pmip.funds.reconcile import reconcile
from pmip.identity.scopes import is_city
from pmip.jobs.models import JobKind
from pmip.office.flow import posted
from pmip.office.funds.forms import (
    ReconcileForm,
    UploadForm,
)
from pmip.office.funds.views.common import FIGURE_LABELS, LEVEL_LABELS, _may_import, funds_view
from pmip.office.jobs.views import start as start_job
from pmip.registry import selectors as registry
from pmip.registry.models import Project

# --- fund-centre import -------------------------------------------------------------------------------------------


@funds_view
@require_http_methods(["GET", "POST"])
def import_entries(request):
    """资金中心明细导入, run as a back-office job (pmip.jobs): the upload is queued and the browser sent to the job's
    page, whose progress bar follows the check and the posting; every row error is shown there with its row number;
    nothing imported on any error; a re-import of the same file changes nothing and says so."""
    if not _may_import(request.user):
        raise PermissionDenied("只有住房建设部门（可编辑角色）可以导入维修资金明细。")
    form = UploadForm(posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            return start_job(request, kind=JobKind.FUND_ENTRIES_IMPORT, upload=form.cleaned_data["file"])
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "office/funds/import.html",
        {"form": form, "errors": [], "result": None},
        status=422 if form.errors else 200,
    )


# --- reconciliation (city) ----------------------------------------------------------------------------------------


@funds_view
@require_http_methods(["GET", "POST"])
def reconcile_view(request):
    """对账: recompute the maintained balances from the ledger and list every difference (city housing bureau)."""
    if not is_city(request.user):
        raise PermissionDenied("只有市住房建设部门可以运行维修资金对账。")
    form = ReconcileForm(posted(request))
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
