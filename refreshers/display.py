"""What a refresher screen shows, and reading its answer back.

A question is shown exactly as the quiz shows it (`assessments.quizzes.display.item_view`):
option texts only, each named by its place in a shuffled order, never by a database id and
never with its credit or feedback (docs/adr/0006). The order is shuffled afresh for each
review of the item, and derived from a keyed hash of the item and how often it was reviewed,
so the answer post can turn places back into ids without storing anything, and nobody can
work the order out from the page. A conversation moment is the customer's line with the
replies on offer, shuffled the same way.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from assessments.models import AttemptItem, QuestionVersion, ScenarioReply
from assessments.quizzes import display as quiz_display
from assessments.quizzes import grading
from assessments.quizzes.display import ItemView
from assessments.quizzes.services.attempts import spec_for
from assessments.scenarios.specs import reply_total
from config.parsing import ascii_int

from .models import Review, ReviewItem

PREFIX = "q0"
Kind = QuestionVersion.Kind


class AnswerProblem(ValueError):
    """The answer can't be read; `str(exc)` is the message to show beside the question."""


def _rng(item: ReviewItem) -> random.Random:
    digest = salted_hmac("refreshers.order", f"{item.pk}:{item.reps}").hexdigest()
    return random.Random(int(digest[:16], 16))  # noqa: S311 - an order, not a secret key


def option_order(item: ReviewItem, version: QuestionVersion) -> list[int]:
    """The ids of the question's options (a matching question's answers) in the order this
    review shows them; true/false keeps True then False, and steps to order never start in the
    right order. Uses prefetched rows."""
    rng = _rng(item)
    if version.kind == Kind.MATCHING:
        ids = [p.pk for p in version.pairs.all()]
        rng.shuffle(ids)
        return ids
    ids = [c.pk for c in version.choices.all()]
    if version.kind == Kind.TRUE_FALSE:
        return ids
    correct = list(ids)
    for _try in range(10):
        rng.shuffle(ids)
        if version.kind != Kind.ORDERING or ids != correct or len(ids) < 2:
            break
    return ids


def attempt_item(
    item: ReviewItem, answer: Any = None, confidence: int | None = None
) -> AttemptItem:
    """An unsaved quiz item for the question's current version, so the quiz's display code
    shows it. No query beyond prefetched rows."""
    assert item.question is not None and item.question.current is not None
    version = item.question.current
    return AttemptItem(
        position=0,
        version=version,
        option_order=option_order(item, version),
        answer=answer,
        confidence=confidence,
    )


@dataclass
class ReplyOption:
    token: int
    reply: ScenarioReply


def reply_order(item: ReviewItem, replies: list[ScenarioReply]) -> list[ReplyOption]:
    """The line's replies, shuffled for this review, each with its place (1, 2, ...)."""
    shuffled = list(replies)
    _rng(item).shuffle(shuffled)
    return [ReplyOption(token=n, reply=r) for n, r in enumerate(shuffled, start=1)]


@dataclass
class Screen:
    """One refresher as the page shows it: a question (`view`) or a moment (`replies`)."""

    item: ReviewItem
    view: ItemView | None = None
    replies: list[ReplyOption] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return PREFIX


def screen_for(item: ReviewItem) -> Screen:
    """What to show for `item`; uses prefetched options or replies."""
    if item.kind == ReviewItem.Kind.MOMENT:
        assert item.node is not None
        return Screen(item=item, replies=reply_order(item, list(item.node.replies.all())))
    view = quiz_display.item_view(attempt_item(item))
    return Screen(item=item, view=view)


def _number(value: str | None) -> int | None:
    """A place or confidence from the form: None when empty; AnswerProblem when it isn't a
    plain number."""
    if value in (None, ""):
        return None
    number = ascii_int(value)
    if number is None:
        raise AnswerProblem(_("That answer doesn't fit this question. Choose again."))
    return number


