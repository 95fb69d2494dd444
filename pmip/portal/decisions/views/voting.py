"""参与投票: the tabs of the chosen project, a meeting, a matter with its ballot form, the confirmation step (nothing
is cast there), the final submit and the receipt; the 《服务协议》 read before voting."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from pmip.core.errors import NotFound
from pmip.decisions import overview, selectors, services
from pmip.decisions.choices import MeetingState
from pmip.portal.account.decorators import owner_login_required
from pmip.portal.decisions.forms import VoteForm
from pmip.portal.decisions.views.base import (
    identity_state,
    meeting_info,
    no_projects,
    page_context,
    project_url,
    selected_project,
)
from pmip.portal.htmx import is_htmx_partial
from pmip.portal.paging import owner_page
from pmip.portal.views import domain_errors

PAGE_SIZE = 20
SESSION_CONFIRM = "decisions_confirm"
MAX_PENDING_CONFIRMATIONS = 10


# --- 参与投票 -----------------------------------------------------------------------------------------------------


@owner_login_required
@never_cache
@require_GET
def votes(request: HttpRequest) -> HttpResponse:
    """参与投票: 待投票 / 已投票 / 已统计 / 全部投票 of the chosen project; htmx swaps only the list."""
    projects = overview.owner_projects(actor=request.user)
    if not projects:
        return no_projects(request, "参与投票")
    project = selected_project(request, projects)
    tab = request.GET.get("tab")
    tab = tab if tab in overview.TAB_NAMES else "pending"
    view = overview.project_overview(actor=request.user, project_id=project.pk, projects=projects)
    page = owner_page(request, view.tab(tab), PAGE_SIZE)
    context = page_context(
        request,
        "参与投票",
        project_url("portal_decisions:home", project),
        project=project,
        several=len(projects) > 1,
        tabs=[
            (name, label, project_url("portal_decisions:votes", project, tab=name), len(view.tab(name)))
            for name, label in overview.TABS
        ],
        current_tab=tab,
        page=page,
        empty_text={
            "pending": "暂无待投票的议题。",
            "voted": "您还没有投过票。",
            "counted": "暂无已公布计票结果的议题。",
            "all": "本小区暂无业主大会投票。",
        }[tab],
    )
    template = "portal/decisions/votes.html" + ("#vote-list" if is_htmx_partial(request) else "")
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@owner_login_required
@never_cache
@domain_errors(back="portal_decisions:votes")
@require_GET
def meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """One meeting: its times and state, its matters with the owner's state, and the links to its publicity."""
    view = overview.meeting_view(actor=request.user, meeting_id=meeting_id)
    context = page_context(
        request,
        view.meeting.title,
        project_url("portal_decisions:votes", view.meeting.project, tab="all"),
        view=view,
        voting_open=view.voting_open,
        **meeting_info(view.meeting),
    )
    return render(request, "portal/decisions/meeting.html", context)


def _matter_context(request: HttpRequest, row: overview.MatterRow, forms: dict[int, VoteForm]) -> dict:
    meeting = row.meeting
    view_open = meeting.state == MeetingState.OPEN and row.state in (overview.PENDING, overview.VOTED)
    slots = []
    for slot in row.slots:
        ballot = slot.ballots.get(row.matter.pk)
        form = None
        if view_open and slot.can_vote and (ballot is None or meeting.allow_ballot_change):
            form = forms.get(slot.unit_id) or VoteForm(prefix=f"u{slot.unit_id}", matter=row.matter)
        slots.append(
            {
                "slot": slot,
                "ballot": ballot,
                "ballot_lines": overview.describe_choices(row.matter, ballot.choices) if ballot else [],
                "form": form,
                "rooms": slot.scope_rooms(row.matter),
                "area": slot.scope_area(row.matter),
                "reason": overview.DELEGATED_AWAY
                if slot.blocked_by_delegation and slot.eligible
                else slot.ineligible_reason,
            }
        )
    return page_context(
        request,
        row.matter.title,
        reverse("portal_decisions:meeting", args=[meeting.pk]),
        row=row,
        matter=row.matter,
        slots=slots,
        files=selectors.publicity_files(actor=request.user, meeting_id=meeting.pk),
        rule=overview.class_rule(row.matter),
        no_slot_reason=row.reason or overview.cannot_vote_reason([]),
        scope_buildings="、".join(f"{b.number}栋" for b in row.matter.buildings.all()),
        **identity_state(request.user),
        **meeting_info(meeting),
    )


@owner_login_required
@never_cache
@domain_errors(back="portal_decisions:votes")
@require_GET
def matter(request: HttpRequest, matter_id: int) -> HttpResponse:
    """A matter: what it is, its rule, the publicity files, and per owner the actor votes for either the ballot form
    (units and area it covers, 《服务协议》 to tick), the own ballot already cast, or why they cannot vote."""
    row = overview.matter_row(actor=request.user, matter_id=matter_id)
    return render(request, "portal/decisions/matter.html", _matter_context(request, row, {}))


