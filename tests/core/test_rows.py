"""pmip.core.rows: the lean insert writes what `save(force_insert=True)` writes, and `from_row` builds what the ORM
builds from the same row (converted values, the other fields deferred)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from pmip.audit.models import AuditEntry
from pmip.core import rows
from pmip.identity.models import Account
from tests import factories

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=dt.UTC)


def _entry(**kwargs) -> AuditEntry:
    values = {
        "at": AT,
        "actor_label": "张*",
        "action": "test.row",
        "object_type": "x.y",
        "object_id": "7",
        "project_id": 3,
        "data": {"a": [1, "二"], "b": None},
        "ip": "10.0.0.1",
        "seq": None,
    }
    return AuditEntry(**{**values, **kwargs})


def test_insert_writes_what_save_writes_in_one_statement():
    lean, orm = _entry(), _entry()
    with CaptureQueriesContext(connection) as queries:
        rows.insert(lean)
    assert len(queries.captured_queries) == 1
    orm.save(force_insert=True)
    assert lean.pk is not None and lean.pk != orm.pk and not lean._state.adding
    fields = [f.attname for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    read = AuditEntry.objects.in_bulk([lean.pk, orm.pk])
    assert [getattr(read[lean.pk], f) for f in fields] == [getattr(read[orm.pk], f) for f in fields]
    assert read[lean.pk].at == AT and read[lean.pk].data == {"a": [1, "二"], "b": None}


def test_insert_raises_integrity_error_as_save_does():
    rows.insert(_entry(seq=10**9))
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert(_entry(seq=10**9))  # seq is unique


def test_from_row_converts_as_the_orm_does_and_defers_the_rest():
    account = factories.account("rows_read", mobile="+8613800002001")
    names = ("id", "is_active", "date_joined", "mobile")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rows.columns(Account, names, 'a')} FROM {Account._meta.db_table} a WHERE a.id = %s",  # noqa: S608
            [account.pk],
        )
        row = cursor.fetchone()
    built = rows.from_row(Account, names, row)
    orm = Account.objects.get(pk=account.pk)
    assert built.is_active is True and built.date_joined == orm.date_joined and built.mobile == orm.mobile
    assert isinstance(built.date_joined, dt.datetime) and built.date_joined.tzinfo is not None
    assert built.get_deferred_fields() >= {"username", "password"}


def test_fields_must_be_read_in_the_models_order():
    with pytest.raises(ValueError, match="order"):
        rows.columns(Account, ("mobile", "id"), "a")


def test_cast_placeholders_follow_the_insert_columns_and_keep_varchar_lengths_to_the_column():
    fields = rows.insert_fields(AuditEntry)
    parts = rows.cast_placeholders(AuditEntry, {"seq": "NULL"}).split(", ")
    assert len(parts) == len(fields)
    by_name = dict(zip([f.attname for f in fields], parts, strict=True))
    assert by_name["seq"] == "NULL"
    assert by_name["action"] == "%s::varchar"  # no length: a long value is refused by the column, not cut
    assert by_name["data"].startswith("%s::") and by_name["data"] != "%s::varchar"
