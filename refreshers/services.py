"""Every write to review items: recording what a quiz or a conversation showed about a learner,
and answering a refresher. Each service runs in one transaction.

Which things become review items (docs/adr/0013-spaced-refreshers.md):
- every question the learner answered in a graded quiz attempt (an unanswered one says
  nothing about memory): right means full marks;
- every decision point of a finished practice run where something was at stake, that is, where
  the replies on offer don't all score the same on the named behaviours. Picking a reply that
  scores as well as the best is right (Good); a worse one that still scores zero or more is
  Hard; a reply that scores below zero is Again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Attempt, ScenarioReply, ScenarioRun
from assessments.quizzes import grading
from assessments.quizzes.services.attempts import spec_for
from assessments.scenarios.services.play import ScenarioGraph
from assessments.scenarios.specs import reply_total
from courses.models import Course
from learners.audit import audit_record
from learners.models import User

from . import scheduling
from .models import CourseRefresherPolicy, RefresherSession, Review, ReviewItem

# A sitting holds at most this many answers, and ends this long after it started.
SESSION_SIZE = 10
SESSION_LENGTH = dt.timedelta(hours=1)


@dataclass(frozen=True)
class _Rated:
    """One answer to record: the item's key, its topic, and how it went."""

    key: int  # question id or node id
    course_id: int
    module_key: Any
    right: bool
    rating: Review.Rating
    confidence: int | None = None


def _record(*, user_id: int, kind: str, rated: list[_Rated], source: str, at: dt.datetime) -> int:
    """Create the missing items and rate every one, once per moment `at`: an item already
    rated at or after `at` is left alone, so recording the same attempt twice changes nothing.
    Returns how many were rated. Four queries whatever the number of items."""
    if not rated:
        return 0
    field = "question_id" if kind == ReviewItem.Kind.QUESTION else "node_id"
    keys = [r.key for r in rated]
    with transaction.atomic():
        ReviewItem.objects.bulk_create(
            [
                ReviewItem(
                    user_id=user_id,
                    kind=kind,
                    course_id=r.course_id,
                    module_key=r.module_key,
                    due_at=at,
                    **{field: r.key},
                )
                for r in rated
            ],
            ignore_conflicts=True,
        )
        items = {
            getattr(item, field): item
            for item in ReviewItem.objects.select_for_update().filter(
                user_id=user_id, **{f"{field}__in": keys}
            )
        }
        changed: list[ReviewItem] = []
        reviews: list[Review] = []
        for r in rated:
            item = items[r.key]
            if item.last_review_at is not None and item.last_review_at >= at:
                continue
            reviews.append(
                Review(
                    item=item,
                    source=source,
                    reviewed_at=at,
                    was_due_at=item.due_at if item.reps else None,
                    rating=r.rating,
                    right=r.right,
                    confidence=r.confidence,
                    reps_before=item.reps,
                )
            )
            item.course_id, item.module_key = r.course_id, r.module_key
            scheduling.review(item, r.rating, at)
            changed.append(item)
        ReviewItem.objects.bulk_update(
            changed,
            [
                "course_id",
                "module_key",
                "state",
                "step",
                "stability",
                "difficulty",
                "due_at",
                "last_review_at",
                "reps",
                "lapses",
            ],
        )
        Review.objects.bulk_create(reviews)
    return len(changed)


def items_record_attempt(*, attempt_id: int) -> int:
    """Turn a graded attempt's answered questions into review items, or rate the learner's
    existing ones. Returns how many were rated; 0 for an attempt still open, gone, or recorded
    already. Six queries."""
    attempt = (
        Attempt.objects.select_related("quiz")
        .exclude(status=Attempt.Status.IN_PROGRESS)
        .filter(pk=attempt_id, submitted_at__isnull=False)
        .first()
    )
    if attempt is None or attempt.submitted_at is None:
        return 0
    rated = []
    for item in attempt.items.filter(answer__isnull=False).select_related("version"):
        right = (item.fraction or 0) >= 1
        rated.append(
            _Rated(
                key=item.version.question_id,
                course_id=attempt.quiz.course_id,
                module_key=attempt.quiz.module_key,
                right=right,
                rating=scheduling.rating_for(right=right, confidence=item.confidence),
                confidence=item.confidence,
            )
        )
    return _record(
        user_id=attempt.user_id,
        kind=ReviewItem.Kind.QUESTION,
        rated=rated,
        source=Review.Source.QUIZ,
        at=attempt.submitted_at,
    )


