"""The sweep writes what is due into the outbox, once, however often and however late it runs."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from courses.models import Enrolment
from notifications import dispatch, due_sources
from notifications.kinds import Kind
from notifications.models import Channel, Notification, OrganisationSettings, State
from notifications.sweep import reminders_sweep
from progress.assignments import assignment_create
from progress.models import Assignment, Certificate
from progress.recurrence import assignments_renew_due
from tests.notifications.builders import MONDAY, assign, course
from tests.progress.test_recurrence import finish

pytestmark = pytest.mark.django_db


def _emails(kind: str | None = None) -> list[Notification]:
    rows = Notification.objects.filter(channel=Channel.EMAIL).order_by("pk")
    return list(rows.filter(kind=kind) if kind else rows)


def test_a_new_assignment_is_written_once_for_email_and_once_for_the_bell(learner, manager):
    assign(by=manager, to=learner, training=course(), due_on=dt.date(2026, 3, 31))

    with time_machine.travel(MONDAY + dt.timedelta(minutes=5), tick=False):
        first = reminders_sweep()
        second = reminders_sweep()

    rows = Notification.objects.filter(kind=Kind.ASSIGNED, user=learner)
    assert sorted(rows.values_list("channel", "state")) == [
        (Channel.EMAIL, State.PENDING),
        (Channel.IN_APP, State.SENT),
    ]
    # (The manager's weekly digest is written by the same sweep.)
    assert first.considered[Kind.ASSIGNED] == 2
    assert first.created == Notification.objects.count() == 3
    assert second.created == 0
    assert rows.get(channel=Channel.EMAIL).context["course"] == "Calm under fire"


def test_due_soon_after_beat_was_down_for_two_hours_is_caught_up_once(learner, manager):
    # Due at the end of 10 March: "due in 7 days" from 23:59:59 on 2 March, when fewer than
    # eight whole days remain.
    enrolment = assign(by=manager, to=learner, training=course(), due_on=dt.date(2026, 3, 10))
    seven_days_before = enrolment.due_at - dt.timedelta(days=8)

    with time_machine.travel(seven_days_before - dt.timedelta(minutes=1), tick=False):
        reminders_sweep()
    assert _emails(Kind.DUE_SOON) == []

    # Beat is down from then until two hours later; the next sweep writes it, the one after
    # finds it there.
    with time_machine.travel(seven_days_before + dt.timedelta(hours=2), tick=False):
        caught_up = reminders_sweep()
        again = reminders_sweep()

    (row,) = _emails(Kind.DUE_SOON)
    assert row.context["days"] == 7
    assert row.due_at == enrolment.due_at
    assert caught_up.considered[Kind.DUE_SOON] == 2  # email and bell
    assert again.created == 0


def test_each_day_in_the_policy_gets_its_own_notice_and_due_today_follows(learner, manager):
    OrganisationSettings.objects.create(pk=1, due_soon_days=[3, 1])
    enrolment = assign(by=manager, to=learner, training=course(), due_on=dt.date(2026, 3, 10))
    due = enrolment.due_at
    assert due is not None

    for before in (
        dt.timedelta(days=4, hours=-2),
        dt.timedelta(days=2, hours=-2),
        dt.timedelta(hours=2),
    ):
        with time_machine.travel(due - before, tick=False):
            reminders_sweep()

    notices = [r for r in _emails() if r.user == learner and r.kind != Kind.ASSIGNED]
    assert [(r.kind, r.context.get("days")) for r in notices] == [
        (Kind.DUE_SOON, 3),
        (Kind.DUE_SOON, 1),
        (Kind.DUE_TODAY, None),
    ]


def test_overdue_goes_to_the_learner_and_once_to_their_manager(learner, manager, other_manager):
    enrolment = assign(by=manager, to=learner, training=course(), due_on=dt.date(2026, 3, 3))
    assert enrolment.due_at is not None

    for hours in (1, 30, 100):
        with time_machine.travel(enrolment.due_at + dt.timedelta(hours=hours), tick=False):
            reminders_sweep()

    assert [r.user for r in _emails(Kind.OVERDUE)] == [learner]
    (to_manager,) = _emails(Kind.OVERDUE_MANAGER)
    assert to_manager.user == manager
    assert to_manager.context["person"] == "Leo Learner"
    assert to_manager.context["name"] == "Maya"


def test_finished_unassigned_or_switched_off_people_get_nothing(
    learner, other_learner, outsider, manager, admin
):
    training = course()
    done = assign(by=manager, to=learner, training=training, due_on=dt.date(2026, 3, 3))
    done.completed_at = MONDAY
    done.save()
    assign(by=manager, to=other_learner, training=training, due_on=dt.date(2026, 3, 3))
    Assignment.objects.filter(user=other_learner).update(removed_at=MONDAY)
    assign(by=admin, to=outsider, training=training, due_on=dt.date(2026, 3, 3))
    outsider.is_active = False
    outsider.save()

    with time_machine.travel(MONDAY + dt.timedelta(days=1, hours=12), tick=False):
        result = reminders_sweep()

    assert sum(n for kind, n in result.considered.items() if kind != Kind.MANAGER_DIGEST) == 0
    assert not Notification.objects.exclude(kind=Kind.MANAGER_DIGEST).exists()


def test_a_manager_digest_once_a_week(learner, manager):
    assign(by=manager, to=learner, training=course(), due_on=dt.date(2026, 3, 31))

    for days in (0, 1, 6, 7):
        with time_machine.travel(MONDAY + dt.timedelta(days=days), tick=False):
            reminders_sweep()

    digests = _emails(Kind.MANAGER_DIGEST)
    assert [(r.user, r.period) for r in digests] == [(manager, "2026-W10"), (manager, "2026-W11")]
    assert not Notification.objects.filter(kind=Kind.MANAGER_DIGEST, channel=Channel.IN_APP)


class FakeRefreshers:
    """A due source shaped like the refreshers app's selector."""

    name = "refreshers"

    def __init__(self, due: dict[int, int]) -> None:
        self.counts = due

    def due(self, now: dt.datetime) -> list[due_sources.DueItems]:
        return [
            due_sources.DueItems(user_id=u, count=c, since=now - dt.timedelta(days=1))
            for u, c in self.counts.items()
            if c
        ]

    def due_count(self, user_id: int, now: dt.datetime) -> int:
        return self.counts.get(user_id, 0)


