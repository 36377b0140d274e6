"""Export a question bank, with the banks below it, as a Moodle XML file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.questions.interchange import bank_export, bank_find


class Command(BaseCommand):
    help = (
        "Write a question bank and every bank below it to FILE as Moodle XML, images embedded. "
        "Importing the file with import_questions into an empty bank reproduces them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bank", required=True, help='The bank to export, e.g. "Service/Apologies".'
        )
        parser.add_argument("file", help="Where to write the Moodle XML file.")

    def handle(self, *args: Any, **options: Any) -> None:
        bank = bank_find(path=options["bank"].split("/"))
        if bank is None:
            raise CommandError(f"no question bank {options['bank']!r}")
        path = Path(options["file"])
        try:
            path.write_bytes(bank_export(bank=bank))
        except OSError as exc:
            raise CommandError(f"can't write {path}: {exc.strerror}") from exc
        self.stdout.write(f"exported {bank.name} to {path}")
