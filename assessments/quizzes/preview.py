"""A quiz as a learner would meet it, for its authors, who can also answer it and see how it
grades ("Try it").

Why a try is never stored: the alternative, an `Attempt` flagged as a preview, would have to be
filtered out by every count, pass mark, completion rule, certificate, team page, report, CSV,
question statistic and "attempts left" that reads attempts, today and in whatever is written
next; one missed filter and an author's test run shows up as a learner's result. Grading the
posted answers in memory with the same pure functions the real submit uses (`grading`) gives
the author the same marks and feedback, and leaves nothing for any of those to count. The
page carries which versions it showed (random draws differ each time) in hidden fields.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.http import QueryDict
from django.utils.translation import gettext as _

from assessments.models import QuestionVersion, Quiz
from assessments.questions.preview import LearnerPreview, learner_preview
from assessments.questions.selectors import bank_questions
from assessments.questions.services import question_input_from

from . import grading

VERSION_FIELD = "version"


@dataclass
class PreviewQuestion:
    """One question of the preview; `result` is set once the author has submitted answers."""

    version_id: int
    preview: LearnerPreview
    result: TriedResult | None = None


@dataclass
class TriedResult:
    fraction: Decimal
    score: Decimal
    points: Decimal
    answered: bool
    feedback: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if not self.answered:
            return _("Not answered")
        if self.fraction >= 1:
            return _("Right")
        if self.fraction > 0:
            return _("Partly right")
        return _("Not right")

    @property
    def tone(self) -> str:
        """A CSS modifier; the verdict says the same in words."""
        if self.answered and self.fraction >= 1:
            return "right"
        return "partly" if self.fraction > 0 else "wrong"


@dataclass
class TriedQuiz:
    """What a try scored; nothing of it is stored anywhere."""

    score: Decimal
    max_score: Decimal
    percent: Decimal
    passed: bool


class PreviewOutOfDate(ValueError):
    """The posted preview names questions the quiz no longer shows (it was edited since)."""


class PreviewBadAnswer(ValueError):
    """A posted answer can't belong to its question (a tampered or garbled form)."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


def _versions(ids: Iterable[int]) -> dict[int, QuestionVersion]:
    return {
        v.pk: v
        for v in QuestionVersion.objects.filter(pk__in=list(ids)).prefetch_related(
            "choices", "pairs", "accepted"
        )
    }


def _note(quiz_bank_name: str | None) -> str:
    if quiz_bank_name is None:
        return ""
    return _("Drawn at random from “%(bank)s”: learners may get a different one.") % {
        "bank": quiz_bank_name
    }


def _question(version: QuestionVersion, number: int, note: str) -> PreviewQuestion:
    return PreviewQuestion(
        version_id=version.pk,
        preview=learner_preview(
            question_input_from(version), number=number, note=note, prefix=f"preview-{number}"
        ),
    )


def quiz_preview(quiz: Quiz) -> list[PreviewQuestion]:
    """Every question of `quiz` as a learner would meet it, in the quiz's order. A random draw
    from a bank shows a fresh pick from that bank each time. One query for the slots, one per
    draw, one for the versions' options."""
    picked: list[tuple[QuestionVersion, str]] = []
    slots = quiz.slots.select_related("question__current", "bank").order_by("position", "pk")
    for slot in slots:
        if slot.question is not None:
            if slot.question.current is not None:
                picked.append((slot.question.current, ""))
            continue
        assert slot.bank is not None  # a slot holds a question or a bank
        pool = [q.current for q in bank_questions(slot.bank) if q.current is not None]
        for version in random.sample(pool, min(slot.draw_count, len(pool))):
            picked.append((version, _note(slot.bank.name)))
    loaded = _versions(v.pk for v, _n in picked)
    return [
        _question(loaded[version.pk], number, note)
        for number, (version, note) in enumerate(picked, start=1)
    ]


def _allowed_versions(quiz: Quiz) -> dict[int, str | None]:
    """Version id → the bank it is drawn from (None for a fixed question), for every version the
    preview could show now. One query for the slots, one per draw."""
    allowed: dict[int, str | None] = {}
    for slot in quiz.slots.select_related("question", "bank"):
        if slot.question is not None:
            if slot.question.current_id is not None:
                allowed[slot.question.current_id] = None
        elif slot.bank is not None:
            for question in bank_questions(slot.bank):
                if question.current_id is not None:
                    allowed.setdefault(question.current_id, slot.bank.name)
    return allowed


