"""Who did it: the activity log.

Every service that changes something people care about later (who joined a team, who made
someone a manager, who published a course) writes one `AuditEntry` through `audit_record`, in
its own transaction, so the change and its entry are saved together or not at all.

This module sits in the bottom layer so that every app can write entries. An app adding a new
kind of change picks a dotted action code ("assignment.create") and adds its words to
`AUDIT_ACTION_LABELS` in learners/models.py. Reading: `AuditEntry.objects.filter_by(...)`,
`.actions_present()` and `.for_target(...)` (learners/models.py, beside the model, because the
manager is built from them), and `learners.permissions.audit_entries_visible_to(user)` for who
may read what.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

from django.db import transaction
from django.db.transaction import TransactionManagementError

from .models import AuditEntry, User

AuditValue: TypeAlias = str | int | float | bool | None
Change: TypeAlias = tuple[AuditValue, AuditValue]  # (before, after)
Changes: TypeAlias = Mapping[str, Change]


def audit_record(
    *,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: object,
    target_label: str,
    changes: Changes | None = None,
) -> AuditEntry:
    """Write one activity log entry in the caller's transaction and return it.

    The caller owns the transaction: call this inside the `transaction.atomic()` of the service
    that makes the change, so that a failed change leaves no entry and a failed entry undoes the
    change. Raises TransactionManagementError when called outside any transaction.

    `actor` is the person who acted, or None for system work (seed_demo, management commands,
    scheduled tasks); whenever a person acts, pass them. Their display name is copied into the
    entry. `action` is a short dotted code ("membership.add"). `target_id` is stored as text.
    `changes` maps a field to (before, after), with None for "nothing"; values must be plain
    JSON scalars. Pairs whose two sides are equal are left out, since nothing changed there
    (the entry is still written: the action itself happened). One INSERT.
    """
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(
            "audit_record() writes in the caller's transaction; call it inside the "
            "transaction.atomic() block of the service that makes the change."
        )
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=actor.display_name if actor is not None else "",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        target_label=target_label[:255],
        changes={
            field: [before, after]
            for field, (before, after) in (changes or {}).items()
            if before != after
        },
    )
