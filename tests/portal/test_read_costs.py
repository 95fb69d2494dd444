"""What the public reads cost once warm (issue 13): the owner detail page and the API detail are one round trip to
the shared cache; the search page reads only the columns a result shows; every registry write is seen at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pmip.registry.models import District, Project
from tests.portal.helpers import result_codes

DETAIL = "/property/projects/440304001/"


def _statements(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def _outside_the_cache(sql: list[str]) -> list[str]:
    return [s for s in sql if not any(t in s for t in ("pmip_cache", "pmip_public_cache", "SAVEPOINT"))]


def test_a_warm_detail_page_is_one_cache_read(client, city):
    client.get(DETAIL)
    sql = _statements(client, DETAIL)
    assert len(sql) == 1, sql
    assert _outside_the_cache(sql) == []


def test_a_warm_api_detail_is_one_cache_read(client, city):
    client.get("/api/v1/projects/440304001")
    sql = _statements(client, "/api/v1/projects/440304001")
    assert len(sql) == 1, sql
    assert _outside_the_cache(sql) == []


def test_the_detail_page_follows_a_registry_write_at_once(client, city):
    client.get(DETAIL)
    project = Project.objects.get(code="440304001")
    project.address = "福田区新地址1号"
    project.save()
    assert "福田区新地址1号" in client.get(DETAIL).content.decode()


def test_a_warm_search_page_is_one_cache_read(client, city):
    path = "/property/projects/?q=lh"
    client.get(path)
    sql = _statements(client, path)
    assert len(sql) == 1, sql  # the whole page
    assert _outside_the_cache(sql) == []


def test_the_search_page_reads_only_what_a_result_shows(client, city):
    path = "/property/projects/?q=lh"
    sql = _outside_the_cache(_statements(client, path))
    assert len(sql) == 3, sql  # the districts, the count, one page (then kept: test_search_cache.py)
    page = sql[-1]
    for absent in ("registry_community", "registry_propertycompany"):  # not joined
        assert absent not in page, page
    selected = page.split(" FROM ")[0]
    for absent in ("service_phone", "name_initials", "created_at"):  # not read
        assert absent not in selected, selected


def test_the_search_filter_follows_a_district_write(client, city):
    client.get("/property/projects/")
    District.objects.create(code="440399", name="测试新区")
    assert "测试新区" in client.get("/property/projects/").content.decode()


@pytest.mark.parametrize("q", ["lh", "莲花", "4403"])
def test_narrowed_search_shows_the_same_results(client, city, q):
    body = client.get("/property/projects/", {"q": q}).content.decode()
    expected = list(
        Project.objects.filter(code__in=result_codes(body)).order_by("code").values_list("code", flat=True)
    )
    assert result_codes(body) == expected