@pytest.fixture
def refreshers():
    real = due_sources.get("refreshers")

    def register(counts: dict[int, int]) -> FakeRefreshers:
        source = FakeRefreshers(counts)
        due_sources.register(source)
        return source

    yield register
    due_sources.unregister("refreshers")
    if real is not None:
        due_sources.register(real)  # the app's own, registered at start-up


def test_refresher_due_comes_from_a_registered_source_once_a_week(learner, refreshers):
    refreshers({learner.pk: 6})

    with time_machine.travel(MONDAY, tick=False):
        reminders_sweep()
        reminders_sweep()

    (row,) = _emails(Kind.REFRESHER_DUE)
    assert (row.user, row.subject_type, row.context["count"]) == (learner, "refreshers", 6)


def test_a_recurring_course_coming_back_and_its_certificate_running_out(learner, manager):
    training = course()
    start = dt.datetime(2026, 1, 31, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        assignment_create(actor=manager, people=[learner], course=training, recur_months=12)
        enrolment = finish(Enrolment.objects.get(user=learner))
    lapse = Certificate.objects.get(enrolment=enrolment).expires_at
    assert lapse is not None

    with time_machine.travel(lapse - dt.timedelta(days=20), tick=False):
        assert assignments_renew_due() == 1
        reminders_sweep()
    assert [r.kind for r in _emails() if r.user == learner] == [Kind.RECURRENCE_STARTING]

    with time_machine.travel(lapse - dt.timedelta(days=10), tick=False):
        reminders_sweep()
    (expiring,) = _emails(Kind.CERTIFICATE_EXPIRING)
    assert expiring.context["course"] == "Calm under fire"
    assert expiring.context["expires"] == f"{lapse:%A} {lapse.day} {lapse:%B}"

    # Finishing the new round earns a newer certificate: the warning is no longer true.
    with time_machine.travel(lapse - dt.timedelta(days=9), tick=False):
        finish(Enrolment.objects.get(pk=enrolment.pk))
        dispatch.dispatch_all()
    expiring.refresh_from_db()
    assert (expiring.state, expiring.reason) == (State.CANCELLED, "completed")
