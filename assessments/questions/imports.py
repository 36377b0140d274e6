"""Question files imported in the background: the job behind the import page and the command.

An upload becomes a queued `ImportJob` holding the file (`import_job_create`, one insert, so the
page answers at once whatever the file's size); a worker runs it (`import_job_run`, through
`assessments.tasks.run_question_import`). The run reads and checks the whole file first, as
`interchange.questions_import` always does, then writes it a batch at a time. Everything it
writes carries the job and stays hidden (`FinishedManager`) until one short transaction shows it
all; if the file has problems, or anything fails, what was written is deleted again. Why it
works this way: docs/adr/0012.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assessments.models import ImportJob, Question, QuestionAudio, QuestionBank, QuestionImage

from .interchange import ImportReport, InterchangeError, Problem, Skipped, bank_find
from .interchange.importing import pause_for_other_writers, questions_import

if TYPE_CHECKING:
    from learners.models import User

logger = logging.getLogger(__name__)

State = ImportJob.State

# A worker that dies mid-import (out of memory, killed at the time limit) has the task given to
# another; after this many starts the job fails instead of trying forever.
MAX_RUNS = 3
# Questions deleted per transaction when a job's rows are removed; they are hidden throughout,
# so the removal need not be one transaction, and short ones keep sign-ins flowing on SQLite.
DISCARD_BATCH = 500


class _Overtaken(Exception):
    """Another run of the same job has started; this one must stop and touch nothing more."""


def import_job_create(
    *,
    actor: User | None,
    content: bytes,
    filename: str,
    bank_path: Sequence[str],
    file_format: str = "",
) -> ImportJob:
    """A queued job to import `content` into the bank at `bank_path` (created if missing).
    Nothing is read or checked yet; the caller queues `run_question_import` for it, or runs
    `import_job_run` itself. `actor` is None for the command line. One insert."""
    filename = filename or "upload"
    if len(filename) > 255:
        # The extension chooses the reader, so a name too long to store loses its middle.
        stem, extension = os.path.splitext(filename)
        filename = stem[: 255 - len(extension[:20])] + extension[:20]
    return ImportJob.objects.create(
        created_by=actor,
        filename=filename,
        content=content,
        bank_path=[part.strip() for part in bank_path if part.strip()],
        file_format=file_format or "",
    )


def import_job_run(*, job_id: int) -> str:
    """Run import job `job_id` to the end and return the state it left the job in: "done"
    (every question visible at once), "refused" (the file has problems, listed in the report;
    nothing stored) or "failed" (an error on our side, logged; nothing stored). Returns "" when
    there is nothing to do: no such job, it has finished, or another run has taken it over.

    Safe to run twice. A queued or running job is claimed with a conditional update that counts
    the start; running means a worker died mid-import and the broker handed the task on, so
    whatever that run wrote is removed first. An overtaken run notices at its next batch and
    stops with that batch rolled back. After MAX_RUNS starts the job fails.
    """
    run = _claim(job_id)
    if run is None:
        return ""
    _discard(job_id)
    if run > MAX_RUNS:
        logger.error("question import job %s stopped %s times; giving up", job_id, MAX_RUNS)
        return _finish(job_id, run, State.FAILED, {})
    job = ImportJob.objects.get(pk=job_id)

    def progress(stored: int, total: int) -> None:
        # In the batch's own transaction: the count and the questions commit together.
        if not ImportJob.objects.filter(pk=job_id, runs=run, state=State.RUNNING).update(
            questions_stored=stored, questions_read=total
        ):
            raise _Overtaken

    try:
        report = questions_import(
            content=bytes(job.content),
            filename=job.filename,
            bank_path=job.bank_path,
            file_format=job.file_format or None,
            import_job_id=job_id,
            progress=progress,
        )
    except _Overtaken:
        return ""
    except InterchangeError as exc:
        _discard(job_id)
        problems = [_problem_json(problem) for problem in exc.problems]
        return _finish(job_id, run, State.REFUSED, {"problems": problems})
    except Exception:
        # Includes Celery's soft time limit. The worker's log has the details; the author is
        # told plainly that nothing was imported.
        logger.exception("question import job %s failed", job_id)
        _discard(job_id)
        return _finish(job_id, run, State.FAILED, {})
    return _publish(job_id, run, report, job.bank_path)


def _claim(job_id: int) -> int | None:
    """Marks the job running and returns this run's number, or None when it is not waiting or
    running (finished, or no such job)."""
    with transaction.atomic():
        claimed = ImportJob.objects.filter(
            pk=job_id, state__in=[State.QUEUED, State.RUNNING]
        ).update(
            state=State.RUNNING,
            runs=F("runs") + 1,
            started_at=timezone.now(),
            questions_read=None,
            questions_stored=0,
        )
        if not claimed:
            return None
        return ImportJob.objects.values_list("runs", flat=True).get(pk=job_id)


def _finish(job_id: int, run: int, state: str, report: dict[str, Any], **fields: Any) -> str:
    """Ends run `run` of the job in `state` with `report`, dropping the file. Returns `state`,
    or "" when another run has taken the job over (then nothing changes)."""
    updated = ImportJob.objects.filter(pk=job_id, runs=run, state=State.RUNNING).update(
        state=state, finished_at=timezone.now(), report=report, content=b"", **fields
    )
    return state if updated else ""


def _publish(job_id: int, run: int, report: ImportReport, bank_path: list[str]) -> str:
    """Shows everything the job wrote, in one transaction with marking it done."""
    with transaction.atomic():
        state = _finish(
            job_id,
            run,
            State.DONE,
            {
                "skipped": [
                    {"kind": s.kind, "title": s.title, "line": s.line} for s in report.skipped
                ],
                "notes": [_problem_json(note) for note in report.notes],
            },
            questions_read=report.imported,
            questions_stored=report.imported,
        )
        if not state:
            return ""
        Question.all_objects.filter(import_job_id=job_id).update(import_job=None)
        QuestionBank.all_objects.filter(import_job_id=job_id).update(import_job=None)
        QuestionImage.objects.filter(import_job_id=job_id).update(import_job=None)
        QuestionAudio.objects.filter(import_job_id=job_id).update(import_job=None)
        ImportJob.objects.filter(pk=job_id).update(bank=bank_find(path=bank_path))
    return state


def _discard(job_id: int) -> None:
    """Deletes every question, picture, sound and bank the job wrote and has not shown,
    questions a few hundred per transaction; files go once their rows are gone."""
    while True:
        with transaction.atomic():
            batch = list(
                Question.all_objects.filter(import_job_id=job_id).values_list("pk", flat=True)[
                    :DISCARD_BATCH
                ]
            )
            if not batch:
                break
            Question.all_objects.filter(pk__in=batch).delete()
        pause_for_other_writers()
    with transaction.atomic():
        images = QuestionImage.objects.filter(import_job_id=job_id)
        sounds = QuestionAudio.objects.filter(import_job_id=job_id)
        names = [name for name in images.values_list("image", flat=True) if name]
        names += [name for name in sounds.values_list("file", flat=True) if name]
        images.delete()
        sounds.delete()
        transaction.on_commit(lambda: _delete_files(names))
    # Innermost first: a bank can't go while banks inside it remain.
    while QuestionBank.all_objects.filter(import_job_id=job_id, children__isnull=True).exists():
        with transaction.atomic():
            QuestionBank.all_objects.filter(import_job_id=job_id, children__isnull=True).delete()


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "file": problem.file,
        "line": problem.line,
        "column": problem.column,
        "message": problem.message,
    }


def _problem(data: dict[str, Any]) -> Problem:
    return Problem(data["file"], data["line"], data["message"], data["column"])


def import_job_problems(job: ImportJob) -> list[Problem]:
    """Why a refused job's file can't be imported, in file order. Empty for other jobs."""
    return [_problem(item) for item in job.report.get("problems", [])]


def import_job_report(job: ImportJob) -> ImportReport:
    """What a done job imported, skipped and noted (no query). For a job that is not done,
    an empty report of the questions stored so far."""
    return ImportReport(
        imported=job.questions_stored,
        skipped=[Skipped(s["kind"], s["title"], s["line"]) for s in job.report.get("skipped", [])],
        notes=[_problem(note) for note in job.report.get("notes", [])],
    )
