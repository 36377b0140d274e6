"""Moodle XML: reading a question file into a `ParsedFile`, and writing one.

Supported question types: multichoice (single and multiple), truefalse, shortanswer, matching
and ordering (the qtype_ordering plugin's format, since core Moodle has no ordering type).
`<question type="category">` elements place the questions after them in nested banks. Every other
type is skipped and listed by name. docs/question-import-formats.md describes the mapping.

The parser is expat driven directly rather than `ElementTree.parse`: it records each element's
line for error reports, and it refuses any DOCTYPE before expat reads a single declaration, so
entity-expansion bombs ("billion laughs") and external entities are never processed. Moodle never
writes a DOCTYPE, so nothing legitimate is refused.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from xml.parsers import expat

from assessments.models import QuestionVersion

from ..services import AcceptedInput, ChoiceInput, PairInput, QuestionInput
from .common import (
    ParsedFile,
    ParsedQuestion,
    Skipped,
    accepted_feedback_slot,
    category_path,
    category_text,
    choice_feedback_slot,
    choice_slot,
    fraction_percent,
    percent_fraction,
    points_from,
)
from .markup import title_from, to_markdown, to_plain, to_text

Kind = QuestionVersion.Kind

# A base64 text longer than this can't decode to an image we would accept (5 MB); refusing it
# before decoding keeps a huge embedded file from being held in memory twice.
_MAX_BASE64_CHARS = 7 * 1024 * 1024


class _Refused(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class _QuestionProblem(Exception):
    """Something in one question that makes the file unimportable."""


def _parse(content: bytes) -> tuple[ET.Element, dict[ET.Element, int]]:
    """The document's root element and the line each element starts on. Raises
    expat.ExpatError for malformed XML and _Refused for a DOCTYPE or entity declaration."""
    parser = expat.ParserCreate()
    builder = ET.TreeBuilder()
    lines: dict[ET.Element, int] = {}

    def start(tag: str, attributes: dict[str, str]) -> None:
        lines[builder.start(tag, attributes)] = parser.CurrentLineNumber

    def refuse(*_args: object) -> None:
        raise _Refused(
            "the file declares a DOCTYPE or entities, which question files never need; "
            "it was refused without being read (entities can hide an XML bomb)",
            parser.CurrentLineNumber,
            parser.CurrentColumnNumber + 1,
        )

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data

    def refuse_external(*_args: object) -> int:
        refuse()
        return 0  # not reached: refuse() raises

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse_external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.Parse(content, True)
    return builder.close(), lines


# --- Reading ---------------------------------------------------------------------------------


def _text(element: ET.Element | None, path: str = "text") -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "") if found is not None else ""


def _format(element: ET.Element | None, default: str = "html") -> str:
    if element is None:
        return default
    return element.get("format") or default


def _flag(element: ET.Element, tag: str, default: bool) -> bool:
    value = (element.findtext(tag) or "").strip().lower()
    if not value:
        return default
    return value in {"1", "true", "yes"}


def _files(element: ET.Element | None) -> dict[str, bytes]:
    """The files embedded in a text element, by the name `@@PLUGINFILE@@/` references use."""
    files: dict[str, bytes] = {}
    if element is None:
        return files
    for file in element.findall("file"):
        name = (file.get("name") or "").strip()
        folder = (file.get("path") or "/").strip("/")
        if not name:
            raise _QuestionProblem("an embedded <file> has no name")
        if (file.get("encoding") or "base64") != "base64":
            raise _QuestionProblem(f'the embedded file "{name}" is not base64-encoded')
        data = "".join((file.text or "").split())
        if len(data) > _MAX_BASE64_CHARS:
            raise _QuestionProblem(f'the embedded file "{name}" is larger than 5 MB')
        try:
            files[f"{folder}/{name}" if folder else name] = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _QuestionProblem(f'the embedded file "{name}" is not valid base64') from exc
    return files


def _fraction(answer: ET.Element) -> Decimal:
    try:
        return percent_fraction(answer.get("fraction") or "0")
    except ValueError as exc:
        raise _QuestionProblem(f"an answer's fraction is not a number: {exc}") from exc


@dataclass
class _Read:
    data: QuestionInput
    notes: list[str] = field(default_factory=list)
    # Files embedded in each text that may show them, by slot (see common.choice_slot).
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)

    def plain(self, element: ET.Element | None, default_format: str, *, images: bool = True) -> str:
        """An answer's, feedback's or sub-question's text as plain text, notes kept."""
        text, notes = to_plain(_text(element), _format(element, default_format), images=images)
        self.notes += notes
        return text


def _answers(question: ET.Element) -> list[ET.Element]:
    return question.findall("answer")


