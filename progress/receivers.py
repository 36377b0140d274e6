"""Progress listens to what the content layers announce (courses/events.py)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from courses.events import learner_progressed, requirements_changed

from . import services
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
