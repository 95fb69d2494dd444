"""THE working-day calendar (工作日) of the People's Republic of China.

Every "N 个工作日" in the platform (tender publicity periods, enquiry reply deadlines, …) is counted here and only
here. The calendar is the official one: weekends, 法定节假日 and the 调休 days (Saturdays or Sundays the State
Council makes working days). Two sources, in this order:

1. a year the city entered in the back office (`core.CalendarYear` with its `CalendarDay` rows) from the State
   Council notice (国务院办公厅关于某年部分节假日安排的通知) — for a year the package does not know yet, or to
   correct it;
2. the `chinesecalendar` package (imported as `chinese_calendar`, pinned in pyproject.toml), which tracks the
   published years and raises NotImplementedError outside them.

A date in a year that neither knows raises `UnknownCalendarYear` (a DomainError with a plain message): never a
silent Monday-to-Friday guess.

Periods (民法典 Arts. 201, 203): a period counts from the day after the event; a period whose last day is a rest day
(法定节假日 or weekend) ends on the next working day.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar

from pmip.core.errors import DomainError

MAX_DAYS = 3660  # any period the platform counts is far shorter; a bound for every loop below
_ONE_DAY = dt.timedelta(days=1)


class UnknownCalendarYear(DomainError):
    code = "calendar_unknown"
    status = 422

    def __init__(self, year: int):
        super().__init__(
            f"尚未掌握{year}年的法定节假日安排，无法计算工作日。"
            f"请市住房和建设局在管理后台“工作日历”中录入国务院办公厅发布的{year}年节假日安排通知。"
        )
        self.year = year


class _Calendar:
    """The working-day answers for one computation: each year's city entry is read once per call."""

    def __init__(self) -> None:
        self._years: dict[int, dict[dt.date, bool] | None] = {}

    def _city_year(self, year: int) -> dict[dt.date, bool] | None:
        if year not in self._years:
            from pmip.core.models import CalendarDay, CalendarYear

            if CalendarYear.objects.filter(year=year).exists():
                self._years[year] = {
                    d: kind == CalendarDay.Kind.WORKDAY
                    for d, kind in CalendarDay.objects.filter(calendar__year=year).values_list("date", "kind")
                }
            else:
                self._years[year] = None
        return self._years[year]

    def is_working_day(self, day: dt.date) -> bool:
        if isinstance(day, dt.datetime):
            raise TypeError("a date, not a datetime: convert to Shanghai local date first")
        city = self._city_year(day.year)
        if city is not None:
            if day in city:
                return city[day]
            return day.weekday() < 5
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError as exc:
            raise UnknownCalendarYear(day.year) from exc

    def holiday_name(self, day: dt.date) -> str:
        city = self._city_year(day.year)
        if city is not None:
            from pmip.core.models import CalendarDay

            row = CalendarDay.objects.filter(date=day).values_list("name", flat=True).first()
            return row or ""
        try:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError as exc:
            raise UnknownCalendarYear(day.year) from exc
        return _HOLIDAY_NAMES.get(name, "") if name else ""


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _check_count(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError("a whole number of days")
    if n < 0 or n > MAX_DAYS:
        raise ValueError(f"天数应在0至{MAX_DAYS}之间。")


def is_working_day(day: dt.date) -> bool:
    """True on an official working day (a 调休 Saturday included); False on weekends and 法定节假日."""
    return _Calendar().is_working_day(day)


def holiday_name(day: dt.date) -> str:
    """The holiday's Chinese name when `day` falls in one (元旦, 春节, 国庆节…), else ""."""
    return _Calendar().holiday_name(day)


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself when it is a working day, else the first working day after it."""
    cal = _Calendar()
    for _ in range(MAX_DAYS):
        if cal.is_working_day(day):
            return day
        day += _ONE_DAY
    raise ValueError("no working day within the bound")  # pragma: no cover - a calendar with no working day


def add_working_days(event: dt.date, n: int) -> dt.date:
    """The last day of a period of `n` working days counted from the day after `event`.

    `add_working_days(d, 0)` is `d`. A period of 5 working days after an announcement published on Friday
    2026-09-25 ends on … the fifth working day after it, skipping the 国庆 holiday and counting the 调休 Sunday.
    """
    _check_count(n)
    cal = _Calendar()
    day = event
    counted = 0
    for _ in range(MAX_DAYS * 3):
        if counted == n:
            return day
        day += _ONE_DAY
        if cal.is_working_day(day):
            counted += 1
    raise ValueError("period too long")  # pragma: no cover


def count_working_days(start: dt.date, end: dt.date) -> int:
    """How many working days fall after `start` up to and including `end` (0 when end <= start).

    `count_working_days(d, add_working_days(d, n)) == n` for every n.
    """
    if end <= start:
        return 0
    if (end - start).days > MAX_DAYS:
        raise ValueError(f"日期跨度不能超过{MAX_DAYS}天。")
    cal = _Calendar()
    day = start
    counted = 0
    while day < end:
        day += _ONE_DAY
        if cal.is_working_day(day):
            counted += 1
    return counted


def period_end(event: dt.date, days: int) -> dt.date:
    """The last day of a period of `days` calendar days counted from the day after `event`; when that day is a
    rest day (weekend or 法定节假日), the period ends on the next working day (民法典 Art. 203)."""
    _check_count(days)
    return next_working_day(event + dt.timedelta(days=days))


def known_package_years() -> tuple[int, int]:
    """The first and last year the installed `chinesecalendar` package knows."""
    years = sorted({d.year for d in chinese_calendar.holidays})
    return years[0], years[-1]
