"""The n-gram index behind project search: same results as the plain LIKE search, kept up to date on every
write, and (PostgreSQL) a plan that never scans the project table for a two-character Chinese query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmip.registry import search_index
from pmip.registry.models import Project, ProjectSearchGram
from pmip.registry.selectors import search_projects
from tests import factories

pytestmark = pytest.mark.django_db

ALPHABET = "花园翠湖深南山庄锦绣大道 Aa1"


def naive(query: str) -> list[str]:
    """What the search returned before the index: the plain OR of LIKEs over the whole table."""
    query = query.strip()[:50]
    qs = Project.objects.all()
    if query:
        cond = Q(name__contains=query) | Q(address__contains=query) | Q(code__startswith=query)
        if query.isascii() and query.replace(" ", "").isalpha():
            cond |= Q(name_initials__startswith=query.replace(" ", "").lower())
        qs = qs.filter(cond)
    return list(qs.order_by("code").values_list("code", flat=True))


def found(query: str) -> list[str]:
    return list(search_projects(query=query).values_list("code", flat=True))


def test_grams_are_unigrams_and_bigrams_without_white_space():
    assert search_index.grams("翠湖 A区") == {"翠", "湖", "a", "区", "翠湖", "a区"}
    assert search_index.query_grams("翠湖花园") == {"翠湖", "湖花", "花园"}
    assert search_index.query_grams("湖") == {"湖"}
    assert search_index.query_grams(" ") == set()
    assert search_index.query_grams("1 1") == {"1"}  # no bigram without a space: its characters must be there


def test_a_query_whose_bigrams_all_hold_a_space_still_finds_the_project(city):
    factories.project(
        code="440304904", name="花1 1园", subdistrict=city.subdistricts["lianhua"], address="路"
    )
    assert found("1 1") == ["440304904"] == naive("1 1")


def test_search_finds_by_two_characters_code_and_initials(city):
    factories.project(
        code="440304900", name="翠湖花园", subdistrict=city.subdistricts["lianhua"], address="深南大道1号"
    )
    factories.project(
        code="440304901", name="锦绣山庄", subdistrict=city.subdistricts["lianhua"], address="红荔路"
    )
    assert found("翠湖") == ["440304900"]
    assert found("深南") == ["440304900"]  # address
    assert found("湖花园") == ["440304900"]
    assert found("花园湖") == []  # every bigram present in name or address is not enough: the LIKE decides
    assert found("4403049") == ["440304900", "440304901"]
    assert found("jxsz") == ["440304901"]
    assert found("绣") == ["440304901"]
    assert found("无此项目") == []


def test_index_follows_renames_and_deletions(city):
    project = factories.project(
        code="440304902", name="翠湖花园", subdistrict=city.subdistricts["lianhua"], address="红荔路2号"
    )
    assert found("翠湖") == ["440304902"]
    project.name = "碧海蓝天"
    project.save(update_fields=["name"])
    assert found("翠湖") == []
    assert found("碧海") == ["440304902"]
    assert set(ProjectSearchGram.objects.filter(project=project).values_list("gram", flat=True)) == (
        search_index.grams("碧海蓝天") | search_index.grams(project.address)
    )


def test_rebuild_gives_the_index_that_writes_maintain(city):
    factories.project(
        code="440304903", name="南山书院", subdistrict=city.subdistricts["lianhua"], address="学府路"
    )
    before = set(ProjectSearchGram.objects.values_list("gram", "project_id"))
    search_index.rebuild_search_index()
    assert set(ProjectSearchGram.objects.values_list("gram", "project_id")) == before


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=8), min_size=1, max_size=8),
    queries=st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=4), min_size=1, max_size=6),
)
def test_indexed_search_equals_the_plain_like_search(city, names, queries):
    Project.objects.filter(code__startswith="44039").delete()
    for n, name in enumerate(names):
        factories.project(
            code=f"44039{n:04d}", name=name, subdistrict=city.subdistricts["lianhua"], address=names[-1 - n]
        )
    for query in queries + ["44039", "4403900"]:
        assert found(query) == naive(query), query


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's")
def test_two_character_search_does_not_scan_the_project_table(city):
    for n in range(30):
        factories.project(code=f"44038{n:04d}", name=f"测试{n}号园", subdistrict=city.subdistricts["lianhua"])
    qs = search_projects(query="翠湖")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on registry_project" not in plan, plan
    assert "search_gram_unique" in plan, plan