def _index(value: str | None, size: int, number: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        index = int(value)
    except ValueError as exc:
        raise PreviewBadAnswer(number) from exc
    if not 0 <= index < size:
        raise PreviewBadAnswer(number)
    return index


def _answer(question: PreviewQuestion, data: QueryDict) -> object:
    """The posted answer to `question` in grading's shape, ids being the option's place in the
    version (as `learner_preview` numbers them); marks the options picked so the page shows
    them again. Raises PreviewBadAnswer."""
    preview, number = question.preview, question.preview.number
    prefix = preview.prefix
    size = len(preview.options)
    if preview.kind in {"single", "truefalse"}:
        choice = _index(data.get(f"{prefix}-choice"), size, number)
        for option in preview.options:
            option.selected = option.id == choice
        return {"choice": choice} if choice is not None else None
    if preview.kind == "multiple":
        chosen = {_index(v, size, number) for v in data.getlist(f"{prefix}-choices")} - {None}
        for option in preview.options:
            option.selected = option.id in chosen
        return {"choices": sorted(c for c in chosen if c is not None)} if chosen else None
    if preview.kind == "short":
        text = data.get(f"{prefix}-text", "")[:500]
        preview.answer_text = text
        return {"text": text} if text.strip() else None
    if preview.kind == "ordering":
        shown = [o.id for o in preview.options]
        ranks: dict[int, int] = {}
        for option in preview.options:
            rank = _index(data.get(f"{prefix}-rank-{option.id}"), size + 1, number)
            if rank is not None:
                ranks[option.id] = option.rank = rank
        if not ranks:
            return None
        # As on the taking page: ties and blanks keep the order shown.
        return {"order": sorted(shown, key=lambda i: (ranks.get(i, size + 1), shown.index(i)))}
    if preview.kind == "matching":
        pairs: dict[str, int] = {}
        for row in preview.rows:
            picked = _index(data.get(f"{prefix}-match-{row.prompt_id}"), size, number)
            row.picked = picked
            if picked is not None:
                pairs[str(row.prompt_id)] = picked
        return {"pairs": pairs} if pairs else None
    return None


def _spec(version: QuestionVersion) -> grading.QuestionSpec:
    choices = list(version.choices.all())
    return grading.QuestionSpec(
        kind=version.kind,
        points=version.points,
        choices=tuple(
            grading.ChoiceSpec(id=i, fraction=c.fraction, position=i) for i, c in enumerate(choices)
        ),
        pair_ids=tuple(range(len(version.pairs.all()))),
        accepted=tuple(grading.AcceptedSpec(a.text, a.fraction) for a in version.accepted.all()),
        case_sensitive=version.case_sensitive,
    )


def _feedback(version: QuestionVersion, answer: object) -> list[str]:
    """The authored feedback for the options picked (or the short answer matched)."""
    if not isinstance(answer, dict):
        return []
    choices = list(version.choices.all())
    picked: list[int] = []
    if "choice" in answer:
        picked = [answer["choice"]]
    elif "choices" in answer:
        picked = list(answer["choices"])
    notes = [choices[i].feedback for i in picked if 0 <= i < len(choices) and choices[i].feedback]
    if "text" in answer:
        given = grading.normalise_text(answer["text"], case_sensitive=version.case_sensitive)
        notes += [
            a.feedback
            for a in version.accepted.all()
            if a.feedback
            and grading.normalise_text(a.text, case_sensitive=version.case_sensitive) == given
        ]
    return notes


def quiz_preview_try(quiz: Quiz, data: QueryDict) -> tuple[list[PreviewQuestion], TriedQuiz]:
    """Grade the answers posted from the preview of `quiz`, in memory: the questions as shown,
    with what was picked and each one's result, and the total against the pass mark. Writes
    nothing.

    Raises PreviewOutOfDate when the posted questions are not ones the quiz shows now (or none
    were posted), PreviewBadAnswer when an answer names no option of its question. Queries as
    `quiz_preview`, plus one.
    """
    try:
        ids = [int(v) for v in data.getlist(VERSION_FIELD)]
    except ValueError as exc:
        raise PreviewOutOfDate from exc
    allowed = _allowed_versions(quiz)
    if not ids or len(ids) > len(allowed) or any(i not in allowed for i in ids):
        raise PreviewOutOfDate
    loaded = _versions(ids)
    questions = [
        _question(loaded[version_id], number, _note(allowed[version_id]))
        for number, version_id in enumerate(ids, start=1)
    ]
    total = max_score = Decimal("0")
    for question in questions:
        version = loaded[question.version_id]
        answer = _answer(question, data)
        fraction, score = grading.score_for(_spec(version), answer)
        question.result = TriedResult(
            fraction=fraction,
            score=score,
            points=version.points,
            answered=answer is not None,
            feedback=_feedback(version, answer),
        )
        total += score
        max_score += version.points
    percent = (
        (total * 100 / max_score).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if max_score
        else Decimal("100")
    )
    return questions, TriedQuiz(
        score=total, max_score=max_score, percent=percent, passed=percent >= quiz.pass_percent
    )
