"""GET /healthz: 200 while the database answers, whatever the broker does; 503 without it.

Broken brokers and databases are configured through the environment, which settings read at
import, so those cases drive Django's test Client in a fresh process (HEALTHZ_SCRIPT)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from config import heartbeat as heartbeats
from config import outboxes
from config.celery import app, heartbeat
from learners import services
from learners.models import Invitation
from notifications import dispatch
from tests.config.test_settings import PROJECT_DIR, clean_env, run_python
from tests.conftest import redis_url, require_postgres, require_redis
from tests.smtp import BlackHoleServer, TcpServer, free_port

DEADLINE_S = 2.0
NOT_OK = {"timeout", "unavailable"}  # what healthz reports for a broker that fails its probe

# Warms up like a running server (URLconf imported, middleware loaded) without touching the
# database or the broker. Then, for each line "<count> <json options for Client.get>" on stdin,
# times `count` health checks and prints them as one JSON line. Exits normally at end of input.
HEALTHZ_SCRIPT = """
import json, sys, time
import django
django.setup()
from django.test import Client
from django.urls import resolve
client = Client()
resolve("/healthz")
client.handler.load_middleware()
for line in sys.stdin:
    count, options = line.split(" ", 1)
    results = []
    for _ in range(int(count)):
        started = time.monotonic()
        response = client.get("/healthz", **json.loads(options))
        results.append({
            "elapsed": time.monotonic() - started,
            "status": response.status_code,
            "location": response.get("Location"),
            "body": json.loads(response.content) if response.content else None,
        })
    print(json.dumps(results), flush=True)
"""


class HealthzProcess:
    """A Django process with its own environment, answering health checks on request."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("w") as log_file:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", HEALTHZ_SCRIPT],
                cwd=PROJECT_DIR,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log_file,
                text=True,
            )

    def check(self, count: int = 1, timeout: float = 30, **options: object) -> list[dict]:
        """Run `count` health checks; waits at most `timeout` seconds for their results."""
        self.proc.stdin.write(f"{count} {json.dumps(options)}\n")
        self.proc.stdin.flush()
        ready, _w, _x = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.kill()
            pytest.fail(f"no health-check results within {timeout}s:\n{self.log.read_text()}")
        return json.loads(line)

    def exits_within(self, seconds: float) -> bool:
        """End its input and see whether the process ends by itself."""
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return False
        return True

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout):
            if not stream.closed:
                stream.close()


StartHealthz = Callable[..., HealthzProcess]


@pytest.fixture
def healthz_process(tmp_path: Path) -> Iterator[StartHealthz]:
    started: list[HealthzProcess] = []

    def start(**variables: str) -> HealthzProcess:
        values = {
            "DEBUG": "1",
            "ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "DATABASE_FALLBACK_TO_SQLITE": "0",
        }
        values.update(variables)
        process = HealthzProcess(clean_env(tmp_path, **values), tmp_path / "healthz.log")
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


