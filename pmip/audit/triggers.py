"""Append-only enforcement in the database.

SQLite: BEFORE UPDATE / BEFORE DELETE triggers raise (SQLite has no TRUNCATE; DELETE without WHERE fires them too).
PostgreSQL: a row trigger refusing UPDATE and DELETE, and a statement trigger refusing TRUNCATE unless the current
role owns the table (the migration role, which could drop the triggers anyway). Run the application as a role that
owns no tables (docs/audit.md): it cannot ALTER TABLE ... DISABLE TRIGGER, DROP TRIGGER or TRUNCATE.

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
  FOR EACH ROW EXECUTE FUNCTION pmip_refuse_change();
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


def _sqlite_statements() -> list[str]:
    out = []
    for table in (TABLE, PUBLICATION_TABLE):
        for op in ("UPDATE", "DELETE"):
            out.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
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
            for statement in _sqlite_statements():
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
