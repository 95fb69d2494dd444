"""A meeting's steps, each deliberate and confirmed: publish the notice, open and close the voting, publish the
results, cancel."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from pmip.core.errors import DomainError
from pmip.decisions import selectors, services
from pmip.office.decisions.forms import CancelForm, ConfirmForm
from pmip.office.decisions.views.base import page_context, require_runner, staff_meeting
from pmip.office.flow import act_on_form, posted, succeeded
from pmip.office.views import office_required


def _transition(request, pk: int, *, template: str, label: str, action, success: str, extra=None):
    meeting = staff_meeting(request, pk)
    require_runner(request, meeting)
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
    context = {"form": form, **page_context(request, meeting), **(extra(meeting) if extra else {})}
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
            "files": selectors.publicity_files(actor=request.user, meeting_id=m.pk),
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
    meeting = staff_meeting(request, pk)
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
    meeting = staff_meeting(request, pk)
    require_runner(request, meeting)
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
        request, "office/decisions/confirm_cancel.html", {"form": form, **page_context(request, meeting)}
    )
