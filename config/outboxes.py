"""Messages the site has queued but not sent yet, as /healthz reports them.

`config` imports no app (docs/adr/0007), so each app that queues messages registers a
function here from its AppConfig.ready(): invitations today (learners), the reminders outbox
later. /healthz calls each one, in the request, only when the database answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from django.db import connection, transaction
from django.utils import timezone

# Each backlog query gets this long on PostgreSQL: a table locked by a migration must not hold
# the health check (and the load balancer behind it).
QUERY_TIMEOUT_MS = 500

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backlog:
    """`unsent` messages, the oldest queued at `oldest_queued_at` (None when there are none),
    which counts as delayed once older than `delayed_after`."""

    unsent: int
    oldest_queued_at: datetime | None
    delayed_after: timedelta


class OutboxState(TypedDict):
    state: str  # "ok", "delayed" or "unavailable"
    unsent: int | None
    oldest_age_s: int | None


_registry: dict[str, Callable[[], Backlog]] = {}


def register(name: str, backlog: Callable[[], Backlog]) -> None:
    """Report `backlog()` under `name` in /healthz. `backlog` runs one quick query (give it an
    index). Registering a name again replaces the function."""
    _registry[name] = backlog


def report(*, database_ok: bool) -> dict[str, OutboxState]:
    """{name: state} for every registered outbox, in name order: "delayed" when the oldest
    message has waited longer than its outbox allows, "unavailable" when the database is
    down or the query failed or ran out of time. Each outbox costs its one query in a short
    transaction of its own (on PostgreSQL with a statement timeout); nothing when
    `database_ok` is False."""
    now = timezone.now()
    return {
        name: _state(name, now) if database_ok else _unavailable() for name in sorted(_registry)
    }


def _state(name: str, now: datetime) -> OutboxState:
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL statement_timeout = {QUERY_TIMEOUT_MS}")
            found = _registry[name]()
    except Exception as exc:
        logger.warning("Health check: the %s outbox could not be read: %r", name, exc)
        return _unavailable()
    if found.oldest_queued_at is None:
        return {"state": "ok", "unsent": found.unsent, "oldest_age_s": None}
    age = max(timedelta(0), now - found.oldest_queued_at)
    return {
        "state": "delayed" if age > found.delayed_after else "ok",
        "unsent": found.unsent,
        "oldest_age_s": int(age.total_seconds()),
    }


def _unavailable() -> OutboxState:
    return {"state": "unavailable", "unsent": None, "oldest_age_s": None}
