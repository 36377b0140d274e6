"""Announcements from the people layer to the layers above it.

Learners sits at the bottom and imports no other app (docs/adr/0007), yet progress has to act
when someone joins a team (a team's rules give them training), and the notifications outbox has
to send invitation emails. The services here announce the change; the layers above listen
(progress/receivers.py, notifications/receivers.py).

- `member_joined(user_id, team_id)`: a person became a member (not a manager) of a team, through
  `membership_add` or by accepting an invitation. Sent after the transaction commits, and
  dropped if it rolls back.
- `invitation_queued(invitation_id, nonce)`: an invitation's current link needs emailing. Sent
  inside the transaction that created or re-sent it, so the outbox row is written in that same
  transaction (docs/adr/0015): both are committed, or neither.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.dispatch import Signal

member_joined = Signal()
invitation_queued = Signal()


def announce_member_joined(*, user_id: int, team_id: int) -> None:
    """After commit, tell listeners that the person joined the team as a member. No query.

    Sent robustly: the person has joined by the time it is sent, so a listener that fails is
    logged rather than turning their welcome page into an error.
    """
    transaction.on_commit(
        lambda: member_joined.send(sender=None, user_id=user_id, team_id=team_id), robust=True
    )


def announce_invitation_queued(*, invitation_id: int, nonce: str) -> None:
    """In the caller's transaction, hand the invitation's link to whoever sends email (the
    notifications outbox writes one row: one query). Not robust on purpose: if the row cannot
    be written, the invitation is not created either. Raises ImproperlyConfigured when nothing
    listens, since the email would silently never leave."""
    answered = invitation_queued.send(sender=None, invitation_id=invitation_id, nonce=nonce)
    if not answered:
        raise ImproperlyConfigured("Nothing sends invitation emails: is notifications installed?")
