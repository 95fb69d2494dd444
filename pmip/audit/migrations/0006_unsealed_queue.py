"""The sealer's queue (a partial index of the entries not chained yet), and the append-only triggers re-installed
with their one exception: the seal of an unsealed entry (pmip.audit.triggers)."""

from django.db import migrations, models


def install_triggers(apps, schema_editor):
    from pmip.audit import triggers

    triggers.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_chain_backfill_and_triggers")]

    operations = [
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(condition=models.Q(("seq__isnull", True)), fields=["id"], name="audit_unsealed_idx"),
        ),
        migrations.RunPython(install_triggers, migrations.RunPython.noop),
    ]
