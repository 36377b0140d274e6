"""Refresher reminders come from the real spaced refreshers: a quiz answered wrongly makes an
item due the next day, the sweep writes one reminder for it, and the reminder goes stale once
the refresher is done."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from notifications import due_sources
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.sweep import reminders_sweep
from tests.refreshers.builders import course_with_quiz, enrol, take_quiz

pytestmark = pytest.mark.django_db

DAY0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def test_the_refreshers_app_is_the_registered_source():
    source = due_sources.get("refreshers")
    assert source is not None and type(source).__name__ == "RefresherSource"


def test_a_wrong_answer_becomes_a_refresher_reminder(learner, django_capture_on_commit_callbacks):
    course, quiz = course_with_quiz()
    enrol(learner, course)
    with time_machine.travel(DAY0, tick=False):
        take_quiz(django_capture_on_commit_callbacks, quiz, learner, right=False, confidence=3)

    source = due_sources.get("refreshers")
    assert source is not None
    assert source.due_count(learner.pk, DAY0) == 0  # not due yet
    later = DAY0 + dt.timedelta(days=3)
    (due,) = list(source.due(later))
    assert (due.user_id, due.count) == (learner.pk, source.due_count(learner.pk, later))
    assert due.count >= 1 and due.since <= later

    with time_machine.travel(later, tick=False):
        reminders_sweep()
    reminders = Notification.objects.filter(user=learner, kind=Kind.REFRESHER_DUE)
    assert reminders.exists()
    assert {r.context["count"] for r in reminders} == {due.count}
