"""Background work for people and teams. Tasks take ids and call services.

Invitation emails leave through the notifications outbox (docs/adr/0015), not a task here.
"""

from celery import shared_task
from django.core.management import call_command


@shared_task
def clear_expired_sessions() -> None:
    """Delete expired sign-in sessions so the table does not grow without end."""
    call_command("clearsessions")
