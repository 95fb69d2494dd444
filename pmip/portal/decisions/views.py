"""Owner pages of 业主决策 (owner manual ch. 4): 推选投票人, 参与投票 (待投票 / 已投票 / 已统计 / 全部投票), a matter with its
publicity files and 《服务协议》, casting with a confirmation step and a receipt, 查看公示, 查看投票人, the tally sheet
and the bulletin of receipts.

Every page needs the owner log-in and reads only the logged-in account's own data: the URLs carry nothing but ids of
meetings, matters and units, and every page asks the domain again (selectors and services) whether this account may
see or do it — a link shared by someone else opens the viewer's own page. Views never write models: nominations and
ballots go through `pmip.decisions.services`.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pmip.core.errors import DomainError, NotFound
from pmip.decisions import overview, selectors, services, tally
from pmip.decisions.choices import ConvenerKind, MeetingState, PublicityKind
from pmip.decisions.rules import settings_used
from pmip.delegation.selectors import active_delegation
from pmip.identity import selectors as identity_selectors
from pmip.identity.selectors import verification_status_of
from pmip.portal.account.decorators import owner_login_required
from pmip.portal.decisions.forms import BulletinSearchForm, NominateForm, VoteForm
from pmip.portal.htmx import is_htmx_partial
from pmip.portal.views import domain_errors

PAGE_SIZE = 20
BULLETIN_PAGE_SIZE = 30
SESSION_PROJECT = "decisions_project"
SESSION_CONFIRM = "decisions_confirm"
MAX_PENDING_CONFIRMATIONS = 10


def _context(request: HttpRequest, title: str, back: str, **extra) -> dict:
    return {"page_title": title, "back_url": back, "tab": "mine", **extra}


def _selected_project(request: HttpRequest, projects: list):
    """The project chosen with ?project=, else the one chosen before (session), else the first. Only the actor's."""
    by_id = {p.pk: p for p in projects}
    for raw in (request.GET.get("project"), request.session.get(SESSION_PROJECT)):
        try:
            pid = int(raw)
        except (TypeError, ValueError):
            continue
        if pid in by_id:
            request.session[SESSION_PROJECT] = pid
            return by_id[pid]
    return projects[0]


def _no_projects(request: HttpRequest, title: str) -> HttpResponse:
    return render(
        request,
        "portal/decisions/no_projects.html",
        _context(request, title, reverse("portal:service")),
    )


def _identity_state(user) -> dict:
    identity = identity_selectors.owner_identity_of(actor=user)
    return {
        "identity": identity,
        "verified": identity is not None and identity.is_verified,
        "verification_status": verification_status_of(actor=user),
    }


def _project_url(name: str, project, **params) -> str:
    return f"{reverse(name)}?{urlencode({'project': project.pk, **params})}"


# --- 业主决策 home -----------------------------------------------------------------------------------------------


@owner_login_required
@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """业主决策: the chosen project (切换小区), the owner's standing, 推选投票人 and 参与投票, the notes."""
    projects = overview.owner_projects(actor=request.user)
    if not projects:
        return _no_projects(request, "业主决策")
    project = _selected_project(request, projects)
    view = overview.project_overview(actor=request.user, project_id=project.pk, projects=projects)
    context = _context(
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
        **_identity_state(request.user),
    )
    return render(request, "portal/decisions/home.html", context)


@owner_login_required
@never_cache
@require_GET
def switch(request: HttpRequest) -> HttpResponse:
    """切换小区: the projects where the account is an owner or a delegate."""
    projects = overview.owner_projects(actor=request.user)
    if not projects:
        return _no_projects(request, "切换小区")
    target = request.GET.get("to")
    target = target if target in ("home", "nominate", "votes") else "home"
    current = request.session.get(SESSION_PROJECT)
    context = _context(
        request,
        "切换小区",
        reverse(f"portal_decisions:{target}"),
        choices=[(p, _project_url(f"portal_decisions:{target}", p), p.pk == current) for p in projects],
    )
    return render(request, "portal/decisions/switch.html", context)


# --- 推选投票人 ---------------------------------------------------------------------------------------------------