def _choices(read: _Read, question: ET.Element, text_format: str) -> list[ChoiceInput]:
    choices = []
    for index, answer in enumerate(_answers(question)):
        feedback = answer.find("feedback")
        choices.append(
            ChoiceInput(
                text=read.plain(answer, text_format),
                fraction=_fraction(answer),
                feedback=read.plain(feedback, text_format),
            )
        )
        read.files[choice_slot(index)] = _files(answer)
        read.files[choice_feedback_slot(index)] = _files(feedback)
    return choices


def _read_multichoice(question: ET.Element, data: QuestionInput, text_format: str) -> _Read:
    data.kind = Kind.SINGLE if _flag(question, "single", True) else Kind.MULTIPLE
    read = _Read(data)
    data.choices = _choices(read, question, text_format)
    return read


def _read_truefalse(question: ET.Element, data: QuestionInput, text_format: str) -> _Read:
    data.kind = Kind.TRUE_FALSE
    read = _Read(data)
    choices = []
    for index, answer in enumerate(_answers(question)):
        text = _text(answer).strip()
        feedback = answer.find("feedback")
        choices.append(
            ChoiceInput(
                # Moodle writes the options as "true" and "false"; other words are kept as written.
                text={"true": "True", "false": "False"}.get(text.lower(), text),
                fraction=_fraction(answer),
                feedback=read.plain(feedback, text_format),
            )
        )
        read.files[choice_feedback_slot(index)] = _files(feedback)
    data.choices = choices
    return read


def _read_shortanswer(question: ET.Element, data: QuestionInput, text_format: str) -> _Read:
    data.kind = Kind.SHORT
    data.case_sensitive = _flag(question, "usecase", False)
    read = _Read(data)
    accepted = []
    for index, answer in enumerate(_answers(question)):
        # The text is compared with what learners type, so it is taken as written, not as HTML.
        text = _text(answer).strip()
        feedback = answer.find("feedback")
        accepted.append(
            AcceptedInput(
                text=text,
                fraction=_fraction(answer),
                feedback=read.plain(feedback, text_format),
            )
        )
        read.files[accepted_feedback_slot(index)] = _files(feedback)
        if "*" in text:
            read.notes.append(
                f'the answer "{text}" uses Moodle\'s * wildcard; here it only matches a literal *'
            )
    data.accepted = accepted
    return read


def _read_matching(question: ET.Element, data: QuestionInput, text_format: str) -> _Read:
    data.kind = Kind.MATCHING
    read = _Read(data)
    pairs = []
    for sub in question.findall("subquestion"):
        # Matching items are shown in drop-downs, where pictures can't go: they become their
        # descriptions, with a note.
        prompt = read.plain(sub, text_format, images=False)
        answer = _text(sub, "answer/text").strip()
        if not prompt:
            # Moodle's extra wrong answers; our matching questions have none.
            read.notes.append(f'the extra wrong answer "{answer}" was left out')
            continue
        pairs.append(PairInput(prompt, answer))
    data.pairs = pairs
    return read


def _read_ordering(question: ET.Element, data: QuestionInput, text_format: str) -> _Read:
    data.kind = Kind.ORDERING
    read = _Read(data)
    # qtype_ordering lists the items with fraction 1, 2, 3… giving their place.
    ranked = []
    for index, answer in enumerate(_answers(question)):
        try:
            rank = Decimal((answer.get("fraction") or str(index + 1)).strip())
        except ArithmeticError as exc:
            raise _QuestionProblem("an item's fraction (its place) is not a number") from exc
        feedback = answer.find("feedback")
        choice = ChoiceInput(
            text=read.plain(answer, text_format), feedback=read.plain(feedback, text_format)
        )
        ranked.append((rank, index, choice, _files(answer), _files(feedback)))
    ranked.sort(key=lambda r: (r[0], r[1]))
    data.choices = [choice for _rank, _index, choice, _files_in, _feedback_files in ranked]
    for place, (_rank, _index, _choice, files, feedback_files) in enumerate(ranked):
        read.files[choice_slot(place)] = files
        read.files[choice_feedback_slot(place)] = feedback_files
    grading = (question.findtext("gradingtype") or "").strip().upper()
    if grading not in {"", "ABSOLUTE_POSITION", "ABSOLUTE", "ABS"}:
        read.notes.append(f"graded by each item's position, not {grading}")
    select = (question.findtext("selecttype") or "ALL").strip().upper()
    if select not in {"", "ALL"}:
        read.notes.append(f"learners order all the items, not a {select.lower()} selection")
    return read


