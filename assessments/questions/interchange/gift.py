"""GIFT (Moodle's plain-text question format): reading a file into a `ParsedFile`.

Questions are separated by blank lines; whole lines starting with `//` are comments.
A question is `::title::` (optional), `[html]`/`[moodle]`/`[plain]`/`[markdown]` (optional), its
text, and one answer block in braces, whose content decides the type. As in Moodle, the same
markers may also start each answer's text, each feedback, a matching pair's prompt and the
general feedback; they default to the question text's format, and are removed:

    {=right ~wrong#feedback ~%50%half}   multiple choice (multiple response when no `=`)
    {T} {TRUE#when wrong#when right}     true or false
    {=one =%50%two}  or  {answer}        short answer
    {=prompt -> answer =a -> b}          matching
    {>0 ALL VERTICAL ...\\n item\\n item}   ordering (the qtype_ordering plugin's syntax)
    {#...}  {}  no braces               numerical, essay, description: skipped and listed

`####text` at the end of a block is the general feedback (our explanation). Text after the
block makes a "missing word" question: the block's place is shown as a blank. `\\~ \\= \\# \\{
\\} \\:` and `\\\\` stand for the character itself, `\\n` for a line break.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from assessments.models import QuestionVersion

from ..services import AcceptedInput, ChoiceInput, PairInput, QuestionInput
from .common import FRACTION_PLACES, ParsedFile, ParsedQuestion, Skipped, category_path
from .markup import title_from, to_markdown, to_plain

Kind = QuestionVersion.Kind

# Escaped characters are swapped for private-use placeholders while the structure is parsed
# (so `\{` is never mistaken for a brace), then swapped back in each piece of text.
_ESCAPED = {":": "\ue000", "~": "\ue001", "=": "\ue002", "#": "\ue003", "{": "\ue004",
            "}": "\ue005", "\\": "\ue006", "n": "\ue007"}  # fmt: skip
_RESTORE = {ord(v): k for k, v in _ESCAPED.items()} | {ord(_ESCAPED["n"]): "\n"}
_ESCAPE = re.compile(r"\\([:~=#{}\\n])")
_WEIGHT = re.compile(r"\s*%(-?\d+(?:\.\d+)?)%")
_FORMAT = re.compile(r"\[(html|moodle|plain|markdown)\]")
_FORMATS = {
    "html": "html",
    "moodle": "moodle_auto_format",
    "plain": "plain_text",
    "markdown": "markdown",
}
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_ORDERING_WORDS = re.compile(
    r"^(ALL|EXACT|RANDOM|REL|CONTIGUOUS|CONTIG|HORIZONTAL|HORI|H|VERTICAL|VERT|V|"
    r"ALL_OR_NOTHING|ABSOLUTE_POSITION|ABSOLUTE|ABS|RELATIVE\w*|LONGEST_\w+|"
    r"SHOW|HIDE|TRUE|FALSE|YES|NO|\d+)$"
)


class _Malformed(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


@dataclass
class _Block:
    """One question's lines (comments removed), escapes replaced by placeholders."""

    text: str
    lines: list[int]  # the file line of each line of `text`

    def line_at(self, offset: int) -> int:
        return self.lines[min(self.text.count("\n", 0, offset), len(self.lines) - 1)]


