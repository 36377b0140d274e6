"""What is wrong with a bundle: one Problem per mistake, all of them raised together."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a bundle: the file inside the bundle, the 1-based line (None when
    the problem is with the file as a whole) and what to fix."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        """`file:line: message`, the way compilers and linters report (for the command line)."""
        if self.line is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"

    @property
    def display(self) -> str:
        """`file, line N: message`, for people reading a web page."""
        if self.line is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}, line {self.line}: {self.message}"


class BundleError(Exception):
    """A bundle that can't be imported. `problems` lists every problem found, sorted by file
    and line; nothing has been written to the database."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0))
        super().__init__("\n".join(str(p) for p in self.problems))
