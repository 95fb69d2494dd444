"""物业项目查询: name, address, code, pinyin initials, district filter, pagination, htmx fragment, empty state."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.portal.helpers import result_codes, text

URL = reverse("portal:project_search")
EMPTY = "未找到符合条件的物业项目"


def search(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def test_no_criteria_lists_all_projects_by_code(client, city):
    body = search(client)
    assert result_codes(body) == ["440304001", "440304002", "440304101", "440305001"]
    assert "共 4 个物业项目" in text(body)


def test_search_by_name(client, city):
    assert result_codes(search(client, q="莲花山")) == ["440304001"]


def test_search_by_address(client, city):
    # 景华苑 matches only through its address (深圳市福田区莲花街道景华苑).
    assert result_codes(search(client, q="莲花街道")) == ["440304001", "440304002"]
    assert result_codes(search(client, q="香蜜湖街道")) == ["440304101"]


def test_search_by_project_code(client, city):
    assert result_codes(search(client, q="440305001")) == ["440305001"]
    assert result_codes(search(client, q="440304")) == ["440304001", "440304002", "440304101"]


@pytest.mark.parametrize("initials", ["lhsz", "LHSZ", "lh"])
def test_search_by_pinyin_initials(client, city, initials):
    assert result_codes(search(client, q=initials)) == ["440304001"]


def test_district_filter(client, city):
    nanshan = city.districts["nanshan"]
    assert result_codes(search(client, district=nanshan.pk)) == ["440305001"]
    assert result_codes(search(client, district=city.districts["futian"].pk)) == [
        "440304001",
        "440304002",
        "440304101",
    ]
    assert result_codes(search(client, district=city.districts["futian"].pk, q="花园")) == ["440304101"]
    body = search(client, district=nanshan.pk)
    assert f'<option value="{nanshan.pk}" selected>南山区</option>' in body


def test_district_filter_and_name_without_match_shows_empty_state(client, city):
    body = search(client, q="莲花", district=city.districts["nanshan"].pk)
    assert result_codes(body) == []
    assert EMPTY in body


def test_invalid_district_is_reported_and_ignored(client, city):
    body = search(client, district="abc")
    assert "请选择列表中的行政区域。" in body
    assert result_codes(body) == ["440304001", "440304002", "440304101", "440305001"]


def test_empty_state(client, city):
    body = search(client, q="不存在的小区")
    assert result_codes(body) == []
    assert EMPTY in body


def test_results_link_to_the_project(client, city):
    body = search(client, q="lhsz")
    assert f'href="{reverse("portal:project_detail", args=["440304001"])}"' in body
    assert ">莲花山庄<" in body


def test_pagination_20_per_page(client, many_projects):
    first = search(client, q="测试小区")
    assert result_codes(first) == [f"4403051{n:02d}" for n in range(1, 21)]
    assert "共 25 个物业项目，第 1/2 页" in text(first)
    assert 'href="?q=%E6%B5%8B%E8%AF%95%E5%B0%8F%E5%8C%BA&amp;page=2"' in first
    second = search(client, q="测试小区", page=2)
    assert result_codes(second) == [f"4403051{n:02d}" for n in range(21, 26)]
    assert "第 2 / 2 页" in text(second)


def test_page_out_of_range_shows_last_page(client, many_projects):
    assert result_codes(search(client, q="测试小区", page=99)) == [f"4403051{n:02d}" for n in range(21, 26)]
    assert result_codes(search(client, q="测试小区", page="x")) == [f"4403051{n:02d}" for n in range(1, 21)]


def test_full_page_without_htmx(client, city):
    response = client.get(URL, {"q": "lhsz"})
    body = response.content.decode()
    assert body.lstrip().startswith("<!DOCTYPE html>")
    assert 'id="project-results"' in body
    assert 'hx-get="/property/projects/"' in body
    assert "HX-Request" in response["Vary"]


def test_htmx_request_gets_only_the_result_list(client, city):
    response = client.get(URL, {"q": "lhsz"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert "weui-tabbar" not in body
    assert 'id="project-results"' not in body
    assert result_codes(body) == ["440304001"]
    assert "HX-Request" in response["Vary"]


def test_htmx_empty_fragment(client, city):
    body = client.get(URL, {"q": "zzzz"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in body
    assert EMPTY in body


def test_htmx_history_restore_gets_the_full_page(client, city):
    response = client.get(
        URL, {"q": "lhsz"}, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<!DOCTYPE html>" in response.content.decode()


def _database_reads(client, *args, **kwargs) -> list[str]:
    """Statements of one request, but for those of the caches (the public one keeps the results: see
    test_search_cache.py)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(*args, **kwargs).status_code == 200
    return [
        q["sql"] for q in queries.captured_queries if "_cache" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]


def test_no_n_plus_one_on_search_page(client, many_projects):
    # districts for the filter, count, one page of projects with their places joined in
    assert len(_database_reads(client, URL)) == 3
    assert len(result_codes(search(client))) == 20
    partial = _database_reads(client, URL, {"q": "测试"}, headers={"HX-Request": "true"})
    assert len(partial) == 2  # the districts are kept
