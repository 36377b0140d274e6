"""Background work for reminders. Tasks take no objects, call services, and are safe to run
twice or in several workers at once (the outbox's unique keys and leases make them so)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def run_reminder_sweep() -> int:
    """Beat runs this every few minutes: write what is due into the outbox, then wake the
    dispatchers. Returns how many rows were new."""
    created = services.reminders_sweep_and_kick()
    return created


@shared_task
def send_pending_notifications() -> int:
    """Send what is due in the outbox for up to about a minute, then hand the rest to a fresh
    task. Returns how many rows were sent."""
    return services.pending_notifications_send()