_READERS: dict[str, Callable[[ET.Element, QuestionInput, str], _Read]] = {
    "multichoice": _read_multichoice,
    "truefalse": _read_truefalse,
    "shortanswer": _read_shortanswer,
    "matching": _read_matching,
    "ordering": _read_ordering,
}


def read(content: bytes, filename: str) -> ParsedFile:
    """The questions in a Moodle XML file. Syntax errors, a refused DOCTYPE and per-question
    problems are in `problems` (with lines); the reader never touches the database."""
    parsed = ParsedFile(filename)
    try:
        root, lines = _parse(content)
    except expat.ExpatError as exc:
        message = f"XML syntax error: {expat.ErrorString(exc.code)}"
        parsed.problem(exc.lineno, message, exc.offset + 1)
        return parsed
    except _Refused as exc:
        parsed.problem(exc.line, str(exc), exc.column)
        return parsed
    if root.tag != "quiz":
        parsed.problem(1, f"expected a Moodle XML question file (<quiz>), found <{root.tag}>")
        return parsed
    category: tuple[str, ...] = ()
    for element in root:
        line = lines.get(element, 1)
        if element.tag != "question":
            parsed.note(line, f"<{element.tag}> is not a question; it was ignored")
            continue
        qtype = (element.get("type") or "").strip()
        if qtype == "category":
            category = parsed.enter_category(category_path(_text(element.find("category"))), line)
            continue
        name = _text(element.find("name")).strip()
        reader = _READERS.get(qtype)
        if reader is None:
            title = name or title_from(to_text(_text(element.find("questiontext")), "html"))
            parsed.skipped.append(Skipped(qtype or "untyped", title or "(no name)", line))
            continue
        try:
            question = _read_question(element, name, reader)
            files = {
                "prompt": _files(element.find("questiontext")),
                "explanation": _files(element.find("generalfeedback")),
                **question.files,
            }
        except _QuestionProblem as exc:
            parsed.problem(line, f'question "{name or qtype}": {exc}')
            continue
        for note in question.notes:
            parsed.note(line, f'question "{question.data.title}": {note}')
        parsed.questions.append(ParsedQuestion(line, category, question.data, files))
    return parsed


def _read_question(
    element: ET.Element, name: str, reader: Callable[[ET.Element, QuestionInput, str], _Read]
) -> _Read:
    text = element.find("questiontext")
    text_format = _format(text)
    prompt, prompt_notes = to_markdown(_text(text), text_format)
    feedback = element.find("generalfeedback")
    explanation, explanation_notes = to_markdown(_text(feedback), _format(feedback, text_format))
    try:
        points = points_from(element.findtext("defaultgrade") or "1")
    except ValueError as exc:
        raise _QuestionProblem(f"defaultgrade: {exc}") from exc
    data = QuestionInput(
        kind="",
        title=name or title_from(prompt),
        prompt=prompt,
        explanation=explanation,
        points=points,
    )
    result = reader(element, data, text_format)
    result.notes[:0] = prompt_notes + explanation_notes
    return result


# --- Writing ---------------------------------------------------------------------------------


@dataclass
class ExportQuestion:
    """A question as written: its texts refer to embedded pictures and sounds as
    `@@PLUGINFILE@@/<name>`, and `files[slot]` holds their bytes, by the slot of the text (see
    common.map_texts)."""

    data: QuestionInput
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)


@dataclass
class ExportCategory:
    path: tuple[str, ...]  # below the exported bank; () for the bank itself
    questions: Sequence[ExportQuestion] = ()


# Characters XML 1.0 can't hold at all, even escaped; a stray one would make the file unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def _embed_files(element: ET.Element, files: dict[str, bytes] | None) -> None:
    for name, content in sorted((files or {}).items()):
        _sub(
            element,
            "file",
            base64.b64encode(content).decode("ascii"),
            name=name,
            path="/",
            encoding="base64",
        )


def _text_element(
    parent: ET.Element, tag: str, text: str, text_format: str, files: dict[str, bytes] | None = None
) -> ET.Element:
    element = _sub(parent, tag, format=text_format)
    _sub(element, "text", text)
    _embed_files(element, files)
    return element


_PICTURE = re.compile(r"!\[((?:[^\]\\]|\\.)*)\]\((@@PLUGINFILE@@/[^)\s]+)\)")


def _plain_as_html(text: str) -> str:
    """Plain text holding embedded pictures (`![alt](@@PLUGINFILE@@/name)`) as the HTML Moodle
    shows them with: text escaped, line breaks kept, pictures as <img>. The importer reads it
    back to the same text and pictures (runs of spaces become one)."""
    parts = []
    shown = 0
    for match in _PICTURE.finditer(text):
        parts.append(html.escape(text[shown : match.start()], quote=False))
        alt = re.sub(r"\\(.)", r"\1", match.group(1))
        parts.append(f'<img src="{html.escape(match.group(2))}" alt="{html.escape(alt)}">')
        shown = match.end()
    parts.append(html.escape(text[shown:], quote=False))
    return "".join(parts).replace("\n", "<br>")


