"""Where "refresher due" reminders come from, without this app knowing how refreshers work.

A due source answers two questions: who has something due now (person, how many, since when),
for the sweep; and how many are still due for one person, asked again just before the email
goes out. This app's `ready()` registers the spaced refreshers' selector here
(`refresher_source`: the layers run notifications → progress → refreshers); without one, no
refresher reminders are written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class DueItems:
    """`count` items have been due for `user_id` since `since`."""

    user_id: int
    count: int
    since: dt.datetime


class DueSource(Protocol):
    # Short and stable: it is part of each reminder's dedupe key ("refreshers").
    name: str

    def due(self, now: dt.datetime) -> Iterable[DueItems]:
        """Everyone with at least one item due at `now`. A bounded number of queries."""
        ...

    def due_count(self, user_id: int, now: dt.datetime) -> int:
        """How many items are due for one person at `now` (0: nothing, so the reminder is
        stale). One query or so."""
        ...


_sources: dict[str, DueSource] = {}


def register(source: DueSource) -> None:
    """Have the sweep ask `source` every time; registering a name again replaces it."""
    _sources[source.name] = source


def unregister(name: str) -> None:
    _sources.pop(name, None)


def sources() -> list[DueSource]:
    """The registered sources, in name order."""
    return [_sources[name] for name in sorted(_sources)]


def get(name: str) -> DueSource | None:
    return _sources.get(name)
