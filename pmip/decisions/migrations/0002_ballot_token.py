"""Vote privacy (issue 8): ballots keep a per-meeting keyed token instead of the roll owner key, and no longer point
to the account that cast them (`by_delegate` keeps the one fact the owner pages show)."""

from django.db import migrations, models
from django.db.models import Q

import pmip.decisions.tokens


def forwards(apps, schema_editor):
    from pmip.decisions.tokens import ballot_token

    Ballot = apps.get_model("decisions", "Ballot")
    Meeting = apps.get_model("decisions", "Meeting")
    kid_of = dict(Meeting.objects.values_list("pk", "ballot_key_id"))
    for b in Ballot.objects.only("pk", "meeting_id", "owner_key", "channel", "on_behalf_of_id").iterator():
        Ballot.objects.filter(pk=b.pk).update(
            owner_token=ballot_token(meeting_id=b.meeting_id, key_id=kid_of[b.meeting_id], owner_key=b.owner_key),
            by_delegate=b.channel == "online" and b.on_behalf_of_id is not None,
        )


class Migration(migrations.Migration):
    dependencies = [("decisions", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="meeting",
            name="ballot_key_id",
            field=models.CharField(
                default=pmip.decisions.tokens.active_key_id,
                editable=False,
                help_text="id of the key the meeting's ballot tokens are made with (pmip.decisions.tokens)",
                max_length=20,
            ),
        ),
        migrations.RemoveConstraint(model_name="ballot", name="ballot_one_valid_per_matter_owner"),
        migrations.AddField(
            model_name="ballot",
            name="owner_token",
            field=models.CharField(
                default="",
                help_text="per-meeting keyed token of the roll owner key (pmip.decisions.tokens)",
                max_length=90,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="ballot",
            name="by_delegate",
            field=models.BooleanField(default=False, help_text="cast online by the owner's delegate"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False),
        migrations.RemoveField(model_name="ballot", name="owner_key"),
        migrations.RemoveField(model_name="ballot", name="cast_by"),
        migrations.RemoveField(model_name="ballot", name="on_behalf_of"),
        migrations.AddConstraint(
            model_name="ballot",
            constraint=models.UniqueConstraint(
                condition=Q(superseded_at__isnull=True),
                fields=("matter", "owner_token"),
                name="ballot_one_valid_per_matter_owner",
                violation_error_message="该业主已对本议题投票。",
            ),
        ),
    ]