def _answer(
    parent: ET.Element,
    text: str,
    fraction: str,
    feedback: str,
    text_format: str,
    files: dict[str, bytes] | None = None,
    feedback_files: dict[str, bytes] | None = None,
) -> ET.Element:
    """An <answer>; a text showing pictures is written as HTML with its files inside, so that
    Moodle shows the pictures too."""
    if files:
        text, text_format = _plain_as_html(text), "html"
    answer = _sub(parent, "answer", fraction=fraction, format=text_format)
    _sub(answer, "text", text)
    _embed_files(answer, files)
    if feedback_files:
        _text_element(answer, "feedback", _plain_as_html(feedback), "html", feedback_files)
    else:
        _text_element(answer, "feedback", feedback, "plain_text")
    return answer


def _write_question(quiz: ET.Element, question: ExportQuestion) -> None:
    data = question.data
    qtype = {
        Kind.SINGLE: "multichoice",
        Kind.MULTIPLE: "multichoice",
        Kind.TRUE_FALSE: "truefalse",
        Kind.SHORT: "shortanswer",
        Kind.MATCHING: "matching",
        Kind.ORDERING: "ordering",
    }[Kind(data.kind)]
    element = _sub(quiz, "question", type=qtype)
    _sub(_sub(element, "name"), "text", data.title)
    _text_element(element, "questiontext", data.prompt, "markdown", question.files.get("prompt"))
    _text_element(
        element,
        "generalfeedback",
        data.explanation,
        "markdown",
        question.files.get("explanation"),
    )
    _sub(element, "defaultgrade", format(data.points, "f"))
    _sub(element, "hidden", "0")
    files = question.files
    if data.kind in {Kind.SINGLE, Kind.MULTIPLE}:
        _sub(element, "single", "true" if data.kind == Kind.SINGLE else "false")
        _sub(element, "shuffleanswers", "true")
        _sub(element, "answernumbering", "abc")
        for index, choice in enumerate(data.choices):
            _answer(
                element,
                choice.text,
                fraction_percent(choice.fraction),
                choice.feedback,
                "plain_text",
                files.get(choice_slot(index)),
                files.get(choice_feedback_slot(index)),
            )
    elif data.kind == Kind.TRUE_FALSE:
        for index, choice in enumerate(data.choices):
            # Moodle only understands "true" and "false"; other wording is kept for our importer.
            lowered = choice.text.lower()
            _answer(
                element,
                lowered if lowered in {"true", "false"} else choice.text,
                fraction_percent(choice.fraction),
                choice.feedback,
                "plain_text",
                feedback_files=files.get(choice_feedback_slot(index)),
            )
    elif data.kind == Kind.SHORT:
        _sub(element, "usecase", "1" if data.case_sensitive else "0")
        for index, accepted in enumerate(data.accepted):
            _answer(
                element,
                accepted.text,
                fraction_percent(accepted.fraction),
                accepted.feedback,
                "moodle_auto_format",
                feedback_files=files.get(accepted_feedback_slot(index)),
            )
    elif data.kind == Kind.MATCHING:
        _sub(element, "shuffleanswers", "true")
        for pair in data.pairs:
            sub = _sub(element, "subquestion", format="plain_text")
            _sub(sub, "text", pair.prompt)
            _sub(_sub(sub, "answer"), "text", pair.answer)
    else:
        _sub(element, "layouttype", "VERTICAL")
        _sub(element, "selecttype", "ALL")
        _sub(element, "selectcount", "0")
        _sub(element, "gradingtype", "ABSOLUTE_POSITION")
        _sub(element, "showgrading", "SHOW")
        for index, choice in enumerate(data.choices):
            _answer(
                element,
                choice.text,
                str(index + 1),
                choice.feedback,
                "plain_text",
                files.get(choice_slot(index)),
                files.get(choice_feedback_slot(index)),
            )


def write(categories: Sequence[ExportCategory]) -> bytes:
    """A Moodle XML file (UTF-8) with a category element per entry of `categories`, each
    followed by its questions. Parents must come before their children."""
    quiz = ET.Element("quiz")
    for category in categories:
        element = _sub(quiz, "question", type="category")
        _sub(_sub(element, "category"), "text", category_text(category.path))
        for question in category.questions:
            _write_question(quiz, question)
    ET.indent(quiz)
    return ET.tostring(quiz, encoding="utf-8", xml_declaration=True) + b"\n"
