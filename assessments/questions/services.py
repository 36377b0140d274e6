"""Question banks and questions: creating, and editing with versions.

Nothing else writes these rows. A question's content is validated here (not in forms or
importers), so every way in (browser, Moodle XML, GIFT, the default content) obeys the same
rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from assessments.models import (
    AcceptedAnswer,
    AttemptItem,
    Choice,
    MatchPair,
    Question,
    QuestionBank,
    QuestionVersion,
)
from courses.content import render_markdown

Kind = QuestionVersion.Kind
ONE = Decimal("1")
# The most a question can be worth; points are stored with up to four digits before the point.
MAX_POINTS = Decimal(1000)


@dataclass
class ChoiceInput:
    text: str
    fraction: Decimal = Decimal("0")
    feedback: str = ""


@dataclass
class PairInput:
    prompt: str
    answer: str


@dataclass
class AcceptedInput:
    text: str
    fraction: Decimal = ONE
    feedback: str = ""


@dataclass
class QuestionInput:
    """Everything that makes up one version of a question.

    - single / truefalse: `choices`, exactly one with fraction 1 (true/false: two choices).
    - multiple: `choices`, the positive fractions summing to 1; wrong options may be negative.
    - ordering: `choices` listed in the correct order (fractions ignored).
    - matching: `pairs`, at least two, each answer distinct.
    - short: `accepted`, at least one with fraction 1.
    """

    kind: str
    title: str
    prompt: str
    explanation: str = ""
    points: Decimal = ONE
    case_sensitive: bool = False
    choices: Sequence[ChoiceInput] = field(default_factory=list)
    pairs: Sequence[PairInput] = field(default_factory=list)
    accepted: Sequence[AcceptedInput] = field(default_factory=list)


def _being_imported(name: str) -> ValidationError:
    return ValidationError(
        {
            "name": _(
                "An import is creating a bank called “%(name)s” there right now. It shows up "
                "when the import is done; try again after that."
            )
            % {"name": name}
        }
    )


def bank_create(*, name: str, parent: QuestionBank | None = None) -> QuestionBank:
    """A new bank called `name` under `parent` (None: a top-level bank). Raises ValidationError
    on `name` when it is empty or a sibling already has it, even one a running import is
    still creating (hidden until it is done)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the question bank a name.")})
    with transaction.atomic():
        sibling = QuestionBank.all_objects.filter(parent=parent, name__iexact=name).first()
        if sibling is not None and sibling.import_job_id is not None:
            raise _being_imported(name)
        if sibling is not None:
            raise ValidationError(
                {"name": _("There is already a bank called “%(name)s” there.") % {"name": name}}
            )
        return QuestionBank.objects.create(name=name, parent=parent)


