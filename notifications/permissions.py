"""Who may read a person's reminder ledger and change how reminders work.

The ledger follows the person page's rule (progress.permissions.get_person_progress_for):
managers for the people in the teams they manage, admins for everyone, 404 otherwise. The
policy, the email templates and failed emails are for training admins.
"""

from __future__ import annotations

from django.http import Http404

from learners.models import User
from learners.permissions import AnyUser, is_training_admin
from progress.permissions import get_person_progress_for


def can_manage_reminders(user: AnyUser) -> bool:
    """Training admins set the reminder policy, edit email wording and see failed emails. No
    query."""
    return is_training_admin(user)


def require_reminder_admin(user: AnyUser) -> None:
    """Raises Http404 for anyone who may not manage reminders (can_manage_reminders)."""
    if not can_manage_reminders(user):
        raise Http404


def get_ledger_person_for(user: AnyUser, pk: int) -> User:
    """Person `pk`, if `user` may read their reminder ledger; Http404 otherwise, the same as
    for someone who doesn't exist. Queries as for get_person_progress_for."""
    return get_person_progress_for(user, pk)
