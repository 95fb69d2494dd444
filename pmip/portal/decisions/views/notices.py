"""查看公示 (the meeting notice, binding status per building, the rules), 查看投票人, and a publicity file."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pmip.core.errors import NotFound
from pmip.decisions import overview, selectors
from pmip.decisions.choices import ConvenerKind, PublicityKind
from pmip.decisions.rules import settings_used
from pmip.portal.account.decorators import owner_login_required
from pmip.portal.decisions.views.base import page_context
from pmip.portal.views import domain_errors


@owner_login_required
@never_cache
@domain_errors(back="portal_decisions:votes")
@require_GET
def publicity(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """查看公示: the meeting notice, the binding status per building (no names), the other files, the rules."""
    meeting = selectors.get_meeting_for_owner(actor=request.user, meeting_id=meeting_id)
    files = selectors.publicity_files(actor=request.user, meeting_id=meeting.pk)
    context = page_context(
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
    context = page_context(
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
