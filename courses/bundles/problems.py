"""What is wrong with a bundle: one Problem (courses.yaml_reader) per mistake, all of them
raised together."""

from __future__ import annotations

from ..yaml_reader import Problem


class BundleError(Exception):
    """A bundle that can't be imported. `problems` lists every problem found, sorted by file
    and line; nothing has been written to the database."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0))
        super().__init__("\n".join(str(p) for p in self.problems))
