"""After the close: the tally sheet, the exports for pmip-verify, the bulletin of receipts; the frozen roll and the
meeting's audit trail."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pmip.core.errors import NotFound
from pmip.decisions import export as export_mod
from pmip.decisions import selectors
from pmip.decisions.tally import format_area
from pmip.office.decisions import audit
from pmip.office.decisions.views.base import page_context, staff_meeting
from pmip.office.views import office_required

ROLL_PER_PAGE = 100
BULLETIN_PER_PAGE = 100
AUDIT_PER_PAGE = 50


# --- after the close: results, export, bulletin, roll ------------------------------------------------------------


@office_required
@never_cache
@require_GET
def results(request, pk: int):
    meeting = staff_meeting(request, pk)
    if meeting.state not in selectors.AFTER_CLOSE:
        messages.info(request, "投票截止后才能查看计票结果。")
        return redirect("office_decisions:detail", pk=pk)
    context = {
        **page_context(request, meeting),
        "sheet": selectors.tally_sheet(actor=request.user, meeting_id=pk),
    }
    return render(request, "office/decisions/results.html", context)


def _json_download(doc: dict, filename: str) -> HttpResponse:
    body = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    response = HttpResponse(body.encode("utf-8"), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@office_required
@require_GET
def export_meeting(request, pk: int):
    """The whole export (every matter's input and the platform's result). Audited."""
    doc = export_mod.export_meeting(actor=request.user, meeting_id=pk)
    return _json_download(doc, f"meeting-{pk}-export.json")


@office_required
@require_GET
def export_matter(request, pk: int, matter_id: int):
    """One matter (one candidate of an election, ?candidate=ID) in pmip-verify's input format, ready for
    `pmip-verify tally FILE.json`. Audited (the whole export is recorded)."""
    doc = export_mod.export_meeting(actor=request.user, meeting_id=pk)
    candidate = request.GET.get("candidate") or None
    for entry in doc["matters"]:
        cid = entry["candidate"]["id"] if entry["candidate"] else None
        if entry["matter"] == matter_id and str(cid or "") == str(candidate or ""):
            suffix = f"-candidate-{cid}" if cid else ""
            return _json_download(entry["tally_input"], f"meeting-{pk}-matter-{entry['order']}{suffix}.json")
    raise NotFound("未找到该议题。")


@office_required
@require_GET
def bulletin(request, pk: int):
    meeting = staff_meeting(request, pk)
    if meeting.state not in selectors.AFTER_CLOSE:
        messages.info(request, "投票截止后才公示选票回执。")
        return redirect("office_decisions:detail", pk=pk)
    lines = selectors.bulletin(actor=request.user, meeting_id=pk)
    matters = {m.pk: m for m in selectors.matters_of(meeting=meeting)}
    page = Paginator(lines, BULLETIN_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "office/decisions/bulletin.html",
        {
            **page_context(request, meeting),
            "page": page,
            "rows": [(matters[line.matter_id], line) for line in page.object_list],
            "total": len(lines),
        },
    )


@office_required
@require_GET
def roll(request, pk: int):
    meeting = staff_meeting(request, pk)
    qs = selectors.roll_for_staff(actor=request.user, meeting_id=pk)
    page = Paginator(qs, ROLL_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(e, format_area(e.area)) for e in page.object_list]
    return render(
        request, "office/decisions/roll.html", {**page_context(request, meeting), "page": page, "rows": rows}
    )


@office_required
@require_GET
def audit_trail(request, pk: int):
    meeting = staff_meeting(request, pk)
    qs = selectors.meeting_audit_entries(meeting=meeting)
    page = Paginator(qs, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "office/decisions/audit.html",
        {
            **page_context(request, meeting),
            "page": page,
            "rows": audit.describe(page.object_list),
            "ballot_entries": selectors.meeting_ballot_entry_count(meeting=meeting),
        },
    )
