"""A quiz as a learner would meet it, for its authors: every question shown the way the taking
page shows it, nothing recorded."""

from __future__ import annotations

import random

from django.utils.translation import gettext as _

from assessments.models import Quiz
from assessments.questions.preview import LearnerPreview, learner_preview
from assessments.questions.selectors import bank_questions
from assessments.questions.services import question_input_from


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
