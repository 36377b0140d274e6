"""Progress listens to what the layers below announce (courses/events.py, learners/events.py)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from courses.events import (
    certificate_holders_requested,
    learner_progressed,
    requirements_changed,
)
from learners.events import member_joined

from . import rules, selectors, services
from .tasks import refresh_course_progress


@receiver(requirements_changed, dispatch_uid="progress.requirements_changed")
def _refresh_courses(*, course_ids: list[int], **_kwargs: Any) -> None:
    # Already after commit; one task per course re-checks all its enrolments in batches.
    for course_id in course_ids:
        refresh_course_progress.delay(course_id)


@receiver(learner_progressed, dispatch_uid="progress.learner_progressed")
def _refresh_enrolment(*, user_id: int, course_id: int, **_kwargs: Any) -> None:
    # In the request that caused it, so the next page already shows the course as finished.
    services.enrolment_refresh_for(user_id=user_id, course_id=course_id)


@receiver(member_joined, dispatch_uid="progress.member_joined")
def _apply_team_rules(*, user_id: int, team_id: int, **_kwargs: Any) -> None:
    # In the request that caused it, so the newcomer's first page already lists their training.
    rules.rules_apply_to_member(user_id=user_id, team_id=team_id)


@receiver(certificate_holders_requested, dispatch_uid="progress.certificate_holders")
def _count_certificate_holders(*, course_id: int, **_kwargs: Any) -> int:
    return selectors.certificate_holders_count(course_id=course_id)
