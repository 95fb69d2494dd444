"""Lean reads and inserts of single rows for the hot paths (issue 13: the ballot cast, the session read).

The ORM builds and compiles its query again on every call — for a one-row insert or read that is most of the Python
time of the statement. Here the statement text is built once per model and database (cached), and the values go
through the same field methods the ORM uses: `pre_save` and `get_db_prep_save` on insert, the backend's and the
field's database converters and `Model.from_db` on read. What is left out: model signals (`pre_save`/`post_save`) —
use `insert` only for models without receivers — and the ORM's checks on unsaved related objects.

For a read too involved to write by hand (a union with a subquery), `compiled_values` lets the ORM build and compile
the statement once per process and database, and afterwards only executes it with the varying value.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence

from django.db import connections, models, router
from django.db.models import QuerySet
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


def insert_fields(model: type[models.Model], alias: str = "default") -> list:
    """The fields of `insert_parts`' columns, in their order."""
    return _insert_plan(model, alias)[3]


def cast_placeholders(
    model: type[models.Model], computed: dict[str, str] | None = None, alias: str = "default"
) -> str:
    """The placeholders of `insert_parts`' columns, each cast to its column's type, for a statement built from parts
    whose parameter types PostgreSQL cannot infer (INSERT … SELECT, a VALUES list in a WITH). A varchar is cast
    without its length: an explicit cast would cut a long value short silently, where the column's own (assignment)
    check refuses it, as the ORM's insert does. `computed` gives some columns (attname) an expression instead."""
    connection = connections[alias]
    computed = computed or {}
    out = []
    for f in _insert_plan(model, alias)[3]:
        db_type = str(f.db_type(connection))
        cast = "varchar" if db_type.startswith("varchar(") else db_type
        out.append(computed.get(f.attname, f"%s::{cast}"))
    return ", ".join(out)


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


# --- querysets compiled once ------------------------------------------------------------------------------------
# Building and compiling a queryset with a union and a subquery costs a couple of milliseconds of Python — a hundred
# times what the database spends on it through its indexes — and a page that asks it on every request (which projects
# are the signed-in owner's) pays that each time. `compiled_values(name, model, build, value)` builds `build(SENTINEL)`
# once per database alias, keeps its SQL and parameters, and from then on executes the same SQL with `value` in place
# of every parameter equal to the sentinel. `build` must take the varying integer (an account id) as its only input
# and put it into the query as a parameter (which the ORM does for comparisons); a query whose SQL text itself holds
# the value is refused at compilation. The statement is read from the database the router gives for the model.

SENTINEL = -7_364_512_981_097  # never an id; marks where the varying value goes

_compiled: dict[tuple[str, str], tuple[str, tuple, tuple[int, ...]]] = {}
_lock = threading.Lock()


def _compile(build: Callable[[int], QuerySet], using: str) -> tuple[str, tuple, tuple[int, ...]]:
    queryset = build(SENTINEL)
    sql, params = queryset.query.get_compiler(using=using).as_sql()
    at = tuple(i for i, p in enumerate(params) if p == SENTINEL and not isinstance(p, bool))
    if not at or str(SENTINEL) in sql:
        raise ValueError("the varying value must reach the statement as parameters only")
    return sql, tuple(params), at


def compiled_values(
    name: str, model: type[models.Model], build: Callable[[int], QuerySet], value: int
) -> list[tuple]:
    """The rows of `build(value)` (a values_list queryset of `model`), as the ORM would read them — from the statement
    compiled the first time this process asked for `name` on that database."""
    using = router.db_for_read(model)
    key = (name, using)
    entry = _compiled.get(key)
    if entry is None:
        with _lock:
            entry = _compiled.get(key) or _compile(build, using)
            _compiled[key] = entry
    sql, params, at = entry
    bound = list(params)
    for i in at:
        bound[i] = int(value)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, bound)
        return cursor.fetchall()
