"""Reminders survive what production throws at them, with real processes throughout.

PostgreSQL (the test database), a Redis of our own (so it can be killed and restarted without
touching anyone else's), two sweepers racing (each runs what beat's entry runs, every second),
three Celery worker processes and a real SMTP server on loopback that takes a little time per
message. Midway a worker is killed with SIGKILL and restarted, and Redis is killed and started
again with nothing saved. Then the outbox is reconciled against what the mail server received:
every reminder arrives, and only a message being handed over at the instant of the kill may
arrive twice.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from learners.models import Membership
from notifications.models import Channel, Notification, OrganisationSettings, State
from progress.assignments import assignment_create
from tests.config.test_settings import PROJECT_DIR, clean_env
from tests.conftest import require_postgres
from tests.courses.builders import build_course
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.smtp import free_port
from tests.workers import database_url

pytestmark = pytest.mark.services

LEARNERS = 60
WORKERS = 3
SMTP_DELAY_S = 0.03
LEASE_S = 4
DEADLINE_S = 45

SWEEPER = """
import os, time, django
django.setup()
from notifications import services
end = time.monotonic() + float(os.environ["SWEEP_FOR_S"])
while time.monotonic() < end:
    try:
        services.reminders_sweep_and_kick()
    except Exception as exc:
        print("sweep failed:", repr(exc), flush=True)
    time.sleep(1)
"""


class SlowCollector:
    """Takes SMTP_DELAY_S per message, so a batch is still being sent when a worker is killed."""

    def __init__(self) -> None:
        self.recipients: list[str] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(SMTP_DELAY_S)
        self.recipients.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


class Processes:
    """Child processes with their logs; each is stopped at the end, by its own pid."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp_path, self.env = tmp_path, env
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, args: list[str], **extra_env: str) -> subprocess.Popen[bytes]:
        log = (self.tmp_path / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            args,
            cwd=PROJECT_DIR,
            env={**self.env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.running[name] = proc
        return proc

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop_all(self) -> None:
        for proc in self.running.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.running.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


@pytest.fixture
def redis_port(tmp_path: Path) -> int:
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server (apt install redis-server)")
    return free_port()


def _start_redis(processes: Processes, port: int) -> None:
    processes.start(
        "redis",
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--dir", str(processes.tmp_path)),
        ],
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if subprocess.run(
            ["redis-cli", "-p", str(port), "ping"], capture_output=True, check=False
        ).stdout.startswith(b"PONG"):
            return
        time.sleep(0.05)
    pytest.fail("redis-server did not start")


def _worker_args(n: int) -> list[str]:
    return [
        *(sys.executable, "-m", "celery", "-A", "config", "worker"),
        *("--pool", "solo", "--loglevel", "INFO", "-n", f"reliability{n}@%h"),
        *("--without-gossip", "--without-mingle", "--without-heartbeat"),
    ]


def _wait(condition: Callable[[], bool], what: str, processes: Processes, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    logs = "\n".join(f"--- {n}\n{processes.log(n)}" for n in processes.running)
    pytest.fail(f"timed out waiting for {what}\n{logs}")


@pytest.fixture
def organisation(transactional_db: None) -> tuple[list[str], list[str]]:
    """A team of LEARNERS people and their two managers, all assigned one course just now.
    Returns (learner emails, manager emails)."""
    require_postgres()
    # Quiet hours off: the test must not depend on the hour it runs at.
    OrganisationSettings.objects.create(pk=1, quiet_start=dt.time(0), quiet_end=dt.time(0))
    team = TeamFactory(name="Harbour Store")
    managers = [UserFactory(email=f"manager{i}@example.com") for i in range(2)]
    for manager in managers:
        MembershipFactory(team=team, user=manager, role=Membership.Role.MANAGER)
    people = [UserFactory(email=f"learner{i}@example.com") for i in range(LEARNERS)]
    for person in people:
        MembershipFactory(team=team, user=person)
    course = build_course(slug="calm", modules=1, lessons=1, self_enrol=False)
    assignment_create(actor=managers[0], people=people, course=course)
    return [p.email for p in people], [m.email for m in managers]


@pytest.fixture
def smtp() -> Iterator[tuple[SlowCollector, int]]:
    collector, port = SlowCollector(), free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield collector, port
    finally:
        controller.stop()


def test_kill_a_worker_and_restart_redis_mid_batch_nothing_lost_nothing_doubled(
    organisation, smtp, redis_port, tmp_path
):
    learners, managers = organisation
    collector, smtp_port = smtp
    broker = f"redis://127.0.0.1:{redis_port}/0"
    env = clean_env(
        tmp_path,
        DEBUG="1",
        DATABASE_URL=database_url(),
        DATABASE_FALLBACK_TO_SQLITE="0",
        CELERY_BROKER_URL=broker,
        CACHE_URL="locmemcache://",
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        EMAIL_TIMEOUT="5",
        NOTIFICATIONS_LEASE_SECONDS=str(LEASE_S),
    )
    processes = Processes(tmp_path, env)
    started = time.monotonic()
    try:
        _start_redis(processes, redis_port)
        for n in range(WORKERS):
            processes.start(f"worker{n}", _worker_args(n))
        for n in range(2):
            processes.start(
                f"sweeper{n}", [sys.executable, "-c", SWEEPER], SWEEP_FOR_S=str(DEADLINE_S)
            )

        _wait(lambda: len(collector.recipients) >= 10, "the first emails", processes, 30)
        victim = processes.running["worker0"]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=5)
        killed_at = len(collector.recipients)

        _wait(lambda: len(collector.recipients) >= killed_at + 5, "more emails", processes, 20)
        processes.running["redis"].send_signal(signal.SIGKILL)
        processes.running["redis"].wait(timeout=5)
        time.sleep(1)
        _start_redis(processes, redis_port)
        processes.start("worker0", _worker_args(0))

        def settled() -> bool:
            return not Notification.objects.filter(
                channel=Channel.EMAIL, state__in=[State.PENDING, State.SENDING, State.FAILED]
            ).exists() and Notification.objects.filter(channel=Channel.EMAIL).count() >= len(
                learners
            ) + len(managers)

        _wait(settled, "every email row to be sent", processes, DEADLINE_S)
        time.sleep(SMTP_DELAY_S * 4)
    finally:
        processes.stop_all()
    elapsed = time.monotonic() - started

    rows = Notification.objects.filter(channel=Channel.EMAIL).select_related("user")
    expected = collections.Counter(
        r.user.email for r in rows if r.state not in (State.CANCELLED, State.HELD)
    )
    # Each person has one reminder today (assigned, or the weekly summary), one email each.
    assert set(expected) == set(learners) | set(managers)
    delivered = collections.Counter(collector.recipients)
    duplicates = sum(max(0, delivered[who] - 1) for who in expected)
    missing = sorted(who for who in expected if delivered[who] == 0)
    unexpected = sorted(set(delivered) - set(expected))
    print(
        f"\nreliability: expected {len(expected)}, delivered {sum(delivered.values())}, "
        f"duplicates {duplicates}, missing {len(missing)}, took {elapsed:.1f}s "
        f"(worker killed after {killed_at} emails, Redis restarted)"
    )
    assert missing == []
    assert unexpected == []
    # Only the message being handed to the mail server when the worker died may arrive twice.
    assert duplicates <= 1
    assert {r.state for r in rows} == {State.SENT}
