"""Back office 工作日历: everyone in the office reads it; only city editors enter or correct a year."""

from __future__ import annotations

import datetime as dt

import pytest

from pmip.core.models import CalendarYear
from pmip.core.workdays import is_working_day
from tests.factories import login_staff

pytestmark = pytest.mark.django_db

FORM = {
    "year": "2099",
    "notice": "国办发明电〔2098〕1号",
    "holidays": "2099-01-01 元旦\r\n2099-10-01..2099-10-07 国庆节",
    "workdays": "2099-10-10",
}


def test_index_shows_package_years_and_missing_next_year(client, staff):
    login_staff(client, staff["company"])
    response = client.get("/office/calendar/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "2026" in text and "录入或更正" not in text  # a company reads; it does not edit


def test_city_enters_a_year_and_it_counts(client, staff):
    login_staff(client, staff["city"])
    response = client.post("/office/calendar/edit/", FORM)
    assert response.status_code == 302 and response["Location"] == "/office/calendar/2099/"
    assert not is_working_day(dt.date(2099, 10, 2))
    page = client.get("/office/calendar/2099/").content.decode()
    assert "国庆节" in page and "调休上班" in page
    edit = client.get("/office/calendar/edit/?year=2099").content.decode()
    assert "2099-10-01 国庆节" in edit


def test_bad_input_is_a_form_error_not_a_crash(client, staff):
    login_staff(client, staff["city"])
    response = client.post("/office/calendar/edit/", {**FORM, "holidays": "2099-02-30"})
    assert response.status_code == 200
    assert "无效" in response.content.decode()
    assert not CalendarYear.objects.exists()


def test_non_city_may_not_edit(client, staff):
    login_staff(client, staff["futian"])
    assert client.get("/office/calendar/edit/").status_code == 403
    assert client.post("/office/calendar/edit/", FORM).status_code == 403
    assert not CalendarYear.objects.exists()
    assert client.get("/office/calendar/2099/").status_code == 404
