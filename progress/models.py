"""What each learner has done: lesson by lesson progress, and certificates for finished courses.

This app sits on top of courses and assessments and is imported by neither (docs/adr/0007).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from courses.models import Course, Enrolment, LearningPath


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


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def active(self) -> AssignmentQuerySet:
        """Assignments not removed."""
        return self.filter(removed_at__isnull=True)


class Assignment(models.Model):
    """A course given to one person by a manager or admin, with an optional due date.

    Assigning a learning path makes one assignment per course of the path (`path` says which).
    The person's enrolment carries the same due date, and that is what every page and reminder
    reads; `progress.assignments` keeps the two in step. Removing an assignment keeps the row
    (who assigned what, when) and the person's progress.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="assignments")
    path = models.ForeignKey(
        LearningPath,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-assigned_at"]
        constraints = [
            # Assigning twice, a double click or a retry finds the row that is already there.
            models.UniqueConstraint(
                fields=["user", "course"],
                condition=models.Q(removed_at__isnull=True),
                name="assignment_one_active_per_course",
            ),
        ]
        indexes = [models.Index(fields=["course", "removed_at"], name="assignment_course_idx")]

    def __str__(self) -> str:
        return f"{self.course} for {self.user}"
