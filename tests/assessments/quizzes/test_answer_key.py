"""Nothing on the taking page gives the answer away: a learner who picks options by how the page
names or orders them, without reading, scores what blind guessing scores."""

from __future__ import annotations

import random
from io import StringIO
from statistics import mean

import pytest
from django.core.management import call_command

from assessments.models import AttemptItem, Quiz
from assessments.quizzes.display import choice_for_token, item_view, items_with_versions
from assessments.quizzes.services import attempts
from courses.services import enrolment_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROUNDS = 8  # attempts per shipped quiz and strategy


def answer_by_tokens(item: AttemptItem, pick: list[int]) -> dict | None:
    """The answer a learner gives by choosing page tokens in `pick` order (first = preferred)."""
    view = item_view(item)
    kind = item.version.kind
    ids = [choice_for_token(item, t) for t in pick]
    if kind in {"single", "truefalse"}:
        return {"choice": ids[0]}
    if kind == "multiple":
        return {"choices": ids[:1]}
    if kind == "ordering":
        return {"order": ids}
    if kind == "matching":
        prompts = list(item.version.pairs.order_by("position", "pk"))
        return {"pairs": {str(p.pk): ids[n] for n, p in enumerate(prompts) if n < len(ids)}}
    assert view.kind == "short"
    return None


def play(quiz: Quiz, strategy) -> float:
    learner = UserFactory()
    enrolment_create(user=learner, course=quiz.course)
    attempt = attempts.attempt_start(quiz=quiz, user=learner, seed=random.randrange(10**6))
    for item in items_with_versions(attempt):
        tokens = list(range(1, len(item.option_order) + 1))
        answer = answer_by_tokens(item, strategy(tokens))
        if answer is not None:
            attempts.answer_save(attempt=attempt, item=item, answer=answer, confidence=None)
    graded, _now = attempts.attempt_submit(attempt=attempt)
    return float(graded.percent or 0)


def test_choosing_by_the_page_scores_no_better_than_chance(settings):
    settings.DEBUG = True
    for command in ("load_curriculum", "load_quizzes"):
        call_command(command, stdout=StringIO())
    quizzes = list(Quiz.objects.published().select_related("course"))
    assert len(quizzes) >= 4  # every shipped quiz

    random.seed(2026)
    rng = random.Random(7)
    lowest = [play(q, sorted) for q in quizzes for _ in range(ROUNDS)]
    highest = [play(q, lambda t: sorted(t, reverse=True)) for q in quizzes for _ in range(ROUNDS)]
    blind = [play(q, lambda t: rng.sample(t, len(t))) for q in quizzes for _ in range(ROUNDS)]

    # Before options were named by their shuffled place, "lowest first" scored 77 % and passed.
    assert mean(lowest) < 50
    assert abs(mean(lowest) - mean(blind)) < 10
    assert abs(mean(highest) - mean(blind)) < 10
