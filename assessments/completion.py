"""What a course asks for beyond its lessons: passing its required quizzes and finishing its
required practice conversations."""

from __future__ import annotations

from datetime import datetime

from .models import Attempt, Quiz, Scenario, ScenarioRun


def open_requirements(
    *, user_id: int, course_id: int, since: datetime | None = None
) -> tuple[list[Quiz], list[Scenario]]:
    """Required, published quizzes not yet passed and scenarios not yet finished by the person,
    counting only what they did from `since` on (the start of this round of a course that
    recurs; None counts everything). Two queries; ([], []) when nothing is left."""
    passed = Attempt.objects.filter(user_id=user_id, passed=True)
    finished = ScenarioRun.objects.filter(user_id=user_id, finished_at__isnull=False)
    if since is not None:
        passed = passed.filter(submitted_at__gte=since)
        finished = finished.filter(finished_at__gte=since)
    quizzes = list(
        Quiz.objects.published()
        .filter(course_id=course_id, required=True)
        .exclude(pk__in=passed.values("quiz"))
    )
    scenarios = list(
        Scenario.objects.filter(course_id=course_id, required=True, is_published=True).exclude(
            pk__in=finished.values("scenario")
        )
    )
    return quizzes, scenarios
