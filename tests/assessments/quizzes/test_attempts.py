import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from assessments.models import Attempt, AttemptItem, Question
from assessments.questions import services
from assessments.quizzes import grading
from assessments.quizzes.services import attempts
from assessments.tasks import close_overdue_attempts
from courses.models import Enrolment
from courses.services import enrolment_create
from progress import services as progress
from tests.assessments.builders import build_quiz, single
from tests.conftest import require_postgres
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db


def right_answer(item: AttemptItem):
    version = item.version
    if version.kind in {"single", "truefalse"}:
        return {"choice": next(c.pk for c in version.choices.all() if c.fraction == 1)}
    if version.kind == "multiple":
        return {"choices": [c.pk for c in version.choices.all() if c.fraction > 0]}
    if version.kind == "short":
        return {"text": version.accepted.order_by("-fraction").first().text.upper()}
    if version.kind == "ordering":
        return {"order": [c.pk for c in version.choices.order_by("position")]}
    return {"pairs": {str(p.pk): p.pk for p in version.pairs.all()}}


@pytest.fixture
def course(db):
    return build_course(modules=1, lessons=1)


def test_start_draws_every_question_and_hides_the_order_of_steps(course, learner):
    quiz = build_quiz(course)
    attempt = attempts.attempt_start(quiz=quiz, user=learner, seed=1)
    items = list(attempt.items.select_related("version"))
    assert [i.version.kind for i in items] == [
        "single",
        "multiple",
        "truefalse",
        "short",
        "ordering",
        "matching",
    ]
    assert attempt.max_score == Decimal("7")
    ordering = next(i for i in items if i.version.kind == "ordering")
    correct = [c.pk for c in ordering.version.choices.order_by("position")]
    assert sorted(ordering.option_order) == sorted(correct)
    assert ordering.option_order != correct


def test_starting_twice_returns_the_open_attempt(course, learner):
    quiz = build_quiz(course)
    first = attempts.attempt_start(quiz=quiz, user=learner)
    assert attempts.attempt_start(quiz=quiz, user=learner) == first
    assert Attempt.objects.count() == 1


def test_random_draw_from_a_bank(course, learner):
    from assessments.models import QuizSlot

    quiz = build_quiz(course, questions=[single("fixed")])
    bank = services.bank_path_get_or_create(path=["Pool"])
    for n in range(10):
        services.question_create(bank=bank, data=single(f"pool {n}"))
    QuizSlot.objects.create(quiz=quiz, position=1, bank=bank, draw_count=4)
    attempt = attempts.attempt_start(quiz=quiz, user=learner)
    titles = [i.version.title for i in attempt.items.select_related("version")]
    assert len(titles) == 5 and len(set(titles)) == 5
    assert "fixed" in titles


def test_all_right_passes_and_completes_the_course(
    course, learner, django_capture_on_commit_callbacks
):
    quiz = build_quiz(course)
    enrolment = enrolment_create(user=learner, course=course)
    lesson_key = course.published_version.lessons.get().key
    progress.lesson_complete(enrolment=enrolment, lesson_key=lesson_key)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None  # the quiz is still to pass
    attempt = attempts.attempt_start(quiz=quiz, user=learner)
    for item in attempt.items.select_related("version"):
        attempts.answer_save(attempt=attempt, item=item, answer=right_answer(item), confidence=3)
    with django_capture_on_commit_callbacks(execute=True):
        attempt, graded = attempts.attempt_submit(attempt=attempt)
    assert graded is True
    assert (attempt.score, attempt.percent, attempt.passed) == (Decimal("7"), Decimal("100"), True)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None


def test_nothing_answered_scores_zero(course, learner):
    quiz = build_quiz(course)
    attempt, _ = attempts.attempt_submit(attempt=attempts.attempt_start(quiz=quiz, user=learner))
    assert (attempt.score, attempt.passed) == (Decimal("0"), False)


def test_answers_from_another_question_are_refused(course, learner):
    quiz = build_quiz(course)
    attempt = attempts.attempt_start(quiz=quiz, user=learner)
    first, second = list(attempt.items.select_related("version"))[:2]
    other_choice = second.version.choices.first().pk
    with pytest.raises(grading.InvalidAnswer):
        attempts.answer_save(
            attempt=attempt, item=first, answer={"choice": other_choice}, confidence=None
        )
    first.refresh_from_db()
    assert first.answer is None


def test_item_of_another_attempt_is_refused(course, learner, other_learner):
    quiz = build_quiz(course)
    mine = attempts.attempt_start(quiz=quiz, user=learner)
    theirs = attempts.attempt_start(quiz=quiz, user=other_learner)
    their_item = theirs.items.select_related("version").first()
    with pytest.raises(grading.InvalidAnswer):
        attempts.answer_save(
            attempt=mine, item=their_item, answer=right_answer(their_item), confidence=None
        )


