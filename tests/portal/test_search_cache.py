"""The owner search page's results come from the public cache (issue 13): exactly what the uncached search shows,
kept per query, district, page size and page, and dropped at every project or district write."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pmip.registry.models import District, Project
from pmip.registry.search_index import rebuild_search_index
from pmip.registry.selectors import search_projects
from tests import factories
from tests.portal.helpers import result_codes

URL = reverse("portal:project_search")
CACHE_TABLES = ("pmip_cache", "pmip_public_cache")


def _get(client, params, *, partial=False):
    headers = {"HX-Request": "true"} if partial else {}
    response = client.get(URL, params, headers=headers)
    assert response.status_code == 200
    # The masked CSRF token of the page's hx-headers differs at every response; nothing else may.
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", response.content.decode())


def _database_reads(client, params, *, partial=False) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        _get(client, params, partial=partial)
    return [q["sql"] for q in queries.captured_queries if not any(t in q["sql"] for t in CACHE_TABLES)]


CASES = [
    {},
    {"q": "莲花"},
    {"q": "lhsz"},
    {"q": " 4403 "},
    {"q": "花园", "district": "FUTIAN"},
    {"q": "测试小区"},
    {"q": "测试小区", "page": "2"},
    {"q": "测试小区", "page": "99"},
    {"q": "测试小区", "page": "0"},
    {"q": "测试小区", "page": "x"},
    {"district": "abc"},
    {"q": "不存在的小区"},
    {"q": "x" * 60},
]


@pytest.mark.parametrize("params", CASES)
@pytest.mark.parametrize("partial", [False, True])
def test_a_cached_search_page_is_the_uncached_one(client, many_projects, params, partial):
    params = dict(params)
    if params.get("district") == "FUTIAN":
        params["district"] = District.objects.get(name="福田区").pk
    caches["public"].clear()
    cold = _get(client, params, partial=partial)
    warm = _get(client, params, partial=partial)
    assert warm == cold
    # Out of range (shown as the last page): not kept under its own number.
    if params.get("page") not in ("99", "0"):
        assert _database_reads(client, params, partial=partial) == []  # served from the cache
    query = (params.get("q") or "").strip()
    district = params.get("district") if isinstance(params.get("district"), int) else None
    if len(query) <= 50:
        expected = list(search_projects(query=query, district_id=district).values_list("code", flat=True))
        shown = result_codes(warm)
        assert set(shown) <= set(expected)
        if params.get("page") in (None, "x"):
            assert shown == expected[:20]


def test_the_elder_page_size_is_kept_apart(client, many_projects):
    owner = factories.account("elder_search", mobile="+8613900007777", name="吴桂英")
    _get(client, {"q": "测试小区"})
    owner.elder_mode = True
    owner.save()
    client.force_login(owner)
    assert len(result_codes(_get(client, {"q": "测试小区"}))) == 10


def test_a_project_write_is_seen_at_once(client, many_projects):
    params = {"q": "测试小区"}
    assert len(result_codes(_get(client, params, partial=True))) == 20
    project = Project.objects.get(code="440305101")
    project.name = project.address = "改名小区01"
    project.save()
    shown = result_codes(_get(client, params, partial=True))
    assert "440305101" not in shown
    assert shown[0] == "440305102"
    Project.objects.filter(code="440305102").delete()
    assert result_codes(_get(client, params, partial=True))[0] == "440305103"
    factories.project(code="440305100", name="测试小区00", subdistrict=many_projects[0].subdistrict)
    assert result_codes(_get(client, params, partial=True))[0] == "440305100"


def test_a_district_rename_is_seen_at_once(client, city):
    assert "福田区" in _get(client, {"q": "lhsz"})
    District.objects.filter(name="福田区").update(name="福田新区")  # no signal: as a bulk write …
    District.objects.get(name="福田新区").save()  # … followed by any registry save
    body = _get(client, {"q": "lhsz"})
    assert "福田新区" in body
    assert '<option value="' in body and ">福田新区</option>" in body


def test_a_rebuilt_index_is_seen_at_once(client, city):
    assert result_codes(_get(client, {"q": "莲花山"})) == ["440304001"]
    # No signal, no index: as a bulk write.
    Project.objects.filter(code="440304001").update(name="景田花园", address="景田路1号")
    rebuild_search_index()
    assert result_codes(_get(client, {"q": "莲花山"})) == []
    assert result_codes(_get(client, {"q": "景田"})) == ["440304001"]


def test_keys_are_short_whatever_the_query(client, city):
    _get(client, {"q": "长" * 50 + "'\" %_\\"})
    _get(client, {"q": "测试", "page": "9" * 40})
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM pmip_public_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert keys
    assert all(len(key) < 120 and key.isascii() and " " not in key for key in keys), keys


def test_an_out_of_range_page_is_not_kept_under_its_number(client, many_projects):
    _get(client, {"q": "测试小区", "page": "99"})
    _get(client, {"q": "测试小区", "page": "98"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM pmip_public_cache")
        keys = [row[0] for row in cursor.fetchall()]
    # the generations, the districts, the two whole pages; no results kept for pages 99 and 98
    assert sorted(k.split(":")[5] for k in keys if ":project-search:" in k) == [
        "districts",
        "gen",
        "page",
        "page",
    ]


def test_a_query_holding_the_stand_in_cannot_take_the_token(client, city):
    from pmip.portal import views

    for partial in (False, True):
        body = _get(client, {"q": str(views.CSRF_STANDIN), "page": "2"}, partial=partial)
        assert str(views.CSRF_STANDIN) not in body
        assert "&lt;pmip-csrf-token-stand-in&gt;" in body or partial
