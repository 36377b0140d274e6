"""Write a course's live version out as a bundle folder."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.bundles import export_course
from courses.models import Course


class Command(BaseCommand):
    help = (
        "Export a course (its live version, or its newest one when none is live) as a bundle "
        "folder DIR/<slug>/, with keys and images, ready for import_course."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The course's slug (web address).")
        parser.add_argument("dir", help="The folder to write the course's folder into.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the course folder's contents if it already exists.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        course = Course.objects.filter(slug=options["slug"]).first()
        if course is None:
            raise CommandError(f"No course with the slug {options['slug']!r}.")
        try:
            folder = export_course(course, options["dir"], overwrite=options["force"])
        except FileExistsError as exc:
            raise CommandError(f"{exc} Use --force to replace it.") from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Exported {course.slug} to {folder}")
