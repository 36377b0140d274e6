from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.content_check import content_check
from assessments.models import Quiz, Scenario


class Command(BaseCommand):
    help = (
        "Check every quiz and practice conversation (shipped or imported) for answers that can "
        "be spotted without understanding and for scoring that teaches the wrong thing. Exits "
        "with an error when anything needs fixing. See docs/content-check.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--course", help="Only the quizzes and conversations of this course.")

    def handle(self, *args: Any, **options: Any) -> None:
        quizzes = Quiz.objects.select_related("course").order_by("course__slug", "pk")
        scenarios = Scenario.objects.select_related("course").order_by("course__slug", "slug")
        if options["course"]:
            quizzes = quizzes.filter(course__slug=options["course"])
            scenarios = scenarios.filter(course__slug=options["course"])
        reports, overall = content_check(quizzes, scenarios)
        failed = 0
        for report in reports:
            verdict = "ok" if report.passed else "NEEDS WORK"
            self.stdout.write(f"{report.kind.capitalize()} “{report.name}”: {verdict}")
            for label, value in report.figures:
                self.stdout.write(f"  {label}: {value}")
            for note in report.notes:
                self.stdout.write(f"  (info) {note}")
            for problem in report.problems:
                self.stdout.write(f"  ! {problem}")
            failed += not report.passed
        for problem in overall:
            self.stdout.write(f"All quizzes: ! {problem}")
        if failed or overall:
            raise CommandError(
                f"{failed} of {len(reports)} quizzes and conversations need work"
                + (", and the quizzes as a set" if overall else "")
                + "."
            )
        self.stdout.write(f"All {len(reports)} quizzes and conversations pass the content check.")
