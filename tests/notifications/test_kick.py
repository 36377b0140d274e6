"""Web requests write the outbox row and wake a worker only after commit; a broker that is down
or silent costs the request at most a moment, and loses nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.urls import reverse

from config.celery import app
from learners import services as learner_services
from learners.models import Invitation
from notifications import services
from notifications.models import Notification, State
from tests.smtp import BlackHoleServer, free_port


@pytest.fixture
def broker_down() -> Iterator[None]:
    """Publishing for real (not eagerly), to a broker that accepts connections and never
    answers."""
    with BlackHoleServer() as black_hole:
        eager, url = app.conf.task_always_eager, app.conf.broker_write_url
        app.conf.task_always_eager = False
        app.conf.broker_write_url = f"redis://127.0.0.1:{black_hole.port}/0"
        try:
            yield
        finally:
            app.conf.task_always_eager, app.conf.broker_write_url = eager, url


pytestmark = pytest.mark.django_db


def test_waking_a_worker_through_a_silent_broker_gives_up_quickly(broker_down):
    started = time.monotonic()
    woke = services.kick()
    assert woke is False
    assert time.monotonic() - started < 2 * services.KICK_TIMEOUT_S + 1


def test_waking_a_worker_with_nothing_listening_gives_up_at_once():
    eager, url = app.conf.task_always_eager, app.conf.broker_write_url
    app.conf.task_always_eager = False
    app.conf.broker_write_url = f"redis://127.0.0.1:{free_port()}/0"
    try:
        started = time.monotonic()
        assert services.kick() is False
        assert time.monotonic() - started < services.KICK_TIMEOUT_S + 1
    finally:
        app.conf.task_always_eager, app.conf.broker_write_url = eager, url


def test_inviting_with_the_broker_down_answers_and_keeps_the_email_in_the_outbox(
    client, manager, downtown, broker_down
):
    client.force_login(manager)

    started = time.monotonic()
    response = client.post(
        reverse("invite"), {"email": "new.hire@example.com", "team": downtown.pk}
    )
    elapsed = time.monotonic() - started

    assert response.status_code == 302
    assert elapsed < 2 * services.KICK_TIMEOUT_S + 2
    invitation = Invitation.objects.get(email="new.hire@example.com")
    row = Notification.objects.get(subject_type="invitation", subject_id=invitation.pk)
    assert (row.state, row.period) == (State.PENDING, invitation.nonce)


def test_nothing_is_woken_before_the_inviting_transaction_commits(
    manager, downtown, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = learner_services.invitation_create(
            actor=manager, email="sam@example.com", team=downtown
        )

    assert len(callbacks) == 1
    assert mailoutbox == []
    row = Notification.objects.get(subject_id=invitation.pk, subject_type="invitation")
    assert row.state == State.PENDING
    callbacks[0]()
    row.refresh_from_db()
    assert row.state == State.SENT
    assert [m.to for m in mailoutbox] == [["sam@example.com"]]


def test_a_resent_link_cancels_the_old_email_still_waiting(
    manager, downtown, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False):
        invitation = learner_services.invitation_create(
            actor=manager, email="sam@example.com", team=downtown
        )
        learner_services.invitation_resend(actor=manager, invitation=invitation)

    rows = Notification.objects.filter(subject_id=invitation.pk).order_by("pk")
    assert [(r.state, r.reason) for r in rows] == [
        (State.CANCELLED, "newer_link"),
        (State.PENDING, ""),
    ]