def moment_rating(*, chosen: ScenarioReply, offered: list[ScenarioReply]) -> Review.Rating:
    """How a reply chosen at a decision point rates: as good as the best on offer is Good, a
    weaker one that still scores zero or more is Hard, one scoring below zero is Again."""
    best = max((reply_total(r) for r in offered), default=0)
    if reply_total(chosen) >= best:
        return Review.Rating.GOOD
    if reply_total(chosen) >= 0:
        return Review.Rating.HARD
    return Review.Rating.AGAIN


def at_stake(offered: list[ScenarioReply]) -> bool:
    """True when the replies on offer at a line don't all score the same: a decision that
    shows something about the learner's behaviour. No query."""
    return len({reply_total(r) for r in offered}) > 1


def items_record_run(*, run_id: int) -> int:
    """Turn the decision points of a finished practice run into review items, or rate the
    learner's existing ones (a line met twice counts by the last reply). Returns how many were
    rated; 0 for a run unfinished, gone, or recorded already. Six queries."""
    run = (
        ScenarioRun.objects.select_related("scenario")
        .filter(pk=run_id, finished_at__isnull=False)
        .first()
    )
    if run is None or run.finished_at is None:
        return 0
    graph = ScenarioGraph(run.scenario)
    last_turn = {turn.node.pk: turn for turn in graph.history(run.path)}
    rated = []
    for node_id, turn in last_turn.items():
        offered = graph.choices(turn.node)
        if not at_stake(offered):
            continue
        rating = moment_rating(chosen=turn.reply, offered=offered)
        rated.append(
            _Rated(
                key=node_id,
                course_id=run.scenario.course_id,
                module_key=run.scenario.module_key,
                right=rating == Review.Rating.GOOD,
                rating=rating,
            )
        )
    return _record(
        user_id=run.user_id,
        kind=ReviewItem.Kind.MOMENT,
        rated=rated,
        source=Review.Source.PRACTICE,
        at=run.finished_at,
    )


# --- Answering a refresher -------------------------------------------------------------------


class AlreadyAnswered(Exception):
    """The same page was sent twice: the first answer stands, and here it is."""

    def __init__(self, review: Review) -> None:
        super().__init__(review.pk)
        self.review = review


def latest_session(*, user_id: int, now: dt.datetime) -> tuple[RefresherSession | None, int]:
    """The person's sitting started less than SESSION_LENGTH before `now`, and how many
    answers it holds; (None, 0) when there is none. One query."""
    row = (
        RefresherSession.objects.filter(user_id=user_id, started_at__gt=now - SESSION_LENGTH)
        .annotate(answered=Count("reviews"))
        .order_by("-started_at", "-pk")
        .values_list("pk", "started_at", "answered")
        .first()
    )
    if row is None:
        return None, 0
    pk, started_at, answered = row
    return RefresherSession(pk=pk, user_id=user_id, started_at=started_at), answered


def open_session(*, user_id: int, now: dt.datetime) -> RefresherSession | None:
    """The sitting an answer at `now` belongs to: the latest one while it holds fewer than
    SESSION_SIZE answers; None when a new one should start. One query."""
    session, answered = latest_session(user_id=user_id, now=now)
    if session is None or answered >= SESSION_SIZE:
        return None
    return session


