"""Enrolment joins courses from learners (learners 0003 renamed its table)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_initial"),
        ("learners", "0003_move_progress_models"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Enrolment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "source",
                            models.CharField(
                                choices=[
                                    ("self", "Chose it"),
                                    ("path", "Part of a learning path"),
                                    ("assigned", "Assigned"),
                                ],
                                default="self",
                                max_length=12,
                            ),
                        ),
                        ("enrolled_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("due_at", models.DateTimeField(blank=True, null=True)),
                        ("last_lesson_key", models.UUIDField(blank=True, null=True)),
                        ("last_activity_at", models.DateTimeField(blank=True, null=True)),
                        ("completed_lessons", models.PositiveIntegerField(default=0)),
                        ("completed_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "course",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="enrolments",
                                to="courses.course",
                            ),
                        ),
                        (
                            "path",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="enrolments",
                                to="courses.learningpath",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="enrolments",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-last_activity_at", "-enrolled_at"],
                        "indexes": [
                            models.Index(
                                fields=["user", "completed_at"],
                                name="learners_en_user_id_2bc7ba_idx",
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "course"), name="enrolment_unique"
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RenameIndex(
            model_name="enrolment",
            new_name="enrolment_user_done_idx",
            old_name="learners_en_user_id_2bc7ba_idx",
        ),
    ]
