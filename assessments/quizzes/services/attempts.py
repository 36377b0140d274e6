"""Taking a quiz: starting an attempt, saving answers as they are given, submitting, and
closing attempts whose time ran out. Grading is in assessments.quizzes.grading and happens only
here, on the server."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.events import announce_attempt_graded
from assessments.models import Attempt, AttemptItem, Question, QuestionVersion, Quiz
from courses.events import announce_learner_progressed
from learners.models import User

from .. import grading

# Answers that arrive this long after the deadline still count: a slow phone connection should
# not cost anyone the last answer they gave in time.
GRACE = timedelta(seconds=30)


class AttemptClosed(Exception):
    """The attempt no longer takes answers: submitted, or past its deadline and grace."""


@dataclass
class StartRefusal:
    reason: str
    until: datetime | None = None


def start_refusal(*, quiz: Quiz, user: User, now: datetime | None = None) -> StartRefusal | None:
    """Why `user` may not start a new attempt now, or None if they may. One query."""
    now = now or timezone.now()
    finished = list(
        Attempt.objects.filter(quiz=quiz, user=user)
        .exclude(status=Attempt.Status.IN_PROGRESS)
        .order_by("-submitted_at")
        .values_list("submitted_at", flat=True)
    )
    if quiz.max_attempts and len(finished) >= quiz.max_attempts:
        n = quiz.max_attempts
        return StartRefusal(
            ngettext("You've used your one attempt.", "You've used all %(n)s attempts.", n)
            % {"n": n}
        )
    if quiz.cooldown_minutes and finished and finished[0]:
        until = finished[0] + timedelta(minutes=quiz.cooldown_minutes)
        if until > now:
            return StartRefusal(_("You can try again after a short break."), until)
    return None


def _draw(quiz: Quiz, rng: random.Random) -> list[QuestionVersion]:
    chosen: list[QuestionVersion] = []
    taken: set[int] = set()
    for slot in quiz.slots.select_related("question__current").order_by("position", "pk"):
        if slot.question_id is not None:
            question = slot.question
            if question is not None and question.current is not None and question.pk not in taken:
                chosen.append(question.current)
                taken.add(question.pk)
            continue
        pool = list(
            Question.objects.filter(bank_id=slot.bank_id, archived=False, current__isnull=False)
            .exclude(pk__in=taken)
            .select_related("current")
        )
        for question in rng.sample(pool, min(slot.draw_count, len(pool))):
            assert question.current is not None
            chosen.append(question.current)
            taken.add(question.pk)
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    return chosen


def _option_order(version: QuestionVersion, rng: random.Random) -> list[int]:
    """The order the question's options are shown in for one attempt. Always random (true/false
    aside, where True then False says nothing): authors often write the right option first, and
    nothing the page shows may hint at the answer (the taking page refers to options only by
    their place in this order)."""
    if version.kind == QuestionVersion.Kind.MATCHING:
        ids = [p.pk for p in version.pairs.all()]
        rng.shuffle(ids)
        return ids
    ids = [c.pk for c in version.choices.all()]
    if version.kind == QuestionVersion.Kind.ORDERING:
        # Never show the items already in the right order: that would answer the question.
        correct = list(ids)
        for _try in range(10):
            rng.shuffle(ids)
            if ids != correct or len(ids) < 2:
                break
    elif version.kind != QuestionVersion.Kind.TRUE_FALSE:
        rng.shuffle(ids)
    return ids


def attempt_start(*, quiz: Quiz, user: User, seed: int | None = None) -> Attempt:
    """The learner's open attempt at `quiz`, or a new one with its questions drawn now.

    Raises ValidationError when they may not start (attempts used up, too soon after the last
    one) or the quiz has no questions. Safe against double clicks: the database allows one open
    attempt per learner and quiz, and a losing request returns the winner's attempt.
    """
    existing = Attempt.objects.filter(
        quiz=quiz, user=user, status=Attempt.Status.IN_PROGRESS
    ).first()
    if existing is not None:
        return existing
    refusal = start_refusal(quiz=quiz, user=user)
    if refusal is not None:
        raise ValidationError(refusal.reason)
    rng = random.Random(seed)  # noqa: S311 - shuffling questions, not security
    versions = _draw(quiz, rng)
    if not versions:
        raise ValidationError(_("This quiz has no questions yet."))
    now = timezone.now()
    try:
        with transaction.atomic():
            number = (
                Attempt.objects.filter(quiz=quiz, user=user).aggregate(n=Max("number"))["n"] or 0
            ) + 1
            attempt = Attempt.objects.create(
                quiz=quiz,
                user=user,
                number=number,
                started_at=now,
                deadline=now + timedelta(minutes=quiz.time_limit_minutes)
                if quiz.time_limit_minutes
                else None,
                max_score=sum((v.points for v in versions), Decimal("0")),
            )
            AttemptItem.objects.bulk_create(
                AttemptItem(
                    attempt=attempt,
                    position=i,
                    version=version,
                    option_order=_option_order(version, rng),
                )
                for i, version in enumerate(versions)
            )
    except IntegrityError:
        # Another request opened the attempt between our check and insert.
        return Attempt.objects.get(quiz=quiz, user=user, status=Attempt.Status.IN_PROGRESS)
    return attempt


def spec_for(version: QuestionVersion) -> grading.QuestionSpec:
    """The grading view of a version; uses prefetched choices/pairs/accepted when present."""
    return grading.QuestionSpec(
        kind=version.kind,
        points=version.points,
        choices=tuple(
            grading.ChoiceSpec(id=c.pk, fraction=c.fraction, position=c.position)
            for c in version.choices.all()
        ),
        pair_ids=tuple(p.pk for p in version.pairs.all()),
        accepted=tuple(grading.AcceptedSpec(a.text, a.fraction) for a in version.accepted.all()),
        case_sensitive=version.case_sensitive,
    )


def _accepting(attempt: Attempt, now: datetime) -> bool:
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return False
    return attempt.deadline is None or now <= attempt.deadline + GRACE


def answer_save(
    *, attempt: Attempt, item: AttemptItem, answer: Any, confidence: int | None
) -> AttemptItem:
    """Store one answer (and how sure the learner was) as given; nothing is graded yet.

    Raises grading.InvalidAnswer for an answer that does not belong to the question (the view
    answers 400), AttemptClosed when the attempt was submitted or its time ran out, and
    ValidationError for a confidence outside 1-3.
    """
    if confidence is not None and confidence not in AttemptItem.Confidence.values:
        raise ValidationError(_("Choose how sure you are: guessing, fairly sure or certain."))
    if item.attempt_id != attempt.pk:
        raise grading.InvalidAnswer("this question is not part of the attempt")
    canonical = grading.validate_answer(spec_for(item.version), answer) if answer else None
    now = timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if not _accepting(locked, now):
            raise AttemptClosed
        AttemptItem.objects.filter(pk=item.pk).update(
            answer=canonical, confidence=confidence, saved_at=now
        )
    item.answer, item.confidence, item.saved_at = canonical, confidence, now
    return item


def _grade(attempt: Attempt, status: str, now: datetime) -> Attempt:
    items = list(
        attempt.items.select_related("version").prefetch_related(
            "version__choices", "version__pairs", "version__accepted"
        )
    )
    parts = []
    for item in items:
        spec = spec_for(item.version)
        item.fraction, item.score = grading.score_for(spec, item.answer)
        parts.append((spec, item.fraction))
    AttemptItem.objects.bulk_update(items, ["fraction", "score"])
    total = grading.total_for(parts, attempt.max_score)
    attempt.status = status
    attempt.submitted_at = now
    attempt.score = total.score
    attempt.percent = total.percent
    attempt.passed = attempt.percent >= attempt.quiz.pass_percent
    attempt.save(update_fields=["status", "submitted_at", "score", "percent", "passed"])
    # Each answer becomes a review item for spaced refreshers (refreshers/receivers.py).
    announce_attempt_graded(attempt_id=attempt.pk)
    return attempt


def attempt_submit(*, attempt: Attempt) -> tuple[Attempt, bool]:
    """Grade and close the attempt. Returns (attempt, graded_now): False when another request
    had already submitted it (the row lock makes exactly one request grade it). An attempt past
    its deadline and grace is closed as expired, counting the answers saved in time."""
    now = timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().select_related("quiz").get(pk=attempt.pk)
        if locked.status != Attempt.Status.IN_PROGRESS:
            return locked, False
        status = Attempt.Status.SUBMITTED if _accepting(locked, now) else Attempt.Status.EXPIRED
        graded = _grade(locked, status, now)
        announce_learner_progressed(user_id=graded.user_id, course_id=graded.quiz.course_id)
    return graded, True


def attempt_expire(*, attempt_id: int) -> bool:
    """Close an attempt whose time ran out (deadline plus grace passed), grading the answers
    saved before then. Returns True when it closed one; False if it was already closed or still
    has time. Safe to run twice."""
    now = timezone.now()
    with transaction.atomic():
        locked = (
            Attempt.objects.select_for_update().select_related("quiz").filter(pk=attempt_id).first()
        )
        if locked is None or _accepting(locked, now) or locked.status != Attempt.Status.IN_PROGRESS:
            return False
        graded = _grade(locked, Attempt.Status.EXPIRED, now)
        announce_learner_progressed(user_id=graded.user_id, course_id=graded.quiz.course_id)
    return True


def overdue_attempt_ids(now: datetime | None = None) -> list[int]:
    """Open attempts whose deadline plus grace has passed. One query."""
    now = now or timezone.now()
    return list(
        Attempt.objects.filter(
            status=Attempt.Status.IN_PROGRESS, deadline__lt=now - GRACE
        ).values_list("pk", flat=True)
    )
