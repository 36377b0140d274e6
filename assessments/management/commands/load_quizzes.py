from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.quizzes.loader import QuizFileError, load_quiz_file
from courses.yaml_reader import Problem

DEFAULT_DIR = Path(settings.BASE_DIR) / "assessments" / "content" / "quizzes"


class Command(BaseCommand):
    help = "Load checkpoint quizzes from YAML files (default: the shipped ones). Safe to re-run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", nargs="?", default=str(DEFAULT_DIR))

    def handle(self, *args: Any, **options: Any) -> None:
        files = sorted(Path(options["directory"]).glob("*.yaml"))
        if not files:
            raise CommandError(f"No quiz files in {options['directory']}")
        problems: list[Problem] = []
        for path in files:
            try:
                result = load_quiz_file(path)
            except QuizFileError as exc:
                problems.extend(exc.problems)
                continue
            self.stdout.write(
                f"{result.quiz.title}: {result.created} new, {result.updated} changed, "
                f"{result.unchanged} unchanged"
            )
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(problems)} problem(s); those files were not loaded.")
