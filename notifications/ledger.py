"""The per-person ledger: why did (or didn't) Ana get a reminder on Tuesday?

For one day in the person's time zone it lists every email reminder that became due that day
or went out that day, and what happened to it: sent (and with what else, when several were
combined), waiting (until when, and why), held back because they turned it off, not sent
because it had stopped being true, or failed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from learners.models import User

from .models import Channel, Notification, State


@dataclass(frozen=True)
class Entry:
    row: Notification
    about: str
    # How many other reminders went out in the same email (0: it went alone or not at all).
    combined_with: int


@dataclass(frozen=True)
class Ledger:
    person: User
    day: dt.date
    entries: list[Entry]
    sent_emails: int


def _about(row: Notification) -> str:
    context = row.context or {}
    for key in ("course", "person"):
        if context.get(key):
            return str(context[key])
    if "count" in context:
        return f"{context['count']}"
    return ""


def ledger_for(person: User, day: dt.date) -> Ledger:
    """The person's email reminders that became due on `day` or were sent on it (their local
    day), oldest first. Two queries."""
    zone = person.zone
    start = dt.datetime.combine(day, dt.time.min, zone)
    end = start + dt.timedelta(days=1)
    rows = list(
        Notification.objects.filter(user=person, channel=Channel.EMAIL)
        .filter(
            Q(created_at__gte=start, created_at__lt=end) | Q(sent_at__gte=start, sent_at__lt=end)
        )
        .order_by("created_at", "pk")
    )
    per_message: dict[str, int] = {}
    message_ids = {r.message_id for r in rows if r.message_id}
    if message_ids:
        for message_id in Notification.objects.filter(message_id__in=message_ids).values_list(
            "message_id", flat=True
        ):
            per_message[message_id] = per_message.get(message_id, 0) + 1
    entries = [
        Entry(
            row=row,
            about=_about(row),
            combined_with=per_message.get(row.message_id, 1) - 1 if row.message_id else 0,
        )
        for row in rows
    ]
    sent = {
        r.message_id
        for r in rows
        if r.state == State.SENT and r.sent_at is not None and start <= r.sent_at < end
    }
    return Ledger(person=person, day=day, entries=entries, sent_emails=len(sent))
