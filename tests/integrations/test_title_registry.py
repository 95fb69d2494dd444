"""Title registry look-up: embedded (TitleRecord table), HTTP (fake registry), and the concurrency cap."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from decimal import Decimal

import pytest

from pmip.core.errors import ServiceUnavailable
from pmip.integrations import title_registry
from pmip.integrations.title_registry import (
    BoundedTitleRegistry,
    HttpTitleRegistry,
    RegistryUnavailable,
    TitleHit,
)
from pmip.registry.models import Unit
from pmip.registry.title_lookup import EmbeddedTitleRegistry
from tests import factories
from tests.factories import mainland_id
from tests.integrations.fakes import FakeTitleRegistry

BUSY = "查询产权数据错误：系统繁忙，请稍后再试。"


# --------------------------------------------------------------------------------------------------- embedded


def _unit(city, project: str, building: str, number: str) -> Unit:
    return Unit.objects.get(project=city.projects[project], building__number=building, number=number)


def test_embedded_finds_the_current_title_of_exactly_this_holder(city, django_assert_num_queries):
    with django_assert_num_queries(1):
        hits = EmbeddedTitleRegistry().lookup("张三", "mainland", mainland_id(1))
    assert hits == [
        TitleHit(
            project_code="440304001",
            building_number="1",
            unit_number="101",
            holder_name="张三",
            share=Decimal("1.0000"),
            certificate_no="",
        )
    ]


def test_embedded_needs_the_exact_name(city):
    assert EmbeddedTitleRegistry().lookup("张 三", "mainland", mainland_id(1)) == []
    assert EmbeddedTitleRegistry().lookup("张四", "mainland", mainland_id(1)) == []


def test_embedded_needs_the_same_id_type(city):
    assert EmbeddedTitleRegistry().lookup("张三", "hk_mo_tw_residence", mainland_id(1)) == []


def test_embedded_ignores_ended_titles(city):
    record = _unit(city, "lianhua", "1", "101").titles.get()
    record.ended_on = dt.date(2024, 1, 1)
    record.save()
    assert EmbeddedTitleRegistry().lookup("张三", "mainland", mainland_id(1)) == []


def test_embedded_lists_every_unit_and_share(city, django_assert_num_queries):
    co_owned = factories.title(_unit(city, "haian", "2", "102"), "张三", mainland_id(1), share="0.5")
    co_owned.certificate_no = "粤(2016)深圳市不动产权第0012345号"
    co_owned.save()
    factories.title(_unit(city, "haian", "2", "102"), "李四", mainland_id(90), share="0.5")
    with django_assert_num_queries(1):
        hits = EmbeddedTitleRegistry().lookup("张三", "mainland", mainland_id(1))
    assert [(h.project_code, h.building_number, h.unit_number, h.share, h.certificate_no) for h in hits] == [
        ("440304001", "1", "101", Decimal("1.0000"), ""),
        ("440305001", "2", "102", Decimal("0.5000"), "粤(2016)深圳市不动产权第0012345号"),
    ]


# --------------------------------------------------------------------------------------------------- HTTP


@pytest.fixture
def registry():
    with FakeTitleRegistry() as fake:
        fake.records[("张三", "mainland", mainland_id(1))] = [
            {
                "project_code": "440304001",
                "building_number": "1",
                "unit_number": "101",
                "holder_name": "张三",
                "share": "0.5",
                "certificate_no": "粤(2015)深圳市不动产权第0000001号",
            }
        ]
        yield fake


def _http(fake, *, timeout=2.0, token=None) -> HttpTitleRegistry:
    return HttpTitleRegistry(
        url=f"{fake.url}/title/lookup", timeout=timeout, token=fake.token if token is None else token
    )


def test_http_posts_the_query_and_reads_the_records(registry):
    hits = _http(registry).lookup("张三", "mainland", mainland_id(1))
    assert hits == [
        TitleHit("440304001", "1", "101", "张三", Decimal("0.5"), "粤(2015)深圳市不动产权第0000001号")
    ]
    request = registry.requests[-1]
    assert request.json() == {"name": "张三", "id_type": "mainland", "id_number": mainland_id(1)}
    assert request.headers["authorization"] == "Bearer registry-test-token"


def test_http_no_titles_is_an_empty_list(registry):
    assert _http(registry).lookup("王五", "mainland", mainland_id(2)) == []


def test_http_timeout_is_registry_unavailable(registry, caplog):
    registry.delay = 1.0
    started = time.monotonic()
    with pytest.raises(RegistryUnavailable) as caught:
        _http(registry, timeout=0.3).lookup("张三", "mainland", mainland_id(1))
    assert time.monotonic() - started < 0.9
    assert isinstance(caught.value, ServiceUnavailable)
    assert (caught.value.message, caught.value.status, caught.value.code) == (
        BUSY,
        503,
        "registry_unavailable",
    )
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert mainland_id(1) not in logged
    assert "440***" in logged


@pytest.mark.parametrize("status", [500, 502, 503, 401])
def test_http_error_statuses_are_registry_unavailable(registry, status):
    registry.status = status
    with pytest.raises(RegistryUnavailable):
        _http(registry).lookup("张三", "mainland", mainland_id(1))


def test_http_wrong_token_is_registry_unavailable(registry):
    with pytest.raises(RegistryUnavailable):
        _http(registry, token="wrong").lookup("张三", "mainland", mainland_id(1))


@pytest.mark.parametrize(
    "body",
    [
        b"<html>busy</html>",
        b'{"rows": []}',
        b'{"records": [{"project_code": "1"}]}',
        b'{"records": [{"project_code": "1", "building_number": "1", "unit_number": "1", "holder_name": "x", "share": "1.5"}]}',
    ],
)
def test_http_malformed_answers_are_registry_unavailable(registry, body):
    registry.raw_body = body
    with pytest.raises(RegistryUnavailable):
        _http(registry).lookup("张三", "mainland", mainland_id(1))


def test_http_connection_refused_is_registry_unavailable(registry):
    url = registry.url
    registry.stop()
    with pytest.raises(RegistryUnavailable):
        HttpTitleRegistry(url=f"{url}/title/lookup", timeout=1).lookup("张三", "mainland", mainland_id(1))


def test_no_id_number_in_logs_on_failure(registry, caplog):
    caplog.set_level(logging.DEBUG)
    registry.status = 503
    with pytest.raises(RegistryUnavailable):
        _http(registry).lookup("张三", "mainland", mainland_id(1))
    assert mainland_id(1) not in "\n".join(r.getMessage() for r in caplog.records)


# --------------------------------------------------------------------------------------------------- concurrency cap


def test_the_n_plus_first_concurrent_lookup_fails_fast(registry):
    registry.gate = threading.Event()
    bounded = BoundedTitleRegistry(_http(registry, timeout=5), slots=threading.BoundedSemaphore(2))
    results: list[list[TitleHit]] = []

    def held_lookup():
        results.append(bounded.lookup("张三", "mainland", mainland_id(1)))

    workers = [threading.Thread(target=held_lookup) for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        for _ in range(2):
            assert registry.arrived.acquire(timeout=5)  # both are now inside the slow registry
        started = time.monotonic()
        with pytest.raises(RegistryUnavailable) as caught:
            bounded.lookup("张三", "mainland", mainland_id(1))
        assert time.monotonic() - started < 0.2
        assert caught.value.message == BUSY
        assert len(registry.requests) == 2  # the refused look-up never reached the registry
    finally:
        registry.gate.set()
        for worker in workers:
            worker.join(5)
    assert len(results) == 2 and all(len(hits) == 1 for hits in results)
    # Slots are given back: the next look-up goes through.
    assert len(bounded.lookup("张三", "mainland", mainland_id(1))) == 1


def test_a_failing_lookup_gives_its_slot_back(registry):
    registry.status = 503
    bounded = BoundedTitleRegistry(_http(registry), slots=threading.BoundedSemaphore(1))
    for _ in range(3):
        with pytest.raises(RegistryUnavailable):
            bounded.lookup("张三", "mainland", mainland_id(1))
    assert len(registry.requests) == 3


def test_configured_registries_share_one_process_wide_semaphore(city, settings, django_assert_num_queries):
    settings.PMIP_TITLE_REGISTRY_BACKEND = "embedded"
    settings.PMIP_TITLE_REGISTRY_MAX_CONCURRENCY = 3
    first, second = title_registry.get_title_registry(), title_registry.get_title_registry()
    assert first.slots is second.slots
    for _ in range(3):
        assert first.slots.acquire(blocking=False)
    try:
        with django_assert_num_queries(0), pytest.raises(RegistryUnavailable):
            second.lookup("张三", "mainland", mainland_id(1))
    finally:
        for _ in range(3):
            first.slots.release()
    assert len(second.lookup("张三", "mainland", mainland_id(1))) == 1


def test_the_http_backend_is_built_from_settings(registry, settings):
    settings.PMIP_TITLE_REGISTRY_BACKEND = "http"
    settings.PMIP_TITLE_REGISTRY_URL = f"{registry.url}/title/lookup"
    settings.PMIP_TITLE_REGISTRY_TOKEN = registry.token
    settings.PMIP_TITLE_REGISTRY_TIMEOUT = 2
    settings.PMIP_TITLE_REGISTRY_MAX_CONCURRENCY = 4
    configured = title_registry.get_title_registry()
    assert isinstance(configured.inner, HttpTitleRegistry)
    assert configured.lookup("张三", "mainland", mainland_id(1))[0].share == Decimal("0.5")
    assert registry.token not in repr(configured.inner)


def _lookup_sql() -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        EmbeddedTitleRegistry().lookup("张三", "mainland", mainland_id(1))
    [query] = captured.captured_queries
    return query["sql"]


def test_embedded_reads_only_the_fields_of_a_hit(city):
    """No model instances: the look-up selects the hit's six columns and the local unit and title record ids, not
    the title record's encrypted ID, the unit's area or the project's address (building four instances per row cost
    more than the look-up itself)."""
    sql = _lookup_sql()
    selected = sql.split(" FROM ")[0]
    assert selected.count(",") == 7, selected
    for column in ("id_number_enc", "id_number_masked", "area", "address", "started_on"):
        assert column not in selected, selected


def test_embedded_hits_name_the_local_unit_and_title_record(city):
    [hit] = EmbeddedTitleRegistry().lookup("张三", "mainland", mainland_id(1))
    record = _unit(city, "lianhua", "1", "101").titles.get()
    assert (hit.unit_id, hit.title_record_id) == (record.unit_id, record.pk)


def test_embedded_look_up_uses_the_blind_index_not_a_scan(city):
    """The plan (bench/README.md, binding): the (id_type, id_number_hash) index, no scan of the title records."""
    from django.db import connection, transaction

    sql = _lookup_sql()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan on registry_titlerecord" not in plan, plan
            # On a handful of rows the planner may take the blind index's own index (db_index) instead of the
            # pair; either way the title records are reached through the blind index, never scanned.
            assert re.search(r"Index Scan using \S+ on registry_titlerecord", plan), plan
            assert re.search(r"Index Cond: .*id_number_hash", plan), plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
            assert "SCAN registry_titlerecord" not in plan, plan
            assert "SEARCH registry_titlerecord USING INDEX title_id_lookup_idx" in plan, plan
