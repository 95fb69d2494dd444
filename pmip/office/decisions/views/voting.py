"""During the vote: live turnout (participation only, never a choice) and paper ballots entered twice."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from pmip.core import clock
from pmip.core.errors import DomainError, NotFound
from pmip.decisions import selectors, services
from pmip.decisions.choices import PaperEntryState
from pmip.office.decisions.forms import PaperBallotForm
from pmip.office.decisions.views.base import page_context, require_runner, staff_meeting
from pmip.office.flow import form_error
from pmip.office.views import office_required

PAPER_PER_PAGE = 50
TURNOUT_REFRESH_SECONDS = 30

PAPER_MESSAGES = {
    PaperEntryState.PENDING: (
        messages.SUCCESS,
        "第一次录入已保存：{unit}，议题{order}。请另一名工作人员根据同一张表决票复核录入。",
    ),
    PaperEntryState.CONFIRMED: (messages.SUCCESS, "两次录入一致，{unit}的书面表决票已计入（议题{order}）。"),
    PaperEntryState.MISMATCH: (
        messages.ERROR,
        "两次录入不一致，{unit}的书面表决票未计入（议题{order}）。请核对纸质表决票后重新录入（重新进行两次录入）。",
    ),
    PaperEntryState.NOT_COUNTED: (
        messages.WARNING,
        "{unit}的业主已网络投票，以网络投票为准，这张书面表决票不计入（议题{order}）。",
    ),
}


# --- during the vote: turnout and paper ballots ------------------------------------------------------------------


@office_required
@never_cache
@require_GET
def turnout(request, pk: int):
    """参与情况: participation against the two-thirds marks; the htmx request every 30 s gets the panel only."""
    meeting = staff_meeting(request, pk)
    context = {
        **page_context(request, meeting),
        "rows": [_with_percentages(t) for t in selectors.turnout(actor=request.user, meeting_id=pk)],
        "refresh_seconds": TURNOUT_REFRESH_SECONDS,
        "updated_at": clock.local(clock.now()),
    }
    partial = "#turnout" if request.htmx else ""  # django-htmx: the 30 s refresh swaps the panel only
    return render(request, "office/decisions/turnout.html" + partial, context)


def _percent(part: str | int, whole: str | int) -> int:
    """Bar width for display only (the quorum itself is decided on integers by the domain)."""
    whole_d = Decimal(str(whole))
    if whole_d <= 0:
        return 0
    return min(100, int(Decimal(str(part)) * 100 / whole_d))


def _with_percentages(t) -> dict:
    return {
        **{f.name: getattr(t, f.name) for f in dataclasses.fields(t)},
        "pct_owners": _percent(t.participating_owners, t.total_owners),
        "pct_area": _percent(t.participating_area, t.total_area),
    }


def _paper_forms(meeting, matters, bound=None):
    forms = []
    for matter in matters:
        if bound is not None and bound.matter.pk == matter.pk:
            forms.append(bound)
        else:
            forms.append(PaperBallotForm(matter=matter))
    return forms


def _normalise_unit_label(text: str) -> str:
    """'1栋101' / '1 - 101' / '1-101' → '1-101' (the roll's building-room code)."""
    label = "".join(text.split())
    if "-" not in label and "栋" in label:
        label = label.replace("栋", "-", 1)
    return label


@office_required
@require_http_methods(["GET", "POST"])
def paper_ballots(request, pk: int):
    """书面表决票录入: entered twice by two different staff members; the list never shows an answer."""
    meeting = staff_meeting(request, pk)
    context = page_context(request, meeting)
    matters = selectors.matters_of(meeting=meeting)
    bound = None
    if request.method == "POST":
        require_runner(request, meeting)
        try:
            matter_id = int(request.POST.get("matter", ""))
        except ValueError:
            raise NotFound("未找到该议题。") from None
        matter = next((m for m in matters if m.pk == matter_id), None)
        if matter is None:
            raise NotFound("未找到该议题。")
        bound = PaperBallotForm(request.POST, matter=matter)
        if bound.is_valid():
            label = _normalise_unit_label(bound.cleaned_data["unit"])
            unit_id = selectors.roll_unit_id(meeting=meeting, unit_label=label)
            if unit_id is None:
                bound.add_error("unit", f"投票人名册中没有房屋“{label}”。请按“楼栋-房号”填写，例如 1-101。")
            else:
                try:
                    entry = services.enter_paper_ballot(
                        actor=request.user,
                        matter_id=matter.pk,
                        unit_id=unit_id,
                        choice=bound.answer(),
                        form_number=bound.cleaned_data["form_number"],
                    )
                except services.VotingNotOpen as exc:
                    messages.error(request, exc.message)
                    return redirect("office_decisions:paper", pk=pk)
                except DomainError as exc:  # the meeting and the matter are in scope: a refusal of this entry
                    form_error(bound, exc)
                else:
                    level, text = PAPER_MESSAGES[entry.state]
                    messages.add_message(request, level, text.format(unit=label, order=matter.order))
                    return redirect("office_decisions:paper", pk=pk)
    entries = selectors.paper_entries(meeting=meeting)
    page = Paginator(entries, PAPER_PER_PAGE).get_page(request.GET.get("page"))
    context.update(
        {
            "forms": _paper_forms(meeting, matters, bound) if context["stage"].is_open else [],
            "page": page,
            "counts": selectors.paper_counts(meeting=meeting),
        }
    )
    return render(request, "office/decisions/paper.html", context)
