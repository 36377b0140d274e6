"""An author's "Preview and try it": answers are marked like a real attempt's, and nothing is
kept that any result, count or report could read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Attempt, AttemptItem, Quiz, SelfRating
from assessments.quizzes.services import attempts
from assessments.quizzes.services import editing as quiz_editing
from courses.models import Enrolment
from courses.services import enrolment_create
from progress import services as progress_services
from progress.models import Certificate
from tests.assessments.builders import (
    build_quiz,
    matching,
    multiple,
    ordering,
    short,
    single,
    truefalse,
)
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(db):
    return build_course(modules=1, lessons=1)


def version_ids(quiz: Quiz) -> list[int]:
    return [slot.question.current_id for slot in quiz.slots.select_related("question")]


def right_answers(quiz: Quiz) -> dict[str, object]:
    """Every question of build_quiz's default set answered right, as the preview form posts it
    (options by their place in the question; preview-N for question N)."""
    return {
        "version": version_ids(quiz),
        "preview-1-choice": "0",  # single: "Take a slow breath"
        "preview-2-choices": ["0", "1"],  # multiple: the two that acknowledge a feeling
        "preview-3-choice": "1",  # true/false: "False"
        "preview-4-text": "Fight or flight",
        "preview-5-rank-0": "1",
        "preview-5-rank-1": "2",
        "preview-5-rank-2": "3",
        "preview-6-match-0": "0",
        "preview-6-match-1": "1",
        "preview-6-match-2": "2",
    }


def finished_but_the_quiz(admin, course) -> Enrolment:
    """The admin enrolled and read every lesson: only the quiz stands between them and the
    certificate, so a try that counted would finish the course."""
    enrolment = enrolment_create(user=admin, course=course)
    for lesson_key in course.published_version.modules.first().lessons.values_list(
        "key", flat=True
    ):
        progress_services.lesson_complete(enrolment=enrolment, lesson_key=lesson_key)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None
    return enrolment


def test_a_try_marks_every_kind_like_a_real_attempt_and_stores_nothing(client, admin, course):
    quiz = build_quiz(
        course, questions=[single(), multiple(), truefalse(), short(), ordering(), matching()]
    )
    quiz.max_attempts = 1
    quiz.save()
    enrolment = finished_but_the_quiz(admin, course)
    client.force_login(admin)
    url = reverse("author_quiz_preview", args=[quiz.pk])

    response = client.post(url, right_answers(quiz))

    assert response.status_code == 200
    page = response.content.decode()
    assert "You'd pass: 100% (the pass mark is 70%)." in page
    assert page.count("<strong>Right</strong>") == 6
    assert "Yes: your calm is contagious." in page  # the picked option's feedback
    assert 'value="0" checked' in page and 'value="Fight or flight"' in page  # answers kept
    # Nothing any result reads was written: no attempt, no item, no completion, no certificate,
    # and the one attempt allowed is still there to take.
    assert not Attempt.objects.exists()
    assert not AttemptItem.objects.exists()
    assert not SelfRating.objects.exists()
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None
    assert not Certificate.objects.exists()
    assert attempts.start_refusal(quiz=quiz, user=admin) is None
    detail = client.get(reverse("quiz_detail", args=[quiz.key])).content.decode()
    assert "Start the quiz" in detail and "Try again" not in detail


def test_a_wrong_or_partial_try_says_so_per_question(client, admin, course):
    quiz = build_quiz(course, questions=[single(), multiple(), ordering()])
    client.force_login(admin)
    response = client.post(
        reverse("author_quiz_preview", args=[quiz.pk]),
        {
            "version": version_ids(quiz),
            "preview-1-choice": "1",  # "Shout back"
            "preview-2-choices": ["0"],  # one of the two right ones: half the points
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Not right</strong>: points 0 of 1" in page
    assert "That doubles the heat." in page
    assert "<strong>Partly right</strong>: points 1 of 2" in page
    assert "<strong>Not answered</strong>" in page
    assert "You wouldn't pass yet: 25% (the pass mark is 70%)." in page
    assert not Attempt.objects.exists()


def test_a_try_of_questions_the_quiz_no_longer_has_is_refused_with_the_quiz_as_it_is(
    client, admin, course
):
    quiz = build_quiz(course, questions=[single(), truefalse()])
    answers = {"version": version_ids(quiz), "preview-1-choice": "0"}
    first = quiz.slots.order_by("position").first()
    quiz.is_published = False
    quiz.save()
    quiz_editing.slot_remove(slot=first)
    client.force_login(admin)
    url = reverse("author_quiz_preview", args=[quiz.pk])

    response = client.post(url, answers)

    assert response.status_code == 400
    page = response.content.decode()
    assert "The quiz changed since you opened this preview" in page
    assert "Saying sorry means admitting" in page and "Question 2" not in page
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"version": "x"}).status_code == 400


@pytest.mark.parametrize("value", ["7", "-1", "x"])
def test_an_answer_that_names_no_option_is_refused_next_to_its_question(
    client, admin, course, value
):
    quiz = build_quiz(course, questions=[single(), truefalse()])
    client.force_login(admin)
    response = client.post(
        reverse("author_quiz_preview", args=[quiz.pk]),
        {"version": version_ids(quiz), "preview-1-choice": "0", "preview-2-choice": value},
    )
    assert response.status_code == 400
    assert "An answer to question 2 isn&#x27;t one of its options." in response.content.decode()
    assert not Attempt.objects.exists()


def test_a_random_draw_is_marked_on_the_question_that_was_shown(client, admin, course):
    quiz = build_quiz(course, questions=[single()])
    bank = quiz.slots.first().question.bank
    quiz.is_published = False
    quiz.save()
    quiz_editing.slot_remove(slot=quiz.slots.first())
    quiz_editing.slot_add_draw(quiz=quiz, bank=bank, count=1)
    client.force_login(admin)
    url = reverse("author_quiz_preview", args=[quiz.pk])
    shown = client.get(url).content.decode()
    assert "Drawn at random" in shown
    version = bank.questions.first().current_id
    assert f'name="version" value="{version}"' in shown

    response = client.post(url, {"version": [version], "preview-1-choice": "0"})

    assert "You'd pass: 100%" in response.content.decode()
    assert not Attempt.objects.exists()


def test_only_authors_may_try(client, learner, course):
    quiz = build_quiz(course, questions=[single()])
    enrolment_create(user=learner, course=course)
    client.force_login(learner)
    response = client.post(
        reverse("author_quiz_preview", args=[quiz.pk]),
        {"version": version_ids(quiz), "preview-1-choice": "0"},
    )
    assert response.status_code == 404
    assert not Attempt.objects.exists()


@pytest.mark.parametrize("size", [1, 6])
def test_preview_and_a_try_cost_the_same_queries_whatever_the_length(
    client, admin, course, django_assert_num_queries, size
):
    kinds = [single, multiple, truefalse, short, ordering, matching]
    quiz = build_quiz(course, questions=[kinds[n % 6](title=f"Q{n}") for n in range(size)])
    client.force_login(admin)
    url = reverse("author_quiz_preview", args=[quiz.pk])
    # session, user, quiz with course, draft version, modules, slots, versions, their
    # choices, pairs and accepted answers
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200
    # plus the versions the quiz shows now
    with django_assert_num_queries(11):
        assert client.post(url, {"version": version_ids(quiz)}).status_code == 200
