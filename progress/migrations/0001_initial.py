"""Lesson progress and certificates join this app from learners (learners 0003 renamed their
tables)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import progress.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("courses", "0002_enrolment"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="LessonProgress",
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
                        ("lesson_key", models.UUIDField()),
                        (
                            "first_opened_at",
                            models.DateTimeField(default=django.utils.timezone.now),
                        ),
                        (
                            "last_opened_at",
                            models.DateTimeField(default=django.utils.timezone.now),
                        ),
                        ("completed_at", models.DateTimeField(blank=True, null=True)),
                        ("seconds_spent", models.PositiveIntegerField(default=0)),
                        (
                            "enrolment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="lessons",
                                to="courses.enrolment",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "lesson progress",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("enrolment", "lesson_key"), name="lessonprogress_unique"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Certificate",
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
                            "code",
                            models.CharField(
                                default=progress.models.certificate_code,
                                max_length=16,
                                unique=True,
                            ),
                        ),
                        ("learner_name", models.CharField(max_length=150)),
                        ("course_title", models.CharField(max_length=160)),
                        ("issued_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "course",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="certificates",
                                to="courses.course",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="certificates",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "enrolment",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="certificate",
                                to="courses.enrolment",
                            ),
                        ),
                    ],
                    options={"ordering": ["-issued_at"]},
                ),
            ],
        ),
    ]
