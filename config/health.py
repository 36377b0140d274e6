"""GET /healthz: is this instance able to serve, and is background work getting done? Used by
load balancers, monitoring and `make run` checks. The fields are described in the README."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from . import heartbeat as heartbeats
from . import outboxes
from .celery import app as celery_app

# One deadline for everything that waits on another server (the broker, the cache); the
# database and outbox queries run meanwhile in the request's own thread.
BROKER_TIMEOUT_S = 1.5
# Small shared pools: a hung broker or cache must not hold the request past its deadline, and
# the pools keep a flood of health probes from starting unbounded threads. Two pools, so a
# broker that swallows connections cannot starve the heartbeat read, and the other way round.
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz")
_cache_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz-cache")

T = TypeVar("T")


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return "unavailable"
    return "ok"


def _broker_probe() -> str:
    # Own socket timeouts: a broker that accepts but never answers must not pin a pool thread
    # (which would also keep reporting "timeout" after the broker recovers).
    options = {
        **(celery_app.conf.broker_transport_options or {}),
        "socket_timeout": BROKER_TIMEOUT_S,
        "socket_connect_timeout": BROKER_TIMEOUT_S,
    }
    with celery_app.connection_for_write(transport_options=options) as conn:
        conn.ensure_connection(max_retries=0, timeout=1)
    return "ok"


def _outcome(future: Future[T], deadline: float) -> T | str:
    """The future's result, or "timeout" / "unavailable" when it is late or failed."""
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        return "timeout"
    except Exception:
        return "unavailable"


def _background_states(seen: dict[str, float | None] | str) -> dict[str, object]:
    if isinstance(seen, str):
        # The cache did not answer in time: nothing is known either way.
        return {name: {"state": "unknown", "age_s": None} for name in ("beat", "worker")}
    now = time.time()
    return {name: heartbeats.describe(seen[name], now) for name in ("beat", "worker")}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it is down. Everything else is reported but
    does not fail the check, because the site keeps serving while background work waits:
    the broker, when beat and a worker were last seen, and each outbox's unsent messages.

    Answers within about BROKER_TIMEOUT_S whatever the broker and cache do. Costs the
    database one query, plus one per registered outbox (config/outboxes.py)."""
    deadline = time.monotonic() + BROKER_TIMEOUT_S
    broker_future = _pool.submit(_broker_probe)
    seen_future = _cache_pool.submit(heartbeats.last_seen)
    database = _database_state()
    outbox = outboxes.report(database_ok=database == "ok")
    broker = _outcome(broker_future, deadline)
    seen = _outcome(seen_future, deadline)
    background = _background_states(seen)
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {
            "status": "ok" if status == 200 else "unavailable",
            "database": database,
            "broker": broker,
            **background,
            "outbox": outbox,
        },
        status=status,
    )
