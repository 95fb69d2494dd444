"""The city enters a year's official holiday calendar (工作日历) from the State Council notice.

Reads and counting live in `pmip.core.workdays`; this is the one write. Only a city-level back-office role that
may edit enters or corrects a year. A correction is a new version: the audit entry keeps the whole previous list.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import transaction

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import PermissionDenied, ValidationFailed
from pmip.core.models import CalendarDay, CalendarYear
from pmip.identity.scopes import is_city, roles_of

MAX_LINES = 120
MAX_TEXT = 6000
MAX_RANGE_DAYS = 15
_LINE = re.compile(
    r"^(?P<start>\d{4}-\d{1,2}-\d{1,2})(?:\s*(?:\.\.|~|至|－|—)\s*(?P<end>\d{4}-\d{1,2}-\d{1,2}))?(?:\s+(?P<name>\S.{0,28}))?$"
)


@dataclass(frozen=True)
class ParsedDay:
    date: dt.date
    name: str


def _date(text: str, *, field: str, line_no: int) -> dt.date:
    try:
        return dt.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError as exc:
        raise ValidationFailed(f"第{line_no}行的日期“{text}”无效。", field=field) from exc


def parse_days(text: str, *, year: int, field: str) -> list[ParsedDay]:
    """One date or range a line: `2027-10-01..2027-10-07 国庆节` or `2027-09-26`. Bounded input."""
    text = (text or "").replace("\r\n", "\n")
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"内容不能超过{MAX_TEXT}个字符。", field=field)
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"不能超过{MAX_LINES}行。", field=field)
    days: list[ParsedDay] = []
    for no, line in enumerate(lines, start=1):
        m = _LINE.fullmatch(line)
        if m is None:
            raise ValidationFailed(
                f"第{no}行格式不对，应为“2027-10-01..2027-10-07 国庆节”或“2027-09-26”。", field=field
            )
        start = _date(m["start"], field=field, line_no=no)
        end = _date(m["end"], field=field, line_no=no) if m["end"] else start
        if end < start or (end - start).days >= MAX_RANGE_DAYS:
            raise ValidationFailed(f"第{no}行的日期区间无效（最长{MAX_RANGE_DAYS}天）。", field=field)
        if start.year != year or end.year != year:
            raise ValidationFailed(f"第{no}行的日期不在{year}年内。", field=field)
        name = (m["name"] or "").strip()
        day = start
        while day <= end:
            days.append(ParsedDay(day, name))
            day += dt.timedelta(days=1)
    return days


def may_edit_calendar(actor) -> bool:
    return is_city(actor) and any(r.can_edit for r in roles_of(actor))


def enter_calendar_year(
    *, actor, year: int, notice: str, holidays_text: str, workdays_text: str
) -> CalendarYear:
    """Enter (or correct, as a new version) the official calendar of `year`.

    Holidays must not fall on a 调休 working day; a 调休 working day must be a Saturday or Sunday (that is what 调休
    means); at least one holiday must be listed.
    """
    if not may_edit_calendar(actor):
        raise PermissionDenied("只有市级管理人员可以录入节假日安排。")
    notice, holidays, workdays = _checked_year(
        year=year, notice=notice, holidays_text=holidays_text, workdays_text=workdays_text
    )
    with transaction.atomic():
        calendar = CalendarYear.objects.select_for_update().filter(year=year).first()
        before = None
        if calendar is None:
            calendar = CalendarYear.objects.create(year=year, notice=notice, updated_at=clock.now())
        else:
            before = {
                "version": calendar.version,
                "notice": calendar.notice,
                "days": [
                    [d.isoformat(), kind, name]
                    for d, kind, name in calendar.days.values_list("date", "kind", "name")
                ],
            }
            calendar.days.all().delete()
            calendar.version += 1
            calendar.notice = notice
            calendar.updated_at = clock.now()
            calendar.save()
        CalendarDay.objects.bulk_create(
            [
                CalendarDay(calendar=calendar, date=d.date, kind=CalendarDay.Kind.HOLIDAY, name=d.name)
                for d in holidays
            ]
            + [
                CalendarDay(calendar=calendar, date=d.date, kind=CalendarDay.Kind.WORKDAY, name=d.name)
                for d in workdays
            ]
        )
        record(
            actor=actor,
            action="core.calendar.corrected" if before else "core.calendar.entered",
            obj=calendar,
            data={
                "year": year,
                "version": calendar.version,
                "holidays": len(holidays),
                "workdays": len(workdays),
                "before": before,
            },
        )
    return calendar


def _checked_year(*, year: int, notice: str, holidays_text: str, workdays_text: str):
    """enter_calendar_year's checks: (notice, holidays, workdays) or ValidationFailed naming the field."""
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationFailed("年份应在2000至2100之间。", field="year")
    notice = (notice or "").strip()
    if not notice or len(notice) > 200:
        raise ValidationFailed("请填写通知文号或标题（200字以内）。", field="notice")
    holidays = parse_days(holidays_text, year=year, field="holidays")
    workdays = parse_days(workdays_text, year=year, field="workdays")
    if not holidays:
        raise ValidationFailed("请至少录入一个放假日期。", field="holidays")
    holiday_dates = {d.date for d in holidays}
    for d in workdays:
        if d.date in holiday_dates:
            raise ValidationFailed(f"{d.date} 不能既放假又调休上班。", field="workdays")
        if d.date.weekday() < 5:
            raise ValidationFailed(f"{d.date} 是工作日，不需要录入为调休上班日。", field="workdays")
    return notice, holidays, workdays
