"""What the readers produce and what an import reports, whatever the file's format.

A reader (`moodle_xml.read`, `gift.read`) turns a file into a `ParsedFile` without touching the
database: the questions as `QuestionInput`s with the bank path each goes to, the questions it
skipped (types we don't have), notes for the person importing, and problems. The importer
(`importing.questions_import`) decides what to do with them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from ..services import QuestionInput

# Field sizes of the question tables; question_validate doesn't check them, the database would.
MAX_BANK_NAME = 120
# How deep a file's categories may nest below the bank it is imported into. Real banks nest two
# or three levels; a path of hundreds is a broken or hostile file, and every level is a bank to
# create and a level of every page that lists banks.
MAX_CATEGORY_DEPTH = 10
MAX_TITLE = 200
MAX_CHOICE = 500
MAX_PAIR = 300
MAX_ACCEPTED = 300
MAX_POINTS = Decimal("9999.99")
FRACTION_PLACES = Decimal("0.00001")
POINTS_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Problem:
    """One reason a file can't be imported: the file's name, the 1-based line (and column, for
    XML syntax errors) where it is, or None when it concerns the whole file, and what to fix."""

    file: str
    line: int | None
    message: str
    column: int | None = None

    def __str__(self) -> str:
        """`file:line:column: message`, the way compilers report (for the command line)."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"

    @property
    def display(self) -> str:
        """`file, line N, column C: message`, for people reading a web page."""
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
            if self.column is not None:
                where += f", column {self.column}"
        return f"{where}: {self.message}"