@owner_login_required
@never_cache
@domain_errors(back="portal_decisions:votes")
@require_POST
def confirm(request: HttpRequest, matter_id: int) -> HttpResponse:
    """The confirmation step: checks the form, then shows the choices, the units and area, and whether the ballot
    can still be changed. Nothing is cast here; the final submit carries a one-time token kept in the session."""
    row = overview.matter_row(actor=request.user, matter_id=matter_id)
    overview.require_voting_open(row)
    slot = overview.votable_slot(row, request.POST.get("unit"))
    form = VoteForm(request.POST, prefix=f"u{slot.unit_id}", matter=row.matter)
    if not form.is_valid():
        context = _matter_context(request, row, {slot.unit_id: form})
        return render(request, "portal/decisions/matter.html", context, status=422)
    overview.require_may_cast(row, slot)
    answer = form.answer()
    token = secrets.token_urlsafe(24)
    pending = dict(request.session.get(SESSION_CONFIRM) or {})
    while len(pending) >= MAX_PENDING_CONFIRMATIONS:
        pending.pop(next(iter(pending)))
    pending[token] = {"matter": row.matter.pk, "unit": slot.unit_id, "answer": answer}
    request.session[SESSION_CONFIRM] = pending
    ballot_choices = {"matter": answer} if not row.matter.is_election else dict(answer)
    context = page_context(
        request,
        "确认投票",
        reverse("portal_decisions:matter", args=[row.matter.pk]),
        row=row,
        matter=row.matter,
        meeting=row.meeting,
        slot=slot,
        lines=overview.describe_choices(row.matter, ballot_choices),
        rooms=slot.scope_rooms(row.matter),
        area=slot.scope_area(row.matter),
        token=token,
        replacing=row.matter.pk in slot.ballots,
    )
    return render(request, "portal/decisions/confirm.html", context)


@owner_login_required
@never_cache
@domain_errors(back="portal_decisions:votes")
@require_POST
def cast(request: HttpRequest, matter_id: int) -> HttpResponse:
    """The final submit after the confirmation page. Without a valid confirmation (token from this session for
    this matter) nothing is cast and the owner is sent back to the matter."""
    pending = dict(request.session.get(SESSION_CONFIRM) or {})
    data = pending.pop(request.POST.get("token", ""), None)
    request.session[SESSION_CONFIRM] = pending
    back = reverse("portal_decisions:matter", args=[matter_id])
    if data is None or data.get("matter") != matter_id:
        messages.error(request, "请先选择并确认投票内容，再提交投票。")
        return redirect(back)
    meeting_id = overview.matter_row(actor=request.user, matter_id=matter_id).meeting.pk
    results = services.cast_ballots(
        actor=request.user, meeting_id=meeting_id, unit_id=data["unit"], answers={matter_id: data["answer"]}
    )
    messages.success(request, "投票成功。" if not results[0].replaced else "已修改投票，以本次为准。")
    return redirect("portal_decisions:receipt", matter_id=matter_id, unit_id=data["unit"])


@owner_login_required
@never_cache
@domain_errors(back="portal_decisions:votes")
@require_GET
def receipt(request: HttpRequest, matter_id: int, unit_id: int) -> HttpResponse:
    """回执: the receipt code of the actor's own ballot and how to find it in the bulletin after the close."""
    own = selectors.my_ballot(actor=request.user, matter_id=matter_id, unit_id=unit_id)
    if own is None:
        raise NotFound("您尚未对本议题投票。")
    row = overview.matter_row(actor=request.user, matter_id=matter_id)
    slot = overview.votable_slot(row, unit_id)
    context = page_context(
        request,
        "投票回执",
        reverse("portal_decisions:matter", args=[matter_id]),
        row=row,
        matter=row.matter,
        meeting=row.meeting,
        slot=slot,
        ballot=own,
        lines=overview.describe_choices(row.matter, own.choices),
        receipt_groups=[own.receipt[i : i + 8] for i in range(0, len(own.receipt), 8)],
        rooms=slot.scope_rooms(row.matter),
        area=slot.scope_area(row.matter),
        closed=row.meeting.state in selectors.AFTER_CLOSE,
    )
    return render(request, "portal/decisions/receipt.html", context)


@require_GET
def agreement(request: HttpRequest) -> HttpResponse:
    """《服务协议》 of the e-voting service (read before voting)."""
    back = request.GET.get("matter")
    back_url = (
        reverse("portal_decisions:matter", args=[int(back)])
        if back and back.isdigit()
        else reverse("portal:service")
    )
    return render(request, "portal/decisions/agreement.html", page_context(request, "服务协议", back_url))
