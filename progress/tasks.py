"""Background work for learner progress. Tasks take ids and call services."""

from celery import shared_task

from . import recurrence, services


@shared_task
def refresh_course_progress(course_id: int) -> int:
    """After what a course asks for changes, re-evaluate everyone enrolled in it."""
    return services.course_progress_refresh(course_id=course_id)


@shared_task
def renew_recurring_assignments() -> int:
    """Open the next round of recurring courses whose last completion is about to lapse."""
    return recurrence.assignments_renew_due()
