"""Property tests: whatever a learner's browser (or anything pretending to be one) posts to a
learner-facing form, the answer is a page or a 4xx, never a 500, and a refused post changes
nothing that was saved.

Field names are drawn from the names the real pages use (so the values reach the parsing code)
mixed with names no page uses; values from everything text can hold: other scripts' digits,
thousands of digits, NUL and other control characters, markup.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import Attempt, AttemptItem, ScenarioRun
from courses.services import enrolment_create
from progress.models import LessonProgress
from tests.assessments.builders import build_quiz
from tests.assessments.scenarios.test_scenarios import build_scenario
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values chosen to reach every branch of number and text parsing.
nasty_values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1",
            "2",
            "3",
            "99",
            "²",
            "٣",
            "1e3",
            "1.5",
            " 1",
            "1\x00",
            "\x00",
            "9" * 19,
            "9" * 5000,
            "-" + "9" * 30,
            "<script>alert(1)</script>",
            "x" * 20_000,
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def form(names: list[str]):
    """A form body: some of the page's own field names (repeated or not) and some stray ones."""
    name = st.one_of(st.sampled_from(names), st.text(min_size=1, max_size=12))
    return st.lists(st.tuples(name, nasty_values), max_size=12).map(_as_post_data)


def _as_post_data(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for key, value in pairs:
        data.setdefault(key, []).append(value)
    return data


def _stored_answers(attempt: Attempt) -> list[tuple[int, object, object]]:
    return list(
        AttemptItem.objects.filter(attempt=attempt)
        .order_by("position")
        .values_list("position", "answer", "confidence")
    )


def _quiz_field_names(attempt: Attempt) -> list[str]:
    names = ["step", "seconds", "go", "confirm"]
    for item in attempt.items.all():
        p = f"q{item.position}"
        names += [f"{p}-choice", f"{p}-choices", f"{p}-text", f"{p}-confidence"]
        names += [f"{p}-order", f"{p}-move", f"{p}-keep"]
        names += [f"{p}-match-{n}" for n in range(0, 8)]
    return names


@pytest.fixture
def quiz_setup(learner):
    course = build_course(modules=1, lessons=1)
    quiz = build_quiz(course, max_attempts=0)
    enrolment_create(user=learner, course=course)
    client = Client()
    client.force_login(learner)
    response = client.post(reverse("quiz_start", args=[quiz.key]))
    assert response.status_code == 302
    return client, quiz, Attempt.objects.get(user=learner, quiz=quiz)


def test_answer_autosave_never_fails_and_refusals_change_nothing(quiz_setup):
    client, _quiz, attempt = quiz_setup
    names = _quiz_field_names(attempt)
    positions = sorted(attempt.items.values_list("position", flat=True))

    @FUZZ
    @given(position=st.sampled_from(positions), data=form(names))
    def autosave(position, data):
        before = _stored_answers(attempt)
        url = reverse("answer_save", args=[attempt.pk, position])
        response = client.post(url, data, HTTP_HX_REQUEST="true")
        assert response.status_code < 500, response.content[:300]
        if response.status_code >= 400:
            assert _stored_answers(attempt) == before

    autosave()


def test_a_quiz_step_never_fails_and_refusals_change_nothing(quiz_setup):
    client, _quiz, attempt = quiz_setup
    names = _quiz_field_names(attempt)
    numbers = [p + 1 for p in sorted(attempt.items.values_list("position", flat=True))]
    moves = st.tuples(st.sampled_from(["q4-move"]), st.sampled_from(["1:up", "3:down", "2:up"]))

    @FUZZ
    @given(number=st.sampled_from(numbers), data=form(names), move=st.none() | moves)
    def save_step(number, data, move):
        if move is not None:
            data[move[0]] = [move[1]]
        before = _stored_answers(attempt)
        url = reverse("attempt_take", args=[attempt.pk]) + f"?q={number}"
        response = client.post(url, data)
        assert response.status_code < 500, response.content[:300]
        if response.status_code >= 400:
            assert _stored_answers(attempt) == before
        else:
            assert response.status_code == 302

    save_step()


def test_submit_never_fails_and_a_refused_submit_keeps_the_attempt_open(quiz_setup, learner):
    client, quiz, first = quiz_setup
    names = _quiz_field_names(first)
    tried = {"refused": 0, "graded": 0}

    @FUZZ
    @given(data=form(names), confirm=st.booleans())
    def submit(data, confirm):
        # With questions unanswered, only a post with the check step's yes is graded.
        if confirm:
            data.setdefault("confirm", ["1"])
        attempt = Attempt.objects.filter(user=learner, quiz=quiz, status="in_progress").first()
        if attempt is None:
            client.post(reverse("quiz_start", args=[quiz.key]))
            attempt = Attempt.objects.get(user=learner, quiz=quiz, status="in_progress")
        before = _stored_answers(attempt)
        response = client.post(reverse("attempt_submit", args=[attempt.pk]), data)
        assert response.status_code < 500, response.content[:300]
        attempt.refresh_from_db()
        if response.status_code >= 400:
            tried["refused"] += 1
            assert attempt.status == Attempt.Status.IN_PROGRESS
            assert _stored_answers(attempt) == before
        else:
            tried["graded"] += 1
            assert attempt.status == Attempt.Status.SUBMITTED
            assert attempt.score is not None and 0 <= attempt.score <= attempt.max_score

    submit()
    # Both outcomes were exercised, so neither branch's assertions are vacuous.
    assert tried["refused"] and tried["graded"], tried


def test_self_rating_never_fails(quiz_setup):
    client, quiz, _attempt = quiz_setup

    @FUZZ
    @given(moment=st.sampled_from(["before", "after", "during", "x"]), data=form(["rating"]))
    def rate(moment, data):
        url = reverse("self_rating_save", args=[quiz.key, moment])
        assert client.post(url, data).status_code < 500

    rate()


def test_practice_conversation_replies_never_fail_and_refusals_do_not_move_the_run(learner):
    scenario = build_scenario()
    enrolment_create(user=learner, course=scenario.course)
    client = Client()
    client.force_login(learner)
    client.post(reverse("scenario_start", args=[scenario.slug]))
    run = ScenarioRun.objects.get(user=learner, scenario=scenario)
    reply_ids = [str(pk) for pk in scenario.nodes.values_list("replies__pk", flat=True) if pk]

    @FUZZ
    @given(
        data=st.one_of(
            form(["reply", "step"]),
            st.fixed_dictionaries({"reply": st.sampled_from(reply_ids), "step": nasty_values}).map(
                lambda d: {k: [v] for k, v in d.items()}
            ),
        ),
        htmx=st.booleans(),
    )
    def reply(data, htmx):
        run.refresh_from_db()
        before = (run.current_id, list(run.path), run.finished_at)
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        url = reverse("scenario_reply", args=[scenario.slug, run.pk])
        response = client.post(url, data, **headers)
        assert response.status_code < 500, response.content[:300]
        if response.status_code >= 400:
            run.refresh_from_db()
            assert (run.current_id, list(run.path), run.finished_at) == before

    reply()


def test_lesson_posts_never_fail(learner):
    course = build_course(modules=1, lessons=2)
    enrolment_create(user=learner, course=course)
    lesson = course.published_version.modules.get().lessons.order_by("position").first()
    client = Client()
    client.force_login(learner)

    @FUZZ
    @given(
        which=st.sampled_from(["lesson_time", "lesson_complete", "course_enrol"]),
        data=form(["seconds", "next", "skip"]),
    )
    def post(which, data):
        args = [course.slug] if which == "course_enrol" else [course.slug, lesson.key]
        response = client.post(reverse(which, args=args), data)
        assert response.status_code < 500, response.content[:300]

    post()
    progress = LessonProgress.objects.get(enrolment__user=learner, lesson_key=lesson.key)
    # Time on a lesson is bounded whatever the browser claims.
    assert 0 <= progress.seconds_spent < 24 * 60 * 60
