"""Announcements from the people layer to the layers above it.

Learners sits at the bottom and imports no other app (docs/adr/0007), yet progress has to act
when someone joins a team (a team's rules give them training). The services here announce the
change; progress listens (progress/receivers.py). Every announcement leaves only after the
surrounding transaction commits, and is dropped if it rolls back.

- `member_joined(user_id, team_id)`: a person became a member (not a manager) of a team, through
  `membership_add` or by accepting an invitation.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

member_joined = Signal()


def announce_member_joined(*, user_id: int, team_id: int) -> None:
    """After commit, tell listeners that the person joined the team as a member. No query.

    Sent robustly: the person has joined by the time it is sent, so a listener that fails is
    logged rather than turning their welcome page into an error.
    """
    transaction.on_commit(
        lambda: member_joined.send(sender=None, user_id=user_id, team_id=team_id), robust=True
    )
