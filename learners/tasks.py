"""Background work for people and teams. Tasks take ids and call services."""

from celery import shared_task
from django.core.management import call_command

from . import services


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=8,
)
def send_invitation_email(invitation_id: int) -> bool:
    """Email an invitation link; retried with backoff while the mail server is unreachable."""
    return services.invitation_email_send(invitation_id=invitation_id)


@shared_task
def clear_expired_sessions() -> None:
    """Delete expired sign-in sessions so the table does not grow without end."""
    call_command("clearsessions")


@shared_task
def refresh_course_progress(course_id: int) -> int:
    """After a course is republished, recount everyone's progress against the new version."""
    from .progress import course_progress_refresh

    return course_progress_refresh(course_id=course_id)