def _blocks(source: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if not stripped:
            if current:
                blocks.append(_block(current))
                current = []
            continue
        current.append((number, line))
    if current:
        blocks.append(_block(current))
    return blocks


def _block(lines: list[tuple[int, str]]) -> _Block:
    text = "\n".join(_ESCAPE.sub(lambda m: _ESCAPED[m.group(1)], line) for _n, line in lines)
    return _Block(text, [number for number, _line in lines])


def _weight(body: str, offset: int) -> tuple[Decimal | None, str]:
    """(`%50%` as 0.5, the rest of `body`), or (None, body) without a weight."""
    match = _WEIGHT.match(body)
    if not match:
        return None, body
    percent = Decimal(match.group(1))  # the pattern only matches numbers
    if not -100 <= percent <= 100:
        raise _Malformed(
            offset, f"the weight {match.group(0).strip()} is not between -100% and 100%"
        )
    return (percent / 100).quantize(FRACTION_PLACES), body[match.end() :]


def _split_answers(text: str, base: int, markers: str) -> list[tuple[str, str, int]]:
    """(marker, body, offset) for each answer of an answer block; `markers` are the characters
    that start an answer. Text before the first marker is an error, except blank space."""
    positions = [m.start() for m in re.finditer(f"[{re.escape(markers)}]", text)]
    if not positions:
        return []
    if text[: positions[0]].strip():
        raise _Malformed(
            base, f"answers must start with {' or '.join(markers)}; found text before the first"
        )
    ends = [*positions[1:], len(text)]
    return [(text[p], text[p + 1 : e], base + p) for p, e in zip(positions, ends, strict=True)]


def _with_format(text: str, default: str) -> tuple[str, str]:
    """(the format `text` is in, `text` without its marker): a leading `[html]`, `[moodle]`,
    `[plain]` or `[markdown]` (after blank space, as Moodle trims first) names it, otherwise it
    is `default`. Any other bracketed word is text."""
    stripped = text.lstrip()
    match = _FORMAT.match(stripped)
    if match is None:
        return default, text
    return _FORMATS[match.group(1)], stripped[match.end() :]


class _Reader:
    def __init__(self, parsed: ParsedFile) -> None:
        self.parsed = parsed
        self.category: tuple[str, ...] = ()
        self.notes: list[str] = []  # about the question being read

    def plain(self, text: str, default_format: str, *, images: bool = True) -> str:
        """An option, feedback or matching prompt (placeholders still in) as plain text, in the
        format its own marker names or else `default_format`; notes go to the question."""
        text_format, text = _with_format(text, default_format)
        plain, notes = to_plain(_restore(text), text_format, images=images)
        self.notes += notes
        return plain

    def text_and_feedback(self, body: str, text_format: str) -> tuple[str, str]:
        text, _hash, feedback = body.partition("#")
        return self.plain(text, text_format), self.plain(feedback, text_format)

    def block(self, block: _Block) -> None:
        text = block.text
        start = len(text) - len(text.lstrip())
        if text.startswith("$CATEGORY:", start):
            first_line_end = text.find("\n", start)
            end = len(text) if first_line_end == -1 else first_line_end
            path = category_path(_restore(text[start + len("$CATEGORY:") : end]))
            self.category = self.parsed.enter_category(path, block.line_at(start))
            if first_line_end == -1 or not text[first_line_end:].strip():
                return
            start = first_line_end + 1
        self.notes = []
        try:
            self.question(block, start)
        except _Malformed as exc:
            self.parsed.problem(block.line_at(exc.offset), str(exc))

    def question(self, block: _Block, pos: int) -> None:
        text = block.text
        line = block.line_at(pos)
        pos = len(text) - len(text[pos:].lstrip())
        title = ""
        if text.startswith("::", pos):
            end = text.find("::", pos + 2)
            if end == -1:
                raise _Malformed(pos, "the title has no closing ::")
            title = _restore(text[pos + 2 : end]).strip()
            pos = end + 2
        pos = len(text) - len(text[pos:].lstrip())
        text_format = "moodle_auto_format"
        match = _FORMAT.match(text, pos)
        if match:
            text_format = _FORMATS[match.group(1)]
            pos = match.end()
        opening = text.find("{", pos)
        closing = text.find("}", pos)
        if closing != -1 and (opening == -1 or closing < opening):
            raise _Malformed(closing, "a } without an opening { (write \\} for a brace in text)")
        if opening == -1:
            self.skip("description", title, text[pos:], text_format, line)
            return
        closing = text.find("}", opening)
        if closing == -1:
            raise _Malformed(opening, "the { of the answers is never closed with }")
        nested = text.find("{", opening + 1, closing)
        if nested != -1:
            raise _Malformed(nested, "a { inside the answers (write \\{ for a brace in text)")
        after = text[closing + 1 :]
        extra = min((i for i in (after.find("{"), after.find("}")) if i != -1), default=-1)
        if extra != -1:
            raise _Malformed(closing + 1 + extra, "a question can only have one answer block { }")
        answers = text[opening + 1 : closing]
        explanation = ""
        general = answers.rfind("####")
        if general != -1:
            explanation = answers[general + 4 :]
            answers = answers[:general]
        prompt, notes = self.prompt(text[pos:opening], after, text_format)
        stripped = answers.strip()
        base = opening + 1 + (len(answers) - len(answers.lstrip()))
        if not stripped:
            self.skip("essay", title, prompt, "markdown", line)
            return
        if stripped.startswith("#"):
            self.skip("numerical", title, prompt, "markdown", line)
            return
        explanation_format, explanation = _with_format(explanation, text_format)
        explanation_markdown, explanation_notes = to_markdown(
            _restore(explanation), explanation_format
        )
        notes += explanation_notes
        data = QuestionInput(
            kind="",
            title=title or title_from(prompt),
            prompt=prompt,
            explanation=explanation_markdown,
        )
        if stripped.startswith(">"):
            self.ordering(data, stripped, base, text_format)
        elif "~" in stripped:
            self.multichoice(data, stripped, base, text_format)
        elif "=" in stripped and "->" in stripped:
            notes += self.matching(data, stripped, base, text_format)
        elif stripped.partition("#")[0].strip().upper() in _TRUE_FALSE:
            self.truefalse(data, stripped, text_format)
        else:
            self.shortanswer(data, stripped, base, text_format)
        for note in [*notes, *self.notes]:
            self.parsed.note(line, f'question "{data.title}": {note}')
        self.parsed.questions.append(ParsedQuestion(line, self.category, data))

    def prompt(self, before: str, after: str, text_format: str) -> tuple[str, list[str]]:
        before_markdown, notes = to_markdown(_restore(before), text_format)
        if not after.strip():
            return before_markdown, notes
        # A "missing word" question: the answers' place is shown as a blank.
        after_markdown, after_notes = to_markdown(_restore(after), text_format)
        blank = "\\_" * 5
        # Keep the file's own spacing, so "Always {=a ~b}." doesn't become "Always _____ .".
        left = " " if before[-1:].isspace() else ""
        right = " " if after[:1].isspace() else ""
        prompt = f"{before_markdown}{left}{blank}{right}{after_markdown}".strip()
        return prompt, notes + after_notes

    def skip(self, kind: str, title: str, text: str, text_format: str, line: int) -> None:
        name = title or title_from(to_markdown(_restore(text), text_format)[0]) or "(no text)"
        self.parsed.skipped.append(Skipped(kind, name, line))

    def multichoice(self, data: QuestionInput, answers: str, base: int, text_format: str) -> None:
        choices = []
        for marker, body, offset in _split_answers(answers, base, "=~"):
            weight, body = _weight(body, offset)
            if weight is None:
                weight = Decimal("1") if marker == "=" else Decimal("0")
            text, feedback = self.text_and_feedback(body, text_format)
            if not text:
                raise _Malformed(offset, f"an empty answer after {marker}")
            choices.append(ChoiceInput(text, weight, feedback))
        data.kind = Kind.SINGLE if "=" in answers else Kind.MULTIPLE
        data.choices = choices

    def truefalse(self, data: QuestionInput, answers: str, text_format: str) -> None:
        key, *feedback = answers.split("#")
        right = _TRUE_FALSE[key.strip().upper()]
        # GIFT gives the feedback for a wrong answer first, then for a right one.
        wrong_feedback = self.plain(feedback[0], text_format) if feedback else ""
        right_feedback = (
            self.plain("#".join(feedback[1:]), text_format) if len(feedback) > 1 else ""
        )
        data.kind = Kind.TRUE_FALSE
        data.choices = [
            ChoiceInput("True", Decimal(right), right_feedback if right else wrong_feedback),
            ChoiceInput("False", Decimal(not right), wrong_feedback if right else right_feedback),
        ]

    def shortanswer(self, data: QuestionInput, answers: str, base: int, text_format: str) -> None:
        parts = _split_answers(answers, base, "=") if answers.startswith("=") else []
        if not parts:
            parts = [("=", answers, base)]  # `{answer}`: one fully right answer
        accepted = []
        for _marker, body, offset in parts:
            weight, body = _weight(body, offset)
            text, _hash, feedback = body.partition("#")
            # Compared with what learners type: taken as written, never as HTML (Moodle too
            # only removes the format marker).
            text = _restore(_with_format(text, text_format)[1]).strip()
            if not text:
                raise _Malformed(offset, "an empty answer after =")
            if "*" in text:
                self.notes.append(
                    f'the answer "{text}" uses Moodle\'s * wildcard; here it only matches a '
                    "literal *"
                )
            fraction = Decimal("1") if weight is None else weight
            accepted.append(AcceptedInput(text, fraction, self.plain(feedback, text_format)))
        data.kind = Kind.SHORT
        data.accepted = accepted

    def matching(self, data: QuestionInput, answers: str, base: int, text_format: str) -> list[str]:
        notes = []
        pairs = []
        for _marker, body, offset in _split_answers(answers, base, "="):
            if "->" not in body:
                raise _Malformed(offset, "a matching pair needs -> between prompt and answer")
            prompt, _arrow, answer = body.partition("->")
            prompt_text = self.plain(prompt, text_format, images=False)
            # Moodle reads a pair's answer as written, format marker and all.
            answer_text = _restore(answer).strip()
            if not prompt_text:
                # Moodle's extra wrong answers; our matching questions have none.
                notes.append(f'the extra wrong answer "{answer_text}" was left out')
                continue
            pairs.append(PairInput(prompt_text, answer_text))
        data.kind = Kind.MATCHING
        data.pairs = pairs
        return notes

    def ordering(self, data: QuestionInput, answers: str, base: int, text_format: str) -> None:
        options, _newline, items = answers[1:].partition("\n")
        for word in options.split():
            if not _ORDERING_WORDS.match(word.upper()):
                raise _Malformed(base, f"unknown ordering option {word!r}")
        data.kind = Kind.ORDERING
        data.choices = [
            ChoiceInput(self.plain(item, text_format)) for item in items.split("\n") if item.strip()
        ]


def read(content: bytes, filename: str) -> ParsedFile:
    """The questions in a GIFT file (UTF-8). Problems (with the line they are on) are in
    `problems`; the reader never touches the database."""
    parsed = ParsedFile(filename)
    try:
        source = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        parsed.problem(line, "the file is not UTF-8 text; save it as UTF-8 and try again")
        return parsed
    if "\x00" in source:
        # No database text column can hold NUL; a text file never needs one.
        line = source[: source.index("\x00")].count("\n") + 1
        parsed.problem(line, "the file holds a NUL character, which text never needs; remove it")
        return parsed
    reader = _Reader(parsed)
    for block in _blocks(source):
        reader.block(block)
    return parsed
