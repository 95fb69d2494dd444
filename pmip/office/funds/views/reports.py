"""Back office → 季度收支报表: list, opening a quarter, lines, 公布, 更正 (a new version) and the XLSX/PDF
downloads."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pmip.core import clock, display
from pmip.core.errors import NotFound, ValidationFailed
from pmip.funds import reports, selectors, services
from pmip.funds.choices import (
    ReportSection,
    ReportStatus,
)
from pmip.office.flow import act_on_form, form_error, posted, succeeded
from pmip.office.funds.forms import (
    CorrectReportForm,
    ReportLineForm,
    ReportOpenForm,
)
from pmip.office.funds.views.common import (
    ROWS_PER_PAGE,
    _belongs,
    _project,
    _project_context,
    _require_manage,
    confirm_view,
    funds_view,
)
from pmip.registry.models import Project

# --- quarterly reports --------------------------------------------------------------------------------------------


@funds_view
@require_GET
def report_list(request, code: str):
    project = _project(request, code)
    reports_qs = selectors.quarterly_reports(actor=request.user, project=project)
    page = Paginator(reports_qs, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = _project_context(request, project, "reports")
    context["page"] = page
    if context["may"]["manage"]:
        today = clock.today()
        context["form"] = ReportOpenForm(initial={"year": today.year, "quarter": (today.month - 1) // 3 + 1})
    return render(request, "office/funds/reports.html", context)


@funds_view
@require_POST
def report_open(request, code: str):
    project = _project(request, code)
    _require_manage(request, project)
    form = ReportOpenForm(request.POST)
    done = act_on_form(
        request,
        form,
        lambda data: services.open_quarterly_report(
            actor=request.user, project=project, year=data["year"], quarter=data["quarter"]
        ),
        done=lambda report: redirect("office_funds:report", code=project.code, report_id=report.pk),
    )
    if done:
        return done
    context = _project_context(request, project, "reports")
    context.update(
        {
            "page": Paginator(
                selectors.quarterly_reports(actor=request.user, project=project), ROWS_PER_PAGE
            ).get_page(1),
            "form": form,
        }
    )
    return render(request, "office/funds/reports.html", context, status=422)


def _report_data(request, project: Project, report_id: int):
    data = selectors.report_data(actor=request.user, report_id=report_id)
    _belongs(data.report, project, "未找到该报表。")
    return data


def _report_context(request, project: Project, data, *, line_form=None) -> dict:
    context = _project_context(request, project, "reports")
    is_draft = data.report.status == ReportStatus.DRAFT
    sections = [
        {"key": key, "label": label, "lines": data.lines[key], "total": data.totals[key]}
        for key, label in ReportSection.choices
    ]
    context.update(
        {
            "data": data,
            "report": data.report,
            "sections": sections,
            "fund": data.fund,
            "fund_income": [(label, data.fund.income[key]) for key, label in reports.FUND_INCOME],
            "fund_expense": [(label, data.fund.expense[key]) for key, label in reports.FUND_EXPENSE],
            "is_draft": is_draft,
            "versions": selectors.report_versions(actor=request.user, report=data.report),
            "may_correct": data.report.status == ReportStatus.PUBLISHED and context["may"]["manage"],
        }
    )
    if is_draft and context["may"]["manage"]:
        context["line_form"] = line_form or ReportLineForm()
    return context


@funds_view
@require_GET
def report_detail(request, code: str, report_id: int):
    project = _project(request, code)
    data = _report_data(request, project, report_id)
    return render(request, "office/funds/report.html", _report_context(request, project, data))


@funds_view
@require_POST
def report_line_add(request, code: str, report_id: int):
    project = _project(request, code)
    data = _report_data(request, project, report_id)
    _require_manage(request, project)
    form = ReportLineForm(request.POST)
    if form.is_valid():
        try:
            services.add_report_line(actor=request.user, report_id=data.report.pk, **form.cleaned_data)
        except ValidationFailed as exc:
            if data.report.status == ReportStatus.DRAFT:
                form_error(form, exc)
            else:  # the page of a published report has no form to show the error on
                messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"已添加：{form.cleaned_data['item']} {display.format_money(form.cleaned_data['amount'])} 元。",
            )
            return redirect("office_funds:report", code=project.code, report_id=data.report.pk)
    data = _report_data(request, project, report_id)
    return render(
        request,
        "office/funds/report.html",
        _report_context(request, project, data, line_form=form),
        status=422,
    )


@funds_view
@require_POST
def report_line_remove(request, code: str, report_id: int, line_id: int):
    """Remove a line of a DRAFT report (the report is not a ledger: published reports cannot change)."""
    project = _project(request, code)
    data = _report_data(request, project, report_id)
    _require_manage(request, project)
    if not any(line.pk == line_id for lines in data.lines.values() for line in lines):
        raise NotFound("未找到该明细。")
    try:
        services.remove_report_line(actor=request.user, line_id=line_id)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已删除该明细。")
    return redirect("office_funds:report", code=project.code, report_id=data.report.pk)


@funds_view
@require_http_methods(["GET", "POST"])
def report_publish(request, code: str, report_id: int):
    project = _project(request, code)
    data = _report_data(request, project, report_id)
    _require_manage(request, project)

    def context() -> dict:
        page = _report_context(request, project, data)
        page.pop("line_form", None)
        return page

    return confirm_view(
        request,
        act=lambda: services.publish_quarterly_report(actor=request.user, report_id=data.report.pk),
        done=lambda _: succeeded(
            request,
            f"{data.report}收支报表已公布，本小区业主现在可以查看。",
            "office_funds:report",
            code=project.code,
            report_id=data.report.pk,
        ),
        template="office/funds/report_publish.html",
        context=context,
    )


@funds_view
@require_GET
def report_download(request, code: str, report_id: int, fmt: str):
    project = _project(request, code)
    data = _report_data(request, project, report_id)
    if fmt == "xlsx":
        body = reports.quarterly_report_xlsx(data)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "pdf":
        body = reports.quarterly_report_pdf(data)
        content_type = "application/pdf"
    else:  # pragma: no cover - the URL pattern allows only these two
        raise NotFound()
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{reports.filename(data, fmt)}"'
    return response


@funds_view
@require_http_methods(["GET", "POST"])
def report_correct(request, code: str, report_id: int):
    """更正 a published report: a new draft version (copy of the lines) with the required note; the published one
    stays current until the correction is published, then it is marked 已被更正."""
    project = _project(request, code)
    data = _report_data(request, project, report_id)
    _require_manage(request, project)
    form = CorrectReportForm(posted(request))
    done = act_on_form(
        request,
        form,
        lambda cleaned: services.correct_quarterly_report(
            actor=request.user, report_id=data.report.pk, note=cleaned["note"]
        ),
        done=lambda correction: succeeded(
            request,
            f"已创建更正版本（第{correction.version}版）：请修改明细后公布；公布后原报表标为“已被更正”。",
            "office_funds:report",
            code=project.code,
            report_id=correction.pk,
        ),
    )
    if done:
        return done
    context = _report_context(request, project, data)
    context.pop("line_form", None)
    context["form"] = form
    return render(request, "office/funds/report_correct.html", context)
