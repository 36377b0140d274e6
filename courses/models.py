"""Courses, their versions, modules and lessons; learning paths.

A `Course` is the stable identity people enrol in. Its content lives in `CourseVersion`s: at
most one editable draft, and frozen versions that were published at some point.
`Course.published_version` is what learners see. Modules and lessons carry a `key` (UUID) that
stays the same from version to version, so progress recorded against a lesson survives every
re-publish.

An `Enrolment` is a person's place on a course, the way a team membership is their place in a
team: it is what lets them take the course's lessons, quizzes and practice conversations. Its
progress counters are kept by the progress app, which sits above courses and assessments.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CourseQuerySet(models.QuerySet["Course"]):
    def published(self) -> CourseQuerySet:
        """Courses learners can see: those with a live version."""
        return self.filter(published_version__isnull=False)

    def with_live_content(self) -> CourseQuerySet:
        """Join the live version's title and summary (no extra query per course)."""
        return self.select_related("published_version")


class Course(models.Model):
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("web address"), max_length=80, unique=True)
    self_enrol = models.BooleanField(
        _("open to everyone"),
        default=False,
        help_text=_("Anyone can start it from the catalog, without being assigned it."),
    )
    published_version = models.OneToOneField(
        "CourseVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    @property
    def is_live(self) -> bool:
        """True when learners can see the course. No query."""
        return self.published_version_id is not None


class CourseVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FROZEN = "frozen", _("Published before")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(_("title"), max_length=160)
    summary = models.TextField(_("summary"), blank=True, max_length=600)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["course", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "number"], name="courseversion_number_unique"
            ),
            models.UniqueConstraint(
                fields=["course"],
                condition=Q(status="draft"),
                name="courseversion_one_draft",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "frozen"]), name="courseversion_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number}, {self.get_status_display()})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class Module(models.Model):
    version = models.ForeignKey(CourseVersion, on_delete=models.CASCADE, related_name="modules")
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("title"), max_length=160)
    summary = models.TextField(_("summary"), blank=True, max_length=600)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="module_key_unique_in_version"),
        ]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    version = models.ForeignKey(CourseVersion, on_delete=models.CASCADE, related_name="lessons")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("title"), max_length=160)
    body_markdown = models.TextField(_("lesson text"), blank=True)
    # Rendered and sanitised by courses.content when the lesson is saved through a service;
    # pages show this and never render Markdown per request.
    body_html = models.TextField(blank=True, editable=False)
    minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=5)
    video_url = models.URLField(_("video"), blank=True)

    class Meta:
        ordering = ["module__position", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="lesson_key_unique_in_version"),
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=240), name="lesson_minutes_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title


def _image_path(instance: CourseImage, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"course-images/{instance.course.key}/{uuid.uuid4().hex}.{extension}"


class CourseImage(models.Model):
    """An image uploaded for use in a course's lessons; shared by all of its versions."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=_image_path)
    alt_text = models.CharField(_("description for screen readers"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.alt_text


class LearningPathQuerySet(models.QuerySet["LearningPath"]):
    def published(self) -> LearningPathQuerySet:
        return self.filter(is_published=True)


class LearningPath(models.Model):
    """An ordered series of courses, such as new-hire onboarding."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("web address"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=160)
    summary = models.TextField(_("summary"), blank=True, max_length=600)
    is_published = models.BooleanField(_("published"), default=False)
    self_enrol = models.BooleanField(_("open to everyone"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LearningPathQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class PathCourse(models.Model):
    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="steps")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="path_steps")
    position = models.PositiveIntegerField(default=0)
    requires_previous = models.BooleanField(
        _("finish the previous course first"),
        default=False,
    )

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["path", "course"], name="pathcourse_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.path}: {self.course}"


class EnrolmentQuerySet(models.QuerySet["Enrolment"]):
    def for_learner(self, user: AbstractBaseUser) -> EnrolmentQuerySet:
        """This person's enrolments in courses that are live, with the live version joined."""
        return self.filter(user=user, course__published_version__isnull=False).select_related(
            "course", "course__published_version"
        )

    def active(self) -> EnrolmentQuerySet:
        """Not yet completed."""
        return self.filter(completed_at__isnull=True)


class Enrolment(models.Model):
    """One person taking one course.

    The counters below (`completed_lessons`, `completed_at`, `last_lesson_key`,
    `last_activity_at`) are denormalised by `progress.services` so list pages never count per
    row; nothing else writes them. Progress itself is kept per lesson *key*, so it outlives
    versions.
    """

    class Source(models.TextChoices):
        SELF = "self", _("Chose it")
        PATH = "path", _("Part of a learning path")
        ASSIGNED = "assigned", _("Assigned")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    path = models.ForeignKey(
        LearningPath,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrolments",
    )
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.SELF)
    enrolled_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True)
    last_lesson_key = models.UUIDField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    completed_lessons = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["-last_activity_at", "-enrolled_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="enrolment_unique"),
        ]
        indexes = [models.Index(fields=["user", "completed_at"], name="enrolment_user_done_idx")]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"
