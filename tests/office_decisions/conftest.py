"""Fixtures for the back-office pages and the staff API of 业主决策: the decisions test place (a project, staff of
every scope), private media in a temporary directory, a task backend that only records, clean SMS stand-in."""

from __future__ import annotations

import pytest
from django.test import override_settings

from pmip.identity.models import ScopeLevel
from pmip.integrations.sms import EmbeddedSmsBackend
from tests.decisions import factories as f
from tests.decisions.conftest import (  # noqa: F401 - fixtures
    city_staff,
    clerk2,
    convener,
    district_staff,
    far_subdistrict_staff,
    other_committee,
    project,
    subdistrict_staff,
    where,
)

DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PMIP_SMS_OUTBOX_FILE = tmp_path / "sms-outbox.log"
    settings.PMIP_SMS_BACKEND = "embedded"
    # the tests move the frozen clock over weeks (notice, vote, close): keep the session alive meanwhile
    settings.PMIP_SESSION_IDLE_SECONDS = settings.PMIP_SESSION_ABSOLUTE_SECONDS = 400 * 24 * 3600
    EmbeddedSmsBackend.sent.clear()
    with override_settings(TASKS=DUMMY):
        yield
    EmbeddedSmsBackend.sent.clear()


@pytest.fixture
def company_staff(where):  # noqa: F811 - the fixture imported above
    """A property company account whose company manages the project: it sees nothing of votes."""
    from pmip.registry.models import PropertyCompany

    company = PropertyCompany.objects.create(
        name="深圳市东门物业服务有限公司", credit_code="91440300MA5F000099", phone="0755-80000099"
    )
    where.project.company = company
    where.project.save(update_fields=["company"])
    return f.staff("company_a", level=ScopeLevel.COMPANY, company=company)
