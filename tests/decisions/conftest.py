"""Fixtures for the decisions tests: a project in a small place, staff of every relevant scope, private media in a
temporary directory and a task backend that only records what was enqueued."""

from __future__ import annotations

import pytest
from django.test import override_settings

from pmip.identity.models import ScopeLevel
from tests.decisions import factories as f

DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    with override_settings(TASKS=DUMMY):
        yield


@pytest.fixture
def where(db):
    return f.place()


@pytest.fixture
def project(where):
    return where.project


@pytest.fixture
def convener(where):
    """业委会 account of the project."""
    return f.committee_staff(where.project, "committee_a")


@pytest.fixture
def clerk2(where):
    """A second committee account of the same project (paper ballots are entered twice)."""
    return f.committee_staff(where.project, "committee_a2")


@pytest.fixture
def other_committee(where):
    """业委会 account of another project in the same subdistrict."""
    return f.committee_staff(where.other_project, "committee_b")


@pytest.fixture
def subdistrict_staff(where):
    return f.staff("dongmen", level=ScopeLevel.SUBDISTRICT, subdistrict=where.subdistrict)


@pytest.fixture
def far_subdistrict_staff(where):
    return f.staff("guiyuan", level=ScopeLevel.SUBDISTRICT, subdistrict=where.other_subdistrict)


@pytest.fixture
def district_staff(where):
    return f.staff("luohu", level=ScopeLevel.DISTRICT, district=where.district)


@pytest.fixture
def city_staff(where):
    return f.staff("city", level=ScopeLevel.CITY)
