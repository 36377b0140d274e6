"""GET /healthz: 200 while the database answers, whatever the broker does; 503 without it.

Broken brokers and databases are configured through the environment, which settings read at
import, so those cases run Django's test Client in a fresh process (see HEALTHZ_SCRIPT)."""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time

import pytest

from tests.conftest import redis_url
from tests.config.test_settings import PROJECT_DIR, clean_env
from tests.smtp import BlackHoleServer, free_port

DEADLINE_S = 2.0

# Warms the request handler on a page that touches neither database nor broker (a real server
# is warm too), then times `argv[1]` health checks and prints them as one JSON line.
HEALTHZ_SCRIPT = """
import json, sys, time
import django
django.setup()
from django.test import Client
client = Client()
client.get("/no-such-page/")
results = []
for _ in range(int(sys.argv[1])):
    started = time.monotonic()
    response = client.get("/healthz")
    results.append({
        "elapsed": time.monotonic() - started,
        "status": response.status_code,
        "body": json.loads(response.content),
    })
print(json.dumps(results), flush=True)
"""


def healthz_env(tmp_path, **variables: str) -> dict[str, str]:
    values = {
        "DEBUG": "1",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DATABASE_FALLBACK_TO_SQLITE": "0",
    }
    values.update(variables)
    return clean_env(tmp_path, **values)


def start_healthz(env: dict[str, str], requests: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", HEALTHZ_SCRIPT, str(requests)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_results(proc: subprocess.Popen[str], timeout: float) -> list[dict]:
    """The script's JSON line, waiting at most `timeout` seconds for it."""
    ready, _w, _x = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else ""
    if not line:
        proc.kill()
        _out, err = proc.communicate()
        pytest.fail(f"health-check script gave no result within {timeout}s:\n{err}")
    return json.loads(line)


def run_healthz(env: dict[str, str], requests: int = 1) -> list[dict]:
    proc = start_healthz(env, requests)
    try:
        results = read_results(proc, timeout=30)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return results


def test_healthy_in_process(client, db, settings):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert set(body) == {"status", "database", "broker"}
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    if settings.CELERY_BROKER_URL == "filesystem://" or redis_url():
        assert body["broker"] == "ok"
    else:
        assert body["broker"] in {"unavailable", "timeout"}


def test_unreachable_broker_is_reported_without_failing_the_check(tmp_path):
    env = healthz_env(tmp_path, CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0")

    [result] = run_healthz(env)

    assert result["status"] == 200
    assert result["body"] == {"status": "ok", "database": "ok", "broker": "unavailable"}
    assert result["elapsed"] < DEADLINE_S


def test_black_hole_broker_cannot_hold_the_check_past_its_deadline(tmp_path):
    """A broker that accepts connections and never answers: every check still answers in
    time, including once more checks than the probe pool has threads are stuck on it."""
    with BlackHoleServer() as black_hole:
        env = healthz_env(tmp_path, CELERY_BROKER_URL=f"redis://127.0.0.1:{black_hole.port}/0")
        proc = start_healthz(env, requests=3)
        try:
            results = read_results(proc, timeout=30)
        finally:
            proc.kill()
            proc.communicate()
        assert black_hole.held, "the probe never reached the black-hole broker"

    assert len(results) == 3
    for result in results:
        assert result["status"] == 200
        assert result["body"] == {"status": "ok", "database": "ok", "broker": "timeout"}
        assert result["elapsed"] < DEADLINE_S


@pytest.mark.xfail(
    strict=True,
    reason=(
        "app bug: the Redis transport has no socket_timeout, so a broker probe stuck on a "
        "black-hole broker never returns; its ThreadPoolExecutor thread is joined at "
        "interpreter exit and the process cannot exit (and the 2-thread pool stays wedged)"
    ),
)
def test_black_hole_broker_does_not_wedge_the_process(tmp_path):
    with BlackHoleServer() as black_hole:
        env = healthz_env(tmp_path, CELERY_BROKER_URL=f"redis://127.0.0.1:{black_hole.port}/0")
        proc = start_healthz(env, requests=1)
        try:
            [result] = read_results(proc, timeout=30)
            assert result["body"]["broker"] == "timeout"
            done = time.monotonic()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pytest.fail("the process did not exit within 5 s of its last health check")
            assert time.monotonic() - done < 5
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()


def test_database_down_returns_503(tmp_path):
    env = healthz_env(
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:1/x",
        DATABASE_FALLBACK_TO_SQLITE="0",
    )

    [result] = run_healthz(env)

    assert result["status"] == 503
    assert result["body"]["status"] == "unavailable"
    assert result["body"]["database"] == "unavailable"
    # The default first-run broker (files under DATA_DIR) is still fine.
    assert result["body"]["broker"] == "ok"
    assert result["elapsed"] < DEADLINE_S
