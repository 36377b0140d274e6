"""What a course asks for beyond its lessons: passing its required quizzes and finishing its
required practice conversations."""

from __future__ import annotations

from .models import Attempt, Quiz, Scenario, ScenarioRun


def open_requirements(*, user_id: int, course_id: int) -> tuple[list[Quiz], list[Scenario]]:
    """Required, published quizzes not yet passed and scenarios not yet finished by the person.
    Two queries; ([], []) when nothing is left."""
    quizzes = list(
        Quiz.objects.published()
        .filter(course_id=course_id, required=True)
        .exclude(pk__in=Attempt.objects.filter(user_id=user_id, passed=True).values("quiz"))
    )
    scenarios = list(
        Scenario.objects.filter(course_id=course_id, required=True, is_published=True).exclude(
            pk__in=ScenarioRun.objects.filter(user_id=user_id, finished_at__isnull=False).values(
                "scenario"
            )
        )
    )
    return quizzes, scenarios
