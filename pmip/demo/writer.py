"""Bulk writes of the demo city: primary keys allocated up front, COPY on PostgreSQL, `bulk_create` elsewhere."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Max

# --------------------------------------------------------------------------------------------------------------
# The writer: primary keys allocated up front, COPY on PostgreSQL, bulk_create elsewhere
# --------------------------------------------------------------------------------------------------------------

_UNIT_COLUMNS = (
    "id",
    "project_id",
    "building_id",
    "number",
    "floor",
    "use",
    "area",
    "area_source",
    "delivered",
    "developer_held",
)
_TITLE_COLUMNS = (
    "unit_id",
    "holder_name",
    "id_type",
    "id_number_enc",
    "id_number_hash",
    "id_number_masked",
    "share",
    "registered_on",
    "ended_on",
    "certificate_no",
    "created_at",
    "updated_at",
)


class _Writer:
    """Units and title records are the bulk: COPY on PostgreSQL, executemany of plain tuples on SQLite (the ORM's
    per-value preparation would triple the load time), `bulk_create` on anything else."""

    BATCH = 5_000

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self._next: dict[type, int] = {}
        self._suspended: list[str] = []  # CREATE INDEX statements to run at the end

    def stamp(self, value: dt.datetime):
        """A datetime as the bulk path wants it (SQLite stores naive UTC text)."""
        return connection.ops.adapt_datetimefield_value(value) if self.vendor == "sqlite" else value

    def ids(self, model, n: int) -> list[int]:
        """Reserve n primary keys. PostgreSQL: from the table's sequence. Others: above MAX(id), which is safe
        because the load runs in one write transaction (SQLite holds the database write lock)."""
        if n <= 0:
            return []
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [model._meta.db_table, n],
                )
                return [row[0] for row in cursor.fetchall()]
        start = self._next.get(model)
        if start is None:
            start = (model.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        self._next[model] = start + n
        return list(range(start, start + n))

    def suspend_indexes(self, model, column: str) -> None:
        """PostgreSQL only: drop the plain (non-unique) indexes on `column` until `restore_indexes()`."""
        if self.vendor != "postgresql":
            return
        table = model._meta.db_table
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, table)
            names = [
                name
                for name, info in constraints.items()
                if info["index"]
                and not info["unique"]
                and not info["primary_key"]
                and column in info["columns"]
            ]
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s",
                [table],
            )
            definitions = dict(cursor.fetchall())
            for name in names:
                self._suspended.append(definitions[name])
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")

    def restore_indexes(self) -> None:
        if not self._suspended:
            return
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            # CREATE INDEX refuses a table with pending deferred foreign-key checks: run them now (they would run
            # at commit anyway), then defer again.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for definition in self._suspended:
                cursor.execute(definition)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        self._suspended = []

    def insert(self, model, objects: list) -> None:
        if objects:
            model.objects.bulk_create(objects, batch_size=self.BATCH)

    def rows(self, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(by_attname[c]) for c in columns)
        if self.vendor == "postgresql":
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        elif self.vendor == "sqlite":
            sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608 (names from model meta)
            with connection.cursor() as cursor:
                for start in range(0, len(rows), self.BATCH):
                    cursor.executemany(sql, rows[start : start + self.BATCH])
        else:
            objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
            model.objects.bulk_create(objects, batch_size=self.BATCH)
