"""Working-day rules where owners meet them (issue 11): tender publicity periods and enquiry reply deadlines around
春节, 国庆 and the 调休 Saturdays, and a date in a year no calendar knows — a plain 422 problem, never a weekday guess
and never a 500."""

from __future__ import annotations

import datetime as dt

import pytest

from pmip.core import clock
from pmip.core.errors import ValidationFailed
from pmip.core.workdays import UnknownCalendarYear
from pmip.enquiries import services as enquiries
from pmip.enquiries.models import Enquiry
from pmip.registry.models import PropertyCompany
from pmip.tendering import services
from pmip.tendering.choices import Step
from pmip.tendering.models import TenderStep
from tests.decisions import factories as f
from tests.factories import login_staff

pytestmark = pytest.mark.django_db
D = dt.date


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shenzhen


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def tender(city, staff):
    with clock.frozen(_at(D(2024, 12, 2))):
        tender = services.create_tender(
            actor=staff["lianhua"], project_id=city.projects["lianhua"].pk, title="莲花山庄物业服务招标",
            tenderer_kind="developer", method="public",
        )  # fmt: skip
        for i in range(3):
            company = PropertyCompany.objects.create(name=f"物业{i}", credit_code=f"91440300MA5WDAY{i:03d}")
            services.add_bidder(actor=staff["lianhua"], tender_id=tender.pk, credit_code=company.credit_code)
    return tender


def _step(staff, tender, step, day, today=None):
    with clock.frozen(_at(today or day)):
        return services.record_step(actor=staff["lianhua"], tender_id=tender.pk, step=step, date=day)


def test_announcement_period_over_spring_festival_counts_the_tiaoxiu_sunday(tender, staff):
    _step(staff, tender, Step.TENDER, D(2025, 1, 24))
    notice = _step(staff, tender, Step.ANNOUNCEMENT, D(2025, 1, 24))
    # 01-25 Saturday rest; 01-26 Sunday 调休 (1), 01-27 (2); 01-28..02-04 春节; 02-05 (3), 02-06 (4), 02-07 (5)
    assert notice.period_days == 5 and notice.period_ends == D(2025, 2, 7)
    with pytest.raises(ValidationFailed, match="公示期至2025-02-07届满"):
        _step(staff, tender, Step.OPENING, D(2025, 2, 7))
    # the 调休 Saturday after 春节 is a working day: bids may be opened then
    assert _step(staff, tender, Step.OPENING, D(2025, 2, 8)).date == D(2025, 2, 8)


def test_results_period_over_national_day_ends_on_the_tiaoxiu_saturday(tender, staff):
    _step(staff, tender, Step.TENDER, D(2025, 9, 1))
    notice = _step(staff, tender, Step.ANNOUNCEMENT, D(2025, 9, 1))
    assert notice.period_ends == D(2025, 9, 8)
    _step(staff, tender, Step.OPENING, D(2025, 9, 30))
    result = _step(staff, tender, Step.OPENING_RESULT, D(2025, 9, 30))
    # 10-01..10-08 国庆 and 中秋; 10-09 (1), 10-10 (2), 10-11 Saturday 调休 (3)
    assert result.period_days == 3 and result.period_ends == D(2025, 10, 11)
    _step(staff, tender, Step.QUALIFIED, D(2025, 9, 30))  # side by side with the opening result
    with pytest.raises(ValidationFailed, match="不能早于2025-10-12"):
        _step(staff, tender, Step.EVALUATION, D(2025, 10, 11), today=D(2025, 10, 20))
    # 10-12 is an ordinary Sunday: allowed as the first day after the period (stages are dated when they happen)
    assert _step(staff, tender, Step.EVALUATION, D(2025, 10, 13), today=D(2025, 10, 20))


def test_enquiry_deadline_counts_the_tiaoxiu_saturday_after_national_day(city):
    owner = f.person("甲")
    f.own(f.unit(city.projects["lianhua"], "9-101", "80.00"), owner)
    with clock.frozen(_at(D(2025, 10, 10))):  # Friday
        enquiry = enquiries.open_enquiry(
            actor=owner.account, channel="community", category="consult", title="停车", text="月卡怎么办？",
            project_id=city.projects["lianhua"].pk,
        )  # fmt: skip
    # 10-11 Saturday 调休 (1), 10-13 (2), 10-14 (3), 10-15 (4), 10-16 (5)
    assert enquiry.due_date == D(2025, 10, 16)
    with clock.frozen(_at(D(2025, 1, 27))):  # the Monday before 春节
        before_new_year = enquiries.open_enquiry(
            actor=owner.account, channel="community", category="consult", title="春节", text="春节期间谁值班？",
            project_id=city.projects["lianhua"].pk,
        )  # fmt: skip
    # 01-28..02-04 春节; 02-05 (1), 02-06 (2), 02-07 (3), 02-08 Saturday 调休 (4), 02-10 (5)
    assert before_new_year.due_date == D(2025, 2, 10)


def test_a_year_no_calendar_knows_is_refused_in_services_and_api(client, city, staff, tender):
    owner = f.person("甲")
    f.own(f.unit(city.projects["lianhua"], "9-101", "80.00"), owner)
    far = D(2099, 3, 4)  # a Wednesday: a weekday guess would have counted it
    _step(staff, tender, Step.TENDER, far)  # a stage has no period: nothing to count
    with pytest.raises(UnknownCalendarYear, match="2099"):
        _step(staff, tender, Step.ANNOUNCEMENT, far)
    assert not TenderStep.objects.filter(step=Step.ANNOUNCEMENT).exists()
    with clock.frozen(_at(far)), pytest.raises(UnknownCalendarYear):
        enquiries.open_enquiry(
            actor=owner.account, channel="community", category="consult", title="x", text="y",
            project_id=city.projects["lianhua"].pk,
        )  # fmt: skip
    assert not Enquiry.objects.exists()

    with clock.frozen(_at(far)):
        client.force_login(owner.account)
        asked = client.post(
            "/api/v1/me/enquiries",
            {"channel": "community", "category": "consult", "title": "x", "text": "y",
             "project_id": city.projects["lianhua"].pk},
            content_type="application/json",
        )  # fmt: skip
        assert asked.status_code == 422 and asked.json()["code"] == "calendar_unknown"
        assert "工作日历" in asked.json()["message"]
        login_staff(client, staff["lianhua"])
        url = f"/api/v1/office/tendering/tenders/{tender.pk}/steps"
        noticed = client.post(
            url, {"step": "announcement", "date": "2099-03-04"}, content_type="application/json"
        )
        assert noticed.status_code == 422 and noticed.json()["code"] == "calendar_unknown"
