"""A learner with refreshers due opens them from the dashboard on a phone, answers one per
screen, sees the feedback, and ends on the date of the next one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from assessments.quizzes.services import attempts
from assessments.scenarios.services import play
from courses.services import enrolment_create
from learners.models import User
from refreshers.models import ReviewItem
from tests.assessments.builders import build_quiz, single, truefalse
from tests.assessments.scenarios.test_scenarios import build_scenario, reply
from tests.courses.builders import build_course

pytestmark = pytest.mark.e2e

Axe = Callable[..., list[dict[str, Any]]]
LEARNER = "learner@example.com"


@pytest.fixture
def refreshers_due(demo: None) -> User:
    """The demo learner answered a two-question quiz a few days ago (certain, one right, one
    wrong); both questions are due again now."""
    learner = User.objects.get(email=LEARNER)
    course = build_course(slug="calm-refresh", title="Calm under fire", modules=1, lessons=1)
    quiz = build_quiz(course, questions=[single(), truefalse()])
    enrolment_create(user=learner, course=course)
    attempt = attempts.attempt_start(quiz=quiz, user=learner)
    for item in attempt.items.select_related("version").prefetch_related("version__choices"):
        wrong = next(c.pk for c in item.version.choices.all() if c.fraction <= 0)
        attempts.answer_save(attempt=attempt, item=item, answer={"choice": wrong}, confidence=3)
    attempts.attempt_submit(attempt=attempt)  # outside a transaction: items are made at once
    assert ReviewItem.objects.filter(user=learner).count() == 2
    ReviewItem.objects.filter(user=learner).update(due_at=timezone.now() - dt.timedelta(days=1))
    return learner


def test_a_learner_refreshes_from_the_dashboard_and_sees_the_next_date(
    phone_page: Page,
    refreshers_due: User,
    sign_in: Callable[..., None],
    axe: Axe,
    screenshot: Callable[..., object],
    fits_width: Callable[[Page], None],
) -> None:
    page = phone_page
    sign_in(page, LEARNER)
    card = page.locator(".refresher-card")
    expect(card).to_contain_text("Refresher: 2 to review, about 1 minute")
    screenshot(page, "dashboard")
    axe(page)
    fits_width(page)

    card.get_by_role("button", name="Start the refresher").click()
    expect(page.get_by_text("Refresher 1 of 2")).to_be_visible()
    axe(page)
    fits_width(page)
    screenshot(page, "question")

    # Checking without choosing is refused beside the question, nothing lost.
    page.get_by_label("Fairly sure").check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose an answer first.")
    expect(page.get_by_label("Fairly sure")).to_be_checked()

    answers = {"single": "Take a slow breath", "truefalse": "False"}
    for number in (1, 2):
        prompt = page.locator(".prompt").inner_text()
        right = answers["single"] if "shouts" in prompt else answers["truefalse"]
        page.get_by_label(right, exact=True).check()
        page.get_by_label("Certain", exact=True).check()
        page.get_by_role("button", name="Check my answer").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Right")
        axe(page)
        fits_width(page)
        if number == 1:
            screenshot(page, "feedback")
            page.get_by_role("button", name="Next").click()
            expect(page.get_by_text("Refresher 2 of 2")).to_be_visible()
        else:
            page.get_by_role("button", name="Finish").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Done. Nice work!")
    next_date = refreshers_due.review_items.order_by("due_at").first().due_at
    expected = timezone.localtime(next_date).strftime("%A %-d %B")
    expect(page.locator(".refresher-next-date")).to_contain_text(expected)
    axe(page)
    fits_width(page)
    screenshot(page, "done")

    page.goto("/dashboard/")
    expect(page.locator(".refresher-card")).to_contain_text("Next refresher on")


def test_a_manager_sees_how_well_their_people_remember(
    new_page: Callable[[str], Page],
    viewport: str,
    refreshers_due: User,
    sign_in: Callable[..., None],
    axe: Axe,
    screenshot: Callable[..., object],
    fits_width: Callable[[Page], None],
) -> None:
    page = new_page(viewport)
    sign_in(page, "manager@example.com")
    page.goto("/team/")
    section = page.locator("section", has=page.get_by_role("heading", name="Remembering it"))
    expect(section.get_by_role("link", name="Leo Learner")).to_be_visible()
    axe(page)
    fits_width(page)
    section.get_by_role("link", name="Leo Learner").click()
    topic = page.locator("section", has=page.get_by_role("heading", name="Remembering it"))
    expect(topic).to_contain_text("Calm under fire: Module 1")
    axe(page)
    fits_width(page)
    screenshot(page, "person")


def test_a_conversation_moment_comes_back_as_the_customers_line(
    phone_page: Page,
    demo: None,
    sign_in: Callable[..., None],
    axe: Axe,
    screenshot: Callable[..., object],
    fits_width: Callable[[Page], None],
) -> None:
    learner = User.objects.get(email=LEARNER)
    scenario = build_scenario()
    enrolment_create(user=learner, course=scenario.course)
    run = play.run_start(user=learner, scenario=scenario)
    play.run_reply(run=run, reply_id=reply(scenario, "Please calm down.").pk, step=0)
    ReviewItem.objects.filter(user=learner).update(due_at=timezone.now() - dt.timedelta(days=1))

    page = phone_page
    sign_in(page, LEARNER)
    page.goto("/refreshers/now/")
    expect(page.locator(".customer-line")).to_contain_text("second time you've sent me")
    expect(page.get_by_text("FEEDBACK-", exact=False)).to_have_count(0)
    axe(page)
    fits_width(page)
    screenshot(page, "moment")
    page.get_by_label("Please calm down.").check()
    page.get_by_label("Certain", exact=True).check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Not quite")
    expect(page.get_by_text("You were certain, so this one comes back tomorrow.")).to_be_visible()
    expect(page.locator(".refresher-feedback")).to_contain_text("A better reply:")
    axe(page)
    fits_width(page)
    screenshot(page, "moment-feedback")
