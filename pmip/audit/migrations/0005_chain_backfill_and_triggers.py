"""Chain the entries written before the chain existed (in id order), then install the append-only triggers
(SQLite: UPDATE/DELETE; PostgreSQL: also TRUNCATE, and on the nightly head publications)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from pmip.audit import chain, triggers

    connection = schema_editor.connection
    triggers.uninstall(connection)  # the old PostgreSQL trigger refuses the backfill's UPDATEs
    AuditEntry = apps.get_model("audit", "AuditEntry")
    AuditHead = apps.get_model("audit", "AuditHead")
    seq, prev = 0, ""
    for entry in AuditEntry.objects.filter(seq__isnull=True).order_by("id").iterator(chunk_size=2000):
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        entry.entry_hash = chain.entry_hash(entry)
        AuditEntry.objects.filter(pk=entry.pk).update(
            seq=entry.seq, prev_hash=entry.prev_hash, entry_hash=entry.entry_hash
        )
        prev = entry.entry_hash
    AuditHead.objects.update_or_create(stream=chain.STREAM, defaults={"seq": seq, "hash": prev})
    triggers.install(connection)


def backwards(apps, schema_editor):
    from pmip.audit import triggers

    triggers.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_chain")]
    operations = [migrations.RunPython(forwards, backwards)]
