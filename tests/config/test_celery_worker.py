"""A real Celery worker process, fed through the real Redis broker, writing to the real
PostgreSQL test database and sending through a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.urls import resolve

from config import heartbeat as heartbeats
from config.celery import app, heartbeat
from learners import services
from learners.models import Invitation
from notifications.services import invitation_outbox_write
from notifications.tasks import send_pending_notifications
from tests.conftest import require_postgres, require_redis
from tests.factories import InvitationFactory
from tests.smtp import SmtpServer
from tests.workers import Worker, running_worker

SITE_URL = "https://training.example.com"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def broker_url() -> str:
    require_postgres()
    return require_redis()


@pytest.fixture
def worker(
    transactional_db: None, broker_url: str, smtp: SmtpServer, tmp_path: Path
) -> Iterator[Worker]:
    with running_worker(
        name="test-invitations",
        broker_url=broker_url,
        tmp_path=tmp_path,
        # The same Redis as the broker: `shared_cache` lets this process read what it stamps.
        CACHE_URL=broker_url,
        EMAIL_URL=smtp.url,
        EMAIL_TIMEOUT="5",
        SITE_URL=SITE_URL,
    ) as started:
        yield started


@pytest.fixture
def enqueue(broker_url: str) -> Iterator[Callable[[int, str], str]]:
    """Write the invitation's email into the outbox, and publish the dispatcher task to the
    real broker, as committing an invitation does (the suite runs tasks eagerly)."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    conn = app.connection_for_write(broker_url)

    def send(invitation_id: int, queue: str) -> str:
        """Returns the task id."""
        nonce = Invitation.objects.values_list("nonce", flat=True).get(pk=invitation_id)
        invitation_outbox_write(invitation_id=invitation_id, nonce=nonce)
        result = send_pending_notifications.apply_async(queue=queue, connection=conn)
        return result.id

    try:
        yield send
    finally:
        conn.release()
        app.conf.task_always_eager = eager


def _sent_at(invitation: Invitation):
    return Invitation.objects.values_list("sent_at", flat=True).get(pk=invitation.pk)


def test_worker_sends_the_invitation_once(worker, enqueue, smtp):
    invitation = InvitationFactory(email="worker.hire@example.com")  # committed: worker sees it
    assert _sent_at(invitation) is None

    first = enqueue(invitation.pk, worker.queue)
    worker.wait_until(
        lambda: _sent_at(invitation) is not None and len(smtp.envelopes) >= 1,
        "the worker to email the invitation and stamp sent_at",
    )

    assert [env.rcpt_tos for env in smtp.envelopes] == [["worker.hire@example.com"]]
    text = smtp.messages[0].get_body(("plain",)).get_content()
    links = [word for word in text.split() if "/invite/" in word]
    assert len(links) == 1
    assert links[0].startswith(f"{SITE_URL}/invite/")
    token = resolve(urlsplit(links[0]).path).kwargs["token"]
    assert services.invitation_from_token(token).pk == invitation.pk
    first_sent_at = _sent_at(invitation)
    worker.wait_until(lambda: worker.task_result(first) is not None, "the first task to finish")
    assert worker.task_result(first) == "1"

    # Again: the worker finds sent_at set and sends nothing. A second invitation queued behind
    # it (one solo worker, FIFO queue) shows when the duplicate has been handled.
    marker = InvitationFactory(email="marker@example.com")
    duplicate = enqueue(invitation.pk, worker.queue)
    enqueue(marker.pk, worker.queue)
    worker.wait_until(
        lambda: _sent_at(marker) is not None and len(smtp.envelopes) >= 2,
        "the worker to get past the duplicate",
    )

    # The duplicate's outbox row is the same row, already sent: that run sends nothing, or
    # it is the run that sends the marker.
    assert worker.task_result(duplicate) in ("0", "1")
    assert [env.rcpt_tos for env in smtp.envelopes] == [
        ["worker.hire@example.com"],
        ["marker@example.com"],
    ]
    assert _sent_at(invitation) == first_sent_at


@pytest.fixture
def shared_cache(settings, broker_url: str) -> Iterator[None]:
    """This process reads the worker's cache (the suite's own is in-process memory)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": broker_url,
        }
    }
    keys = [heartbeats.BEAT_KEY, heartbeats.WORKER_KEY]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


def test_a_heartbeat_through_the_broker_and_a_worker_shows_both_alive_in_healthz(
    worker, broker_url, shared_cache, client
):
    before = client.get("/healthz").json()
    assert (before["beat"]["state"], before["worker"]["state"]) == ("never", "never")

    # What beat does every minute: publish the heartbeat, here to the test worker's queue.
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with app.connection_for_write(broker_url) as conn:
            heartbeat.apply_async(queue=worker.queue, connection=conn)
    finally:
        app.conf.task_always_eager = eager
    assert cache.get(heartbeats.BEAT_KEY) is not None, "publishing did not stamp beat"
    worker.wait_until(
        lambda: cache.get(heartbeats.WORKER_KEY) is not None, "the worker to run the heartbeat"
    )

    after = client.get("/healthz")
    assert after.status_code == 200
    body = after.json()
    assert body["beat"]["state"] == body["worker"]["state"] == "ok"
    assert body["worker"]["age_s"] <= body["beat"]["age_s"] <= 30
