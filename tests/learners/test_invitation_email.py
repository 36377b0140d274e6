"""Invitation emails through Django's real SMTP backend to a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings as django_settings
from django.urls import resolve
from pytest_django.fixtures import Settings

from learners import services
from learners.models import Invitation
from notifications import dispatch
from notifications.models import Notification
from tests.factories import InvitationFactory, TeamFactory, UserFactory
from tests.smtp import DroppingServer, SmtpServer, free_port

SITE_URL = "https://training.example.com"
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
LINK = re.compile(re.escape(SITE_URL) + r"/invite/[^/\s\"]+/")


def _use_smtp(settings: Settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def smtp(settings: Settings) -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        _use_smtp(settings, server.port)
        settings.SITE_URL = SITE_URL
        yield server


@pytest.fixture
def invitation(db: None) -> Invitation:
    return InvitationFactory(
        email="sam.new@example.com",
        full_name="Sam New",
        team=TeamFactory(name="Downtown Store"),
        invited_by=UserFactory(full_name="Maya Manager"),
    )


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    assert part is not None, f"no text/{subtype} part"
    return part.get_content()


def test_sends_one_message_with_text_html_and_working_link(smtp, db, client):
    with time_machine.travel(START, tick=False):
        invitation = InvitationFactory(
            email="sam.new@example.com",
            full_name="Sam New",
            team=TeamFactory(name="Downtown Store"),
            invited_by=UserFactory(full_name="Maya Manager"),
        )
        # Signed tokens carry a timestamp; with the clock frozen the link is reproducible.
        expected_url = services.invitation_url(invitation)
        assert expected_url.startswith(f"{SITE_URL}/invite/")

        assert services.invitation_email_send(invitation_id=invitation.pk) is True

        assert len(smtp.envelopes) == 1
        envelope = smtp.envelopes[0]
        assert envelope.rcpt_tos == ["sam.new@example.com"]
        assert envelope.mail_from == "training@localhost"

        message = smtp.messages[0]
        assert message["To"] == "sam.new@example.com"
        assert message["From"] == django_settings.DEFAULT_FROM_EMAIL
        assert message["Subject"] == f"You're invited to {django_settings.SITE_NAME}"
        assert message.get_content_type() == "multipart/alternative"
        text, html = _body(message, "plain"), _body(message, "html")
        assert LINK.findall(text) == [expected_url]
        assert f'href="{expected_url}"' in html
        for body in (text, html):
            assert "Hi Sam New," in body
            assert "Maya Manager has invited you to join Downtown Store" in body
            assert "until 10 March 2025" in body

        invitation.refresh_from_db()
        assert invitation.sent_at == START

        # The emailed link is the live one: it resolves to this invitation and its page opens.
        path = urlsplit(expected_url).path
        match = resolve(path)
        assert match.url_name == "invitation_accept"
        assert services.invitation_from_token(match.kwargs["token"]).pk == invitation.pk
        response = client.get(path)
        assert response.status_code == 200
        assert b"Downtown Store" in response.content


@pytest.mark.parametrize("state", ["accepted", "revoked", "already_sent"])
def test_sends_nothing_for_invitations_that_are_not_due(smtp, invitation, state):
    earlier = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    field = {"accepted": "accepted_at", "revoked": "revoked_at", "already_sent": "sent_at"}[state]
    Invitation.objects.filter(pk=invitation.pk).update(**{field: earlier})

    assert services.invitation_email_send(invitation_id=invitation.pk) is False

    assert smtp.envelopes == []
    invitation.refresh_from_db()
    assert invitation.sent_at == (earlier if state == "already_sent" else None)


def test_sends_nothing_for_a_missing_invitation(smtp, db):
    assert services.invitation_email_send(invitation_id=987654) is False
    assert smtp.envelopes == []


def test_expiry_boundary(smtp, db):
    with time_machine.travel(START, tick=False) as clock:
        expiring = InvitationFactory(email="late@example.com")
        still_valid = InvitationFactory(email="on-time@example.com")
        assert expiring.expires_at == START + dt.timedelta(days=7)

        clock.move_to(START + dt.timedelta(days=7, seconds=-1))
        assert services.invitation_email_send(invitation_id=still_valid.pk) is True

        clock.move_to(START + dt.timedelta(days=7))
        assert services.invitation_email_send(invitation_id=expiring.pk) is False

        clock.move_to(START + dt.timedelta(days=30))
        assert services.invitation_email_send(invitation_id=expiring.pk) is False

    assert [env.rcpt_tos for env in smtp.envelopes] == [["on-time@example.com"]]
    expiring.refresh_from_db()
    still_valid.refresh_from_db()
    assert expiring.sent_at is None
    assert still_valid.sent_at == START + dt.timedelta(days=7, seconds=-1)


def test_running_twice_sends_once(smtp, invitation):
    assert services.invitation_email_send(invitation_id=invitation.pk) is True
    invitation.refresh_from_db()
    first_sent_at = invitation.sent_at

    assert services.invitation_email_send(invitation_id=invitation.pk) is False

    assert len(smtp.envelopes) == 1
    invitation.refresh_from_db()
    assert invitation.sent_at == first_sent_at


def test_create_emails_after_commit_and_resend_issues_a_new_link(
    smtp, db, django_capture_on_commit_callbacks
):
    team = TeamFactory(name="Harbour Store")
    inviter = UserFactory(full_name="Omar Manager")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invitation = services.invitation_create(
            actor=inviter, email="New.Hire@Example.com", team=team, full_name="Nia Hire"
        )
        assert smtp.envelopes == [], "the email must wait for the transaction to commit"
    assert len(callbacks) == 1

    assert [env.rcpt_tos for env in smtp.envelopes] == [["new.hire@example.com"]]
    first_link = LINK.findall(_body(smtp.messages[0], "plain"))
    assert len(first_link) == 1
    invitation.refresh_from_db()
    assert invitation.sent_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(actor=inviter, invitation=invitation)

    assert len(smtp.envelopes) == 2
    second_link = LINK.findall(_body(smtp.messages[1], "plain"))
    assert len(second_link) == 1
    assert second_link != first_link
    old_token = resolve(urlsplit(first_link[0]).path).kwargs["token"]
    new_token = resolve(urlsplit(second_link[0]).path).kwargs["token"]
    with pytest.raises(services.InvitationUnavailable) as excinfo:
        services.invitation_from_token(old_token)
    assert excinfo.value.reason == "invalid"
    assert services.invitation_from_token(new_token).pk == invitation.pk


def test_smtp_server_down_raises_oserror_and_leaves_sent_at_null(settings, invitation):
    _use_smtp(settings, free_port())  # nothing listens there

    with pytest.raises(OSError):
        services.invitation_email_send(invitation_id=invitation.pk)

    invitation.refresh_from_db()
    assert invitation.sent_at is None


def test_smtp_failure_is_retried_from_the_outbox_then_sent_when_the_server_is_back(
    settings, db, django_capture_on_commit_callbacks
):
    """The invitation waits in the notifications outbox: a mail server that hangs up puts it
    back with a backoff, and the next run after that sends it."""
    team = TeamFactory(name="Harbour Store")
    with DroppingServer() as dropping:
        _use_smtp(settings, dropping.port)
        with (
            time_machine.travel(START, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            invitation = services.invitation_create(
                actor=None, email="sam.new@example.com", team=team
            )
        assert dropping.connections == 1
    row = Notification.objects.get(kind="invitation", subject_id=invitation.pk)
    assert (row.state, row.attempts, row.reason) == ("pending", 1, "send_error")
    assert row.next_attempt_at == START + dispatch.backoff(1)
    invitation.refresh_from_db()
    assert invitation.sent_at is None

    with SmtpServer() as smtp, time_machine.travel(row.next_attempt_at, tick=False):
        _use_smtp(settings, smtp.port)
        assert dispatch.dispatch_all().sent == 1
        assert [env.rcpt_tos for env in smtp.envelopes] == [["sam.new@example.com"]]
    invitation.refresh_from_db()
    assert invitation.sent_at == row.next_attempt_at
