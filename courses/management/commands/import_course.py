"""Import one course bundle (a folder or a .zip) and publish it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.bundles import BundleError, import_bundle_result, read_bundle


class Command(BaseCommand):
    help = (
        "Import a course bundle (folder or .zip) and publish it. Every problem is listed as "
        "file:line: message and nothing is imported if there is any. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bundle", help="A course folder holding course.yaml, or a .zip of one.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = import_bundle_result(read_bundle(options["bundle"]), user=None)
        except BundleError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(exc.problems)} problem(s) in {options['bundle']}; nothing was imported."
            ) from exc
        course = result.course
        version = course.published_version
        title = version.title if version else course.slug
        number = version.number if version else "?"
        note = "" if result.changed else " (no changes)"
        self.stdout.write(f"Imported {title} ({course.slug}), version {number}{note}")
