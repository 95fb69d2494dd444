"""推选投票人: an owner of a co-owned unit names the voter; the page says whether the nomination is effective."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from pmip.core.errors import DomainError
from pmip.decisions import overview, selectors, services
from pmip.identity import selectors as identity_selectors
from pmip.portal.account.decorators import owner_login_required
from pmip.portal.decisions.forms import NominateForm
from pmip.portal.decisions.views.base import no_projects, page_context, project_url, selected_project


@owner_login_required
@never_cache
@require_http_methods(["GET", "POST"])
def nominate(request: HttpRequest) -> HttpResponse:
    """推选投票人 for one of the owner's units in the chosen project (切换房屋 when there are several)."""
    projects = overview.owner_projects(actor=request.user)
    if not projects:
        return no_projects(request, "推选投票人")
    project = selected_project(request, projects)
    bindings = list(identity_selectors.active_bindings_of(actor=request.user).filter(project=project))
    context = page_context(
        request,
        "推选投票人",
        project_url("portal_decisions:home", project),
        project=project,
        several_projects=len(projects) > 1,
        bindings=bindings,
    )
    if not bindings:
        return render(request, "portal/decisions/nominate.html", context)
    raw_unit = request.POST.get("unit") or request.GET.get("unit")
    binding = next((b for b in bindings if str(b.unit_id) == raw_unit), bindings[0])
    status = selectors.nomination_status(actor=request.user, unit_id=binding.unit_id)
    form = NominateForm(
        request.POST if request.method == "POST" else None,
        candidates=status.candidates,
        initial={"nominee": status.my_nominee_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.nominate_voter(
                actor=request.user, unit_id=binding.unit_id, nominee_id=form.cleaned_data["nominee"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已提交推选。")
            return redirect(project_url("portal_decisions:nominate", project, unit=binding.unit_id))
    missing = any(not c.nominated_masked for c in status.co_owners)
    if not status.co_owned:
        headline, tone = "本房屋只有一位产权人，由产权人本人投票，无需推选", "info"
    elif status.effective:
        headline, tone = f"推选已生效：投票人为 {status.effective_nominee_masked}", "ok"
    elif missing:
        headline, tone = "推选未生效：尚有共有人未推选投票人", "wait"
    else:
        headline, tone = "推选失败：各共有人推选的不是同一人", "fail"
    context.update(
        binding=binding,
        unit_label=f"{binding.unit.building.number}栋{binding.unit.number}",
        status=status,
        form=form,
        headline=headline,
        tone=tone,
        my_nominee=next((name for pk, name in status.candidates if pk == status.my_nominee_id), ""),
    )
    return render(request, "portal/decisions/nominate.html", context, status=422 if form.errors else 200)
