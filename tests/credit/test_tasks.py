"""The daily 风险名单 task: scheduled, and it is what takes a subject off the list once an entry has expired (no
write happens then that would notice)."""

from __future__ import annotations

import datetime as dt

import pytest

from pmip.core import clock
from pmip.credit import services
from pmip.credit.choices import Polarity, Severity, SubjectKind
from pmip.credit.models import RiskListing
from pmip.credit.tasks import refresh_risk_list

pytestmark = pytest.mark.django_db


def test_the_daily_task_is_scheduled(settings):
    assert ("pmip.credit.tasks.refresh_risk_list", 24 * 3600) in settings.PMIP_PERIODIC_TASKS


def test_the_task_takes_a_subject_off_the_list_after_its_serious_entry_expired(city, staff):
    start = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    with clock.frozen(start):
        subject = services.create_subject(
            actor=staff["city"], kind=SubjectKind.COMPANY, company_id=city.companies["wanjia"].pk
        )
        services.add_entry(
            actor=staff["city"], subject_id=subject.pk, polarity=Polarity.BAD, severity=Severity.SERIOUS,
            title="违规挪用维修资金", points=10, document_no="深住建〔2026〕3号", issued_on=clock.today(),
            valid_until=clock.today() + dt.timedelta(days=30),
        )  # fmt: skip
    listing = RiskListing.objects.get(subject=subject)
    assert (listing.reason, listing.entered_on, listing.left_on) == ("存在严重不良信息", start.date(), None)

    expired = start + dt.timedelta(days=31)
    with clock.frozen(expired):
        assert refresh_risk_list.call() == 1  # still listed: clean from today
    listing.refresh_from_db()
    assert (listing.clean_since, listing.left_on) == (expired.date(), None)

    with clock.frozen(expired + dt.timedelta(days=180)):
        assert refresh_risk_list.call() == 0
    listing.refresh_from_db()
    assert listing.left_on == (expired + dt.timedelta(days=180)).date()
