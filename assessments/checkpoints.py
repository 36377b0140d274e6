"""The checkpoints of a course (its quizzes and practice conversations) and where a learner
stands on each, for the pages in progress that mix lessons with checks. Quizzes and practice
conversations both count, so this sits beside them rather than in either."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.urls import reverse

from learners.models import User

from .completion import counts, latest_finishes, latest_passes
from .models import Quiz, Scenario, SelfRating


@dataclass
class Checkpoint:
    kind: str  # "quiz" or "practice"
    title: str
    url: str
    done: bool
    required: bool


def checkpoints_for(
    course_id: int, user: User, since: datetime | None = None
) -> dict[UUID | None, list[Checkpoint]]:
    """Published quizzes and practice conversations of a course, grouped by the module they
    follow (None: after the whole course), each marked done when `user` passed or finished it
    from `since` on (the start of their enrolment's round; `completion.counts` is the rule).
    Two to four queries."""
    quizzes = list(Quiz.objects.published().filter(course_id=course_id).order_by("pk"))
    scenarios = list(Scenario.objects.filter(course_id=course_id, is_published=True).order_by("pk"))
    passes = latest_passes([user.pk], [q.pk for q in quizzes])
    finishes = latest_finishes([user.pk], [s.pk for s in scenarios])
    grouped: dict[UUID | None, list[Checkpoint]] = {}
    for scenario in scenarios:
        grouped.setdefault(scenario.module_key, []).append(
            Checkpoint(
                "practice",
                scenario.title,
                reverse("scenario_detail", args=[scenario.slug]),
                counts(finishes.get((user.pk, scenario.pk)), since),
                scenario.required,
            )
        )
    for quiz in quizzes:
        grouped.setdefault(quiz.module_key, []).append(
            Checkpoint(
                "quiz",
                quiz.title,
                reverse("quiz_detail", args=[quiz.key]),
                counts(passes.get((user.pk, quiz.pk)), since),
                quiz.required,
            )
        )
    return grouped


def checkpoint_after_module(
    course_id: int, module_key: UUID, user: User, since: datetime | None = None
) -> Checkpoint | None:
    """The first unfinished checkpoint that follows a module, or None. Two to four queries."""
    for checkpoint in checkpoints_for(course_id, user, since).get(module_key, []):
        if not checkpoint.done:
            return checkpoint
    return None


def pending_before_rating(course_id: int, user: User) -> Quiz | None:
    """A quiz of this course whose confidence question the learner has not answered "before"
    yet, or None. Asked at the start of the course, so the "after" answer shows the change.
    Two queries."""
    quizzes = list(
        Quiz.objects.published()
        .filter(course_id=course_id, module_key__isnull=False)
        .exclude(self_rating_prompt="")
        .order_by("pk")
    )
    if not quizzes:
        return None
    answered = set(
        SelfRating.objects.filter(
            user=user,
            moment=SelfRating.Moment.BEFORE,
            module_key__in=[q.module_key for q in quizzes],
        ).values_list("module_key", flat=True)
    )
    return next((q for q in quizzes if q.module_key not in answered), None)
