"""Shared fixtures. Factories live in tests/factories.py."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def city(db):
    """Two districts, three subdistricts, four projects with buildings, units and title holders."""
    return factories.small_city()


@pytest.fixture
def staff(db, city):
    """One staff account per scope level, all with password 'Pmip-test-2026'."""
    return factories.staff_accounts(city)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache; no test may see another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
