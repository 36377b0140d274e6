"""Background work for assessments. Tasks take ids and call services."""

from celery import shared_task

from .quizzes.services import attempts


@shared_task
def close_overdue_attempts() -> int:
    """Close every attempt whose time limit (plus grace) has passed. Returns how many closed."""
    return sum(1 for pk in attempts.overdue_attempt_ids() if attempts.attempt_expire(attempt_id=pk))
