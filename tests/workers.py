"""Real Celery worker processes for the tests that leave the process: fed through the real
Redis broker, writing to pytest-django's PostgreSQL test database, each on a queue of its own so
no other worker on the same Redis can take the test's messages."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.config.test_settings import PROJECT_DIR, clean_env

WAIT_S = 30


def database_url() -> str:
    """pytest-django's test database (not the one named in DATABASE_URL)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


class Worker:
    def __init__(self, proc: subprocess.Popen[bytes], log: Path, queue: str) -> None:
        self.proc = proc
        self.log = log
        self.queue = queue

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def task_result(self, task_id: str) -> str | None:
        """What the worker logged the task as returning, once it has finished."""
        found = re.search(rf"\[{re.escape(task_id)}\] succeeded in \S+s: (\S+)", self.output())
        return found.group(1) if found else None

    def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        """Bounded poll while the worker (another process) does its job."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if condition():
                return
            if self.proc.poll() is not None:
                pytest.fail(f"worker exited ({self.proc.returncode}):\n{self.output()[-4000:]}")
            time.sleep(0.1)
        pytest.fail(
            f"timed out after {WAIT_S}s waiting for {what}; worker log:\n{self.output()[-4000:]}"
        )


@contextmanager
def running_worker(*, name: str, broker_url: str, tmp_path: Path, **env: str) -> Iterator[Worker]:
    """A `celery worker` on a fresh queue `name-<random>`, with the settings a test needs
    (`env`, on top of DEBUG, the test's SECRET_KEY and database and the broker); stopped, and
    its queue deleted from Redis, when the block ends."""
    queue = f"{name}-{uuid.uuid4().hex[:12]}"
    variables = clean_env(
        tmp_path,
        DEBUG="1",
        SECRET_KEY=settings.SECRET_KEY,  # the worker signs what this process must verify
        DATABASE_URL=database_url(),
        DATABASE_FALLBACK_TO_SQLITE="0",
        CELERY_BROKER_URL=broker_url,
        **env,
    )
    log = tmp_path / "worker.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker"),
                *("--pool", "solo", "--concurrency", "1", "--loglevel", "INFO"),
                *("-Q", queue, "-n", f"{queue}@%h"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=PROJECT_DIR,
            env=variables,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        yield Worker(proc, log, queue)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        client = redis.Redis.from_url(broker_url)
        try:
            client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        finally:
            client.close()
