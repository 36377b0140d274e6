"""A timed quiz shows a countdown; the server still decides when time is up.

The page runs on Playwright's clock (`page.clock`): the test moves time on instead of waiting.
"""

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assessments.models import Attempt
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
    learner = User.objects.get(email="learner@example.com")
    enrolment_create(user=learner, course=course)
    sign_in(phone_page, "learner@example.com")

    # quiz.js shows the deadline the server sets when the quiz starts minus the page's Date.now().
    # The page's clock starts a minute behind the real one, so that the moment the server starts
    # the attempt is still ahead of it, and the test can stop the clock right there.
    phone_page.clock.install(time=timezone.now() - timedelta(minutes=1))
    phone_page.goto(f"/quizzes/{quiz.key}/")
    phone_page.get_by_role("button", name="Start the quiz").click()
    timer = phone_page.get_by_role("timer")
    expect(timer).to_have_text(re.compile(r"^\(\d+:\d\d left\)$"))
    attempt = Attempt.objects.get(quiz=quiz, user=learner)
    assert attempt.deadline == attempt.started_at + timedelta(minutes=10)

    phone_page.clock.pause_at(attempt.started_at)  # time stands still until the test moves it
    expect(timer).to_have_text("(10:00 left)")
    expect(timer).to_have_attribute("aria-live", "off")  # no announcement every second

    phone_page.clock.fast_forward("01:05")
    expect(timer).to_have_text("(8:55 left)")
    expect(timer).to_have_attribute("aria-live", "off")

    phone_page.clock.fast_forward("07:55")  # a minute to go: now screen readers hear it
    expect(timer).to_have_text("(1:00 left)")
    expect(timer).to_have_attribute("aria-live", "polite")

    phone_page.clock.fast_forward("01:00")
    expect(timer).to_have_text("(time's up: submit now)")
    # The page only says so; the server decides whether answers still count.
    expect(phone_page.get_by_role("button", name="Check your answers")).to_be_enabled()

    phone_page.clock.resume()  # axe-core waits on timers, which a paused clock never fires
    axe(phone_page)
