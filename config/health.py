"""GET /healthz: is this instance able to serve? Used by load balancers and `make run` checks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from .celery import app as celery_app

BROKER_TIMEOUT_S = 1.5
# A small shared pool: a hung broker check must not hold the request past its deadline, and
# the pool keeps a flood of health probes from starting unbounded threads.
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz")


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


def _broker_state() -> str:
    try:
        return _pool.submit(_broker_probe).result(timeout=BROKER_TIMEOUT_S)
    except FutureTimeout:
        return "timeout"
    except Exception:
        return "unavailable"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers (the broker's state is reported but does not fail the
    check: the site keeps serving while reminders wait), 503 when the database is down."""
    database = _database_state()
    broker = _broker_state()
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {
            "status": "ok" if status == 200 else "unavailable",
            "database": database,
            "broker": broker,
        },
        status=status,
    )
