"""Property test: whatever is posted to the refresher answer endpoint, the answer is a page or
a 4xx, never a 500, and a refused post changes nothing (the item's schedule, its reviews)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.quizzes.services import attempts
from refreshers.models import Review, ReviewItem
from tests.assessments.builders import build_quiz
from tests.assessments.quizzes.test_attempts import right_answer
from tests.courses.builders import build_course
from tests.refreshers.builders import enrol, play_scenario
from tests.test_learner_post_fuzz import FUZZ, form

pytestmark = pytest.mark.django_db

DAY0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
LATER = DAY0 + dt.timedelta(days=30)

NAMES = ["reps", "q0-choice", "q0-choices", "q0-text", "q0-confidence", "q0-reply"]
NAMES += [f"q0-place-{n}" for n in range(0, 5)] + [f"q0-match-{n}" for n in range(0, 5)]


def _state() -> list[tuple]:
    return [
        *ReviewItem.objects.order_by("pk").values_list("pk", "reps", "due_at", "stability"),
        *Review.objects.order_by("pk").values_list("pk", "item_id", "rating"),
    ]


@pytest.fixture
def items(learner, django_capture_on_commit_callbacks):
    """Leo has one item of every question kind and a conversation moment, all due."""
    course = build_course(modules=1, lessons=1)
    quiz = build_quiz(course)  # every kind of question
    enrol(learner, course)
    with time_machine.travel(DAY0, tick=False), django_capture_on_commit_callbacks(execute=True):
        attempt = attempts.attempt_start(quiz=quiz, user=learner)
        for item in attempt.items.select_related("version"):
            attempts.answer_save(
                attempt=attempt, item=item, answer=right_answer(item), confidence=1
            )
        attempts.attempt_submit(attempt=attempt)
    with time_machine.travel(DAY0, tick=False):
        scenario, _run = play_scenario(
            django_capture_on_commit_callbacks, learner, first="Please calm", second=""
        )
    enrol(learner, scenario.course)
    found = list(ReviewItem.objects.filter(user=learner))
    assert {i.kind for i in found} == {"question", "moment"} and len(found) == 7
    return found


@time_machine.travel(LATER, tick=False)
def test_posting_anything_never_fails_and_refusals_change_nothing(learner, items):
    client = Client()
    client.force_login(learner)
    snapshot = {
        i.pk: {
            f: getattr(i, f)
            for f in (
                "state",
                "step",
                "stability",
                "difficulty",
                "due_at",
                "last_review_at",
                "reps",
                "lapses",
            )
        }
        for i in items
    }

    @settings(parent=FUZZ, max_examples=150)
    @given(item=st.sampled_from(items), data=form(NAMES), right_reps=st.booleans())
    def answer(item, data, right_reps):
        if right_reps:
            data["reps"] = [str(snapshot[item.pk]["reps"])]
        before = _state()
        response = client.post(reverse("refresher_answer", args=[item.pk]), data)
        assert response.status_code < 500, response.content[:300]
        if response.status_code >= 400:
            assert _state() == before
        else:
            # Accepted: put the item back as it was, so later examples meet it due again.
            Review.objects.filter(source=Review.Source.REFRESHER).delete()
            ReviewItem.objects.filter(pk=item.pk).update(**snapshot[item.pk])

    answer()


@pytest.mark.parametrize("value", ["²", "٣", "9" * 5000, "-1", "1.5"])
@pytest.mark.parametrize(
    ("kind", "field"),
    [("single", "q0-confidence"), ("single", "q0-choice"), ("moment", "q0-reply")],
)
@time_machine.travel(LATER, tick=False)
def test_numbers_no_page_could_send_are_refused_beside_the_question(
    learner, items, kind, field, value
):
    item = next(
        i
        for i in items
        if (i.node_id and kind == "moment") or (i.question_id and i.question.current.kind == kind)
    )
    client = Client()
    client.force_login(learner)
    before = _state()
    data = {"reps": str(item.reps), "q0-choice": "1", "q0-reply": "1", field: value}
    response = client.post(reverse("refresher_answer", args=[item.pk]), data)
    assert response.status_code == 400
    assert "Choose again." in response.content.decode()
    assert _state() == before
