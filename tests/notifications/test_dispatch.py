"""The dispatcher: re-checks each reminder just before sending, keeps to one email a day in the
person's own time zone outside quiet hours, combines, retries and gives up visibly."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Enrolment
from notifications import dispatch, services
from notifications.kinds import Kind
from notifications.models import (
    Channel,
    EmailTemplate,
    Mailbox,
    Notification,
    OrganisationSettings,
    Preference,
    State,
)
from notifications.sweep import reminders_sweep
from progress.models import Assignment
from tests.factories import MembershipFactory, UserFactory
from tests.notifications.builders import MONDAY, assign, assign_many, course
from tests.smtp import free_port

pytestmark = pytest.mark.django_db

# 10:00 in London (UTC in March), outside quiet hours.
MORNING = MONDAY + dt.timedelta(hours=1)


def _sweep_and_send(at: dt.datetime) -> dispatch.DispatchResult:
    with time_machine.travel(at, tick=False):
        reminders_sweep()
        return dispatch.dispatch_all()


def _email(user, kind: str) -> Notification:
    return Notification.objects.get(user=user, kind=kind, channel=Channel.EMAIL)


def test_two_things_due_the_same_day_arrive_as_one_email(learner, manager):
    assign(
        by=manager,
        to=learner,
        training=course("calm", "Calm under fire"),
        due_on=dt.date(2026, 3, 31),
    )
    assign(
        by=manager,
        to=learner,
        training=course("listen", "Listening first"),
        due_on=dt.date(2026, 3, 31),
    )

    result = _sweep_and_send(MORNING)

    to_leo = [m for m in mail.outbox if m.to == ["leo@example.com"]]
    assert len(to_leo) == 1
    (message,) = to_leo
    assert "2 things for you today" in message.subject
    assert "Calm under fire" in message.body and "Listening first" in message.body
    html = message.alternatives[0][0]
    assert "<strong>Calm under fire</strong>" in html
    rows = Notification.objects.filter(user=learner, channel=Channel.EMAIL)
    assert {r.state for r in rows} == {State.SENT}
    assert len({r.message_id for r in rows}) == 1
    assert result.sent >= 2


def test_a_second_reminder_the_same_day_waits_for_the_next_morning(learner, manager):
    assign(by=manager, to=learner, training=course("calm"), due_on=dt.date(2026, 3, 31))
    _sweep_and_send(MORNING)
    assert len([m for m in mail.outbox if m.to == [learner.email]]) == 1

    later = MORNING + dt.timedelta(hours=3)
    assign(
        by=manager, to=learner, training=course("listen", "Listening first"), due_on=None, at=later
    )
    _sweep_and_send(later)

    waiting = Notification.objects.get(
        user=learner, channel=Channel.EMAIL, context__course="Listening first"
    )
    assert (waiting.state, waiting.reason) == (State.PENDING, "daily_cap")
    assert waiting.next_attempt_at == dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC)
    assert waiting.attempts == 0, "waiting is not a failed attempt"
    assert len([m for m in mail.outbox if m.to == [learner.email]]) == 1

    with time_machine.travel(waiting.next_attempt_at, tick=False):
        dispatch.dispatch_all()
    waiting.refresh_from_db()
    assert waiting.state == State.SENT
    assert len([m for m in mail.outbox if m.to == [learner.email]]) == 2


def test_quiet_hours_are_the_persons_own(learner, other_learner, manager):
    learner.time_zone = "America/New_York"  # 03:00 UTC is 22:00 the day before there
    learner.save()
    other_learner.time_zone = "Asia/Tokyo"  # and 12:00 here
    other_learner.save()
    night_in_new_york = dt.datetime(2026, 3, 3, 3, 0, tzinfo=dt.UTC)
    training = course()
    for person in (learner, other_learner):
        assign(
            by=manager,
            to=person,
            training=training,
            due_on=dt.date(2026, 3, 31),
            at=night_in_new_york,
        )

    _sweep_and_send(night_in_new_york)

    assert [m.to for m in mail.outbox if m.to != [manager.email]] == [[other_learner.email]]
    waiting = _email(learner, Kind.ASSIGNED)
    assert (waiting.state, waiting.reason) == (State.PENDING, "quiet_hours")
    # 08:00 in New York (EST, UTC-5) on 3 March.
    assert waiting.next_attempt_at == dt.datetime(2026, 3, 3, 13, 0, tzinfo=dt.UTC)

    with time_machine.travel(waiting.next_attempt_at, tick=False):
        dispatch.dispatch_all()
    waiting.refresh_from_db()
    assert waiting.state == State.SENT
    assert waiting.reason == "quiet_hours", "the ledger still says why it waited"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("complete", "completed"),
        ("unassign", "unassigned"),
        ("deactivate", "deactivated"),
        ("move_due_date", "due_moved"),
    ],
)
def test_a_reminder_that_stopped_being_true_is_not_sent(learner, manager, change, reason):
    enrolment = assign(by=manager, to=learner, training=course(), due_on=dt.date(2026, 3, 3))
    assert enrolment.due_at is not None
    written_at = enrolment.due_at - dt.timedelta(hours=2)
    with time_machine.travel(written_at, tick=False):
        reminders_sweep()
    row = _email(learner, Kind.DUE_TODAY)

    if change == "complete":
        Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=written_at)
    elif change == "unassign":
        Assignment.objects.filter(user=learner).update(removed_at=written_at)
    elif change == "deactivate":
        type(learner).objects.filter(pk=learner.pk).update(is_active=False)
    else:
        Enrolment.objects.filter(pk=enrolment.pk).update(
            due_at=enrolment.due_at + dt.timedelta(days=7)
        )
    with time_machine.travel(written_at + dt.timedelta(minutes=1), tick=False):
        dispatch.dispatch_all()

    row.refresh_from_db()
    assert (row.state, row.reason) == (State.CANCELLED, reason)
    assert [m for m in mail.outbox if m.to == [learner.email]] == []


def test_due_today_that_waited_past_its_day_is_dropped_for_the_overdue_notice(learner, manager):
    learner.time_zone = "Pacific/Auckland"
    learner.save()
    enrolment = assign(by=manager, to=learner, training=course(), due_on=dt.date(2026, 3, 3))
    assert enrolment.due_at is not None
    # 23:00 UTC on the 2nd is 12:00 on the 3rd in Auckland: sent at once. Cap it first.
    Mailbox.objects.create(user=learner, day=dt.date(2026, 3, 4), sent_that_day=1)
    at = enrolment.due_at - dt.timedelta(hours=3)  # 20:59 UTC on the 3rd: 09:59 on the 4th there
    with time_machine.travel(at, tick=False):
        reminders_sweep()
        dispatch.dispatch_all()
    row = _email(learner, Kind.DUE_TODAY)
    assert (row.state, row.reason) == (State.PENDING, "daily_cap")

    with time_machine.travel(row.next_attempt_at, tick=False):
        dispatch.dispatch_all()

    row.refresh_from_db()
    assert (row.state, row.reason) == (State.CANCELLED, "no_longer_due")


def test_an_optional_kind_turned_off_is_held_and_due_notices_follow_the_policy(learner, manager):
    Preference.objects.create(user=manager, kind=Kind.MANAGER_DIGEST, email=False)
    Preference.objects.create(user=learner, kind=Kind.ASSIGNED, email=False)
    assign(by=manager, to=learner, training=course(), due_on=dt.date(2026, 3, 31))

    _sweep_and_send(MORNING)

    digest = _email(manager, Kind.MANAGER_DIGEST)
    assert (digest.state, digest.reason) == (State.HELD, "preference")
    # Due-date notices are mandatory by default: the preference does not apply.
    assert _email(learner, Kind.ASSIGNED).state == State.SENT


def test_when_due_notices_are_not_mandatory_people_may_turn_them_off(learner, manager):
    OrganisationSettings.objects.create(pk=1, due_notices_mandatory=False)
    services.preferences_set(user=learner, email_on={Kind.ASSIGNED: False})
    assign(by=manager, to=learner, training=course(), due_on=dt.date(2026, 3, 31))

    _sweep_and_send(MORNING)

    row = _email(learner, Kind.ASSIGNED)
    assert (row.state, row.reason) == (State.HELD, "preference")


def test_optional_emails_carry_one_click_unsubscribe_headers(learner, manager):
    assign(by=manager, to=learner, training=course(), due_on=dt.date(2026, 3, 31))

    _sweep_and_send(MORNING)

    (digest,) = [m for m in mail.outbox if m.to == [manager.email]]
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = digest.extra_headers["List-Unsubscribe"].strip("<>")
    assert "/notifications/unsubscribe/" in link
    assert link in digest.body
    (to_leo,) = [m for m in mail.outbox if m.to == [learner.email]]
    assert "List-Unsubscribe" not in to_leo.extra_headers, "due-date notices are mandatory"


def _use_dead_smtp(settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2


def test_a_mail_server_that_is_down_means_retries_with_backoff_then_failed(
    settings, learner, manager
):
    assign(by=manager, to=learner, training=course(), due_on=dt.date(2026, 3, 31))
    with time_machine.travel(MORNING, tick=False):
        reminders_sweep()
    _use_dead_smtp(settings)
    row = _email(learner, Kind.ASSIGNED)
    waits = []
    at = MORNING
    for _attempt in range(dispatch.MAX_ATTEMPTS):
        with time_machine.travel(at, tick=False):
            dispatch.dispatch_all()
        row.refresh_from_db()
        if row.state == State.FAILED:
            break
        waits.append(row.next_attempt_at - at)
        at = row.next_attempt_at

    assert waits == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    assert (row.state, row.reason, row.attempts) == (State.FAILED, "gave_up", dispatch.MAX_ATTEMPTS)
    assert "ConnectionRefusedError" in row.last_error


def test_rows_left_by_a_worker_that_died_are_taken_over_after_the_lease(learner, manager):
    assign(by=manager, to=learner, training=course(), due_on=dt.date(2026, 3, 31))
    with time_machine.travel(MORNING, tick=False):
        reminders_sweep()
        claimed = dispatch.claim(now=MORNING, limit=50, token="dead-worker")
    assert claimed >= 1

    with time_machine.travel(MORNING + dt.timedelta(seconds=30), tick=False):
        early = dispatch.dispatch_all()
    with time_machine.travel(MORNING + dispatch.lease() + dt.timedelta(seconds=1), tick=False):
        late = dispatch.dispatch_all()

    assert early.sent == 0
    assert late.sent == claimed
    assert _email(learner, Kind.ASSIGNED).attempts == 2


def test_two_dispatchers_never_claim_the_same_row(learner, other_learner, manager):
    training = course()
    for person in (learner, other_learner):
        assign(by=manager, to=person, training=training, due_on=dt.date(2026, 3, 31))
    with time_machine.travel(MORNING, tick=False):
        reminders_sweep()
        first = dispatch.claim(now=MORNING, limit=1, token="a")
        second = dispatch.claim(now=MORNING, limit=50, token="b")
        third = dispatch.claim(now=MORNING, limit=50, token="c")

    tokens = Notification.objects.filter(channel=Channel.EMAIL).values_list("claimed_by", flat=True)
    assert first >= 1 and second >= 1 and third == 0
    assert sorted(set(tokens)) == ["a", "b"]


def test_the_sweep_costs_the_same_queries_for_2_or_12_people(downtown, manager):
    training = course()
    OrganisationSettings.current()  # created once, the first time anything reads it
    counts = []
    for size in (2, 12):
        people = [UserFactory() for _ in range(size - (len(counts) and 2))]
        for person in people:
            MembershipFactory(team=downtown, user=person)
        assign_many(by=manager, to=people, training=training)
        Notification.objects.all().delete()
        with time_machine.travel(MORNING, tick=False), CaptureQueriesContext(connection) as q:
            reminders_sweep()
        counts.append(len(q.captured_queries))
        assert (
            Notification.objects.filter(kind=Kind.ASSIGNED, channel=Channel.EMAIL).count() == size
        )

    assert counts[0] == counts[1]


def test_only_the_most_urgent_reminder_about_one_course_goes_out(learner, manager):
    # Assigned on Monday, due the same evening: "new training" and "due today" are both due.
    enrolment = assign(by=manager, to=learner, training=course(), due_on=dt.date(2026, 3, 2))
    other = assign(
        by=manager, to=learner, training=course("listen", "Listening first"), due_on=None
    )

    _sweep_and_send(MORNING)

    rows = {
        (r.kind, r.subject_id): r
        for r in Notification.objects.filter(user=learner, channel=Channel.EMAIL)
    }
    assert rows[(Kind.DUE_TODAY, enrolment.pk)].state == State.SENT
    superseded = rows[(Kind.ASSIGNED, enrolment.pk)]
    assert (superseded.state, superseded.reason) == (State.CANCELLED, "superseded")
    assert rows[(Kind.ASSIGNED, other.pk)].state == State.SENT
    (message,) = [m for m in mail.outbox if m.to == [learner.email]]
    assert message.body.count("Hi Leo,") == 1, "one greeting for the whole digest"
    assert "Calm under fire is due today" in message.body


def test_a_template_that_no_longer_renders_fails_visibly_instead_of_looping(learner, manager):
    # Saved before the checks existed, say: it cannot compile.
    EmailTemplate.objects.create(key=Kind.ASSIGNED, subject="{% if %}", text="x", html="x")
    assign(by=manager, to=learner, training=course(), due_on=dt.date(2026, 3, 31))
    with time_machine.travel(MORNING, tick=False):
        reminders_sweep()
    row = _email(learner, Kind.ASSIGNED)

    at = MORNING
    for _attempt in range(dispatch.MAX_ATTEMPTS):
        with time_machine.travel(at, tick=False):
            dispatch.dispatch_all()
        row.refresh_from_db()
        at = row.next_attempt_at

    assert (row.state, row.reason) == (State.FAILED, "gave_up")
    assert "TemplateSyntaxError" in row.last_error
    assert [m for m in mail.outbox if m.to == [learner.email]] == []


def test_the_commands_run_the_sweep_and_the_dispatcher_by_hand(learner, manager):
    assign(by=manager, to=learner, training=course(), due_on=dt.date(2026, 3, 31))
    out = io.StringIO()

    with time_machine.travel(MORNING, tick=False):
        call_command("run_reminder_sweep", stdout=out)
        call_command("send_pending_notifications", stdout=out)

    text = out.getvalue()
    assert "assigned: 2 due" in text
    assert "emails sent" in text
    assert _email(learner, Kind.ASSIGNED).state == State.SENT
