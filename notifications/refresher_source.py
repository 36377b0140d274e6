"""The spaced refreshers as a due source: who has refreshers waiting, for "refresher due"
reminders (notifications.due_sources). Registered from NotificationsConfig.ready()."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from refreshers import selectors

from .due_sources import DueItems


class RefresherSource:
    name = "refreshers"

    def due(self, now: dt.datetime) -> Iterable[DueItems]:
        return [
            DueItems(user_id=s.user_id, count=s.count, since=s.oldest_due_at)
            for s in selectors.refreshers_due(now=now)
        ]

    def due_count(self, user_id: int, now: dt.datetime) -> int:
        found = selectors.refreshers_due(now=now, user_ids=[user_id])
        return found[0].count if found else 0
