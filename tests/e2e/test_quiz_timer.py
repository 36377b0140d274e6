"""A timed quiz shows a countdown; the server still decides when time is up."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from courses.services import enrolment_create
from learners.models import User
from tests.assessments.builders import build_quiz, single
from tests.courses.builders import build_course

pytestmark = pytest.mark.e2e


def test_timed_quiz_counts_down(
    phone_page: Page, live_server: LiveServer, demo: None, sign_in: Callable[..., None], axe
) -> None:
    course = build_course(modules=1, lessons=1)
    quiz = build_quiz(course, questions=[single()], time_limit_minutes=10)
    enrolment_create(user=User.objects.get(email="learner@example.com"), course=course)
    sign_in(phone_page, "learner@example.com")
    phone_page.goto(f"/quizzes/{quiz.key}/")
    phone_page.get_by_role("button", name="Start the quiz").click()
    timer = phone_page.get_by_role("timer")
    expect(timer).to_have_text(re.compile(r"^\((9|10):\d\d left\)$"))
    first = timer.text_content()
    phone_page.wait_for_timeout(1100)
    assert timer.text_content() != first  # it ticks
    axe(phone_page)
