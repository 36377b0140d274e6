"""Taking a quiz one question at a time: each step its own page (`?q=N`) that works without
JavaScript, Back and Next saving as they go, Move up / Move down for steps to order, a warning
for a matching answer used twice, and a check step that asks before submitting with questions
unanswered."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from assessments.models import Attempt, AttemptItem
from courses.services import enrolment_create
from tests.assessments.builders import build_quiz, matching, multiple, ordering, single
from tests.assessments.quizzes.test_views import form_for, start, token
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(db):
    return build_course(modules=1, lessons=1)


@pytest.fixture
def enrolled(learner, course):
    enrolment_create(user=learner, course=course)
    return learner


def items(attempt: Attempt) -> list[AttemptItem]:
    return list(attempt.items.select_related("version").order_by("position"))


def step(attempt: Attempt, number: int) -> str:
    return f"{reverse('attempt_take', args=[attempt.pk])}?q={number}"


def test_each_question_is_its_own_step_with_progress(client, enrolled, course):
    quiz = build_quiz(course, questions=[single("A"), single("B"), single("C")])
    client.force_login(enrolled)
    attempt = start(client, quiz)
    first = items(attempt)[0]
    client.post(reverse("answer_save", args=[attempt.pk, 0]), form_for(first))

    html = client.get(step(attempt, 2)).content.decode()
    assert "Question 2 of 3" in html
    assert html.count('name="q1-choice"') == 3  # this question's options...
    assert 'name="q0-choice"' not in html and 'name="q2-choice"' not in html  # ...only
    assert "1 of 3 answered" in html
    dots = re.findall(r'<a class="step-link quiz-dot([^"]*)"[^>]*?(aria-current="step")?>', html)
    assert dots == [(" is-answered", ""), ("", 'aria-current="step"'), ("", "")]
    assert ", answered" in html and ", not answered yet" in html
    # Without a number, a learner coming back lands on the first question not yet answered.
    assert (
        "Question 2 of 3" in client.get(reverse("attempt_take", args=[attempt.pk])).content.decode()
    )


@pytest.mark.parametrize("q", ["0", "4", "x", "²", "9" * 30])
def test_a_question_number_the_quiz_does_not_have_is_404(client, enrolled, course, q):
    quiz = build_quiz(course, questions=[single("A"), single("B"), single("C")])
    client.force_login(enrolled)
    attempt = start(client, quiz)
    assert client.get(reverse("attempt_take", args=[attempt.pk]), {"q": q}).status_code == 404


def test_back_and_next_save_the_answer_and_move(client, enrolled, course):
    quiz = build_quiz(course, questions=[single("A"), single("B"), single("C")])
    client.force_login(enrolled)
    attempt = start(client, quiz)
    a, b, c = items(attempt)
    check = reverse("attempt_check", args=[attempt.pk])

    response = client.post(step(attempt, 1), {**form_for(a), "go": "next"})
    assert response.url == step(attempt, 2)
    a.refresh_from_db()
    assert a.answer is not None

    wrong = next(ch.pk for ch in b.version.choices.all() if ch.fraction == 0)
    response = client.post(step(attempt, 2), {"q1-choice": token(b, wrong), "go": "back"})
    assert response.url == step(attempt, 1)
    b.refresh_from_db()
    assert b.answer == {"choice": wrong}

    # Changing an answer on the way back.
    response = client.post(step(attempt, 2), {**form_for(b), "q1-confidence": "3", "go": "3"})
    assert response.url == step(attempt, 3)
    b.refresh_from_db()
    assert b.answer == {"choice": next(ch.pk for ch in b.version.choices.all() if ch.fraction)}
    assert b.confidence == 3

    # Next on the last question, and Enter in a form (no button), lead to the check step.
    assert client.post(step(attempt, 3), {"go": "next"}).url == check
    assert client.post(step(attempt, 2), {"go": "check"}).url == check
    c.refresh_from_db()
    assert (c.answer, c.saved_at) == (None, None)  # nothing given: nothing stored


def test_a_step_post_that_does_not_fit_is_400_and_saves_nothing(client, enrolled, course):
    quiz = build_quiz(course, questions=[single("A"), ordering()])
    client.force_login(enrolled)
    attempt = start(client, quiz)
    for data in [
        {"q0-choice": "7"},
        {"q0-confidence": "5"},
        {"q1-order": ["1", "1", "2"]},
        {"q1-order": ["1", "2"]},
        {"q1-move": "9:up"},
        {"q1-move": "1:sideways"},
    ]:
        number = 1 if "q0-choice" in data or "q0-confidence" in data else 2
        response = client.post(step(attempt, number), data)
        assert response.status_code == 400, data
    assert [(i.answer, i.confidence) for i in items(attempt)] == [(None, None), (None, None)]


def test_the_check_step_lists_unanswered_questions_and_submitting_needs_a_yes(
    client, enrolled, course
):
    quiz = build_quiz(course, questions=[single("A"), single("B"), single("C")])
    client.force_login(enrolled)
    attempt = start(client, quiz)
    _a, b, _c = items(attempt)
    client.post(reverse("answer_save", args=[attempt.pk, 1]), form_for(b))

    html = client.get(reverse("attempt_check", args=[attempt.pk])).content.decode()
    assert "2 questions have no answer yet" in html
    unanswered = re.search(r'<ul class="unanswered-list">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r'href="[^"]*\?q=(\d+)">Question \d+', unanswered) == ["1", "3"]
    assert "Submit with 2 unanswered" in html

    # A submit without the yes is turned back with the same list, and nothing changes.
    refused = client.post(reverse("attempt_submit", args=[attempt.pk]))
    assert refused.status_code == 400
    assert "Answer them, or tell us you want to submit anyway." in refused.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS

    submitted = client.post(reverse("attempt_submit", args=[attempt.pk]), {"confirm": "1"})
    assert submitted.url == reverse("attempt_review", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED


def test_all_answered_submits_without_asking(client, enrolled, course):
    quiz = build_quiz(course, questions=[single("A")])
    client.force_login(enrolled)
    attempt = start(client, quiz)
    client.post(reverse("answer_save", args=[attempt.pk, 0]), form_for(items(attempt)[0]))
    html = client.get(reverse("attempt_check", args=[attempt.pk])).content.decode()
    assert "You've answered the question." in html and "unanswered" not in html.split("<h1")[1]
    client.post(reverse("attempt_submit", args=[attempt.pk]))
    attempt.refresh_from_db()
    assert attempt.passed is True


def test_when_time_is_up_submitting_needs_no_yes(client, enrolled, course):
    quiz = build_quiz(course, questions=[single("A"), single("B")], time_limit_minutes=5)
    client.force_login(enrolled)
    attempt = start(client, quiz)
    for url in (step(attempt, 1), step(attempt, 2), reverse("attempt_check", args=[attempt.pk])):
        html = client.get(url).content.decode()
        assert 'role="timer"' in html, url  # the countdown is on every step
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        client.post(reverse("attempt_submit", args=[attempt.pk]))
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED


def test_a_step_saved_after_the_time_limit_closes_the_attempt(client, enrolled, course):
    quiz = build_quiz(course, questions=[single("A")], time_limit_minutes=5)
    client.force_login(enrolled)
    attempt = start(client, quiz)
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        response = client.post(step(attempt, 1), {**form_for(items(attempt)[0]), "go": "next"})
    assert response.url == reverse("attempt_review", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED
    assert items(attempt)[0].answer is None


# --- Put in order ------------------------------------------------------------------------------


def test_ordering_starts_shuffled_with_no_numbers_and_moves_without_javascript(
    client, enrolled, course
):
    quiz = build_quiz(course, questions=[ordering()])
    client.force_login(enrolled)
    attempt = start(client, quiz)
    (item,) = items(attempt)
    texts = {c.pk: c.text for c in item.version.choices.all()}
    shown = [texts[i] for i in item.option_order]

    html = client.get(step(attempt, 1)).content.decode()
    assert [t for t in re.findall(r'class="order-text"[^>]*>([^<]*)<', html)] == shown
    assert "<ol" not in html.split('id="quiz-form"')[1].split("</form>")[0]  # no numbered list
    assert "<select" not in html
    assert "Keep this order" in html

    # Move the last item up, with the page's fields still off (nothing ordered yet).
    last = len(shown)
    response = client.post(step(attempt, 1), {"q0-move": f"{last}:up"})
    assert response.status_code == 302
    assert response.url == step(attempt, 1) + f"&moved={last}&dir=up"
    item.refresh_from_db()
    expected = list(item.option_order)
    expected.insert(last - 2, expected.pop(last - 1))
    assert item.answer == {"order": expected}

    page = client.get(response.url).content.decode()
    moved = texts[item.option_order[last - 1]]
    assert f"Moved “{moved}” to position {last - 1} of {last}." in page
    assert re.search(rf'id="q0-up-{last}"[^>]*autofocus', page)  # focus stays on its button
    assert "Keep this order" not in page  # it is an answer now
    assert page.count('name="q0-order"') == last and " disabled>" not in page.split("order-text")[0]

    # Moving the top item up is no move; focus goes to the button that still works.
    top = token(item, expected[0])
    response = client.post(
        step(attempt, 1),
        {"q0-order": [token(item, i) for i in expected], "q0-move": f"{top}:up"},
    )
    page = client.get(response.url).content.decode()
    assert re.search(rf'id="q0-down-{top}"[^>]*autofocus', page)
    item.refresh_from_db()
    assert item.answer == {"order": expected}


def test_keep_this_order_saves_the_order_as_shown(client, enrolled, course):
    quiz = build_quiz(course, questions=[ordering()])
    client.force_login(enrolled)
    attempt = start(client, quiz)
    (item,) = items(attempt)
    response = client.post(step(attempt, 1), {"q0-keep": "1"})
    assert response.url == step(attempt, 1) + "&kept=1"
    item.refresh_from_db()
    assert item.answer == {"order": item.option_order}
    assert "Saved this order." in client.get(response.url).content.decode()


# --- Matching --------------------------------------------------------------------------------


def test_matching_says_when_an_answer_is_used_twice(client, enrolled, course):
    long = matching()
    long = dataclasses.replace(
        long,
        pairs=[
            dataclasses.replace(
                long.pairs[0], answer="Feeling good at the job makes it really worth coming in"
            ),
            *long.pairs[1:],
        ],
    )
    quiz = build_quiz(course, questions=[long])
    client.force_login(enrolled)
    attempt = start(client, quiz)
    (item,) = items(attempt)
    first, second, _third = item.version.pairs.all()
    html = client.get(step(attempt, 1)).content.decode()
    # Every answer in full, as a choice under each prompt (nothing cut off in a drop-down).
    assert html.count("Feeling good at the job makes it really worth coming in") == 3
    assert 'class="field-warning" role="status"></p>' in html

    same = token(item, first.pk)
    client.post(step(attempt, 1), {"q0-match-1": same, "q0-match-2": same})
    item.refresh_from_db()
    assert item.answer == {"pairs": {str(first.pk): first.pk, str(second.pk): first.pk}}  # kept
    html = client.get(step(attempt, 1)).content.decode()
    warnings = re.findall(r'class="field-warning" role="status">([^<]*)<', html)
    assert warnings == [
        f"Same answer as for “{second.prompt}” — each answer fits just one.",
        f"Same answer as for “{first.prompt}” — each answer fits just one.",
        "",
    ]


# --- The instruction, once ---------------------------------------------------------------------


def test_choose_all_that_apply_is_said_once(client, enrolled, course):
    plain = multiple("Plain")
    said = dataclasses.replace(
        multiple("Said"), prompt="Which of these acknowledge a feeling? Choose all that apply."
    )
    quiz = build_quiz(course, questions=[plain, said])
    client.force_login(enrolled)
    attempt = start(client, quiz)
    for number in (1, 2):
        html = client.get(step(attempt, number)).content.decode()
        assert html.lower().count("all that apply") == 1, number


# --- After a fail -----------------------------------------------------------------------------


def _fail(client, attempt):
    client.post(reverse("attempt_submit", args=[attempt.pk]), {"confirm": "1"})


def test_the_way_to_try_again_sits_next_to_the_result(client, enrolled, course):
    quiz = build_quiz(course, questions=[single("A")])
    client.force_login(enrolled)
    attempt = start(client, quiz)
    _fail(client, attempt)
    html = client.get(reverse("attempt_review", args=[attempt.pk])).content.decode()
    top = html.split('id="answers-title"')[0]
    assert top.index("Not quite yet") < top.index(">Try again</button>")
    assert reverse("quiz_start", args=[quiz.key]) in top
    assert html.count(">Try again</button>") == 2  # and again after the long review
    assert "You didn't answer this one." in html.replace("&#x27;", "'")


def test_why_not_yet_sits_next_to_the_result(client, enrolled, course):
    quiz = build_quiz(course, questions=[single("A")], max_attempts=1)
    client.force_login(enrolled)
    attempt = start(client, quiz)
    _fail(client, attempt)
    top = (
        client.get(reverse("attempt_review", args=[attempt.pk]))
        .content.decode()
        .split('id="answers-title"')[0]
    )
    assert "used your one attempt." in top
    assert "Try again" not in top

    cooled = build_quiz(course, questions=[single("B")], cooldown_minutes=30)
    attempt = start(client, cooled)
    _fail(client, attempt)
    top = (
        client.get(reverse("attempt_review", args=[attempt.pk]))
        .content.decode()
        .split('id="answers-title"')[0]
    )
    assert "You can try again after a short break. Back from" in top


def test_a_manager_reading_a_fail_sees_no_retry(client, enrolled, course, manager):
    quiz = build_quiz(course, questions=[single("A")])
    client.force_login(enrolled)
    attempt = start(client, quiz)
    _fail(client, attempt)
    client.force_login(manager)
    html = client.get(reverse("attempt_review", args=[attempt.pk])).content.decode()
    assert "Try again" not in html
