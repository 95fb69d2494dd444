"""Back office → 业主决策: conveners (owners' committee of the project, subdistrict office, city) run owners' meetings;
district housing bureaus read them.

Views validate input, call a selector or a service of `pmip.decisions`, and render. A meeting outside the user's
scope is 404 for GET and POST alike (`office_required` turns NotFound into the 404 page); a reader who may not run a
meeting (district bureau) sees no buttons, and the services refuse the writes (NotFound → 404).

Secrecy: before the close these pages show participation only (who took part, how much area, how many more are
needed) — never a choice. Paper-ballot entries are listed without their answers, so the second clerk enters the
form independently. The per-matter export (which shows how each unit voted) is offered after the close only.
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pmip.core import clock
from pmip.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from pmip.decisions import export as export_mod
from pmip.decisions import notices as decision_notices
from pmip.decisions import selectors, services
from pmip.decisions.choices import MeetingState, PaperEntryState, PublicityKind
from pmip.decisions.rules import (
    convener_project_q,
    may_claim_convener_kind,
    meeting_notice_deadline,
    settings_used,
)
from pmip.decisions.tally import format_area
from pmip.office.decisions import audit
from pmip.office.decisions.forms import (
    CancelForm,
    ConfirmForm,
    MatterForm,
    MeetingFilterForm,
    MeetingForm,
    PaperBallotForm,
    PublicityFileForm,
)
from pmip.office.flow import act_on_form, form_error, posted, succeeded
from pmip.office.views import office_required
from pmip.registry.models import Building, Project

MEETINGS_PER_PAGE = 20
PAPER_PER_PAGE = 50
ROLL_PER_PAGE = 100
BULLETIN_PER_PAGE = 100
AUDIT_PER_PAGE = 50
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


# --- helpers ---------------------------------------------------------------------------------------------------


def _meeting(request, pk: int):
    return selectors.get_meeting_for_staff(actor=request.user, meeting_id=pk)


def _convener_projects(actor):
    q = convener_project_q(actor)
    if q is None:
        return Project.objects.none()
    return Project.objects.filter(q).order_by("code")


def _stage(meeting) -> dict:
    """What the convener may do next, with the reason when not yet."""
    now = clock.now()
    deadline = meeting_notice_deadline(meeting)
    return {
        "now": now,
        "notice_deadline": deadline,
        "notice_in_time": now <= deadline,
        "start_reached": now >= meeting.voting_starts_at,
        "end_reached": now >= meeting.voting_ends_at,
        "is_draft": meeting.state == MeetingState.DRAFT,
        "is_noticed": meeting.state == MeetingState.NOTICED,
        "is_open": meeting.state == MeetingState.OPEN,
        "is_closed": meeting.state == MeetingState.CLOSED,
        "is_published": meeting.state == MeetingState.PUBLISHED,
        "is_cancelled": meeting.state == MeetingState.CANCELLED,
        "after_open": meeting.state in selectors.VOTING_STARTED,
        "after_close": meeting.state in selectors.AFTER_CLOSE,
        "may_cancel": meeting.state in (MeetingState.DRAFT, MeetingState.NOTICED, MeetingState.OPEN),
        "results_due_by": selectors.results_due(meeting),
    }


def _base_context(request, meeting) -> dict:
    return {
        "meeting": meeting,
        "may_run": selectors.may_run_meeting(actor=request.user, meeting=meeting),
        "stage": _stage(meeting),
    }


def _require_runner(request, meeting) -> None:
    if not selectors.may_run_meeting(actor=request.user, meeting=meeting):
        raise NotFound("未找到该会议，或不在您的管辖范围内。")


# --- list, create, edit ------------------------------------------------------------------------------------------


@office_required
@require_GET
def meeting_list(request):
    form = MeetingFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    qs = selectors.meetings_for_staff(actor=request.user, state=state).annotate(matter_count=Count("matters"))
    page = Paginator(qs, MEETINGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "office/decisions/list.html",
        {
            "form": form,
            "page": page,
            "state": state,
            "may_create": _convener_projects(request.user).exists(),
        },
    )


@office_required
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    projects = list(_convener_projects(request.user).only("pk", "code", "name"))
    if not projects:
        return render(request, "office/decisions/no_convener.html", status=403)
    kinds = [k for k in ("committee", "preparatory", "reelection", "subdistrict") if _may_claim(request, k)]
    form = MeetingForm(
        posted(request),
        projects=projects,
        convener_kinds=kinds,
        initial={} if request.method == "POST" else MeetingForm.default_times(),
    )
    if request.method == "POST" and form.is_valid():
        code = str(form.cleaned_data["project"]).strip()
        project = next((p for p in projects if p.code == code), None)
        if project is None:
            form.add_error("project", "未找到该物业项目，或不在您的管辖范围内。")
        else:
            try:
                meeting = services.create_meeting(
                    actor=request.user,
                    project_id=project.pk,
                    convener_kind=form.cleaned_data["convener_kind"],
                    **form.meeting_values(),
                )
            except (ValidationFailed, PermissionDenied) as exc:
                form_error(form, exc)
            else:
                messages.success(request, "会议已创建（草稿）。请添加表决事项并上传会议通知文件。")
                return redirect("office_decisions:detail", pk=meeting.pk)
    return render(request, "office/decisions/meeting_form.html", {"form": form, "creating": True})


def _may_claim(request, kind: str) -> bool:
    return may_claim_convener_kind(request.user, convener_kind=kind)


@office_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    meeting = _meeting(request, pk)
    _require_runner(request, meeting)
    if meeting.state != MeetingState.DRAFT:
        messages.error(request, "会议通知已公告，会议内容和规则不能再修改。")
        return redirect("office_decisions:detail", pk=pk)
    form = MeetingForm(
        posted(request), creating=False, rehearsal=meeting.rehearsal, initial=MeetingForm.initial_for(meeting)
    )
    done = act_on_form(
        request,
        form,
        lambda _: services.update_meeting(actor=request.user, meeting_id=pk, changes=form.meeting_values()),
        done=lambda _: succeeded(request, "会议信息已保存。", "office_decisions:detail", pk=pk),
    )
    if done:
        return done
    return render(
        request,
        "office/decisions/meeting_form.html",
        {"form": form, "creating": False, **_base_context(request, meeting)},
    )


# --- detail ------------------------------------------------------------------------------------------------------


@office_required
@never_cache
@require_GET
def meeting_detail(request, pk: int):
    meeting = _meeting(request, pk)
    context = _base_context(request, meeting)
    files = selectors.publicity_files(actor=request.user, meeting_id=pk)
    context.update(
        {
            "matters": selectors.matters_of(meeting=meeting),
            "matters_editable": context["may_run"] and meeting.state == MeetingState.DRAFT,
            "files": files,
            "has_notice_file": any(f.kind == PublicityKind.MEETING_NOTICE for f in files),
            "settings_used": settings_used(meeting),
            "binding": selectors.binding_summary(actor=request.user, meeting_id=pk),
        }
    )
    context["notices"] = decision_notices.meeting_notices(meeting)
    return render(request, "office/decisions/detail.html", context)


# --- matters -----------------------------------------------------------------------------------------------------


def _buildings(meeting):
    return list(Building.objects.filter(project_id=meeting.project_id).order_by("number"))


@office_required
@require_http_methods(["GET", "POST"])
def matter_add(request, pk: int):
    meeting = _meeting(request, pk)
    _require_runner(request, meeting)
    if meeting.state != MeetingState.DRAFT:
        messages.error(request, "会议通知已公告，不能再增加议题（未列入通知的事项不得表决）。")
        return redirect("office_decisions:detail", pk=pk)
    form = MatterForm(posted(request), buildings=_buildings(meeting))
    done = act_on_form(
        request,
        form,
        lambda _: services.add_matter(actor=request.user, meeting_id=pk, **form.matter_values()),
        field_map=MatterForm.FIELD_MAP,
        done=lambda matter: succeeded(
            request,
            f"已添加议题{matter.order}：{matter.title}（{matter.get_matter_class_display()}）。",
            "office_decisions:detail",
            pk=pk,
        ),
    )
    if done:
        return done
    return render(
        request,
        "office/decisions/matter_form.html",
        {"form": form, "matter": None, **_base_context(request, meeting)},
    )


def _matter_of(meeting, matter_id: int):
    matter = next((m for m in selectors.matters_of(meeting=meeting) if m.pk == matter_id), None)
    if matter is None:
        raise NotFound("未找到该议题。")
    return matter


@office_required
@require_http_methods(["GET", "POST"])
def matter_edit(request, pk: int, matter_id: int):
    meeting = _meeting(request, pk)
    _require_runner(request, meeting)
    matter = _matter_of(meeting, matter_id)
    if meeting.state != MeetingState.DRAFT:
        messages.error(request, "会议通知已公告，议题不能再修改。")
        return redirect("office_decisions:detail", pk=pk)
    form = MatterForm(posted(request), buildings=_buildings(meeting), initial=MatterForm.initial_for(matter))
    done = act_on_form(
        request,
        form,
        lambda _: services.update_matter(actor=request.user, matter_id=matter.pk, **form.matter_values()),
        field_map=MatterForm.FIELD_MAP,
        done=lambda _: succeeded(request, f"议题{matter.order}已保存。", "office_decisions:detail", pk=pk),
    )
    if done:
        return done
    return render(
        request,
        "office/decisions/matter_form.html",
        {"form": form, "matter": matter, **_base_context(request, meeting)},
    )


@office_required
@require_POST
def matter_remove(request, pk: int, matter_id: int):
    meeting = _meeting(request, pk)
    matter = _matter_of(meeting, matter_id)
    try:
        services.remove_matter(actor=request.user, matter_id=matter.pk)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已删除议题：{matter.title}。其余议题已重新编号。")
    return redirect("office_decisions:detail", pk=pk)


# --- publicity files ---------------------------------------------------------------------------------------------


@office_required
@require_http_methods(["GET", "POST"])
def file_upload(request, pk: int):
    meeting = _meeting(request, pk)
    _require_runner(request, meeting)
    form = PublicityFileForm(posted(request), request.FILES if request.method == "POST" else None)
    done = act_on_form(
        request,
        form,
        lambda data: services.upload_publicity_file(
            actor=request.user, meeting_id=pk, kind=data["kind"], title=data["title"], upload=data["upload"]
        ),
        done=lambda f: succeeded(
            request, f"已上传{f.get_kind_display()}：{f.title}。", "office_decisions:detail", pk=pk
        ),
    )
    if done:
        return done
    return render(
        request,
        "office/decisions/file_form.html",
        {
            "form": form,
            "max_mb": services.file_max_bytes() // (1024 * 1024),
            **_base_context(request, meeting),
        },
    )


@office_required
@require_GET
def file_download(request, file_id: int):
    f, handle = selectors.open_publicity_file(actor=request.user, file_id=file_id)
    try:  # staff pages only: an owner reads files through the owner pages
        selectors.get_meeting_for_staff(actor=request.user, meeting_id=f.meeting_id)
    except NotFound:
        if handle is not None:
            handle.close()
        raise
    if handle is None:
        raise NotFound("未找到该文件。")
    response = FileResponse(
        handle,  # FileResponse closes it
        content_type=f.content_type,
        filename=f.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- transitions (each a deliberate, confirmed step) ---------------------------------------------------------


def _transition(request, pk: int, *, template: str, label: str, action, success: str, extra=None):
    meeting = _meeting(request, pk)
    _require_runner(request, meeting)
    form = ConfirmForm(posted(request), label=label)
    done = act_on_form(
        request,
        form,
        lambda _: action(actor=request.user, meeting_id=pk),
        refusals=(DomainError,),
        on_refusal=lambda _: meeting.refresh_from_db(),
        done=lambda _: succeeded(request, success, "office_decisions:detail", pk=pk),
    )
    if done:
        return done
    context = {"form": form, **_base_context(request, meeting), **(extra(meeting) if extra else {})}
    return render(request, template, context)


@office_required
@require_http_methods(["GET", "POST"])
def publish_notice(request, pk: int):
    return _transition(
        request,
        pk,
        template="office/decisions/confirm_notice.html",
        label="我已核对会议信息、表决事项和会议通知文件。发布后议题、投票时间和议事规则都不能再修改。",
        action=services.publish_notice,
        success="会议通知已发布，业主现在可以在平台上查看会议通知和公示文件。",
        extra=lambda m: {
            "matters": selectors.matters_of(meeting=m),
            "files": list(m.files.order_by("kind", "uploaded_at", "pk")),
        },
    )


@office_required
@require_http_methods(["GET", "POST"])
def open_voting(request, pk: int):
    return _transition(
        request,
        pk,
        template="office/decisions/confirm_open.html",
        label="开始投票：冻结投票人名册并开放网络投票。",
        action=services.open_voting,
        success="投票已开始，投票人名册已冻结。",
    )


@office_required
@require_http_methods(["GET", "POST"])
def close_voting(request, pk: int):
    return _transition(
        request,
        pk,
        template="office/decisions/confirm_close.html",
        label="截止投票：此后不再接受任何选票（网络或书面）。",
        action=services.close_voting,
        success="投票已截止，系统已按选票重新计票核对。",
    )


@office_required
@require_http_methods(["GET", "POST"])
def publish_results(request, pk: int):
    meeting = _meeting(request, pk)
    if meeting.state not in selectors.AFTER_CLOSE:
        messages.info(request, "投票截止后才能公布结果。")
        return redirect("office_decisions:detail", pk=pk)
    return _transition(
        request,
        pk,
        template="office/decisions/confirm_publish.html",
        label="我已核对计票结果，确认向全体业主公布。公布后不能撤回。",
        action=services.publish_results,
        success="表决结果已公布，本小区业主现在可以查看计票结果。",
        extra=lambda m: {"sheet": selectors.tally_sheet(actor=request.user, meeting_id=m.pk)},
    )


@office_required
@require_http_methods(["GET", "POST"])
def cancel_meeting(request, pk: int):
    meeting = _meeting(request, pk)
    _require_runner(request, meeting)
    form = CancelForm(posted(request))
    done = act_on_form(
        request,
        form,
        lambda data: services.cancel_meeting(actor=request.user, meeting_id=pk, reason=data["reason"]),
        done=lambda _: succeeded(request, "会议已取消。", "office_decisions:detail", pk=pk),
    )
    if done:
        return done
    return render(
        request, "office/decisions/confirm_cancel.html", {"form": form, **_base_context(request, meeting)}
    )


# --- during the vote: turnout and paper ballots ------------------------------------------------------------------


@office_required
@never_cache
@require_GET
def turnout(request, pk: int):
    """参与情况: participation against the two-thirds marks; the htmx request every 30 s gets the panel only."""
    meeting = _meeting(request, pk)
    context = {
        **_base_context(request, meeting),
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
    meeting = _meeting(request, pk)
    context = _base_context(request, meeting)
    matters = selectors.matters_of(meeting=meeting)
    bound = None
    if request.method == "POST":
        _require_runner(request, meeting)
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
            "forms": _paper_forms(meeting, matters, bound) if context["stage"]["is_open"] else [],
            "page": page,
            "counts": selectors.paper_counts(meeting=meeting),
        }
    )
    return render(request, "office/decisions/paper.html", context)


# --- after the close: results, export, bulletin, roll ------------------------------------------------------------


@office_required
@never_cache
@require_GET
def results(request, pk: int):
    meeting = _meeting(request, pk)
    if meeting.state not in selectors.AFTER_CLOSE:
        messages.info(request, "投票截止后才能查看计票结果。")
        return redirect("office_decisions:detail", pk=pk)
    context = {
        **_base_context(request, meeting),
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
    meeting = _meeting(request, pk)
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
            **_base_context(request, meeting),
            "page": page,
            "rows": [(matters[line.matter_id], line) for line in page.object_list],
            "total": len(lines),
        },
    )


@office_required
@require_GET
def roll(request, pk: int):
    meeting = _meeting(request, pk)
    qs = selectors.roll_for_staff(actor=request.user, meeting_id=pk)
    page = Paginator(qs, ROLL_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(e, format_area(e.area)) for e in page.object_list]
    return render(
        request, "office/decisions/roll.html", {**_base_context(request, meeting), "page": page, "rows": rows}
    )


@office_required
@require_GET
def audit_trail(request, pk: int):
    meeting = _meeting(request, pk)
    qs = selectors.meeting_audit_entries(meeting=meeting)
    page = Paginator(qs, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "office/decisions/audit.html",
        {
            **_base_context(request, meeting),
            "page": page,
            "rows": audit.describe(page.object_list),
            "ballot_entries": selectors.meeting_ballot_entry_count(meeting=meeting),
        },
    )
