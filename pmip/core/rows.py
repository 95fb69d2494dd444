"""Lean reads and inserts of single rows for the hot paths (issue 13: the ballot cast, the session read).

The ORM builds and compiles its query again on every call — for a one-row insert or read that is most of the Python
time of the statement. Here the statement text is built once per model and database (cached), and the values go
through the same field methods the ORM uses: `pre_save` and `get_db_prep_save` on insert, the backend's and the
field's database converters and `Model.from_db` on read. What is left out: model signals (`pre_save`/`post_save`) —
use `insert` only for models without receivers — and the ORM's checks on unsaved related objects.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.db import connections, models
from django.db.models.expressions import Col


@functools.cache
def _insert_plan(model: type[models.Model], alias: str) -> tuple[str, str, str, list]:
    """(table, quoted column list, placeholders, fields) of an insert of every concrete field but the auto key."""
    connection = connections[alias]
    pk = model._meta.pk
    if not isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
        raise TypeError(f"{model.__name__}: rows.insert needs an auto primary key")
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    # a concrete field always has a column (django-stubs types Field.column as optional)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)  # type: ignore[arg-type]
    return model._meta.db_table, columns, ", ".join(["%s"] * len(fields)), fields


def insert_parts(model: type[models.Model], alias: str = "default") -> tuple[str, str, str]:
    """(table, quoted column list, placeholders) for a statement built around the insert (a data-modifying WITH)."""
    table, columns, placeholders, _ = _insert_plan(model, alias)
    return table, columns, placeholders


def insert_values(instance: models.Model, alias: str = "default") -> list:
    """The values of `insert_parts`' columns, prepared as the ORM's insert prepares them."""
    connection = connections[alias]
    fields = _insert_plan(type(instance), alias)[3]
    return [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]


@functools.cache
def _insert_sql(model: type[models.Model], alias: str) -> tuple[str, bool]:
    connection = connections[alias]
    table, columns, placeholders, _ = _insert_plan(model, alias)
    sql = f"INSERT INTO {connection.ops.quote_name(table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    returning = connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {connection.ops.quote_name(model._meta.pk.column)}"  # type: ignore[arg-type]
    return sql, returning


def insert(instance: models.Model, alias: str = "default") -> models.Model:
    """INSERT `instance` (new, auto key) in one statement, as `save(force_insert=True)` writes it; sets its key and
    state. Raises IntegrityError as save() does. No signals are sent."""
    connection = connections[alias]
    sql, returning = _insert_sql(type(instance), alias)
    values = insert_values(instance, alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if returning:
            instance.pk = cursor.fetchone()[0]
        else:
            meta = instance._meta
            instance.pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)  # type: ignore[arg-type]
    instance._state.adding = False
    instance._state.db = alias
    return instance


@functools.cache
def _read_plan(model: type[models.Model], names: tuple[str, ...], alias: str) -> tuple[list, list]:
    """(fields, per-field converters) of the attnames `names`, as the ORM's compiler finds them."""
    connection = connections[alias]
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    order = [f.attname for f in model._meta.concrete_fields if f.attname in names]
    if list(names) != order:  # Model.from_db takes a partial row in the model's field order
        raise ValueError(f"{model.__name__}: read the fields in the model's order: {order}")
    fields, converters = [], []
    for name in names:
        field = by_attname[name]
        col = Col(model._meta.db_table, field)
        fields.append(field)
        converters.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
    return fields, converters


def columns(model: type[models.Model], names: Sequence[str], table_alias: str, alias: str = "default") -> str:
    """`alias.column, ...` of the attnames `names`, to put in a SELECT read back with `from_row`."""
    quote = connections[alias].ops.quote_name
    return ", ".join(f"{table_alias}.{quote(f.column)}" for f in _read_plan(model, tuple(names), alias)[0])


def from_row[M: models.Model](
    model: type[M], names: Sequence[str], values: Sequence, alias: str = "default"
) -> M:
    """An instance of `model` from `values` of the attnames `names` (others deferred), converted as the ORM converts
    a row it reads (SQLite's text datetimes and integer booleans, for example)."""
    connection = connections[alias]
    _, converters = _read_plan(model, tuple(names), alias)
    converted = []
    for value, (col, funcs) in zip(values, converters, strict=True):
        for convert in funcs:
            value = convert(value, col, connection)
        converted.append(value)
    return model.from_db(alias, list(names), converted)
