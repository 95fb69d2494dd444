"""The working-day calendar: the official PRC calendar (法定节假日 and 调休) from the package or the city's entry."""

from __future__ import annotations

import datetime as dt

import pytest

from pmip.audit.models import AuditEntry
from pmip.core import workdays
from pmip.core.errors import PermissionDenied, ValidationFailed
from pmip.core.workdays import (
    UnknownCalendarYear,
    add_working_days,
    count_working_days,
    is_working_day,
    next_working_day,
    period_end,
)
from pmip.registry.calendar import enter_calendar_year

D = dt.date

pytestmark = pytest.mark.django_db


# --- 国庆 2025 (10-01..10-08 off, Sunday 09-28 and Saturday 10-11 worked) -------------------------------------


def test_national_day_is_not_a_working_day():
    for day in range(1, 9):
        assert not is_working_day(D(2025, 10, day)), day
    assert is_working_day(D(2025, 10, 9))
    assert workdays.holiday_name(D(2025, 10, 3)) == "国庆节"


def test_tiaoxiu_weekend_days_are_working_days():
    assert is_working_day(D(2025, 9, 28))  # Sunday, 调休
    assert is_working_day(D(2025, 10, 11))  # Saturday, 调休
    assert not is_working_day(D(2025, 10, 12))  # an ordinary Sunday
    assert not is_working_day(D(2025, 9, 27))  # an ordinary Saturday


def test_period_counts_from_the_day_after_and_skips_national_day():
    # Friday 09-26: the 调休 Sunday counts, the holiday does not.
    assert add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)
    assert add_working_days(D(2025, 9, 26), 5) == D(2025, 10, 10)
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert add_working_days(D(2025, 9, 30), 0) == D(2025, 9, 30)


# --- 春节 2025 (01-28..02-04 off, Sunday 01-26 and Saturday 02-08 worked) -------------------------------------


def test_spring_festival():
    assert not is_working_day(D(2025, 1, 29))
    assert workdays.holiday_name(D(2025, 1, 29)) == "春节"
    assert is_working_day(D(2025, 1, 26))
    assert is_working_day(D(2025, 2, 8))
    assert add_working_days(D(2025, 1, 24), 3) == D(2025, 2, 5)
    assert count_working_days(D(2025, 1, 24), D(2025, 2, 5)) == 3
    assert count_working_days(D(2025, 1, 27), D(2025, 2, 4)) == 0


def test_count_is_the_inverse_of_add():
    start = D(2025, 9, 1)
    for n in range(0, 40):
        assert count_working_days(start, add_working_days(start, n)) == n


def test_calendar_day_period_ending_on_a_holiday_ends_on_the_next_working_day():
    assert period_end(D(2025, 9, 20), 11) == D(2025, 10, 9)  # 10-01 is 国庆
    assert period_end(D(2025, 9, 20), 8) == D(2025, 9, 28)  # a 调休 Sunday is a working day
    assert period_end(D(2025, 9, 20), 7) == D(2025, 9, 28)  # Saturday 09-27 is a rest day
    assert next_working_day(D(2025, 10, 9)) == D(2025, 10, 9)


def test_bad_counts_are_refused():
    with pytest.raises(ValueError):
        add_working_days(D(2025, 1, 1), -1)
    with pytest.raises(TypeError):
        is_working_day(dt.datetime(2025, 1, 1, 12, 0))


# --- a year nobody knows -----------------------------------------------------------------------------------


def test_unknown_year_is_refused_never_guessed():
    with pytest.raises(UnknownCalendarYear) as exc:
        is_working_day(D(2099, 3, 4))  # a Wednesday: a weekday guess would say yes
    assert "2099" in exc.value.message
    assert exc.value.code == "calendar_unknown"
    # A period crossing into the unknown year is refused too.
    last_known = workdays.known_package_years()[1]
    with pytest.raises(UnknownCalendarYear):
        add_working_days(D(last_known, 12, 28), 10)


def test_city_entered_year_answers(staff):
    enter_calendar_year(
        actor=staff["city"],
        year=2099,
        notice="国办发明电〔2098〕1号",
        holidays_text="2099-01-01 元旦\n2099-10-01..2099-10-07 国庆节",
        workdays_text="2099-10-10",
    )
    assert not is_working_day(D(2099, 10, 5))
    assert workdays.holiday_name(D(2099, 10, 5)) == "国庆节"
    assert is_working_day(D(2099, 10, 10))  # a Saturday, 调休
    assert not is_working_day(D(2099, 10, 11))  # an ordinary Sunday
    assert is_working_day(D(2099, 3, 4))
    assert add_working_days(D(2099, 9, 30), 1) == D(2099, 10, 8)
    entry = AuditEntry.objects.get(action="core.calendar.entered")
    assert entry.data["holidays"] == 8


def test_correction_is_a_new_version_with_the_old_list_in_the_audit(staff):
    kwargs = dict(actor=staff["city"], year=2099, notice="通知", workdays_text="")
    enter_calendar_year(holidays_text="2099-05-01 劳动节", **kwargs)
    assert not is_working_day(D(2099, 5, 1))
    calendar = enter_calendar_year(holidays_text="2099-05-04 劳动节", **kwargs)
    assert calendar.version == 2
    assert is_working_day(D(2099, 5, 1))
    assert not is_working_day(D(2099, 5, 4))
    entry = AuditEntry.objects.get(action="core.calendar.corrected")
    assert entry.data["before"]["days"] == [["2099-05-01", "holiday", "劳动节"]]


def test_city_entry_overrides_the_package_for_a_known_year(staff):
    assert not is_working_day(D(2025, 10, 8))
    enter_calendar_year(
        actor=staff["city"],
        year=2025,
        notice="更正",
        holidays_text="2025-10-01..2025-10-07",
        workdays_text="",
    )
    assert is_working_day(D(2025, 10, 8))


@pytest.mark.parametrize(
    ("holidays", "workdays_text", "field"),
    [
        ("", "", "holidays"),
        ("2099-13-01", "", "holidays"),
        ("2098-10-01", "", "holidays"),
        ("2099-10-01..2099-12-01", "", "holidays"),
        ("hello", "", "holidays"),
        ("2099-10-01", "2099-10-01", "workdays"),
        ("2099-10-01", "2099-10-05", "workdays"),  # a Monday is not a 调休 day
        ("2099-10-01\n" * 200, "", "holidays"),
    ],
)
def test_bad_entries_are_refused_with_the_field(staff, holidays, workdays_text, field):
    with pytest.raises(ValidationFailed) as exc:
        enter_calendar_year(
            actor=staff["city"], year=2099, notice="通知", holidays_text=holidays, workdays_text=workdays_text
        )
    assert exc.value.field == field


def test_only_city_editors_enter_the_calendar(staff):
    for key in ("futian", "lianhua", "company"):
        with pytest.raises(PermissionDenied):
            enter_calendar_year(
                actor=staff[key], year=2099, notice="通知", holidays_text="2099-01-01", workdays_text=""
            )
