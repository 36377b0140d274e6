"""Review items appear from real graded attempts and finished runs, with ratings from
correctness and confidence, and recording the same thing twice changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from assessments.quizzes.services import attempts
from assessments.scenarios.services import play
from refreshers import services
from refreshers.models import Review, ReviewItem
from tests.assessments.quizzes.test_preview import right_answers
from tests.assessments.scenarios.test_scenarios import build_scenario, reply
from tests.refreshers.builders import course_with_quiz, play_scenario, take_quiz

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_a_graded_attempt_creates_one_item_per_answered_question(
    learner, django_capture_on_commit_callbacks
):
    _course, quiz = course_with_quiz()
    assert not ReviewItem.objects.exists()

    attempt = take_quiz(django_capture_on_commit_callbacks, quiz, learner, right=True, confidence=3)

    items = list(ReviewItem.objects.filter(user=learner))
    assert len(items) == 2
    assert {i.course_id for i in items} == {quiz.course_id}
    assert {i.module_key for i in items} == {quiz.module_key}
    assert all(i.reps == 1 and i.last_review_at == attempt.submitted_at for i in items)
    # Certain and right: Good, back in a couple of days.
    assert {r.rating for r in Review.objects.all()} == {Review.Rating.GOOD}
    assert all(i.due_at.date() == dt.date(2026, 12, 3) for i in items)


@pytest.mark.parametrize(
    ("right", "confidence", "rating", "due_in_days"),
    [
        (False, 3, Review.Rating.AGAIN, 1),  # certain but wrong: back tomorrow
        (False, 1, Review.Rating.AGAIN, 1),
        (True, 1, Review.Rating.HARD, 1),
        (True, 2, Review.Rating.HARD, 1),
        (True, 3, Review.Rating.GOOD, 2),
        (True, None, Review.Rating.GOOD, 2),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_rating_comes_from_correctness_and_confidence(
    learner, django_capture_on_commit_callbacks, right, confidence, rating, due_in_days
):
    _course, quiz = course_with_quiz()
    take_quiz(django_capture_on_commit_callbacks, quiz, learner, right=right, confidence=confidence)
    review = Review.objects.select_related("item").first()
    assert review.rating == rating and review.right is right
    assert review.source == Review.Source.QUIZ
    assert review.item.due_at == NOW + dt.timedelta(days=due_in_days)


def test_recording_an_attempt_twice_changes_nothing(learner, django_capture_on_commit_callbacks):
    _course, quiz = course_with_quiz()
    attempt = take_quiz(django_capture_on_commit_callbacks, quiz, learner)
    before = list(ReviewItem.objects.values())

    assert services.items_record_attempt(attempt_id=attempt.pk) == 0

    assert list(ReviewItem.objects.values()) == before
    assert Review.objects.count() == 2


def test_a_second_attempt_rates_the_same_items_again(learner, django_capture_on_commit_callbacks):
    _course, quiz = course_with_quiz()
    with time_machine.travel(NOW, tick=False):
        take_quiz(django_capture_on_commit_callbacks, quiz, learner, right=False)
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        take_quiz(django_capture_on_commit_callbacks, quiz, learner, right=True)
    assert ReviewItem.objects.count() == 2
    assert set(ReviewItem.objects.values_list("reps", flat=True)) == {2}
    assert Review.objects.count() == 4


def test_an_unanswered_question_makes_no_item(learner, django_capture_on_commit_callbacks):
    _course, quiz = course_with_quiz()
    with django_capture_on_commit_callbacks(execute=True):
        attempt = attempts.attempt_start(quiz=quiz, user=learner)
        attempts.attempt_submit(attempt=attempt)
    assert not ReviewItem.objects.exists()


def test_an_attempt_rolled_back_announces_nothing(learner, django_capture_on_commit_callbacks):
    _course, quiz = course_with_quiz()
    attempt = attempts.attempt_start(quiz=quiz, user=learner)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        attempts.attempt_submit(attempt=attempt)
    # One merged announcement per transaction, sent only after commit.
    assert len([c for c in callbacks if "Pending" in type(c).__name__]) == 1
    assert not ReviewItem.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_finished_run_rates_each_decision_point_by_the_reply_chosen(
    learner, django_capture_on_commit_callbacks
):
    # Second-best at the opening (scores 1, the best scores 4), best at the second line.
    scenario, run = play_scenario(
        django_capture_on_commit_callbacks, learner, first="What's your order", second="I can send"
    )
    items = {i.node.name: i for i in ReviewItem.objects.select_related("node")}
    assert set(items) == {"opening", "calmer"}
    ratings = {r.item.node.name: r.rating for r in Review.objects.select_related("item__node")}
    assert ratings == {"opening": Review.Rating.HARD, "calmer": Review.Rating.GOOD}
    assert all(i.kind == ReviewItem.Kind.MOMENT for i in items.values())
    assert all(i.course_id == scenario.course_id for i in items.values())

    assert services.items_record_run(run_id=run.pk) == 0
    assert Review.objects.count() == 2


@time_machine.travel(NOW, tick=False)
def test_a_reply_that_scores_below_zero_comes_back_tomorrow(
    learner, django_capture_on_commit_callbacks
):
    play_scenario(django_capture_on_commit_callbacks, learner, first="Please calm", second="")
    review = Review.objects.select_related("item__node").get()
    assert review.item.node.name == "opening"
    assert review.rating == Review.Rating.AGAIN and not review.right
    assert review.item.due_at == NOW + dt.timedelta(days=1)


def test_an_unfinished_run_makes_no_item(learner, django_capture_on_commit_callbacks):
    scenario = build_scenario()
    with django_capture_on_commit_callbacks(execute=True):
        run = play.run_start(user=learner, scenario=scenario)
        play.run_reply(run=run, reply_id=reply(scenario, "What's your order").pk, step=0)
    assert not ReviewItem.objects.exists()


def test_authors_trying_a_quiz_or_walking_a_conversation_make_no_items(
    client, admin, django_capture_on_commit_callbacks
):
    _course, quiz = course_with_quiz()
    scenario = build_scenario()
    opening = reply(scenario, "Please calm")
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        tried = client.post(reverse("author_quiz_preview", args=[quiz.pk]), right_answers(quiz))
        walked = client.get(
            reverse("author_scenario_preview", args=[scenario.pk]), {"path": str(opening.pk)}
        )
    assert tried.status_code == walked.status_code == 200
    assert not ReviewItem.objects.exists()
    assert not Review.objects.exists()