@owner_login_required
@never_cache
@require_http_methods(["GET", "POST"])
def nominate(request: HttpRequest) -> HttpResponse:
    """推选投票人 for one of the owner's units in the chosen project (切换房屋 when there are several)."""
    projects = overview.owner_projects(actor=request.user)
    if not projects:
        return _no_projects(request, "推选投票人")
    project = _selected_project(request, projects)
    bindings = list(identity_selectors.active_bindings_of(actor=request.user).filter(project=project))
    context = _context(
        request,
        "推选投票人",
        _project_url("portal_decisions:home", project),
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
            return redirect(_project_url("portal_decisions:nominate", project, unit=binding.unit_id))
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


# --- 参与投票 -----------------------------------------------------------------------------------------------------


@owner_login_required
@never_cache
@require_GET
def votes(request: HttpRequest) -> HttpResponse:
    """参与投票: 待投票 / 已投票 / 已统计 / 全部投票 of the chosen project; htmx swaps only the list."""
    projects = overview.owner_projects(actor=request.user)
    if not projects:
        return _no_projects(request, "参与投票")
    project = _selected_project(request, projects)
    tab = request.GET.get("tab")
    tab = tab if tab in overview.TAB_NAMES else "pending"
    view = overview.project_overview(actor=request.user, project_id=project.pk, projects=projects)
    page = Paginator(view.tab(tab), PAGE_SIZE).get_page(request.GET.get("page"))
    context = _context(
        request,
        "参与投票",
        _project_url("portal_decisions:home", project),
        project=project,
        several=len(projects) > 1,
        tabs=[
            (name, label, _project_url("portal_decisions:votes", project, tab=name), len(view.tab(name)))
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


def _meeting_info(meeting) -> dict:
    return {
        "meeting": meeting,
        "convener": ConvenerKind(meeting.convener_kind).label,
        "closed": meeting.state in selectors.AFTER_CLOSE,
        "published": meeting.state == MeetingState.PUBLISHED,
    }


@owner_login_required
@never_cache
@domain_errors(back="portal_decisions:votes")
@require_GET
def meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """One meeting: its times and state, its matters with the owner's state, and the links to its publicity."""
    view = overview.meeting_view(actor=request.user, meeting_id=meeting_id)
    context = _context(
        request,
        view.meeting.title,
        _project_url("portal_decisions:votes", view.meeting.project, tab="all"),
        view=view,
        voting_open=view.voting_open,
        **_meeting_info(view.meeting),
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
    return _context(
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
        **_identity_state(request.user),
        **_meeting_info(meeting),
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


CLOSED_REASONS = {
    overview.CANCELLED: "会议已取消。",
    overview.NOT_STARTED: "投票尚未开始。",
    overview.ENDED: "投票已截止，不能再投票。",
    overview.PUBLISHED: "投票已截止，不能再投票。",
}


def _votable_slot(row: overview.MatterRow, raw_unit) -> overview.Slot:
    slot = next((s for s in row.slots if any(str(e.unit_id) == str(raw_unit) for e in s.entries)), None)
    if slot is None:
        raise NotFound("该房屋不在您可投票的范围内。")
    return slot


@owner_login_required
@never_cache
@domain_errors(back="portal_decisions:votes")
@require_POST
def confirm(request: HttpRequest, matter_id: int) -> HttpResponse:
    """The confirmation step: checks the form, then shows the choices, the units and area, and whether the ballot
    can still be changed. Nothing is cast here; the final submit carries a one-time token kept in the session."""
    row = overview.matter_row(actor=request.user, matter_id=matter_id)
    closed_reason = CLOSED_REASONS.get(row.state)
    if closed_reason:
        raise services.VotingNotOpen(closed_reason)
    slot = _votable_slot(row, request.POST.get("unit"))
    form = VoteForm(request.POST, prefix=f"u{slot.unit_id}", matter=row.matter)
    if not form.is_valid():
        context = _matter_context(request, row, {slot.unit_id: form})
        return render(request, "portal/decisions/matter.html", context, status=422)
    if not slot.can_vote:
        raise services.NotEligible(
            overview.DELEGATED_AWAY
            if slot.blocked_by_delegation
            else slot.ineligible_reason or "您不能投票。"
        )
    if row.matter.pk in slot.ballots and not row.meeting.allow_ballot_change:
        raise services.AlreadyVoted(f"您已对议题“{row.matter.title}”投票，投票后不能修改。")
    answer = form.answer()
    token = secrets.token_urlsafe(24)
    pending = dict(request.session.get(SESSION_CONFIRM) or {})
    while len(pending) >= MAX_PENDING_CONFIRMATIONS:
        pending.pop(next(iter(pending)))
    pending[token] = {"matter": row.matter.pk, "unit": slot.unit_id, "answer": answer}
    request.session[SESSION_CONFIRM] = pending
    ballot_choices = {"matter": answer} if not row.matter.is_election else dict(answer)
    context = _context(
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
    slot = _votable_slot(row, unit_id)
    context = _context(
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


# --- 查看公示 / 查看投票人 / files -------------------------------------------------------------------------------------


@owner_login_required
@never_cache
@domain_errors(back="portal_decisions:votes")
@require_GET
def publicity(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """查看公示: the meeting notice, the binding status per building (no names), the other files, the rules."""
    meeting = selectors.get_meeting_for_owner(actor=request.user, meeting_id=meeting_id)
    files = selectors.publicity_files(actor=request.user, meeting_id=meeting.pk)
    context = _context(
        request,
        "查看公示",
        reverse("portal_decisions:meeting", args=[meeting.pk]),
        meeting=meeting,
        convener=ConvenerKind(meeting.convener_kind).label,
        notices=[f for f in files if f.kind == PublicityKind.MEETING_NOTICE],
        others=[f for f in files if f.kind != PublicityKind.MEETING_NOTICE],
        buildings=selectors.binding_summary(actor=request.user, meeting_id=meeting.pk),
        matters=selectors.matters_of(meeting=meeting),
        settings=settings_used(meeting),
    )
    return render(request, "portal/decisions/publicity.html", context)


@owner_login_required
@never_cache
@domain_errors(back="portal_decisions:votes")
@require_GET
def voters(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """查看投票人: who votes for each of the owner's units (and each principal's, for a delegate) in this meeting —
    from the roll frozen when voting opened, or before that from the current nominations."""
    view = overview.meeting_view(actor=request.user, meeting_id=meeting_id)
    frozen = view.meeting.state in selectors.VOTING_STARTED
    rows = []
    if frozen:
        for slot in view.slots:
            if slot.principal_masked:
                voter = slot.principal_masked + ("（本人）" if slot.for_self else "")
            else:
                voter = "无（不能网络投票）"
            rows.append(
                {
                    "rooms": slot.rooms,
                    "voter": voter,
                    "note": overview.DELEGATED_AWAY
                    if slot.blocked_by_delegation and slot.eligible
                    else ("由您代为投票" if not slot.for_self and slot.eligible else slot.ineligible_reason),
                }
            )
    else:
        for unit, status in selectors.nomination_statuses(
            actor=request.user, project_id=view.meeting.project_id
        ):
            if not status.co_owned:
                voter, note = "产权人本人", ""
            elif status.effective:
                voter, note = status.effective_nominee_masked, "共有人推选已生效"
            else:
                voter, note = "未有效推选", "共有房屋未有效推选投票人，不能投票；请在公示期届满前推选。"
            rows.append({"rooms": f"{unit.building.number}栋{unit.number}", "voter": voter, "note": note})
    context = _context(
        request,
        "查看投票人",
        reverse("portal_decisions:meeting", args=[view.meeting.pk]),
        meeting=view.meeting,
        frozen=frozen,
        rows=rows,
    )
    return render(request, "portal/decisions/voters.html", context)


@owner_login_required
@domain_errors(back="portal_decisions:votes")
@require_GET
def publicity_file(request: HttpRequest, file_id: int) -> HttpResponse:
    """A publicity file, after the domain's permission check (owners and delegates of the project)."""
    f, handle = selectors.open_publicity_file(actor=request.user, file_id=file_id)
    if handle is None:
        raise NotFound("文件不存在，请联系业委会。")
    response = FileResponse(
        handle,  # FileResponse closes it
        content_type=f.content_type,
        as_attachment=f.content_type == "application/pdf",
        filename=f.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- results and bulletin ---------------------------------------------------------------------------------------


@owner_login_required
@never_cache
@domain_errors(back="portal_decisions:votes")
@require_GET
def results(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """计票结果 once published: per matter the totals, participation, yes/no/abstain on both sides, each test with
    its numbers, the conclusion, and the rule settings used."""
    selectors.get_meeting_for_owner(actor=request.user, meeting_id=meeting_id)
    sheet = selectors.tally_sheet(actor=request.user, meeting_id=meeting_id)
    matters = []
    for ms in sheet.matters:
        results_ = []
        for r in ms.results:
            c = r.counts
            results_.append(
                {
                    "r": r,
                    "total_area": tally.format_area(c.total_area),
                    "participating_area": tally.format_area(c.participating_area),
                    "not_voted_owners": c.total_owners - c.participating_owners,
                    "not_voted_area": tally.format_area(c.total_area - c.participating_area),
                    "rows": [
                        ("同意", c.yes_owners, tally.format_area(c.yes_area)),
                        ("反对", c.no_owners, tally.format_area(c.no_area)),
                        ("弃权", c.abstain_owners, tally.format_area(c.abstain_area)),
                    ],
                }
            )
        matters.append({"sheet": ms, "results": results_, "rule": overview.class_rule(ms.matter)})
    context = _context(
        request,
        "计票结果",
        reverse("portal_decisions:meeting", args=[meeting_id]),
        sheet=sheet,
        meeting=sheet.meeting,
        matters=matters,
    )
    return render(request, "portal/decisions/results.html", context)


@owner_login_required
@never_cache
@domain_errors(back="portal_decisions:votes")
@require_GET
def bulletin(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """选票公示 after the close: every receipt with building/room and area (never a name or a choice); a search box
    finds the owner's receipt, and the owner's own receipts are marked."""
    view = overview.meeting_view(actor=request.user, meeting_id=meeting_id)
    lines = selectors.bulletin(actor=request.user, meeting_id=meeting_id)
    form = BulletinSearchForm(request.GET or None, matters=view.matters)
    q, matter_id = form.criteria()
    if matter_id is not None:
        lines = [line for line in lines if line.matter_id == matter_id]
    if q:
        lines = [line for line in lines if line.receipt.startswith(q)]
    mine = {b.receipt for s in view.slots for b in s.ballots.values()}
    titles = {m.pk: f"{m.order}. {m.title}" for m in view.matters}
    page = Paginator(lines, BULLETIN_PAGE_SIZE).get_page(request.GET.get("page"))
    context = _context(
        request,
        "选票公示",
        reverse("portal_decisions:meeting", args=[meeting_id]),
        meeting=view.meeting,
        form=form,
        q=q,
        page=page,
        mine=mine,
        titles=titles,
        lines=[
            {
                "line": line,
                "title": titles.get(line.matter_id, ""),
                "rooms": [(overview.room_label(label), area) for label, area in line.units],
                "mine": line.receipt in mine,
            }
            for line in page.object_list
        ],
    )
    template = "portal/decisions/bulletin.html" + ("#bulletin-list" if is_htmx_partial(request) else "")
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
def agreement(request: HttpRequest) -> HttpResponse:
    """《服务协议》 of the e-voting service (read before voting)."""
    back = request.GET.get("matter")
    back_url = (
        reverse("portal_decisions:matter", args=[int(back)])
        if back and back.isdigit()
        else reverse("portal:service")
    )
    return render(request, "portal/decisions/agreement.html", _context(request, "服务协议", back_url))


@require_GET
def how_to_check(request: HttpRequest) -> HttpResponse:
    """如何核对投票结果 (plain Chinese): what a receipt is, how to find it, how anyone can recount from the open data.
    The only owner page naming the roll fingerprint and the recount tool; `?meeting=<id>` (a meeting the owner may
    see, voting opened) shows that meeting's fingerprint."""
    meeting = None
    wanted = request.GET.get("meeting", "")
    if wanted.isdigit() and getattr(request.user, "is_authenticated", False):
        try:
            meeting = selectors.get_meeting_for_owner(actor=request.user, meeting_id=int(wanted))
        except DomainError:
            meeting = None
        if meeting is not None and not meeting.roll_hash:
            meeting = None
    back_url = (
        reverse("portal_decisions:results", args=[meeting.pk])
        if meeting is not None and meeting.state == MeetingState.PUBLISHED
        else reverse("portal_decisions:home")
    )
    return render(
        request,
        "portal/decisions/how_to_check.html",
        _context(request, "如何核对投票结果", back_url, meeting=meeting),
    )