def bank_get_or_create(
    *, name: str, parent: QuestionBank | None = None, import_job_id: int | None = None
) -> QuestionBank:
    """The bank called `name` under `parent`, created if missing. With `import_job_id`, a bank
    it creates belongs to that import job (hidden until the job is done) and the job's own
    hidden banks are found too. Raises ValidationError for an empty name, and for a bank
    another running import is still creating."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the question bank a name.")})
    bank = QuestionBank.all_objects.filter(name=name, parent=parent).first()
    if bank is None:
        try:
            # A savepoint, so losing a race with another import leaves the caller's
            # transaction usable for the message below.
            with transaction.atomic():
                return QuestionBank.all_objects.create(
                    name=name, parent=parent, import_job_id=import_job_id
                )
        except IntegrityError:
            bank = QuestionBank.all_objects.filter(name=name, parent=parent).first()
            if bank is None:
                raise
    if bank.import_job_id not in (None, import_job_id):
        raise _being_imported(name)
    return bank


def bank_path_get_or_create(
    *, path: Sequence[str], import_job_id: int | None = None
) -> QuestionBank:
    """Nested banks from a path such as ["Customer service", "De-escalation"]; see
    `bank_get_or_create` for `import_job_id` and the errors."""
    parent: QuestionBank | None = None
    for name in path:
        parent = bank_get_or_create(name=name, parent=parent, import_job_id=import_job_id)
    if parent is None:
        raise ValidationError({"name": _("Give the question bank a name.")})
    return parent


def question_validate(data: QuestionInput) -> None:
    """Raises ValidationError (with field names) when the question could not be answered and
    graded fairly. Returns None when it is fine."""
    errors: dict[str, str] = {}
    if data.kind not in Kind.values:
        errors["kind"] = _("Choose a question type.")
    if not data.title.strip():
        errors["title"] = _("Give the question a short name.")
    if not data.prompt.strip():
        errors["prompt"] = _("Write the question.")
    if not data.points.is_finite() or data.points > MAX_POINTS:
        errors["points"] = _("Points must be a number from 0 to 1,000.")
    elif data.points < 0:
        errors["points"] = _("Points can't be negative.")
    if len(data.title.strip()) > 200:
        errors["title"] = _("Keep the name under 200 characters.")
    if any(len(c.text.strip()) > 500 for c in data.choices):
        errors["choices"] = _("Keep each option under 500 characters.")
    if any(len(p.prompt.strip()) > 300 or len(p.answer.strip()) > 300 for p in data.pairs):
        errors["pairs"] = _("Keep each side of a pair under 300 characters.")
    if any(len(a.text.strip()) > 300 or not 0 <= a.fraction <= 1 for a in data.accepted):
        errors["accepted"] = _(
            "Keep accepted answers under 300 characters, with credit from 0% to 100%."
        )
    texts = [c.text.strip() for c in data.choices]
    if "choices" in errors:
        pass
    elif data.kind in {Kind.SINGLE, Kind.MULTIPLE, Kind.TRUE_FALSE, Kind.ORDERING}:
        if len(texts) < 2 or any(not t for t in texts):
            errors["choices"] = _("Add at least two options, none of them empty.")
        elif len(set(texts)) != len(texts):
            errors["choices"] = _("Two options have the same text.")
        elif any(not -1 <= c.fraction <= 1 for c in data.choices):
            errors["choices"] = _("Each option's credit must be between -100% and 100%.")
    if "choices" not in errors and data.kind in {Kind.SINGLE, Kind.TRUE_FALSE}:
        if sum(1 for c in data.choices if c.fraction == ONE) != 1:
            errors["choices"] = _("Mark exactly one option as the right answer.")
        if data.kind == Kind.TRUE_FALSE and len(texts) != 2:
            errors["choices"] = _("A true-or-false question has exactly two options.")
    if "choices" not in errors and data.kind == Kind.MULTIPLE:
        positive = sum((c.fraction for c in data.choices if c.fraction > 0), Decimal("0"))
        if abs(positive - ONE) > Decimal("0.001"):
            errors["choices"] = _("The right options' credit must add up to 100%.")
    if data.kind == Kind.MATCHING and "pairs" not in errors:
        answers = [p.answer.strip() for p in data.pairs]
        if len(data.pairs) < 2 or any(
            not p.prompt.strip() or not p.answer.strip() for p in data.pairs
        ):
            errors["pairs"] = _("Add at least two complete pairs.")
        elif len(set(answers)) != len(answers):
            errors["pairs"] = _("Each answer can only match one prompt.")
    if (
        data.kind == Kind.SHORT
        and "accepted" not in errors
        and not any(a.text.strip() and a.fraction == ONE for a in data.accepted)
    ):
        errors["accepted"] = _("Add at least one fully right answer.")
    if errors:
        raise ValidationError(errors)


def _write_version(question: Question, data: QuestionInput, number: int) -> QuestionVersion:
    version = QuestionVersion.objects.create(
        question=question,
        number=number,
        kind=data.kind,
        title=data.title.strip(),
        prompt_markdown=data.prompt,
        prompt_html=render_markdown(data.prompt),
        explanation_markdown=data.explanation,
        explanation_html=render_markdown(data.explanation),
        points=data.points,
        case_sensitive=data.case_sensitive,
    )
    Choice.objects.bulk_create(
        Choice(
            version=version,
            position=i,
            text=c.text.strip(),
            fraction=c.fraction,
            feedback=c.feedback.strip(),
        )
        for i, c in enumerate(data.choices)
    )
    MatchPair.objects.bulk_create(
        MatchPair(version=version, position=i, prompt=p.prompt.strip(), answer=p.answer.strip())
        for i, p in enumerate(data.pairs)
    )
    AcceptedAnswer.objects.bulk_create(
        AcceptedAnswer(
            version=version, text=a.text.strip(), fraction=a.fraction, feedback=a.feedback.strip()
        )
        for a in data.accepted
    )
    return version


def question_create(
    *, bank: QuestionBank, data: QuestionInput, import_job_id: int | None = None
) -> Question:
    """A new question in `bank` with `data` as its version 1. With `import_job_id` it belongs
    to that import job and stays hidden until the job is done. Raises ValidationError."""
    question_validate(data)
    with transaction.atomic():
        question = Question.objects.create(bank=bank, import_job_id=import_job_id)
        question.current = _write_version(question, data, 1)
        question.save(update_fields=["current"])
    return question


def question_update(*, question: Question, data: QuestionInput) -> QuestionVersion:
    """Change a question. If anyone has answered the current version, a new version is made and
    becomes current (past attempts keep theirs); otherwise the current version is replaced in
    place. Returns the version now current. Raises ValidationError."""
    question_validate(data)
    with transaction.atomic():
        question = Question.objects.select_for_update().get(pk=question.pk)
        current = question.current
        answered = current is not None and AttemptItem.objects.filter(version=current).exists()
        if current is None or answered:
            number = (current.number + 1) if current else 1
            question.current = _write_version(question, data, number)
            question.save(update_fields=["current"])
        else:
            number = current.number
            question.current = None
            question.save(update_fields=["current"])
            current.delete()
            question.current = _write_version(question, data, number)
            question.save(update_fields=["current"])
    assert question.current is not None
    return question.current


def question_input_from(version: QuestionVersion) -> QuestionInput:
    """The editable form of a stored version (for editors and exports). Three queries."""
    return QuestionInput(
        kind=version.kind,
        title=version.title,
        prompt=version.prompt_markdown,
        explanation=version.explanation_markdown,
        points=version.points,
        case_sensitive=version.case_sensitive,
        choices=[ChoiceInput(c.text, c.fraction, c.feedback) for c in version.choices.all()],
        pairs=[PairInput(p.prompt, p.answer) for p in version.pairs.all()],
        accepted=[AcceptedInput(a.text, a.fraction, a.feedback) for a in version.accepted.all()],
    )
