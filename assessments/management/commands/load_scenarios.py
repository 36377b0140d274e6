from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from assessments.scenarios.loader import locate, read_scenario_file, scenario_files
from assessments.scenarios.services.importing import scenario_import, scenario_import_problems
from assessments.scenarios.specs import ScenarioSpec
from courses.yaml_reader import Problem

DEFAULT_DIR = Path(settings.BASE_DIR) / "assessments" / "content" / "scenarios"


class Command(BaseCommand):
    help = (
        "Load practice conversations from YAML files (default: the shipped ones) and publish "
        "them. Every file is checked first; with any problem nothing is loaded. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", nargs="?", default=str(DEFAULT_DIR))

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["directory"])
        files = scenario_files(directory)
        if not files:
            raise CommandError(f"No scenario files (*.yaml) in {directory}")
        problems: list[Problem] = []
        specs: list[ScenarioSpec] = []
        slugs: dict[str, str] = {}
        for path in files:
            spec, file_problems = read_scenario_file(path)
            problems.extend(file_problems)
            if spec is None:
                continue
            problems.extend(locate(p, spec) for p in scenario_import_problems(spec=spec))
            if spec.slug in slugs:
                problems.append(
                    Problem(
                        spec.file,
                        spec.field_lines.get("slug"),
                        f"The slug '{spec.slug}' is already used by {slugs[spec.slug]}.",
                    )
                )
            slugs[spec.slug] = spec.file
            specs.append(spec)
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(problems)} problem(s); nothing was loaded.")
        with transaction.atomic():
            for spec in specs:
                result = scenario_import(spec=spec)
                restarted = (
                    f", {result.runs_restarted} unfinished run(s) restarted"
                    if result.runs_restarted
                    else ""
                )
                self.stdout.write(
                    f"{spec.slug}: {result.status} ({len(spec.nodes)} lines){restarted}"
                )
