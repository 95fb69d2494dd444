"""A meeting's matters (议题): add, edit and remove them while the meeting is a draft."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from pmip.core.errors import NotFound, ValidationFailed
from pmip.decisions import selectors, services
from pmip.decisions.choices import MeetingState
from pmip.office.decisions.forms import MatterForm
from pmip.office.decisions.views.base import page_context, require_runner, staff_meeting
from pmip.office.flow import act_on_form, posted, succeeded
from pmip.office.views import office_required


@office_required
@require_http_methods(["GET", "POST"])
def matter_add(request, pk: int):
    meeting = staff_meeting(request, pk)
    require_runner(request, meeting)
    if meeting.state != MeetingState.DRAFT:
        messages.error(request, "会议通知已公告，不能再增加议题（未列入通知的事项不得表决）。")
        return redirect("office_decisions:detail", pk=pk)
    form = MatterForm(posted(request), buildings=selectors.project_buildings(meeting=meeting))
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
        {"form": form, "matter": None, **page_context(request, meeting)},
    )


def _matter_of(meeting, matter_id: int):
    matter = next((m for m in selectors.matters_of(meeting=meeting) if m.pk == matter_id), None)
    if matter is None:
        raise NotFound("未找到该议题。")
    return matter


@office_required
@require_http_methods(["GET", "POST"])
def matter_edit(request, pk: int, matter_id: int):
    meeting = staff_meeting(request, pk)
    require_runner(request, meeting)
    matter = _matter_of(meeting, matter_id)
    if meeting.state != MeetingState.DRAFT:
        messages.error(request, "会议通知已公告，议题不能再修改。")
        return redirect("office_decisions:detail", pk=pk)
    form = MatterForm(
        posted(request),
        buildings=selectors.project_buildings(meeting=meeting),
        initial=MatterForm.initial_for(matter),
    )
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
        {"form": form, "matter": matter, **page_context(request, meeting)},
    )


@office_required
@require_POST
def matter_remove(request, pk: int, matter_id: int):
    meeting = staff_meeting(request, pk)
    matter = _matter_of(meeting, matter_id)
    try:
        services.remove_matter(actor=request.user, matter_id=matter.pk)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已删除议题：{matter.title}。其余议题已重新编号。")
    return redirect("office_decisions:detail", pk=pk)