def answer_from_post(item: ReviewItem, data: QueryDict) -> tuple[dict[str, Any] | None, int | None]:
    """(answer in the quiz's stored form or {"reply": id}, confidence) from the page's fields,
    places turned back into ids; None for no answer. Raises AnswerProblem with a message for
    the learner for values that name nothing on the page. Uses prefetched rows."""
    confidence = _number(data.get(f"{PREFIX}-confidence"))
    if item.kind == ReviewItem.Kind.MOMENT:
        assert item.node is not None
        token = _number(data.get(f"{PREFIX}-reply"))
        if token is None:
            return None, confidence
        options = reply_order(item, list(item.node.replies.all()))
        chosen = next((o.reply for o in options if o.token == token), None)
        if chosen is None:
            raise AnswerProblem(_("That reply isn't one of these. Choose again."))
        return {"reply": chosen.pk}, confidence
    shown = attempt_item(item)

    def option(value: str | None) -> int | None:
        token = _number(value)
        if token is None:
            return None
        try:
            return quiz_display.choice_for_token(shown, token)
        except quiz_display.InvalidToken as exc:
            raise AnswerProblem(_("That answer doesn't fit this question. Choose again.")) from exc

    kind = shown.version.kind
    if kind in {Kind.SINGLE, Kind.TRUE_FALSE}:
        choice = option(data.get(f"{PREFIX}-choice"))
        return ({"choice": choice} if choice is not None else None), confidence
    if kind == Kind.MULTIPLE:
        picked = [p for p in (option(v) for v in data.getlist(f"{PREFIX}-choices")) if p]
        return ({"choices": picked} if picked else None), confidence
    if kind == Kind.SHORT:
        text = data.get(f"{PREFIX}-text", "")
        if len(text) > 500:
            raise AnswerProblem(_("Keep the answer under 500 characters."))
        return ({"text": text} if text.strip() else None), confidence
    if kind == Kind.ORDERING:
        count = len(shown.option_order)
        places = {
            token: _number(data.get(f"{PREFIX}-place-{token}")) for token in range(1, count + 1)
        }
        if all(p is None for p in places.values()):
            return None, confidence
        if sorted(p or 0 for p in places.values()) != list(range(1, count + 1)):
            raise AnswerProblem(_("Give each step its own place, from 1 to %(n)s.") % {"n": count})
        order = sorted(places, key=lambda token: places[token] or 0)
        return {"order": [option(str(t)) for t in order]}, confidence
    # Matching: one answer per prompt, prompts named by their place in the question.
    pairs: dict[str, int | None] = {}
    for n, prompt in enumerate(shown.version.pairs.all(), start=1):
        match = option(data.get(f"{PREFIX}-match-{n}"))
        if match is not None:
            pairs[str(prompt.pk)] = match
    return ({"pairs": pairs} if pairs else None), confidence


@dataclass
class Feedback:
    """What the learner sees after answering: the quiz's review of a question, or for a
    moment the reply they chose, the best one and each one's "why"."""

    review: Review
    question: quiz_display.ReviewItem | None = None
    chosen: ScenarioReply | None = None
    best: list[ScenarioReply] = field(default_factory=list)


def feedback_for(review: Review, replies: list[ScenarioReply] | None = None) -> Feedback:
    """The feedback of a refresher answer. For a question, uses the current version's
    prefetched options (the item's `reps_before` rebuilds the order it was shown in); for a
    moment, `replies` are the line's replies."""
    item = review.item
    if item.kind == ReviewItem.Kind.MOMENT:
        offered = replies or []
        top = max((reply_total(r) for r in offered), default=0)
        chosen = next((r for r in offered if r.pk == (review.answer or {}).get("reply")), None)
        return Feedback(
            review=review,
            chosen=chosen,
            best=[r for r in offered if reply_total(r) == top and r is not chosen],
        )
    # The order it was shown in was keyed on the reps before this answer.
    reps_now = item.reps
    item.reps = review.reps_before
    shown = attempt_item(item, answer=review.answer, confidence=review.confidence)
    item.reps = reps_now
    shown.fraction = grading.fraction_for(spec_for(shown.version), review.answer)
    return Feedback(review=review, question=quiz_display.review_item(shown))
