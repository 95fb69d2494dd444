"""Masks of permit and passport numbers kept 7 of 9 characters (issue 8, item 10): compute every stored masked copy
again from the encrypted number with the corrected `mask_id`."""

from django.db import migrations


def remask(apps, schema_editor):
    from pmip.core import crypto
    from pmip.core.masking import mask_id

    for label in ("identity.OwnerIdentity", "registry.TitleRecord"):
        model = apps.get_model(label)
        for pk, id_type, enc, masked in model.objects.values_list(
            "pk", "id_type", "id_number_enc", "id_number_masked"
        ).iterator():
            try:
                number = crypto.decrypt(enc, context=f"id:{id_type}")
            except ValueError:  # a key no longer in the ring: hide the whole copy rather than keep the old mask
                model.objects.filter(pk=pk).update(id_number_masked="*" * len(masked))
                continue
            if mask_id(number) != masked:
                model.objects.filter(pk=pk).update(id_number_masked=mask_id(number))


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0002_faceverification_offlineverification_offlineevidence_and_more"),
        ("registry", "0001_initial"),
    ]

    operations = [migrations.RunPython(remask, migrations.RunPython.noop, elidable=True)]
