"""Notifications listens to what the layers below announce (learners/events.py)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from learners.events import invitation_queued

from . import services


@receiver(invitation_queued, dispatch_uid="notifications.invitation_queued")
def _queue_invitation(*, invitation_id: int, nonce: str, **_kwargs: Any) -> int:
    # In the inviting transaction: the outbox row commits with the invitation, or neither does.
    return services.invitation_enqueue(invitation_id=invitation_id, nonce=nonce).pk
