"""Append-only enforcement in the database.

SQLite: BEFORE UPDATE / BEFORE DELETE triggers raise (SQLite has no TRUNCATE; DELETE without WHERE fires them too).
PostgreSQL: a row trigger refusing UPDATE and DELETE, and a statement trigger refusing TRUNCATE unless the current
role owns the table (the migration role, which could drop the triggers anyway).
One UPDATE of an audit entry is let through: its seal (`pmip.audit.chain.seal`), which sets seq, prev_hash and
entry_hash of an entry whose seq is still NULL and changes nothing else. A sealed entry cannot be sealed again.
Run the application as a role that owns no tables (docs/audit.md): it cannot ALTER TABLE ... DISABLE TRIGGER, DROP
TRIGGER or TRUNCATE.

`install()` is idempotent; it runs from the migration and after every migrate/flush (post_migrate).
`uninstall()` exists for the test suite's database flush between transactional tests on SQLite.
"""

from __future__ import annotations

TABLE = "audit_auditentry"
PUBLICATION_TABLE = "audit_auditheadpublication"

POSTGRES_INSTALL = """
CREATE OR REPLACE FUNCTION pmip_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION pmip_audit_seal_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
     AND to_jsonb(OLD) - '{seq,prev_hash,entry_hash}'::text[] = to_jsonb(NEW) - '{seq,prev_hash,entry_hash}'::text[]
  THEN
    RETURN NEW;  -- the seal: an unsealed entry gets its place in the chain, nothing else changes
  END IF;
  RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION pmip_refuse_truncate() RETURNS trigger AS $$
BEGIN
  IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
    RETURN NULL;  -- the owner (migrations, test flush) could drop the trigger anyway
  END IF;
  RAISE EXCEPTION 'append-only table %: TRUNCATE refused', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry;
CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
  FOR EACH ROW EXECUTE FUNCTION pmip_audit_seal_only();
DROP TRIGGER IF EXISTS audit_auditentry_no_truncate ON audit_auditentry;
CREATE TRIGGER audit_auditentry_no_truncate BEFORE TRUNCATE ON audit_auditentry
  FOR EACH STATEMENT EXECUTE FUNCTION pmip_refuse_truncate();
DROP TRIGGER IF EXISTS audit_publication_append_only ON audit_auditheadpublication;
CREATE TRIGGER audit_publication_append_only BEFORE UPDATE OR DELETE ON audit_auditheadpublication
  FOR EACH ROW EXECUTE FUNCTION pmip_refuse_change();
DROP TRIGGER IF EXISTS audit_publication_no_truncate ON audit_auditheadpublication;
CREATE TRIGGER audit_publication_no_truncate BEFORE TRUNCATE ON audit_auditheadpublication
  FOR EACH STATEMENT EXECUTE FUNCTION pmip_refuse_truncate();
"""

POSTGRES_UNINSTALL = """
DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_auditentry_no_truncate ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_publication_append_only ON audit_auditheadpublication;
DROP TRIGGER IF EXISTS audit_publication_no_truncate ON audit_auditheadpublication;
"""


SEAL_COLUMNS = ("seq", "prev_hash", "entry_hash")


def _sqlite_statements(columns: list[str]) -> list[str]:
    """`columns`: the entry table's columns as they are now, so the seal exception covers every column added later."""
    unchanged = " AND ".join(f'NEW."{c}" IS OLD."{c}"' for c in columns if c not in SEAL_COLUMNS)
    seal = f"OLD.seq IS NULL AND NEW.seq IS NOT NULL AND {unchanged}"
    # rebuilt each time: its seal exception lists the columns
    out = [f"DROP TRIGGER IF EXISTS {TABLE}_no_update"]
    for table in (TABLE, PUBLICATION_TABLE):
        for op in ("UPDATE", "DELETE"):
            when = f" WHEN NOT ({seal})" if (table, op) == (TABLE, "UPDATE") else ""
            out.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table}{when} "
                f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: {op} refused'); END;"
            )
    return out


def _tables_exist(connection) -> bool:
    with connection.cursor() as cursor:
        names = set(connection.introspection.table_names(cursor))
    return TABLE in names and PUBLICATION_TABLE in names


def install(connection) -> None:
    if not _tables_exist(connection):
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_INSTALL)
        elif connection.vendor == "sqlite":
            columns = [c.name for c in connection.introspection.get_table_description(cursor, TABLE)]
            for statement in _sqlite_statements(columns):
                cursor.execute(statement)


def uninstall(connection) -> None:
    if not _tables_exist(connection):
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_UNINSTALL)
        elif connection.vendor == "sqlite":
            for table in (TABLE, PUBLICATION_TABLE):
                for op in ("update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
