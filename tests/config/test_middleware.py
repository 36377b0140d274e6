"""A NUL character anywhere in a query or form answers 400, never a 500 from the database."""

import pytest
from django.urls import reverse

from assessments.models import Attempt, AttemptItem
from courses.services import enrolment_create
from tests.assessments.builders import build_quiz, short
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db


def test_a_short_answer_with_nul_is_refused_and_saves_nothing(client, learner):
    course = build_course(modules=1, lessons=1)
    quiz = build_quiz(course, questions=[short()])
    enrolment_create(user=learner, course=course)
    client.force_login(learner)
    client.post(reverse("quiz_start", args=[quiz.key]))
    attempt = Attempt.objects.get()
    save = client.post(reverse("answer_save", args=[attempt.pk, 0]), {"q0-text": "a\x00b"})
    assert save.status_code == 400
    assert AttemptItem.objects.get(attempt=attempt).answer is None
    submit = client.post(reverse("attempt_submit", args=[attempt.pk]), {"q0-text": "\x00"})
    assert submit.status_code == 400
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("method", "data"),
    [("get", {"q": "le\x00o"}), ("get", {"te\x00am": "1"}), ("post", {"q": ["ok", "\x00"]})],
)
def test_nul_anywhere_is_a_400(client, manager, method, data):
    client.force_login(manager)
    response = getattr(client, method)(reverse("people"), data)
    assert response.status_code == 400
    assert "Something was wrong with that request" in response.content.decode()


def test_ordinary_input_passes(client, manager):
    client.force_login(manager)
    assert client.get(reverse("people"), {"q": "Léo ü 王"}).status_code == 200