class InterchangeError(Exception):
    """A file that can't be imported. `problems` lists everything found, in file order; nothing
    has been written to the database or to storage."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line or 0, p.column or 0))
        super().__init__("\n".join(str(p) for p in self.problems))


# Why each kind of question the readers skip has no place here, in the words of someone who
# knows Moodle; shown when a file holds nothing else.
_SKIP_REASONS = {
    "multianswer": "Cloze (embedded answers) questions aren't a type this site has",
    "essay": "essays need marking by a person, and this site marks every answer itself",
    "numerical": "numerical questions aren't a type this site has",
    "calculated": "calculated questions aren't a type this site has",
    "calculatedsimple": "calculated questions aren't a type this site has",
    "calculatedmulti": "calculated questions aren't a type this site has",
    "description": "a description has no answers to give",
    "random": "a random question points into Moodle's own bank; export the questions themselves",
    "randomsamatch": "a random question points into Moodle's own bank; export the questions "
    "themselves",
    "ddwtos": "drag-and-drop questions aren't a type this site has",
    "ddimageortext": "drag-and-drop questions aren't a type this site has",
    "ddmarker": "drag-and-drop questions aren't a type this site has",
    "gapselect": "select-missing-words questions aren't a type this site has",
}


@dataclass(frozen=True)
class Skipped:
    """A question of a type we don't have (`kind`: Moodle's name for it, e.g. "essay")."""

    kind: str
    title: str
    line: int

    def __str__(self) -> str:
        return f'line {self.line}: {self.kind} question "{self.title}"'

    @property
    def reason(self) -> str:
        """Why it was skipped, e.g. "essays need marking by a person, …"."""
        return _SKIP_REASONS.get(self.kind, f'"{self.kind}" questions aren\'t a type this site has')


# The texts of a question that may show embedded files, by slot: the prompt and explanation
# (Markdown; pictures and sounds), and each option's text and feedback and each accepted
# answer's feedback (plain text; pictures).
MARKDOWN_SLOTS = ("prompt", "explanation")


def choice_slot(index: int) -> str:
    return f"choice:{index}"


def choice_feedback_slot(index: int) -> str:
    return f"choice:{index}:feedback"


def accepted_feedback_slot(index: int) -> str:
    return f"accepted:{index}:feedback"


def map_texts(data: QuestionInput, change: Callable[[str, str], str]) -> QuestionInput:
    """A copy of `data` with each text that may show embedded files replaced by
    `change(slot, text)`."""
    return replace(
        data,
        prompt=change("prompt", data.prompt),
        explanation=change("explanation", data.explanation),
        choices=[
            replace(
                choice,
                text=change(choice_slot(index), choice.text),
                feedback=change(choice_feedback_slot(index), choice.feedback),
            )
            for index, choice in enumerate(data.choices)
        ],
        accepted=[
            replace(accepted, feedback=change(accepted_feedback_slot(index), accepted.feedback))
            for index, accepted in enumerate(data.accepted)
        ],
    )


@dataclass
class ParsedQuestion:
    """One importable question. Its texts may still hold `@@PLUGINFILE@@/<name>` references;
    `files[slot][name]` holds the bytes embedded for that text (slots: see `map_texts`)."""

    line: int
    category: tuple[str, ...]  # bank path below the bank being imported into; () for that bank
    data: QuestionInput
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)


@dataclass
class ParsedFile:
    filename: str
    questions: list[ParsedQuestion] = field(default_factory=list)
    # Every category the file declares, in order, so banks without questions are made too.
    categories: list[tuple[str, ...]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, line: int | None, message: str, column: int | None = None) -> None:
        self.problems.append(Problem(self.filename, line, message, column))

    def note(self, line: int | None, message: str) -> None:
        self.notes.append(Problem(self.filename, line, message))

    def enter_category(self, path: tuple[str, ...], line: int) -> tuple[str, ...]:
        """Records a category the file declares (a bank path below the import's bank) and
        returns it; a name too long for a bank, or a path deeper than MAX_CATEGORY_DEPTH, is a
        problem."""
        if len(path) > MAX_CATEGORY_DEPTH:
            shown = "/".join(name.replace("/", "//") for name in path[:3])
            self.problem(
                line,
                f'the category "{shown[:80]}/…" is {len(path)} levels deep; categories can nest '
                f"at most {MAX_CATEGORY_DEPTH} levels below the bank you import into, so shorten "
                "its path",
            )
            return path
        for name in path:
            if len(name) > MAX_BANK_NAME:
                self.problem(
                    line, f'the category name "{name[:40]}…" is longer than 120 characters'
                )
        if path not in self.categories:
            self.categories.append(path)
        return path


@dataclass(frozen=True)
class ImportReport:
    """What an import did: how many questions it created, which it skipped, and notes about
    details that were dropped (e.g. a matching question's extra wrong answers)."""

    imported: int
    skipped: list[Skipped]
    notes: list[Problem]

    def skipped_counts(self) -> dict[str, int]:
        """Skipped questions per type, types in alphabetical order. Empty when none."""
        counts = Counter(s.kind for s in self.skipped)
        return dict(sorted(counts.items()))

    def summary(self) -> str:
        """`imported N questions, skipped M`, plus ` (essay: 2, numerical: 1)` when some were
        skipped. The command prints exactly this line."""
        line = f"imported {self.imported} questions, skipped {len(self.skipped)}"
        counts = self.skipped_counts()
        if counts:
            line += " (" + ", ".join(f"{kind}: {n}" for kind, n in counts.items()) + ")"
        return line


# Moodle writes category paths as "$course$/top/A/B" (the context, then the "top" category of
# that context) or, in older files, "$course$/A/B" or just "A/B". A "/" inside a name is doubled.
_CONTEXT = re.compile(r"^\$[a-z0-9]+\$$")
_SEPARATOR = re.compile(r"(?<!/)/(?!/)")


def category_path(text: str) -> tuple[str, ...]:
    """A Moodle or GIFT category path as bank names below the bank being imported into.
    `$course$/top/A/B` and `A/B` both give ("A", "B"); `$course$/top` gives ()."""
    parts = [part.replace("//", "/").strip() for part in _SEPARATOR.split(text.strip())]
    if parts and _CONTEXT.match(parts[0]):
        parts = parts[1:]
        if parts and parts[0] == "top":
            parts = parts[1:]
    return tuple(part for part in parts if part)


def category_text(path: tuple[str, ...]) -> str:
    """The Moodle category path for bank names below the exported bank (inverse of
    `category_path`)."""
    return "/".join(["$course$", "top", *(name.replace("/", "//") for name in path)])


def percent_fraction(text: str) -> Decimal:
    """A Moodle percentage ("100", "33.33333", "-50") as a fraction rounded to five places.
    Raises ValueError for anything that isn't a number between -100 and 100 (Moodle's own
    range), so "1e999" or a number thousands of digits long is a problem report, not a crash."""
    shown = text.strip()[:20]
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise ValueError(f"{shown!r} is not a percentage") from exc
    if not value.is_finite() or not -100 <= value <= 100:
        raise ValueError(f"{shown!r} is not a percentage between -100 and 100")
    return (value / 100).quantize(FRACTION_PLACES)


def fraction_percent(fraction: Decimal) -> str:
    """A fraction as the percentage Moodle writes, without needless zeros: 0.33333 → "33.333"."""
    text = format((fraction * 100).normalize(), "f")
    return "0" if text in {"-0", ""} else text


def points_from(text: str) -> Decimal:
    """Moodle's defaultgrade ("1.0000000") as points rounded to hundredths. Raises ValueError
    for non-numbers and values outside 0 to 9999.99."""
    try:
        value = Decimal(text.strip()).quantize(POINTS_PLACES)
    except InvalidOperation as exc:
        raise ValueError(f"{text!r} is not a number") from exc
    if not 0 <= value <= MAX_POINTS:
        raise ValueError(f"points must be between 0 and {MAX_POINTS}, not {text.strip()}")
    return value


def length_problems(data: QuestionInput) -> list[str]:
    """What is too long to store, one message per field. Empty when everything fits."""
    messages = []
    if len(data.title.strip()) > MAX_TITLE:
        messages.append(f"the name is longer than {MAX_TITLE} characters")
    if any(len(c.text.strip()) > MAX_CHOICE for c in data.choices):
        messages.append(f"an option is longer than {MAX_CHOICE} characters")
    if any(max(len(p.prompt.strip()), len(p.answer.strip())) > MAX_PAIR for p in data.pairs):
        messages.append(f"a matching item is longer than {MAX_PAIR} characters")
    if any(len(a.text.strip()) > MAX_ACCEPTED for a in data.accepted):
        messages.append(f"an accepted answer is longer than {MAX_ACCEPTED} characters")
    if any(not 0 <= a.fraction <= 1 for a in data.accepted):
        messages.append("an accepted answer's credit must be between 0% and 100%")
    return messages
