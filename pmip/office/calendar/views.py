"""Back office: 工作日历 — the official holiday calendar per year (package years shown, city entries editable)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render

from pmip.core import clock, workdays
from pmip.core.errors import DomainError
from pmip.core.models import CalendarYear
from pmip.office.views import office_required
from pmip.registry.calendar import enter_calendar_year, may_edit_calendar


class CalendarYearForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=2000, max_value=2100)
    notice = forms.CharField(label="通知文号或标题", max_length=200, help_text="如：国办发明电〔2026〕7号")
    holidays = forms.CharField(
        label="放假日期",
        max_length=6000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="每行一个日期或区间，可加节日名称，如：2027-10-01..2027-10-07 国庆节",
    )
    workdays = forms.CharField(
        label="调休上班日期",
        max_length=6000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行一个周六或周日，如：2027-09-26",
    )


@office_required
def calendar_index(request):
    first, last = workdays.known_package_years()
    years = list(CalendarYear.objects.all())
    today = clock.today()
    try:
        workdays.is_working_day(dt.date(today.year + 1, 1, 2))
        next_year_known = True
    except workdays.UnknownCalendarYear:
        next_year_known = False
    return render(
        request,
        "office/calendar/index.html",
        {
            "package_first": first,
            "package_last": last,
            "years": years,
            "may_edit": may_edit_calendar(request.user),
            "next_year": today.year + 1,
            "next_year_known": next_year_known,
        },
    )


@office_required
def calendar_year(request, year: int):
    calendar = CalendarYear.objects.filter(year=year).first()
    if calendar is None:
        return render(request, "office/not_found.html", {"message": "该年份尚未录入。"}, status=404)
    return render(
        request, "office/calendar/year.html", {"calendar": calendar, "days": list(calendar.days.all())}
    )


def _lines(calendar: CalendarYear, kind: str) -> str:
    return "\n".join(f"{d.date.isoformat()} {d.name}".strip() for d in calendar.days.all() if d.kind == kind)


@office_required
def calendar_edit(request):
    if not may_edit_calendar(request.user):
        return render(request, "office/forbidden.html", status=403)
    if request.method == "POST":
        form = CalendarYearForm(request.POST)
        if form.is_valid():
            try:
                calendar = enter_calendar_year(
                    actor=request.user,
                    year=form.cleaned_data["year"],
                    notice=form.cleaned_data["notice"],
                    holidays_text=form.cleaned_data["holidays"],
                    workdays_text=form.cleaned_data["workdays"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"已保存{calendar.year}年节假日安排（第{calendar.version}版）。")
                return redirect("office_calendar:year", year=calendar.year)
    else:
        initial = {}
        raw_year = request.GET.get("year", "")
        if raw_year.isdigit() and len(raw_year) == 4:
            existing = CalendarYear.objects.filter(year=int(raw_year)).first()
            initial["year"] = int(raw_year)
            if existing:
                from pmip.core.models import CalendarDay

                initial.update(
                    notice=existing.notice,
                    holidays=_lines(existing, CalendarDay.Kind.HOLIDAY),
                    workdays=_lines(existing, CalendarDay.Kind.WORKDAY),
                )
        form = CalendarYearForm(initial=initial)
    return render(request, "office/calendar/edit.html", {"form": form})