class SwitchableBroker(TcpServer):
    """A black hole until `recover()`; from then on new connections are relayed to Redis."""

    def __init__(self, upstream: str) -> None:
        super().__init__()
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self.db = parts.path or "/0"
        self.black_hole = True

    def recover(self) -> None:
        self.black_hole = False

    def on_connect(self, conn: socket.socket) -> None:
        self.held.append(conn)
        if self.black_hole:
            return
        upstream = socket.create_connection(self.upstream, timeout=5)
        self.held.append(upstream)
        for source, target in ((conn, upstream), (upstream, conn)):
            threading.Thread(target=self._relay, args=(source, target), daemon=True).start()

    @staticmethod
    def _relay(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def test_healthy_in_process(client, db, settings):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert set(body) == {"status", "database", "broker", "beat", "worker", "outbox"}
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    if settings.CELERY_BROKER_URL == "filesystem://" or redis_url():
        assert body["broker"] == "ok"
    else:
        assert body["broker"] in NOT_OK


def test_unreachable_broker_is_reported_without_failing_the_check(healthz_process):
    process = healthz_process(CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0")

    [result] = process.check()

    assert result["status"] == 200
    body = result["body"]
    assert (body["status"], body["database"], body["broker"]) == ("ok", "ok", "unavailable")
    assert result["elapsed"] < DEADLINE_S


def test_black_hole_broker_cannot_hold_the_check_past_its_deadline(healthz_process):
    """A broker that accepts connections and never answers: every check still answers in
    time, including once more checks than the probe pool has threads are stuck on it."""
    with BlackHoleServer() as black_hole:
        process = healthz_process(CELERY_BROKER_URL=f"redis://127.0.0.1:{black_hole.port}/0")
        results = process.check(3)
        assert black_hole.connections >= 1, "the probe never reached the black-hole broker"
        process.kill()

    assert len(results) == 3
    for result in results:
        assert result["status"] == 200
        assert result["body"]["status"] == "ok"
        assert result["body"]["database"] == "ok"
        assert result["body"]["broker"] in NOT_OK
        assert result["elapsed"] < DEADLINE_S


def test_broker_probe_recovers_after_a_black_hole_and_the_process_exits(healthz_process):
    real_redis = require_redis()
    with SwitchableBroker(real_redis) as broker:
        process = healthz_process(CELERY_BROKER_URL=f"redis://127.0.0.1:{broker.port}{broker.db}")
        stuck = process.check(2)
        assert all(r["body"]["broker"] in NOT_OK for r in stuck)

        broker.recover()
        after = process.check(2)
        assert all(r["elapsed"] < DEADLINE_S for r in after)
        assert after[-1]["body"]["broker"] == "ok", [r["body"]["broker"] for r in after]

        assert process.exits_within(5), "the process did not exit within 5 s of its input ending"


def test_database_down_returns_503(healthz_process):
    process = healthz_process(DATABASE_URL="postgres://postgres@127.0.0.1:1/x")

    [result] = process.check()

    assert result["status"] == 503
    assert result["body"]["status"] == "unavailable"
    assert result["body"]["database"] == "unavailable"
    # The default first-run broker (files under DATA_DIR) is still fine.
    assert result["body"]["broker"] == "ok"
    assert result["elapsed"] < DEADLINE_S


def _production(healthz_process: StartHealthz) -> HealthzProcess:
    return healthz_process(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="training.example.com",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/x",
    )


def test_database_down_returns_503_in_production_over_https(healthz_process):
    process = _production(healthz_process)

    [result] = process.check(HTTP_HOST="training.example.com", secure=True)

    assert result["status"] == 503
    assert result["body"]["database"] == "unavailable"


def test_plain_http_probe_reaches_the_health_check_in_production(healthz_process):
    process = _production(healthz_process)

    [result] = process.check(HTTP_HOST="training.example.com")

    assert (result["status"], result["location"]) == (503, None)
    assert result["body"]["database"] == "unavailable"


# --- Background work: beat, the workers and the messages they have not sent yet -------------

T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def no_heartbeats() -> Iterator[None]:
    """The in-process cache outlives a test: start and end with no stamps."""
    keys = [heartbeats.BEAT_KEY, heartbeats.WORKER_KEY]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


def test_beat_and_workers_never_seen_are_reported_and_the_check_still_passes(
    client, db, no_heartbeats
):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["beat"] == {"state": "never", "age_s": None}
    assert body["worker"] == {"state": "never", "age_s": None}
    assert body["outbox"] == {
        "invitations": {"state": "ok", "unsent": 0, "oldest_age_s": None},
        "notifications": {"state": "ok", "unsent": 0, "oldest_age_s": None},
    }


def test_heartbeats_turn_stale_after_three_missed_minutes(client, db, no_heartbeats):
    with time_machine.travel(T0, tick=False):
        heartbeats.stamp(heartbeats.BEAT_KEY)
        heartbeat.delay()  # the real task, run inline as the suite runs tasks

    with time_machine.travel(T0 + dt.timedelta(seconds=30), tick=False):
        fresh = client.get("/healthz").json()
    with time_machine.travel(T0 + dt.timedelta(seconds=181), tick=False):
        stale = client.get("/healthz")

    assert fresh["beat"] == fresh["worker"] == {"state": "ok", "age_s": 30}
    assert stale.status_code == 200
    assert stale.json()["beat"] == stale.json()["worker"] == {"state": "stale", "age_s": 181}


def test_the_oldest_invitation_not_emailed_yet_is_reported(
    client, manager, downtown, django_capture_on_commit_callbacks
):
    def invite(email: str, *, worker_runs: bool) -> Invitation:
        with django_capture_on_commit_callbacks(execute=worker_runs):
            return services.invitation_create(actor=manager, email=email, team=downtown)

    with time_machine.travel(T0, tick=False):
        invite("sam@example.com", worker_runs=True)  # emailed at once
        nia = invite("nia@example.com", worker_runs=False)
    with time_machine.travel(T0 + dt.timedelta(minutes=2), tick=False):
        invite("ravi@example.com", worker_runs=False)
    with time_machine.travel(T0 + dt.timedelta(minutes=7), tick=False):
        late = client.get("/healthz")
        # A worker catches up with the outbox; Nia's link is then sent again, so its clock
        # restarts.
        assert dispatch.dispatch_all().sent == 2
        with django_capture_on_commit_callbacks(execute=False):
            services.invitation_resend(actor=manager, invitation=nia)
    with time_machine.travel(T0 + dt.timedelta(minutes=8), tick=False):
        caught_up = client.get("/healthz")

    assert late.status_code == caught_up.status_code == 200
    # Both outboxes see the same two emails; the reminders outbox allows ten minutes.
    assert late.json()["outbox"] == {
        "invitations": {"state": "delayed", "unsent": 2, "oldest_age_s": 7 * 60},
        "notifications": {"state": "ok", "unsent": 2, "oldest_age_s": 7 * 60},
    }
    assert caught_up.json()["outbox"] == {
        "invitations": {"state": "ok", "unsent": 1, "oldest_age_s": 60},
        "notifications": {"state": "ok", "unsent": 1, "oldest_age_s": 60},
    }


def test_an_outbox_that_cannot_be_read_is_reported_without_failing_the_check(
    client, db, monkeypatch
):
    def broken() -> outboxes.Backlog:
        raise RuntimeError("the reminders table is missing")

    monkeypatch.setattr(outboxes, "_registry", dict(outboxes._registry))
    outboxes.register("reminders", broken)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["outbox"] == {
        "invitations": {"state": "ok", "unsent": 0, "oldest_age_s": None},
        "notifications": {"state": "ok", "unsent": 0, "oldest_age_s": None},
        "reminders": {"state": "unavailable", "unsent": None, "oldest_age_s": None},
    }


@pytest.mark.django_db(transaction=True)
def test_a_locked_invitations_table_cannot_hold_the_check(client):
    """A migration holding the table: the backlog query gives up; the check answers in time."""
    require_postgres()
    db = connection.settings_dict
    locker = psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    # Lets go after 3 s whatever happens, so a check that waits for it ends (late) too.
    release = threading.Timer(3.0, locker.rollback)
    try:
        with locker.cursor() as cursor:
            cursor.execute("LOCK TABLE learners_invitation IN ACCESS EXCLUSIVE MODE")
        release.start()
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    finally:
        release.cancel()
        locker.rollback()
        locker.close()

    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["outbox"]["invitations"]["state"] == "unavailable"
    assert elapsed < DEADLINE_S


def test_black_hole_cache_cannot_hold_the_check_past_its_deadline(healthz_process):
    """The heartbeats live in the cache; a cache that never answers leaves them unknown."""
    with BlackHoleServer() as black_hole:
        process = healthz_process(CACHE_URL=f"redis://127.0.0.1:{black_hole.port}/0")
        results = process.check(3)
        assert black_hole.connections >= 1, "the heartbeat read never reached the cache"
        process.kill()

    for result in results:
        assert result["status"] == 200
        assert result["body"]["database"] == "ok"
        assert result["body"]["broker"] == "ok"
        assert result["body"]["beat"] == {"state": "unknown", "age_s": None}
        assert result["body"]["worker"] == {"state": "unknown", "age_s": None}
        assert result["elapsed"] < DEADLINE_S


# The scheduler closes connections it finds inside a transaction, as a test's would be.
@pytest.mark.django_db(transaction=True)
def test_beat_installs_a_heartbeat_every_minute_that_expires_once_stale():
    """What beat's DatabaseScheduler makes of CELERY_BEAT_SCHEDULE when it starts."""
    scheduler = DatabaseScheduler(app=app)
    entry = scheduler.schedule["heartbeat"]
    stored = PeriodicTask.objects.get(name="heartbeat")

    assert entry.task == heartbeats.HEARTBEAT_TASK == heartbeat.name
    assert stored.interval.every == heartbeats.HEARTBEAT_EVERY_S
    assert stored.interval.period == "seconds"
    assert stored.expire_seconds == heartbeats.STALE_AFTER_S
    assert entry.options["expires"] == heartbeats.STALE_AFTER_S


def test_a_redis_cache_gives_up_on_a_silent_server(tmp_path):
    env = clean_env(tmp_path, DEBUG="1", CACHE_URL="redis://127.0.0.1:6390/0")
    result = run_python(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(sorted(settings.CACHES['default']['OPTIONS'].items()))",
        ],
        env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[('socket_connect_timeout', 5), ('socket_timeout', 5)]"
