"""A question as a learner would meet it in a quiz, built from what an author has typed.

Mirrors assessments.quiz_display.ItemView (the taking page's view of one question): option
texts only, never which one is right. Options a quiz always shuffles (steps to order, matches
to pick from) are shuffled here too, the same way every time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from assessments.models import QuestionVersion, Quiz
from assessments.quiz_display import CONFIDENCE_CHOICES, MatchRow, Option
from assessments.services import QuestionInput, question_input_from
from courses.content import render_markdown

from .selectors import bank_questions

Kind = QuestionVersion.Kind
MAX_PREVIEW_CHARS = 200_000


@dataclass
class LearnerPreview:
    kind: str
    prompt_html: str
    explanation_html: str
    options: list[Option] = field(default_factory=list)
    rows: list[MatchRow] = field(default_factory=list)
    prefix: str = "preview"
    number: int = 1
    note: str = ""
    confidence_choices: list[tuple[int, str]] = field(
        default_factory=lambda: list(CONFIDENCE_CHOICES)
    )


def _shuffled(ids: list[int]) -> list[int]:
    # Fixed seed: the preview must not jump around while the author types.
    rng = random.Random(len(ids))  # noqa: S311 - not security
    shuffled = list(ids)
    for _try in range(10):
        rng.shuffle(shuffled)
        if shuffled != ids or len(ids) < 2:
            break
    return shuffled


def learner_preview(
    data: QuestionInput, *, number: int = 1, note: str = "", prefix: str = "preview"
) -> LearnerPreview:
    """The learner's view of `data`, which need not be valid yet, as question `number` of a
    quiz. No query."""
    preview = LearnerPreview(
        kind=data.kind,
        prompt_html=render_markdown(data.prompt[:MAX_PREVIEW_CHARS]),
        explanation_html=render_markdown(data.explanation[:MAX_PREVIEW_CHARS]),
        prefix=prefix,
        number=number,
        note=note,
    )
    if data.kind == Kind.MATCHING:
        answers = [p.answer for p in data.pairs]
        preview.options = [
            Option(id=i, text=answers[i]) for i in _shuffled(list(range(len(answers))))
        ]
        preview.rows = [
            MatchRow(prompt_id=i, prompt=p.prompt, picked=None) for i, p in enumerate(data.pairs)
        ]
    elif data.kind == Kind.ORDERING:
        texts = [c.text for c in data.choices]
        preview.options = [
            Option(id=i, text=texts[i], rank=n)
            for n, i in enumerate(_shuffled(list(range(len(texts)))), start=1)
        ]
    elif data.kind != Kind.SHORT:
        preview.options = [Option(id=i, text=c.text) for i, c in enumerate(data.choices)]
    return preview


def quiz_preview(quiz: Quiz) -> list[LearnerPreview]:
    """Every question of `quiz` as a learner would meet it, in the quiz's order. A random draw
    from a bank shows a fresh pick from that bank each time. One query for the slots, one per
    draw, three per question shown."""
    previews: list[LearnerPreview] = []
    slots = quiz.slots.select_related("question__current", "bank").order_by("position", "pk")
    for slot in slots:
        if slot.question is not None:
            versions = [slot.question.current] if slot.question.current else []
            note = ""
        else:
            assert slot.bank is not None  # a slot holds a question or a bank
            pool = [q.current for q in bank_questions(slot.bank) if q.current is not None]
            versions = random.sample(pool, min(slot.draw_count, len(pool)))
            note = _("Drawn at random from “%(bank)s”: learners may get a different one.") % {
                "bank": slot.bank.name
            }
        for version in versions:
            previews.append(
                learner_preview(
                    question_input_from(version),
                    number=len(previews) + 1,
                    note=note,
                    prefix=f"preview-{len(previews) + 1}",
                )
            )
    return previews
