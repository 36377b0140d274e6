"""Load checkpoint quizzes from YAML files (the default content in assessments/content/quizzes).

Each file names its course (slug) and the module it follows (key), a nested question bank, and
its questions. Loading is idempotent: questions are matched by a key derived from their bank and
title, unchanged ones are left alone, changed ones get a new version (so past attempts keep the
old one). A file with problems loads nothing and every problem is reported with its line
(courses.yaml_reader, shared with course bundles and conversation files).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from assessments.models import Question, Quiz, QuizSlot
from assessments.questions import services
from courses.events import announce_requirements_changed
from courses.models import Course, Module
from courses.yaml_reader import LineMapping, Problem, decode, parse_yaml

_NAMESPACE = uuid.UUID("7b0d3f50-91a8-4c9e-9d55-3a7c8e2b6f14")


class QuizFileError(Exception):
    """A quiz file that can't be loaded. `problems` lists every problem found, each with the
    file and line to fix; nothing has been written to the database."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class LoadResult:
    quiz: Quiz
    created: int
    updated: int
    unchanged: int


def _choices(kind: str, raw: list[dict[str, Any]]) -> list[services.ChoiceInput]:
    correct = [bool(c.get("correct")) for c in raw]
    if kind == "multiple":
        # Stored with five decimals; quantise now so a reload compares equal.
        share = (Decimal(1) / Decimal(max(1, sum(correct)))).quantize(Decimal("0.00001"))
        return [
            services.ChoiceInput(
                str(c.get("text", "")), share if ok else Decimal(0), str(c.get("feedback", ""))
            )
            for c, ok in zip(raw, correct, strict=True)
        ]
    return [
        services.ChoiceInput(
            str(c.get("text", "")), Decimal(1) if ok else Decimal(0), str(c.get("feedback", ""))
        )
        for c, ok in zip(raw, correct, strict=True)
    ]


def _mappings(raw: dict[str, Any], field: str) -> list[dict[str, Any]]:
    """The list of mappings under `field` ([] when absent); ValidationError naming the field
    when it is anything else (a string, a number, a list holding something else)."""
    value = raw.get(field) or []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValidationError({field: "Give a list, each item with its own fields (text: …)."})
    return value


def _question_input(raw: dict[str, Any]) -> services.QuestionInput:
    kind = str(raw.get("kind", ""))
    try:
        points = Decimal(str(raw.get("points", 1)))
    except InvalidOperation as exc:
        raise ValidationError({"points": "Points must be a number."}) from exc
    return services.QuestionInput(
        kind=kind,
        title=str(raw.get("title", "")),
        prompt=str(raw.get("prompt", "")),
        explanation=str(raw.get("explanation", "")),
        points=points,
        choices=_choices(kind, _mappings(raw, "choices")),
        pairs=[
            services.PairInput(str(p.get("prompt", "")), str(p.get("answer", "")))
            for p in _mappings(raw, "pairs")
        ],
        accepted=[
            services.AcceptedInput(str(a.get("text", "")), Decimal(1), str(a.get("feedback", "")))
            for a in _mappings(raw, "accepted")
        ],
    )


