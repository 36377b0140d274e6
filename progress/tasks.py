"""Background work for learner progress. Tasks take ids and call services."""

from celery import shared_task

from . import services


@shared_task
def refresh_course_progress(course_id: int) -> int:
    """After what a course asks for changes, re-evaluate everyone enrolled in it."""
    return services.course_progress_refresh(course_id=course_id)
