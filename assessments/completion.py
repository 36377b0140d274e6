"""What a course asks for beyond its lessons: passing its required quizzes and finishing its
required practice conversations.

This module is the one rule for "has this person done this check?": a quiz counts once passed,
a practice conversation once finished, and only from `since` on (the start of this round of a
course that recurs). Completion, the progress percentage and the checkpoint list on the course
page all read it, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Max

from .models import Attempt, Quiz, Scenario, ScenarioRun

# (user id, course id, since): whose checks, in which course, counted from when.
CheckKey = tuple[int, int, datetime | None]


def counts(latest: datetime | None, since: datetime | None) -> bool:
    """Whether a pass or finish at `latest` (None: never) counts for a round that began at
    `since` (None: every round). The rule every reader of checks goes through."""
    return latest is not None and (since is None or latest >= since)


def latest_passes(
    user_ids: Collection[int], quiz_ids: Collection[int]
) -> dict[tuple[int, int], datetime]:
    """(user id, quiz id) -> when they last passed it. One query; none without quizzes."""
    if not user_ids or not quiz_ids:
        return {}
    rows = (
        Attempt.objects.filter(user_id__in=user_ids, quiz_id__in=quiz_ids, passed=True)
        .values_list("user_id", "quiz_id")
        .annotate(latest=Max("submitted_at"))
    )
    return {(user_id, quiz_id): latest for user_id, quiz_id, latest in rows if latest}


def latest_finishes(
    user_ids: Collection[int], scenario_ids: Collection[int]
) -> dict[tuple[int, int], datetime]:
    """(user id, scenario id) -> when they last finished it. One query; none without
    scenarios."""
    if not user_ids or not scenario_ids:
        return {}
    rows = (
        ScenarioRun.objects.filter(
            user_id__in=user_ids, scenario_id__in=scenario_ids, finished_at__isnull=False
        )
        .values_list("user_id", "scenario_id")
        .annotate(latest=Max("finished_at"))
    )
    return {(user_id, scenario_id): latest for user_id, scenario_id, latest in rows if latest}


@dataclass
class CourseChecks:
    """One person's required checks in one course: what is still open, and how many there
    are in all."""

    open_quizzes: list[Quiz] = field(default_factory=list)
    open_scenarios: list[Scenario] = field(default_factory=list)
    total: int = 0

    @property
    def done(self) -> int:
        return self.total - len(self.open_quizzes) - len(self.open_scenarios)


def course_checks(keys: Collection[CheckKey]) -> dict[tuple[int, int], CourseChecks]:
    """(user id, course id) -> their required, published checks in that course, each counted
    with `counts`. Every key gets an entry (total 0 for a course that asks for none). At most
    four queries, whatever the number of keys: two for what the courses require, and one each
    for passes and finishes when there is something to look up."""
    if not keys:
        return {}
    course_ids = {course_id for _user, course_id, _since in keys}
    user_ids = {user_id for user_id, _course, _since in keys}
    quizzes = list(
        Quiz.objects.published().filter(course_id__in=course_ids, required=True).order_by("pk")
    )
    scenarios = list(
        Scenario.objects.filter(
            course_id__in=course_ids, required=True, is_published=True
        ).order_by("pk")
    )
    passes = latest_passes(user_ids, [q.pk for q in quizzes])
    finishes = latest_finishes(user_ids, [s.pk for s in scenarios])
    result: dict[tuple[int, int], CourseChecks] = {}
    for user_id, course_id, since in keys:
        checks = result.setdefault((user_id, course_id), CourseChecks())
        for quiz in quizzes:
            if quiz.course_id != course_id:
                continue
            checks.total += 1
            if not counts(passes.get((user_id, quiz.pk)), since):
                checks.open_quizzes.append(quiz)
        for scenario in scenarios:
            if scenario.course_id != course_id:
                continue
            checks.total += 1
            if not counts(finishes.get((user_id, scenario.pk)), since):
                checks.open_scenarios.append(scenario)
    return result


def open_requirements(
    *, user_id: int, course_id: int, since: datetime | None = None
) -> tuple[list[Quiz], list[Scenario]]:
    """Required, published quizzes not yet passed and scenarios not yet finished by the person,
    counting only what they did from `since` on (None counts everything). Two to four queries
    (`course_checks`); ([], []) when nothing is left."""
    checks = course_checks([(user_id, course_id, since)])[(user_id, course_id)]
    return checks.open_quizzes, checks.open_scenarios