def read_quiz_file(
    path: Path,
) -> tuple[LineMapping, Course, Module, list[services.QuestionInput]]:
    """Parse and check a quiz file against the database. Raises QuizFileError listing every
    problem with its line ("quiz.yaml:12: question 3 'Name': points: ...")."""
    name = path.name
    problems: list[Problem] = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise QuizFileError([Problem(name, None, f"Can't read the file: {exc.strerror}.")]) from exc
    text = decode(raw, name, problems)
    data = parse_yaml(text, name, problems) if text is not None else None
    if problems:
        raise QuizFileError(problems)
    if not isinstance(data, LineMapping) or data.get("format") != 1:
        line = data.line_of("format") if isinstance(data, LineMapping) else 1
        raise QuizFileError([Problem(name, line, "expected a mapping with format: 1")])
    course = (
        Course.objects.select_related("published_version")
        .filter(slug=str(data.get("course", "")))
        .first()
    )
    module = None
    if course is None or course.published_version is None:
        problems.append(
            Problem(
                name,
                data.line_of("course"),
                f"no published course with slug {data.get('course')!r}",
            )
        )
    else:
        try:
            module_key = uuid.UUID(str(data.get("module", "")))
        except ValueError:
            module = None
        else:
            module = course.published_version.modules.filter(key=module_key).first()
        if module is None:
            problems.append(
                Problem(
                    name,
                    data.line_of("module"),
                    f"the course has no module with key {data.get('module')!r}",
                )
            )
    for field in ("title", "bank", "questions"):
        if not data.get(field):
            problems.append(Problem(name, data.line_of(field), f"{field} is missing"))
    bank = data.get("bank")
    if bank and not (
        isinstance(bank, list)
        and all(isinstance(part, str) and part.strip() and len(part) <= 120 for part in bank)
    ):
        problems.append(
            Problem(name, data.line_of("bank"), "bank: give a list of names, e.g. [Service, Calm]")
        )
    questions = data.get("questions") or []
    if not isinstance(questions, list):
        problems.append(Problem(name, data.line_of("questions"), "questions: give a list"))
        questions = []
    inputs: list[services.QuestionInput] = []
    titles: set[str] = set()
    for number, raw_question in enumerate(questions, start=1):
        if not isinstance(raw_question, LineMapping):
            problems.append(
                Problem(name, data.line_of("questions"), f"question {number}: expected a mapping")
            )
            continue
        label = f"question {number} {raw_question.get('title', '')!r}"
        try:
            question = _question_input(raw_question)
            services.question_validate(question)
        except ValidationError as exc:
            problems.extend(
                Problem(name, raw_question.line_of(field), f"{label}: {field}: {' '.join(msgs)}")
                for field, msgs in exc.message_dict.items()
            )
            continue
        if question.title in titles:
            problems.append(
                Problem(
                    name,
                    raw_question.line_of("title"),
                    f"{label}: another question has the same title",
                )
            )
        titles.add(question.title)
        inputs.append(question)
    if problems:
        raise QuizFileError(problems)
    assert course is not None and module is not None
    return data, course, module, inputs


def _comparable(data: services.QuestionInput) -> tuple[Any, ...]:
    return (
        data.kind,
        data.title.strip(),
        data.prompt,
        data.explanation,
        data.points,
        data.case_sensitive,
        [(c.text.strip(), c.fraction, c.feedback.strip()) for c in data.choices],
        [(p.prompt.strip(), p.answer.strip()) for p in data.pairs],
        [(a.text.strip(), a.fraction, a.feedback.strip()) for a in data.accepted],
    )


def _same(question: Question, data: services.QuestionInput) -> bool:
    assert question.current is not None
    return _comparable(services.question_input_from(question.current)) == _comparable(data)


def load_quiz_file(path: Path) -> LoadResult:
    """Create or refresh the quiz a file describes, publishing it. Raises QuizFileError."""
    data, course, module, inputs = read_quiz_file(path)
    bank_path = [str(p) for p in data["bank"]]
    created = updated = unchanged = 0
    with transaction.atomic():
        bank = services.bank_path_get_or_create(path=bank_path)
        questions: list[Question] = []
        for item in inputs:
            key = uuid.uuid5(_NAMESPACE, "/".join([*bank_path, item.title]))
            question = Question.objects.select_related("current").filter(key=key).first()
            if question is None:
                question = services.question_create(bank=bank, data=item)
                # Derived keys make reloading find the same question again.
                Question.objects.filter(pk=question.pk).update(key=key)
                created += 1
            elif _same(question, item):
                unchanged += 1
            else:
                services.question_update(question=question, data=item)
                updated += 1
            questions.append(question)
        quiz_key = uuid.uuid5(_NAMESPACE, f"quiz/{course.slug}/{path.stem}")
        announce_requirements_changed(course_id=course.pk)
        quiz, _new = Quiz.objects.update_or_create(
            key=quiz_key,
            defaults={
                "course": course,
                "module_key": module.key,
                "title": str(data["title"]),
                "intro": str(data.get("intro", "")),
                "pass_percent": int(data.get("pass_percent", 70)),
                "self_rating_prompt": str(data.get("self_rating", "")),
                "is_published": True,
            },
        )
        wanted = [q.pk for q in questions]
        current = list(quiz.slots.order_by("position").values_list("question_id", flat=True))
        if current != wanted:
            quiz.slots.all().delete()
            QuizSlot.objects.bulk_create(
                QuizSlot(quiz=quiz, position=i, question_id=pk) for i, pk in enumerate(wanted)
            )
    return LoadResult(quiz=quiz, created=created, updated=updated, unchanged=unchanged)