def test_bad_confidence_is_refused(course, learner):
    quiz = build_quiz(course)
    attempt = attempts.attempt_start(quiz=quiz, user=learner)
    item = attempt.items.select_related("version").first()
    with pytest.raises(ValidationError):
        attempts.answer_save(attempt=attempt, item=item, answer=None, confidence=7)


def test_submitted_attempt_takes_no_more_answers(course, learner):
    quiz = build_quiz(course)
    attempt = attempts.attempt_start(quiz=quiz, user=learner)
    attempts.attempt_submit(attempt=attempt)
    item = attempt.items.select_related("version").first()
    with pytest.raises(attempts.AttemptClosed):
        attempts.answer_save(attempt=attempt, item=item, answer=right_answer(item), confidence=None)


def test_time_limit_is_enforced_on_the_server(course, learner):
    quiz = build_quiz(course, time_limit_minutes=10)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        attempt = attempts.attempt_start(quiz=quiz, user=learner)
    first, second = list(attempt.items.select_related("version"))[:2]
    with time_machine.travel(start + timedelta(minutes=10, seconds=20), tick=False):
        attempts.answer_save(
            attempt=attempt, item=first, answer=right_answer(first), confidence=None
        )
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        with pytest.raises(attempts.AttemptClosed):
            attempts.answer_save(
                attempt=attempt, item=second, answer=right_answer(second), confidence=None
            )
        assert close_overdue_attempts() == 1
        assert close_overdue_attempts() == 0  # safe to run twice
    attempt.refresh_from_db()
    assert attempt.status == "expired"
    assert attempt.score == Decimal("1")  # the answer given in time counts


def test_attempt_limit_and_cooldown(course, learner):
    quiz = build_quiz(course, max_attempts=2, cooldown_minutes=30)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        attempts.attempt_submit(attempt=attempts.attempt_start(quiz=quiz, user=learner))
        with pytest.raises(ValidationError, match="short break"):
            attempts.attempt_start(quiz=quiz, user=learner)
    with time_machine.travel(now + timedelta(minutes=31), tick=False):
        attempts.attempt_submit(attempt=attempts.attempt_start(quiz=quiz, user=learner))
    with (
        time_machine.travel(now + timedelta(days=1), tick=False),
        pytest.raises(ValidationError, match="all 2 attempts"),
    ):
        attempts.attempt_start(quiz=quiz, user=learner)


def test_editing_an_answered_question_keeps_old_attempts_on_their_version(course, learner):
    quiz = build_quiz(course, questions=[single()])
    attempt = attempts.attempt_start(quiz=quiz, user=learner)
    item = attempt.items.select_related("version").get()
    attempts.answer_save(attempt=attempt, item=item, answer=right_answer(item), confidence=None)
    attempts.attempt_submit(attempt=attempt)
    question = Question.objects.get()
    changed = single()
    changed.prompt = "A customer is shouting at you. First move?"
    new_version = services.question_update(question=question, data=changed)
    assert new_version.number == 2
    item.refresh_from_db()
    assert item.version.number == 1
    assert "shouts" in item.version.prompt_markdown
    # An unanswered version is edited in place instead.
    again = services.question_update(question=question, data=single())
    assert again.number == 2


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_submits_grade_exactly_once():
    require_postgres()
    from tests.factories import UserFactory

    course = build_course(modules=1, lessons=1)
    quiz = build_quiz(course)
    learner = UserFactory()
    Enrolment.objects.create(user=learner, course=course)
    attempt = attempts.attempt_start(quiz=quiz, user=learner)
    item = attempt.items.select_related("version").first()
    attempts.answer_save(attempt=attempt, item=item, answer=right_answer(item), confidence=None)
    results: list[bool] = []
    barrier = threading.Barrier(20)

    def submit() -> None:
        barrier.wait()
        try:
            _attempt, graded = attempts.attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk))
            results.append(graded)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 19 + [True]
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.score == Decimal("1")


def test_partial_credits_are_added_before_rounding(course, learner):
    """Six questions two-thirds right: each shows 0.67 points, the attempt 4 points, not 4.02,
    and its percent is that score's share, as every page and export shows it."""
    from tests.assessments.builders import matching

    quiz = build_quiz(course, questions=[matching(f"Match {n}") for n in range(6)])
    attempt = attempts.attempt_start(quiz=quiz, user=learner, seed=3)
    for item in attempt.items.select_related("version"):
        pairs = [p.pk for p in item.version.pairs.all()]
        two_of_three = {str(pairs[0]): pairs[0], str(pairs[1]): pairs[1], str(pairs[2]): pairs[0]}
        attempts.answer_save(
            attempt=attempt, item=item, answer={"pairs": two_of_three}, confidence=None
        )
    graded, _now = attempts.attempt_submit(attempt=attempt)
    assert set(graded.items.values_list("score", flat=True)) == {Decimal("0.67")}
    assert graded.score == Decimal("4.00")
    assert graded.max_score == Decimal("6")
    assert graded.percent == Decimal("66")  # 4 of 6 is 66.7 %; shown whole, never rounded up
