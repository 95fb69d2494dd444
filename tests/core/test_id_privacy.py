"""ID numbers are never stored in clear nor logged (domain-rules §5)."""

from __future__ import annotations

import hashlib
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pmip.registry.models import TitleRecord, Unit
from tests import factories

NUMBER = factories.mainland_id(77)


def _strings(row) -> list[str]:
    return [str(value) for value in row if value is not None]


@pytest.mark.django_db
def test_saved_row_has_no_clear_id_number(city):
    unit = Unit.objects.get(project=city.projects["jinghua"], building__number="2", number="102")
    record = factories.title(unit, "欧阳娜娜", NUMBER)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {TitleRecord._meta.db_table} WHERE id = %s", [record.pk])
        columns = [c[0] for c in cursor.description]
        row = cursor.fetchone()
    stored = dict(zip(columns, row, strict=True))
    assert stored["id_type"] == "mainland"
    assert stored["id_number_masked"] == NUMBER[:3] + "*" * 11 + NUMBER[-4:]
    assert stored["id_number_hash"] != hashlib.sha256(NUMBER.encode()).hexdigest()  # keyed, not a plain hash
    for value in _strings(row):
        assert NUMBER not in value
        assert NUMBER.lower() not in value
        assert NUMBER[6:14] not in value  # not even the birth date
    assert TitleRecord.objects.get(pk=record.pk).reveal_id_number() == NUMBER


@pytest.mark.django_db
def test_no_table_holds_the_clear_number(city):
    unit = Unit.objects.get(project=city.projects["jinghua"], building__number="2", number="102")
    factories.title(unit, "欧阳娜娜", NUMBER)
    seen_rows = 0
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                seen_rows += 1
                assert not any(NUMBER in value for value in _strings(row)), table
    assert seen_rows > 20  # the city was really there to search


@pytest.mark.django_db
def test_clear_number_is_not_logged_when_saving_and_looking_up(city, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    unit = Unit.objects.get(project=city.projects["jinghua"], building__number="2", number="102")
    with CaptureQueriesContext(connection) as queries:  # forces SQL (with parameters) into the log
        record = factories.title(unit, "欧阳娜娜", NUMBER)
        found = list(TitleRecord.objects.for_id("mainland", NUMBER))
        revealed = found[0].reveal_id_number()
        str(found[0])
    assert [r.pk for r in found] == [record.pk]
    assert revealed == NUMBER
    sql_logged = [r for r in caplog.records if r.name == "django.db.backends"]
    assert any("registry_titlerecord" in r.getMessage() for r in sql_logged)  # the capture really worked
    assert NUMBER not in caplog.text
    for r in caplog.records:
        assert NUMBER not in r.getMessage()
    assert not any(NUMBER in q["sql"] for q in queries.captured_queries)


@pytest.mark.django_db
def test_lookup_by_number_finds_only_the_holder(city):
    unit = Unit.objects.get(project=city.projects["jinghua"], building__number="2", number="102")
    record = factories.title(unit, "欧阳娜娜", NUMBER)
    assert list(TitleRecord.objects.for_id("mainland", NUMBER)) == [record]
    assert not TitleRecord.objects.for_id("passport", NUMBER).exists()
    assert not TitleRecord.objects.for_id("mainland", factories.mainland_id(78)).exists()
