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


DB_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
}


@pytest.fixture(autouse=True)
def _clear_cache(request, django_db_blocker):
    """Rate-limit counters live in the shared cache (the database cache table), public pages in the public one
    (pmip_public_cache); no test may see another's. Only tests that use the test database can reach them (the others
    must not touch the cache)."""
    if request.node.get_closest_marker("django_db") is None and not DB_FIXTURES & set(request.fixturenames):
        yield
        return
    from django.core.cache import caches

    request.getfixturevalue("django_db_setup")
    with django_db_blocker.unblock():
        caches["default"].clear()
        caches["public"].clear()
    yield
    with django_db_blocker.unblock():
        caches["default"].clear()
        caches["public"].clear()


@pytest.fixture(autouse=True)
def _audit_triggers_allow_the_flush(request):
    """Transactional tests end with a database flush (DELETE on SQLite), which the append-only audit triggers
    refuse: drop them just before the flush; the flush's post_migrate signal installs them again."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not transactional:
        yield
        return
    request.getfixturevalue(
        "_django_db_helper"
    )  # set up before this fixture, so torn down (flushed) after it
    yield
    from django.db import connection

    from pmip.audit import triggers

    if connection.vendor == "sqlite":
        triggers.uninstall(connection)
