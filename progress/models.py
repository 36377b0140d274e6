"""What each learner has done: lesson by lesson progress, and certificates for finished courses.

This app sits on top of courses and assessments and is imported by neither (docs/adr/0007).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from courses.models import Course, Enrolment, LearningPath
from learners.models import Team


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

    # One per completion: a course that recurs is finished again each cycle.
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="certificates")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certificates")
    code = models.CharField(max_length=16, unique=True, default=certificate_code)
    learner_name = models.CharField(max_length=150)
    course_title = models.CharField(max_length=160)
    issued_at = models.DateTimeField(default=timezone.now)
    # Set when the course was assigned to recur: the day the person is due to refresh it.
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "issued_at"], name="certificate_one_per_completion"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.learner_name}, {self.course_title}"


MAX_RECUR_MONTHS = 60


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
    # "Every N months after completion": the course comes back before the last one lapses.
    recur_months = models.PositiveSmallIntegerField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set when a team's rule made this assignment (progress.rules); None when a person did.
    rule = models.ForeignKey(
        "AssignmentRule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments",
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
            models.CheckConstraint(
                condition=models.Q(recur_months__isnull=True)
                | models.Q(recur_months__gte=1, recur_months__lte=MAX_RECUR_MONTHS),
                name="assignment_recur_months_range",
            ),
        ]
        indexes = [models.Index(fields=["course", "removed_at"], name="assignment_course_idx")]

    def __str__(self) -> str:
        return f"{self.course} for {self.user}"


class AssignmentRuleQuerySet(models.QuerySet["AssignmentRule"]):
    def active(self) -> AssignmentRuleQuerySet:
        """Rules not removed. Lazy."""
        return self.filter(removed_at__isnull=True)

    def for_team_and_above(self, team: Team) -> AssignmentRuleQuerySet:
        """Rules of `team` and of every team it sits in (a region's rules reach its stores).
        Reads the team's path, so no query until evaluated; then one."""
        return self.filter(team_id__in=team.lineage_ids)

    def with_people_assigned(self) -> AssignmentRuleQuerySet:
        """Annotates `people_assigned`: how many people hold an assignment this rule made and
        nobody has taken back. Part of the same query."""
        return self.annotate(
            people_assigned=models.Count(
                "assignments__user",
                filter=models.Q(assignments__removed_at__isnull=True),
                distinct=True,
            )
        )


class AssignmentRule(models.Model):
    """A course or learning path given automatically to everyone in a team and the teams
    nested under it: to its members when the rule is made, and to each person who joins later.

    `due_within_days` counts from the day the rule reaches the person (None: no due date).
    Removing a rule keeps the row (who set it up, when, who took it away) and every assignment
    it already made. `progress.rules` creates, applies and removes rules.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="assignment_rules")
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, null=True, blank=True, related_name="assignment_rules"
    )
    path = models.ForeignKey(
        LearningPath,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assignment_rules",
    )
    due_within_days = models.PositiveSmallIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = AssignmentRuleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(course__isnull=False, path__isnull=True)
                    | models.Q(course__isnull=True, path__isnull=False)
                ),
                name="assignmentrule_course_or_path",
            ),
            models.CheckConstraint(
                condition=models.Q(due_within_days__isnull=True)
                | models.Q(due_within_days__gte=1, due_within_days__lte=366),
                name="assignmentrule_days_in_range",
            ),
            # A double click or a retry finds the rule that is already there.
            models.UniqueConstraint(
                fields=["team", "course"],
                condition=models.Q(removed_at__isnull=True, course__isnull=False),
                name="assignmentrule_one_active_per_course",
            ),
            models.UniqueConstraint(
                fields=["team", "path"],
                condition=models.Q(removed_at__isnull=True, path__isnull=False),
                name="assignmentrule_one_active_per_path",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.path or self.course} for {self.team}"

    @property
    def training_title(self) -> str:
        """The path's title, or the course's published title (its slug when unpublished).
        No query when `path` or `course__published_version` is loaded."""
        if self.path is not None:
            return self.path.title
        assert self.course is not None
        version = self.course.published_version
        return version.title if version else self.course.slug
