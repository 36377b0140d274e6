"""Are Celery beat and a worker alive? They leave timestamps in the shared cache.

Beat sends the `config.heartbeat` task every HEARTBEAT_EVERY_S seconds (CELERY_BEAT_SCHEDULE).
Publishing it stamps "beat seen" (in the beat process, `config.celery`); a worker running it
stamps "worker seen". /healthz reads both stamps: one cache read, no broker round trip and no
waiting for a worker to answer, so a missing worker is reported rather than waited for.

A worker is only seen through beat's heartbeats: while beat is down, the worker's stamp ages
too. Look at beat first.
"""

from __future__ import annotations

import time
from typing import TypedDict

from django.core.cache import cache

HEARTBEAT_TASK = "config.heartbeat"
HEARTBEAT_EVERY_S = 60
# Three missed heartbeats: one late message or a worker busy with one long task is not an alarm.
STALE_AFTER_S = 3 * HEARTBEAT_EVERY_S
BEAT_KEY = "health:beat-seen"
WORKER_KEY = "health:worker-seen"


class Seen(TypedDict):
    state: str  # "ok", "stale" or "never"
    age_s: int | None  # seconds since last seen; None when never seen


def stamp(key: str, at: float | None = None) -> None:
    """Record that the process behind `key` was alive at `at` (default: now, Unix seconds).

    Never expires: an old stamp must read as "stale", not vanish into "never"."""
    cache.set(key, time.time() if at is None else at, timeout=None)


def last_seen() -> dict[str, float | None]:
    """{"beat": Unix seconds or None, "worker": ...}. One cache read; it may block as long as
    the cache does, so /healthz calls it with a deadline."""
    found = cache.get_many([BEAT_KEY, WORKER_KEY])
    return {"beat": found.get(BEAT_KEY), "worker": found.get(WORKER_KEY)}


def describe(seen_at: float | None, now: float) -> Seen:
    """What a stamp says at `now`: "never" without one, "ok" within STALE_AFTER_S, else
    "stale". A stamp from a machine whose clock runs ahead counts as just now."""
    if seen_at is None:
        return {"state": "never", "age_s": None}
    age = max(0, int(now - seen_at))
    return {"state": "ok" if age <= STALE_AFTER_S else "stale", "age_s": age}
