"""Assigned training for reminder tests: courses assigned with a due date, at a given time."""

from __future__ import annotations

import datetime as dt

import time_machine

from courses.models import Course, Enrolment
from learners.models import User
from progress.assignments import Due, assignment_create
from tests.courses.builders import build_course

# A Monday, 09:00 UTC.
MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def course(slug: str = "calm", title: str = "Calm under fire") -> Course:
    return build_course(slug=slug, title=title, modules=1, lessons=1, self_enrol=False)


def assign(
    *, by: User, to: User, training: Course, due_on: dt.date | None, at: dt.datetime = MONDAY
) -> Enrolment:
    """Assign `training` to `to` at `at` (the assignment's time matters: new-assignment notices
    look back three days), due at the end of `due_on`."""
    with time_machine.travel(at, tick=False):
        assignment_create(actor=by, people=[to], course=training, due=Due(on=due_on))
    return Enrolment.objects.get(user=to, course=training)


def assign_many(*, by: User, to: list[User], training: Course, at: dt.datetime = MONDAY) -> None:
    """Assign `training` to everyone in `to` at `at`, with no due date."""
    with time_machine.travel(at, tick=False):
        assignment_create(actor=by, people=to, course=training)
