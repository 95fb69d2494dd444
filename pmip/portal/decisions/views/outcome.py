"""After the close: 计票结果 once published, 选票公示 (the bulletin of receipts, with a search), and 如何核对投票结果."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pmip.core.errors import DomainError
from pmip.decisions import overview, selectors, tally
from pmip.decisions.choices import MeetingState
from pmip.portal.account.decorators import owner_login_required
from pmip.portal.decisions.forms import BulletinSearchForm
from pmip.portal.decisions.views.base import page_context
from pmip.portal.htmx import is_htmx_partial
from pmip.portal.paging import owner_page
from pmip.portal.views import domain_errors

BULLETIN_PAGE_SIZE = 30


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
    context = page_context(
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
    page = owner_page(request, lines, BULLETIN_PAGE_SIZE)
    context = page_context(
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
        page_context(request, "如何核对投票结果", back_url, meeting=meeting),
    )
