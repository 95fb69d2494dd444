"""Public read cache: served while nothing changed, rebuilt after any write, flush-safe."""

from __future__ import annotations

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pmip.core import public_cache
from pmip.core.errors import NotFound
from pmip.registry.selectors import get_public_project
from pmip.registry.services import update_project

pytestmark = pytest.mark.django_db


def test_cached_until_invalidated():
    calls = []

    def build():
        calls.append(1)
        return len(calls)

    assert public_cache.cached("t", "k", build) == 1
    assert public_cache.cached("t", "k", build) == 1
    public_cache.invalidate("t")
    assert public_cache.cached("t", "k", build) == 2
    caches["public"].clear()  # a flushed cache loses the generation: nothing old is served
    assert public_cache.cached("t", "k", build) == 3


def test_an_evicted_generation_only_invalidates():
    """Culling may evict any entry of the public cache, the token too: the items built under it are then ignored."""
    calls = []

    def build():
        calls.append(1)
        return len(calls)

    assert public_cache.cached("t", "k", build) == 1
    caches["public"].delete("pmip:public:t:gen")
    assert public_cache.cached("t", "k", build) == 2
    assert public_cache.cached("t", "k", build) == 2


def test_the_public_cache_is_apart_from_the_limits():
    """Public content fills (and culls) its own table, never the one holding the rate-limit counters."""
    cache.set("limit-counter", 3, 60)
    public_cache.cached("t", "k", lambda: "x")
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM pmip_public_cache")
        public = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT cache_key FROM pmip_cache")
        limits = [row[0] for row in cursor.fetchall()]
    assert any("pmip:public:t:k" in key for key in public)
    assert not any("pmip:public" in key for key in limits)
    caches["public"].clear()
    assert cache.get("limit-counter") == 3


def test_not_found_is_not_cached(city):
    with pytest.raises(NotFound):
        get_public_project(code="999")
    with pytest.raises(NotFound):
        get_public_project(code="999")


def test_project_detail_is_read_once_and_follows_every_edit(city, staff):
    first = get_public_project(code="440304001")
    with CaptureQueriesContext(connection) as queries:
        again = get_public_project(code="440304001")
    assert again.name == first.name
    assert not [q for q in queries.captured_queries if "registry_project" in q["sql"]]
    update_project(actor=staff["city"], project=first, name="莲花山庄二期")
    assert get_public_project(code="440304001").name == "莲花山庄二期"
    company = first.company
    company.name = "深圳市新物业有限公司"
    company.save()
    assert get_public_project(code="440304001").company.name == "深圳市新物业有限公司"
