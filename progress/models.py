"""What each learner has done: lesson by lesson progress, and certificates for finished courses.

This app sits on top of courses and assessments and is imported by neither (docs/adr/0007).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from courses.models import Course, Enrolment


class LessonProgress(models.Model):
    """One learner's record of one lesson, by the lesson's stable key."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="lessons")
    lesson_key = models.UUIDField()
    first_opened_at = models.DateTimeField(default=timezone.now)
    last_opened_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    seconds_spent = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "lesson progress"
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "lesson_key"], name="lessonprogress_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} / {self.lesson_key}"


def certificate_code() -> str:
    """A fresh 10-character code. Unambiguous characters only: people read these codes aloud
    and type them."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class Certificate(models.Model):
    """Proof that someone completed a course. Name and title are copied at issue time so the
    certificate reads the same after a rename."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="certificate"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certificates")
    code = models.CharField(max_length=16, unique=True, default=certificate_code)
    learner_name = models.CharField(max_length=150)
    course_title = models.CharField(max_length=160)
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.code}: {self.learner_name}, {self.course_title}"
