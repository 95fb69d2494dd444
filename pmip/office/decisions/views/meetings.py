"""Meetings: the list, creating and editing one, its detail page, and its publicity files."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.decisions import notices as decision_notices
from pmip.decisions import selectors, services
from pmip.decisions.choices import MeetingState, PublicityKind
from pmip.decisions.rules import settings_used
from pmip.office.decisions.forms import MeetingFilterForm, MeetingForm, PublicityFileForm
from pmip.office.decisions.views.base import page_context, require_runner, staff_meeting
from pmip.office.flow import act_on_form, form_error, posted, succeeded
from pmip.office.views import office_required

MEETINGS_PER_PAGE = 20


# --- list, create, edit ------------------------------------------------------------------------------------------


@office_required
@require_GET
def meeting_list(request):
    form = MeetingFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    qs = selectors.meetings_for_staff(actor=request.user, state=state, with_matter_count=True)
    page = Paginator(qs, MEETINGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "office/decisions/list.html",
        {
            "form": form,
            "page": page,
            "state": state,
            "may_create": selectors.convener_projects(actor=request.user).exists(),
        },
    )


@office_required
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    projects = list(selectors.convener_projects(actor=request.user).only("pk", "code", "name"))
    if not projects:
        return render(request, "office/decisions/no_convener.html", status=403)
    kinds = selectors.claimable_convener_kinds(actor=request.user)
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


@office_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    meeting = staff_meeting(request, pk)
    require_runner(request, meeting)
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
        {"form": form, "creating": False, **page_context(request, meeting)},
    )


# --- detail ------------------------------------------------------------------------------------------------------


@office_required
@never_cache
@require_GET
def meeting_detail(request, pk: int):
    meeting = staff_meeting(request, pk)
    context = page_context(request, meeting)
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


# --- publicity files ---------------------------------------------------------------------------------------------


@office_required
@require_http_methods(["GET", "POST"])
def file_upload(request, pk: int):
    meeting = staff_meeting(request, pk)
    require_runner(request, meeting)
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
            **page_context(request, meeting),
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
