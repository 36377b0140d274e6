"""Load the built-in curriculum: every course of courses/curriculum/path.yaml, and the path, then
any other course folder beside it (the managers' course, which isn't part of the new starters'
path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.bundles import BundleError, ImportResult, import_bundle_result, load_path, read_bundle

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "curriculum" / "path.yaml"


class Command(BaseCommand):
    help = (
        "Import the curriculum's courses and publish its learning path, then any other course "
        "folder beside the path file. Safe to run again: unchanged courses get no new version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--path",
            default=str(DEFAULT_PATH),
            help="A learning path file (default: courses/curriculum/path.yaml).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        def report(result: ImportResult) -> None:
            course, version = result.course, result.course.published_version
            what = "Imported" if result.changed else "Up to date:"
            number = version.number if version else "?"
            title = version.title if version else course.slug
            self.stdout.write(f"{what} {title} ({course.slug}), version {number}")

        try:
            path = load_path(options["path"], report=report)
        except BundleError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(exc.problems)} problem(s) in the curriculum; nothing was loaded."
            ) from exc
        self.stdout.write(f"Learning path {path.title} ({path.slug}) is published.")
        listed = set(path.steps.values_list("course__slug", flat=True))
        for folder in sorted(Path(options["path"]).parent.iterdir()):
            if folder.name in listed or not (folder / "course.yaml").is_file():
                continue
            try:
                report(import_bundle_result(read_bundle(folder), user=None))
            except BundleError as exc:
                for problem in exc.problems:
                    self.stderr.write(f"{folder.name}/{problem}")
                raise CommandError(
                    f"{len(exc.problems)} problem(s) in {folder.name}; it was not loaded."
                ) from exc
