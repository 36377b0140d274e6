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
