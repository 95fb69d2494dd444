"""PostgreSQL: the application runs as a role that owns no tables (migrations run as the owner), so it cannot get
around the append-only triggers of the audit log (issue 8, item 5).

Before: row triggers only — TRUNCATE and ALTER TABLE … DISABLE TRIGGER worked for the role the app ran as.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from django.db import connection, transaction

from pmip.audit import chain
from pmip.audit.models import AuditEntry
from pmip.audit.services import record

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL roles and triggers"),
]

APP_GRANTS = """
GRANT CONNECT ON DATABASE {db} TO {role};
GRANT USAGE ON SCHEMA public TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO {role};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
"""


@pytest.fixture
def app_role(transactional_db):
    """A login role with the application's privileges (even TRUNCATE, to show the trigger refuses it) and no
    ownership. Returns a psycopg connection as that role."""
    role = f"pmip_app_{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN")
        cursor.execute(APP_GRANTS.format(db=connection.ops.quote_name(db), role=role))
    settings = connection.settings_dict
    conn = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=db,
        user=role,
        autocommit=True,
    )
    try:
        yield conn
    finally:
        conn.close()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


def _refused(conn, sql: str) -> str:
    with pytest.raises(psycopg.Error) as info:
        conn.execute(sql)
    return str(info.value)


def test_the_app_role_cannot_alter_or_erase_the_audit_log(app_role):
    with transaction.atomic():
        entry = record(actor=None, action="registry.project.updated", data={"x": 1})
    assert "append-only" in _refused(
        app_role, f"UPDATE audit_auditentry SET action = 'x' WHERE id = {entry.pk}"
    )
    assert "append-only" in _refused(app_role, f"DELETE FROM audit_auditentry WHERE id = {entry.pk}")
    assert "TRUNCATE refused" in _refused(app_role, "TRUNCATE audit_auditentry")
    assert "owner" in _refused(app_role, "ALTER TABLE audit_auditentry DISABLE TRIGGER ALL")
    assert "owner" in _refused(app_role, "DROP TRIGGER audit_auditentry_append_only ON audit_auditentry")
    assert "TRUNCATE refused" in _refused(app_role, "TRUNCATE audit_auditheadpublication")
    # the app role may seal an unsealed entry, and only that: a seal that also changes the entry is refused
    assert "append-only" in _refused(
        app_role,
        f"UPDATE audit_auditentry SET seq = 1, entry_hash = 'h', action = 'x' WHERE id = {entry.pk}",
    )
    # the app role still appends and seals (what the platform does all day)
    count = app_role.execute("SELECT count(*) FROM audit_auditentry").fetchone()[0]
    assert count == AuditEntry.objects.count() == 1
    stored = AuditEntry.objects.get(pk=entry.pk)
    stored.seq, stored.prev_hash = 1, ""
    sealed_hash = chain.entry_hash(stored)
    app_role.execute(
        "UPDATE audit_auditentry SET seq = 1, prev_hash = '', entry_hash = %s WHERE id = %s",
        [sealed_hash, entry.pk],
    )
    app_role.execute("UPDATE audit_audithead SET seq = 1, hash = %s WHERE stream = 'main'", [sealed_hash])
    assert "append-only" in _refused(app_role, f"UPDATE audit_auditentry SET seq = 2 WHERE id = {entry.pk}")
    result = chain.verify()
    assert result.ok, result
