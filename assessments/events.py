"""Announcements from assessments to the layers above it.

Assessments must not import the refreshers or progress apps (docs/adr/0007), yet refreshers has
to turn what a learner just answered into review items. The attempt and run services announce
here; refreshers listens (refreshers/receivers.py). Every announcement leaves only after the
surrounding transaction commits, and is dropped if it rolls back.

- `attempts_graded(attempt_ids)`: quiz attempts were graded (submitted, or closed at their time
  limit). Sent once per commit, with every attempt the transaction graded.
- `runs_finished(run_ids)`: practice conversations were played to an ending. Sent once per
  commit, with every run the transaction finished.

Only real attempts and runs are announced: the authors' previews of quizzes and conversations
store nothing (assessments/quizzes/preview.py), so they have nothing to announce.

Sent robustly: the learner's answers are saved by then, so a listener that fails is logged
rather than turning their result page into an error.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

attempts_graded = Signal()
runs_finished = Signal()


class _Pending:
    """The on-commit callback for one transaction and one signal; collects ids so a transaction
    that grades several attempts (the overdue sweep) sends one announcement."""

    def __init__(self, signal: Signal, argument: str) -> None:
        self.signal = signal
        self.argument = argument
        self.ids: set[int] = set()
        self.sent = False

    def __call__(self) -> None:
        self.sent = True
        self.signal.send(sender=None, **{self.argument: sorted(self.ids)})


def _announce(signal: Signal, argument: str, pk: int) -> None:
    connection = transaction.get_connection()
    # Join the callback this transaction already holds (the reasoning is in courses/events.py:
    # a merged id is never lost while its change survives).
    for _savepoint_ids, callback, _robust in connection.run_on_commit:
        # One already sent (tests run callbacks inside a transaction that never commits) takes
        # no more ids.
        if isinstance(callback, _Pending) and callback.signal is signal and not callback.sent:
            callback.ids.add(pk)
            return
    pending = _Pending(signal, argument)
    pending.ids.add(pk)
    transaction.on_commit(pending, robust=True)


def announce_attempt_graded(*, attempt_id: int) -> None:
    """After commit, tell listeners that the attempt was graded. Calls within one transaction
    are merged into one announcement; outside a transaction it is sent at once. No query."""
    _announce(attempts_graded, "attempt_ids", attempt_id)


def announce_run_finished(*, run_id: int) -> None:
    """After commit, tell listeners that the practice run reached an ending. Merged per
    transaction like `announce_attempt_graded`. No query."""
    _announce(runs_finished, "run_ids", run_id)
