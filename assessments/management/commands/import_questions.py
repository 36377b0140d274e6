"""Import a Moodle XML or GIFT question file into a question bank."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import ImportJob
from assessments.questions.imports import (
    import_job_create,
    import_job_problems,
    import_job_report,
    import_job_run,
)
from assessments.questions.interchange import READERS


class Command(BaseCommand):
    help = (
        "Import questions from a Moodle XML (.xml) or GIFT (.gift, .txt) file into a bank "
        "(created if missing; 'Parent/Child' for nested banks). Unsupported question types are "
        "skipped and listed on stderr. If the file has any problem, each is listed on stderr as "
        "file:line: message, nothing is imported and the exit code is 1. Ends by printing "
        "'imported N questions, skipped M'. Runs here and now, as an import job written in "
        "short batches, so the site stays usable meanwhile."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The question file.")
        parser.add_argument(
            "--bank", required=True, help='The bank to import into, e.g. "Service/Apologies".'
        )
        parser.add_argument(
            "--format",
            choices=sorted(READERS),
            help="Read the file as this format instead of going by its extension.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"can't read {path}: {exc.strerror}") from exc
        # The same job the upload page makes, run in this process instead of by a worker.
        job = import_job_create(
            actor=None,
            content=content,
            filename=path.name,
            bank_path=options["bank"].split("/"),
            file_format=options["format"] or "",
        )
        import_job_run(job_id=job.pk)
        job.refresh_from_db()
        if job.state == ImportJob.State.REFUSED:
            problems = import_job_problems(job)
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(problems)} problem(s) in {path.name}; nothing was imported.")
        if job.state != ImportJob.State.DONE:
            raise CommandError(
                f"the import of {path.name} failed (see the error above); nothing was imported."
            )
        report = import_job_report(job)
        for skipped in report.skipped:
            self.stderr.write(
                f'{path.name}:{skipped.line}: skipped {skipped.kind} question "{skipped.title}"'
            )
        for note in report.notes:
            self.stderr.write(f"{note}")
        self.stdout.write(report.summary())
