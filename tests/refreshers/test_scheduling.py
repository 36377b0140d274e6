"""The memory model as this project uses it, and answering under concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from assessments.quizzes.services import attempts
from courses.models import Enrolment
from refreshers import scheduling, services
from refreshers.models import Review, ReviewItem
from tests.conftest import require_postgres
from tests.factories import UserFactory
from tests.refreshers.builders import course_with_quiz, right_choice

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def new_item() -> ReviewItem:
    return ReviewItem(pk=1, due_at=NOW)


def test_a_new_item_is_due_the_next_day_when_wrong_and_later_when_right():
    days = {}
    for rating in (Review.Rating.AGAIN, Review.Rating.HARD, Review.Rating.GOOD):
        item = new_item()
        scheduling.review(item, rating, NOW)
        assert item.reps == 1 and item.last_review_at == NOW and item.lapses == 0
        days[rating] = (item.due_at - NOW).days
    assert days == {Review.Rating.AGAIN: 1, Review.Rating.HARD: 1, Review.Rating.GOOD: 2}


def test_intervals_grow_while_answers_stay_right_and_a_miss_brings_it_back_and_counts():
    item = new_item()
    moment, gaps = NOW, []
    for _ in range(5):
        scheduling.review(item, Review.Rating.GOOD, moment)
        gaps.append(item.due_at - moment)
        moment = item.due_at
    assert gaps == sorted(gaps) and gaps[-1] > dt.timedelta(days=30)
    scheduling.review(item, Review.Rating.AGAIN, moment)
    assert item.due_at - moment == dt.timedelta(days=1)
    assert item.lapses == 1 and item.reps == 6


def test_recall_fades_with_time_and_is_zero_before_any_review():
    assert scheduling.retrievability(new_item(), NOW) == 0
    item = new_item()
    scheduling.review(item, Review.Rating.GOOD, NOW)
    later = [scheduling.retrievability(item, NOW + dt.timedelta(days=d)) for d in (0, 2, 10, 60)]
    assert later[0] == 1 and later == sorted(later, reverse=True)
    assert later[1] == pytest.approx(0.9, abs=0.02)  # due when recall falls to 90 %


@pytest.mark.django_db(transaction=True)
def test_ten_taps_at_once_record_one_answer():
    require_postgres()
    course, quiz = course_with_quiz()
    learner = UserFactory()
    Enrolment.objects.create(user=learner, course=course)
    attempt = attempts.attempt_start(quiz=quiz, user=learner)
    for shown in attempt.items.select_related("version"):
        attempts.answer_save(attempt=attempt, item=shown, answer=right_choice(shown), confidence=3)
    attempts.attempt_submit(attempt=attempt)  # autocommit: the items are made at once
    item = ReviewItem.objects.select_related("question__current").filter(user=learner).first()
    answer = {"choice": item.question.current.choices.get(fraction=1).pk}
    outcomes: list[str] = []
    barrier = threading.Barrier(10)

    def tap() -> None:
        barrier.wait()
        try:
            review = services.refresher_answer(
                user=learner,
                item=item,
                reps_seen=1,
                answer=answer,
                confidence=3,
                now=item.due_at + dt.timedelta(hours=1),
            )
            outcomes.append(f"answered {review.pk}")
        except services.AlreadyAnswered as exc:
            outcomes.append(f"answered {exc.review.pk}")
        except ValidationError as exc:
            outcomes.append(exc.code or "")
        finally:
            connection.close()

    threads = [threading.Thread(target=tap) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Review.objects.filter(source=Review.Source.REFRESHER).count() == 1
    review = Review.objects.get(source=Review.Source.REFRESHER)
    assert outcomes == [f"answered {review.pk}"] * 10
    item.refresh_from_db()
    assert item.reps == 2
