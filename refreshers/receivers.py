"""Refreshers listens to what assessments announces (assessments/events.py)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from assessments.events import attempts_graded, runs_finished

from . import services


@receiver(attempts_graded, dispatch_uid="refreshers.attempts_graded")
def _record_attempts(*, attempt_ids: list[int], **_kwargs: Any) -> None:
    # In the request that graded them (a few queries), so the dashboard is right at once.
    for attempt_id in attempt_ids:
        services.items_record_attempt(attempt_id=attempt_id)


@receiver(runs_finished, dispatch_uid="refreshers.runs_finished")
def _record_runs(*, run_ids: list[int], **_kwargs: Any) -> None:
    for run_id in run_ids:
        services.items_record_run(run_id=run_id)
