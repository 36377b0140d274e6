from datetime import timedelta

import django.utils.timezone
from django.db import migrations, models


def backfill_queued_at(apps, schema_editor):
    # Every link (first or re-sent) was issued exactly INVITATION_VALID_DAYS (7) before it
    # expires, so that is when the current one was queued.
    Invitation = apps.get_model("learners", "Invitation")
    Invitation.objects.update(queued_at=models.F("expires_at") - timedelta(days=7))


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0004_audit_entry"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="queued_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunPython(backfill_queued_at, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="invitation",
            index=models.Index(
                condition=models.Q(
                    ("accepted_at__isnull", True),
                    ("revoked_at__isnull", True),
                    ("sent_at__isnull", True),
                ),
                fields=["queued_at"],
                name="invitation_unsent",
            ),
        ),
    ]
