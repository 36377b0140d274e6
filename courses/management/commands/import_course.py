"""Import one course bundle (a folder or a .zip) and publish it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.bundles import (
    BundleError,
    ConfirmationNeeded,
    import_bundle_result,
    plan_summary,
    read_bundle,
)


class Command(BaseCommand):
    help = (
        "Import a course bundle (folder or .zip) and publish it. Every problem is listed as "
        "file:line: message and nothing is imported if there is any. A bundle that would change "
        "a course already on the site is refused, with a summary of what would change, unless "
        "--replace is given. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bundle", help="A course folder holding course.yaml, or a .zip of one.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Change the existing course with the same key or web address without asking.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["bundle"]
        try:
            result = import_bundle_result(
                read_bundle(source), user=None, replace=options["replace"]
            )
        except BundleError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(exc.problems)} problem(s) in {source}; nothing was imported."
            ) from exc
        except ConfirmationNeeded as exc:
            for heading, lines in plan_summary(exc.plan):
                self.stderr.write(f"{heading}:")
                for line in lines:
                    self.stderr.write(f"  - {line}")
            raise CommandError(
                f"{source} would change the course '{exc.plan.course.slug}' shown above; nothing "
                "was imported. Run again with --replace to import it."
            ) from exc
        course = result.course
        version = course.published_version
        title = version.title if version else course.slug
        number = version.number if version else "?"
        note = "" if result.changed else " (no changes)"
        self.stdout.write(f"Imported {title} ({course.slug}), version {number}{note}")
