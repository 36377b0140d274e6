"""What the outbox sends, kind by kind: its label, whether a person may turn it off, and the
sample data the template editor previews with.

A kind's email text lives in an admin-editable template (notifications.rendering); its
context is plain data (strings and numbers) written into the outbox row, so templates reach
nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    INVITATION = "invitation", _("Invitation to join")
    ASSIGNED = "assigned", _("New training assigned")
    DUE_SOON = "due_soon", _("Training due soon")
    DUE_TODAY = "due_today", _("Training due today")
    OVERDUE = "overdue", _("Training overdue")
    OVERDUE_MANAGER = "overdue_manager", _("Someone in your team is overdue")
    REFRESHER_DUE = "refresher_due", _("Refresher ready")
    RECURRENCE_STARTING = "recurrence_starting", _("Yearly training is back")
    MANAGER_DIGEST = "manager_digest", _("Weekly team summary")
    CERTIFICATE_EXPIRING = "certificate_expiring", _("Certificate running out")


# The template used when several reminders go out together in one email.
DIGEST = "digest"


@dataclass(frozen=True)
class KindInfo:
    # "transactional": sent at once, never capped or combined (an invitation someone waits for).
    # "due_notice": about a due date; the organisation decides whether people may turn it off.
    # "optional": anyone may turn it off, and each email carries a one-click unsubscribe.
    group: str
    sample: dict[str, object]
    help: str | Promise = ""


_LEARNER: dict[str, object] = {"name": "Ana", "site_name": "Service Practice"}
_COURSE: dict[str, object] = {
    **_LEARNER,
    "course": "Calm under fire",
    "due_date": "Friday 12 December",
    "url": "https://training.example.com/courses/calm-under-fire/",
}

KINDS: dict[str, KindInfo] = {
    Kind.INVITATION: KindInfo(
        "transactional",
        {
            "name": "Ana",
            "site_name": "Service Practice",
            "team": "Downtown Store",
            "inviter": "Maya",
            "url": "https://training.example.com/invite/…/",
        },
    ),
    Kind.ASSIGNED: KindInfo("due_notice", {**_COURSE, "assigned_by": "Maya"}),
    Kind.DUE_SOON: KindInfo("due_notice", {**_COURSE, "days": 7}),
    Kind.DUE_TODAY: KindInfo("due_notice", _COURSE),
    Kind.OVERDUE: KindInfo("due_notice", _COURSE),
    Kind.OVERDUE_MANAGER: KindInfo(
        "optional",
        {**_COURSE, "name": "Maya", "person": "Ana", "url": "https://training.example.com/team/"},
    ),
    Kind.REFRESHER_DUE: KindInfo(
        "optional",
        {
            **_LEARNER,
            "count": 6,
            "since": "Monday 8 December",
            "url": "https://training.example.com/",
        },
    ),
    Kind.RECURRENCE_STARTING: KindInfo("optional", _COURSE),
    Kind.MANAGER_DIGEST: KindInfo(
        "optional",
        {
            "name": "Maya",
            "site_name": "Service Practice",
            "people": 8,
            "overdue": 2,
            "due_this_week": 3,
            "finished_last_week": 4,
            "attention": ["Ana: Calm under fire, due 1 December", "Ben: Listening first"],
            "url": "https://training.example.com/team/",
        },
    ),
    Kind.CERTIFICATE_EXPIRING: KindInfo("optional", {**_COURSE, "expires": "Friday 12 December"}),
}

DIGEST_SAMPLE: dict[str, object] = {
    "name": "Ana",
    "site_name": "Service Practice",
    "count": 2,
    "items": [
        {"subject": "Calm under fire is due on Friday", "text": "Two lessons and a quiz to go."},
        {"subject": "6 refresher questions are ready", "text": "About three minutes."},
    ],
}

DUE_NOTICES = frozenset(k for k, info in KINDS.items() if info.group == "due_notice")
OPTIONAL = frozenset(k for k, info in KINDS.items() if info.group == "optional")
# Every kind the sweep writes, i.e. everything but invitations.
REMINDERS = DUE_NOTICES | OPTIONAL


def label(kind: str) -> str:
    """The kind's name as people read it; the code itself for an unknown kind."""
    try:
        return str(Kind(kind).label)
    except ValueError:
        return kind
