"""The memory model: when an item comes back, from how the learner answered it.

Pure functions over a `ReviewItem`'s card fields and the `fsrs` package; no query.

Choices (docs/adr/0013-spaced-refreshers.md):
- No learning steps of minutes: refreshers are short sittings days apart, not a flash-card
  drill. A wrong answer comes back the next day, not in ten minutes, and so does one the
  learner had known for months (a one-day relearning step; without it fsrs would wait a week).
- No fuzz: a due date is explainable ("you missed it while sure, so it's back tomorrow").
- The rating comes from correctness and stated confidence (`rating_for`).
"""

from __future__ import annotations

import datetime as dt

from fsrs import Card, Rating, Scheduler, State

from assessments.models import AttemptItem

from .models import Review, ReviewItem

SCHEDULER = Scheduler(
    desired_retention=0.9,
    learning_steps=(),
    relearning_steps=(dt.timedelta(days=1),),
    enable_fuzzing=False,
)

CERTAIN = AttemptItem.Confidence.CERTAIN


def rating_for(*, right: bool, confidence: int | None) -> Review.Rating:
    """The memory rating of one answer.

    Wrong is Again, however sure they were: it comes back the next day (for "certain but
    wrong" that is the point). Right and certain is Good; right while guessing or only fairly
    sure is Hard, so it comes back sooner. Right without saying how sure counts as Good. Easy
    is never given: one right answer on a busy shift doesn't show it is effortless.
    """
    if not right:
        return Review.Rating.AGAIN
    if confidence is None or confidence == CERTAIN:
        return Review.Rating.GOOD
    return Review.Rating.HARD


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    # fsrs insists on datetime.timezone.utc itself, not just an offset of zero.
    return moment.astimezone(dt.UTC) if moment is not None else None


def card_of(item: ReviewItem) -> Card:
    """The item's card as fsrs sees it (a new one for an item never reviewed)."""
    due = _utc(item.due_at)
    return Card(
        card_id=item.pk or 1,  # passing an id spares fsrs its 1 ms pause for a unique one
        state=State(item.state),
        step=item.step,
        stability=item.stability,
        difficulty=item.difficulty,
        due=due,
        last_review=_utc(item.last_review_at),
    )


def review(item: ReviewItem, rating: Review.Rating, now: dt.datetime) -> None:
    """Rate `item` at `now`: sets its card fields (due date, stability, ...), `reps` and
    `lapses` in memory; the caller saves. A wrong answer on a card already learnt counts as a
    lapse."""
    if item.reps == 0:
        item.due_at = now
    card, _log = SCHEDULER.review_card(card_of(item), Rating(int(rating)), _utc(now))
    if rating == Review.Rating.AGAIN and item.state == ReviewItem.State.REVIEW and item.reps:
        item.lapses += 1
    item.state = int(card.state)
    item.step = card.step
    item.stability = card.stability
    item.difficulty = card.difficulty
    item.due_at = card.due
    item.last_review_at = card.last_review
    item.reps += 1


def retrievability(item: ReviewItem, now: dt.datetime) -> float:
    """The model's chance, 0 to 1, that the learner would get `item` right at `now`; 0 for an
    item never reviewed."""
    return float(SCHEDULER.get_card_retrievability(card_of(item), _utc(now)))
