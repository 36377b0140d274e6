"""Announcements from the content layers to the progress layer above them.

Courses and assessments must not import progress (docs/adr/0007), yet progress has to re-check
a learner's enrolment when something it depends on changes. The content services announce the
change here; progress listens (progress/receivers.py). Every announcement leaves only after the
surrounding transaction commits, and is dropped if it rolls back.

- `requirements_changed(course_ids)`: what a course asks for changed (a course, quiz or practice
  conversation published or unpublished, made required or optional). Sent once per commit,
  with every course the transaction touched.
- `learner_progressed(user_id, course_id)`: a learner finished something a course may require
  (passed a quiz, finished a practice conversation).

One question goes the same way, asked and answered at once rather than after commit:
- `certificate_holders_requested(course_id)`: how many people hold a certificate for the
  course. Importing a bundle over a course says so before the author confirms.
"""

from __future__ import annotations

from typing import cast

from django.db import transaction
from django.dispatch import Signal

requirements_changed = Signal()
learner_progressed = Signal()
certificate_holders_requested = Signal()


class _PendingRequirements:
    """The on-commit callback for one transaction; collects course ids so a transaction that
    changes several things sends one announcement."""

    def __init__(self) -> None:
        self.course_ids: set[int] = set()

    def __call__(self) -> None:
        requirements_changed.send(sender=None, course_ids=sorted(self.course_ids))


def announce_requirements_changed(*, course_id: int) -> None:
    """After commit, tell listeners that what `course_id` requires changed. Calls within the
    same transaction are merged into one announcement; outside a transaction it is sent at
    once. No query."""
    connection = transaction.get_connection()
    # Join the callback this transaction already holds. Django drops a callback with the
    # savepoint it was registered in; that savepoint is either still open (and encloses this
    # call, so a rollback drops this change too) or already released. So a merged id is never
    # lost while its change survives; at worst a rolled-back change still triggers a refresh,
    # which changes nothing.
    for _savepoint_ids, callback, _robust in connection.run_on_commit:
        if isinstance(callback, _PendingRequirements):
            callback.course_ids.add(course_id)
            return
    pending = _PendingRequirements()
    pending.course_ids.add(course_id)
    transaction.on_commit(pending)


def announce_learner_progressed(*, user_id: int, course_id: int) -> None:
    """After commit, tell listeners that the learner finished something in `course_id`."""
    transaction.on_commit(
        lambda: learner_progressed.send(sender=None, user_id=user_id, course_id=course_id)
    )


def certificate_holders(*, course_id: int) -> int | None:
    """How many people hold a certificate for `course_id`, as progress counts them; None when
    nothing answers (progress not installed). Whatever queries the listeners make."""
    # django-stubs types a receiver's answer as text; these answer with a number.
    answers = cast(
        list[tuple[object, object]],
        certificate_holders_requested.send(sender=None, course_id=course_id),
    )
    counts = [count for _receiver, count in answers if isinstance(count, int)]
    return sum(counts) if counts else None
