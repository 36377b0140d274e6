"""Spaced refreshers: what each learner should look at again, and when.

A `ReviewItem` is one thing a person can be asked again: a quiz question they answered, or a
decision point ("moment") of a practice conversation they played, where the replies on offer
scored differently on the named behaviours. It carries the memory model's card (FSRS: stability,
difficulty, due, last review, state, step, reps, lapses) and the topic (course and module) it
belongs to. `Review` is one rating of an item: the first one from the quiz or the conversation,
later ones from refreshers. `RefresherSession` groups a sitting of at most ten refreshers.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from courses.models import Course, Enrolment


class ReviewItemQuerySet(models.QuerySet["ReviewItem"]):
    def showable(self) -> ReviewItemQuerySet:
        """Items that can be shown to their person: in a course that is live and that they are
        enrolled in (the rule of `courses.permissions.can_take_part`, as a filter), and a
        question that still has a current version and isn't archived, or a conversation moment
        (a deleted line deletes its items)."""
        enrolled = Enrolment.objects.filter(
            user_id=OuterRef("user_id"), course_id=OuterRef("course_id")
        )
        return (
            self.filter(course__published_version__isnull=False)
            .filter(Exists(enrolled))
            .filter(
                Q(kind=ReviewItem.Kind.MOMENT)
                | Q(question__archived=False, question__current__isnull=False)
            )
        )

    def for_learner(self, user_id: int) -> ReviewItemQuerySet:
        """The person's showable items."""
        return self.filter(user_id=user_id).showable()

    def due(self, now: dt.datetime) -> ReviewItemQuerySet:
        """Items whose next review is at or before `now`."""
        return self.filter(due_at__lte=now)


class ReviewItem(models.Model):
    class Kind(models.TextChoices):
        QUESTION = "question", _("Quiz question")
        MOMENT = "moment", _("Conversation moment")

    class State(models.IntegerChoices):
        """FSRS's card states (fsrs.State), stored as their numbers."""

        LEARNING = 1, _("Learning")
        REVIEW = 2, _("Review")
        RELEARNING = 3, _("Relearning")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_items"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    question = models.ForeignKey(
        "assessments.Question", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    node = models.ForeignKey(
        "assessments.ScenarioNode",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    module_key = models.UUIDField(null=True, blank=True)
    # The memory model's card.
    state = models.PositiveSmallIntegerField(choices=State.choices, default=State.LEARNING)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due_at = models.DateTimeField()
    last_review_at = models.DateTimeField(null=True, blank=True)
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="question", question__isnull=False, node__isnull=True))
                | (Q(kind="moment", question__isnull=True, node__isnull=False)),
                name="reviewitem_question_xor_moment",
            ),
            models.UniqueConstraint(
                fields=["user", "question"],
                condition=Q(question__isnull=False),
                name="reviewitem_one_per_question",
            ),
            models.UniqueConstraint(
                fields=["user", "node"],
                condition=Q(node__isnull=False),
                name="reviewitem_one_per_moment",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "due_at"], name="reviewitem_user_due"),
            # The reminders' question, "who has anything due", reads every person's items.
            models.Index(fields=["due_at"], name="reviewitem_due"),
            models.Index(fields=["course", "user"], name="reviewitem_course_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} {self.question_id or self.node_id}"


class RefresherSession(models.Model):
    """One sitting of refreshers: at most SESSION_SIZE answers (refreshers/services.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="refresher_sessions"
    )
    started_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "started_at"], name="refreshersession_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} at {self.started_at:%Y-%m-%d %H:%M}"


class Review(models.Model):
    """One rating of an item, and what the learner gave when it came from a refresher."""

    class Source(models.TextChoices):
        QUIZ = "quiz", _("Quiz")
        PRACTICE = "practice", _("Practice conversation")
        REFRESHER = "refresher", _("Refresher")

    class Rating(models.IntegerChoices):
        """FSRS's ratings (fsrs.Rating), stored as their numbers."""

        AGAIN = 1, _("Again")
        HARD = 2, _("Hard")
        GOOD = 3, _("Good")
        EASY = 4, _("Easy")

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="reviews")
    session = models.ForeignKey(
        RefresherSession,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reviews",
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    reviewed_at = models.DateTimeField()
    # When the item was due as it was answered: null for the first rating, which creates it.
    was_due_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    right = models.BooleanField()
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    # What a refresher answer was, in the form the quiz stores it ({"choice": id}, ...) or
    # {"reply": id} for a conversation moment; shown back with the feedback.
    answer = models.JSONField(null=True, blank=True)
    # The item's `reps` before this review: two posts of the same page carry the same number,
    # and the database lets only one of them through.
    reps_before = models.PositiveIntegerField()

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "reps_before"], name="review_once_per_rep"),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__in=[1, 2, 3]),
                name="review_confidence_range",
            ),
        ]
        indexes = [models.Index(fields=["item", "reviewed_at"], name="review_item_time")]

    def __str__(self) -> str:
        return f"{self.item_id} rated {self.rating} at {self.reviewed_at:%Y-%m-%d %H:%M}"


class CourseRefresherPolicy(models.Model):
    """Whether keeping refreshers up to date renews a recurring course instead of a re-take
    (docs/adr: refreshers renewing recurring courses), set by authors per course."""

    course = models.OneToOneField(Course, on_delete=models.CASCADE, related_name="+")
    renews_recurring = models.BooleanField(
        _("Up-to-date refreshers renew this course"),
        default=False,
        help_text=_(
            "When a recurring assignment comes round, people who kept their refreshers up to "
            "date keep their certificate for another round instead of taking the course again."
        ),
    )
    grace_days = models.PositiveSmallIntegerField(
        _("Days a refresher may wait"),
        default=7,
        help_text=_("How late a refresher can be and still count as up to date."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.course_id}: renews={self.renews_recurring}"