def refresher_answer(
    *,
    user: User,
    item: ReviewItem,
    reps_seen: int,
    answer: dict[str, Any] | None,
    confidence: int | None,
    now: dt.datetime | None = None,
) -> Review:
    """Grade one refresher answer and reschedule the item, in one transaction. Returns the
    review, which records the answer for the feedback page.

    `reps_seen` is the item's `reps` when the page was shown. Sending the same page again
    (a double tap, a resent form) raises AlreadyAnswered with the first answer's review and
    changes nothing. Raises ValidationError with code "stale" for a page older than that,
    "not_due" for an item that isn't due yet, "no_answer" when nothing was chosen, and
    "confidence" for a confidence outside 1-3; grading.InvalidAnswer for an answer that
    doesn't belong to the item (tampering). Nothing is stored when it raises.
    """
    now = now or timezone.now()
    if confidence is not None and confidence not in (1, 2, 3):
        raise ValidationError(
            _("Choose how sure you are: guessing, fairly sure or certain."), code="confidence"
        )
    with transaction.atomic():
        locked = (
            ReviewItem.objects.select_for_update(of=("self",))
            .select_related("question__current", "node")
            .get(pk=item.pk, user=user)
        )
        if locked.reps != reps_seen:
            earlier = Review.objects.filter(item=locked, reps_before=reps_seen).first()
            if earlier is not None and earlier.source == Review.Source.REFRESHER:
                raise AlreadyAnswered(earlier)
            raise ValidationError(
                _("That page was out of date; here is what's next."), code="stale"
            )
        if locked.due_at > now:
            raise ValidationError(_("This one isn't due yet."), code="not_due")
        if not answer:
            raise ValidationError(_("Choose an answer first."), code="no_answer")
        if (
            locked.question is not None
            and item.question is not None
            and locked.question.current_id == item.question.current_id
        ):
            # The caller's copy has the version's options loaded; the version is the same.
            locked.question.current = item.question.current
        right, canonical = _grade(locked, answer)
        # A conversation moment rates like a question here: the best reply is the right one.
        rating = scheduling.rating_for(right=right, confidence=confidence)
        session = open_session(user_id=user.pk, now=now) or RefresherSession.objects.create(
            user=user, started_at=now
        )
        was_due_at = locked.due_at
        reps_before = locked.reps
        scheduling.review(locked, rating, now)
        locked.save(
            update_fields=[
                "state",
                "step",
                "stability",
                "difficulty",
                "due_at",
                "last_review_at",
                "reps",
                "lapses",
            ]
        )
        # The row lock above makes this the only answer for `reps_before`; the unique
        # constraint on (item, reps_before) stands behind it.
        return Review.objects.create(
            item=locked,
            session=session,
            source=Review.Source.REFRESHER,
            reviewed_at=now,
            was_due_at=was_due_at,
            rating=rating,
            right=right,
            confidence=confidence,
            answer=canonical,
            reps_before=reps_before,
        )


def _grade(item: ReviewItem, answer: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    """(right, the answer as stored) for `item`. Raises grading.InvalidAnswer for an answer
    that doesn't belong to it. One query for a moment's replies; three for a question's
    options."""
    if item.kind == ReviewItem.Kind.MOMENT:
        offered = list(ScenarioReply.objects.filter(node_id=item.node_id))
        chosen = next((r for r in offered if r.pk == answer.get("reply")), None)
        if chosen is None:
            raise grading.InvalidAnswer("not one of the replies")
        best = max(reply_total(r) for r in offered)
        return reply_total(chosen) >= best, {"reply": chosen.pk}
    assert item.question is not None and item.question.current is not None
    spec = spec_for(item.question.current)
    canonical = grading.validate_answer(spec, answer)
    return grading.fraction_for(spec, canonical) >= 1, canonical


# --- The course setting ----------------------------------------------------------------------


@transaction.atomic
def course_policy_save(
    *, actor: User, course: Course, renews_recurring: bool, grace_days: int
) -> CourseRefresherPolicy:
    """Set whether up-to-date refreshers renew `course` when a recurring assignment comes
    round, and how many days late a refresher may be. Logged in the activity log. Raises
    ValidationError for grace days outside 0-60."""
    if not 0 <= grace_days <= 60:
        raise ValidationError({"grace_days": _("Choose between 0 and 60 days.")})
    policy, _created = CourseRefresherPolicy.objects.select_for_update().get_or_create(
        course=course
    )
    before = (policy.renews_recurring, policy.grace_days)
    policy.renews_recurring = renews_recurring
    policy.grace_days = grace_days
    policy.save()
    if before != (renews_recurring, grace_days) or _created:
        version = course.published_version
        audit_record(
            actor=actor,
            action="course.refresher_policy",
            target_type="course",
            target_id=course.pk,
            target_label=version.title if version else course.slug,
            changes={
                "renews_recurring": (before[0], renews_recurring),
                "grace_days": (before[1], grace_days),
            },
        )
    return policy


def policy_for(course_id: int) -> CourseRefresherPolicy:
    """The course's refresher setting; the default (renews nothing) when never set. One
    query."""
    return CourseRefresherPolicy.objects.filter(course_id=course_id).first() or (
        CourseRefresherPolicy(course_id=course_id)
    )
