"""A training admin, with the shipped curriculum loaded, edits a practice conversation on its
branch map (a line and its replies in one form, by keyboard, swapped in place), adds several
questions to a quiz in one go, and tries a quiz in its preview without it counting anywhere.
Each page passes axe and fits a phone."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assessments.models import Attempt, Question, Quiz, Scenario, ScenarioNode

pytestmark = pytest.mark.e2e

Axe = Callable[..., list[dict[str, Any]]]

ADMIN = "admin@example.com"


@pytest.fixture
def content(demo: None) -> None:
    for command in ("load_curriculum", "load_quizzes", "load_scenarios"):
        call_command(command, stdout=io.StringIO())


def test_a_line_and_its_replies_are_edited_on_the_branch_map(
    page: Page,
    viewport: str,
    content: None,
    live_server: LiveServer,
    sign_in: Callable[..., None],
    axe: Axe,
    fits_width: Callable[[Page], None],
    screenshot: Callable[..., Any],
) -> None:
    scenario = Scenario.objects.get(slug="wrong-order")
    start = scenario.start
    assert start is not None
    first_reply = start.replies.first()
    assert first_reply is not None and first_reply.next_node is not None
    target = first_reply.next_node
    sign_in(page, ADMIN)
    page.goto(f"/author/scenarios/{scenario.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(scenario.title)
    expect(page.locator(f"#box-{start.name}")).to_contain_text("Start")
    screenshot(page, "map")
    axe(page)
    if viewport == "phone":
        fits_width(page)

    # By keyboard: follow a reply to the box it leads to, and open that line.
    link = page.locator(f"#box-{target.name} .branch-box-title a")
    link.focus()
    with page.expect_response(re.compile(rf"/author/scenarios/lines/{target.pk}/$")):
        page.keyboard.press("Enter")
    heading = page.locator("#line-editor-title")
    expect(heading).to_contain_text(f"Line “{target.name}”")
    expect(heading).to_be_focused()
    expect(page).to_have_url(f"{live_server.url}/author/scenarios/{scenario.pk}/?line={target.pk}")
    expect(page.locator(f"#box-{target.name}")).to_have_class(re.compile("is-selected"))

    # A mistake comes back next to its field, with everything typed still there.
    page.locator("#id_line-line").fill("")
    better = "Sorry, that's on us. Let me fix it now."
    page.locator("#id_reply-0-text").fill(better)
    page.get_by_role("button", name="Save line and replies").click()
    error = page.locator("#id_line-line_error")
    expect(error).to_be_visible()
    expect(page.locator("#id_reply-0-text")).to_have_value(better)
    expect(page.locator("#id_line-line")).to_be_focused()
    axe(page)
    screenshot(page, "error")

    page.locator("#id_line-line").fill("Right. And what happens now?")
    page.get_by_role("button", name="Save line and replies").click()
    expect(page.get_by_role("status").filter(has_text="and its replies saved")).to_be_visible()
    expect(page.locator(f"#box-{target.name}")).to_contain_text("Right. And what happens now?")
    node = ScenarioNode.objects.get(pk=target.pk)
    assert node.line == "Right. And what happens now?"
    assert node.replies.first().text == better
    screenshot(page, "saved")

    # One more blank reply, without losing what is typed in the others.
    blank = page.locator("fieldset.reply-row").filter(has_text="New reply")
    expect(blank).to_have_count(1)
    page.locator("#id_reply-1-text").fill("Typed before asking for another row")
    page.get_by_role("button", name="Add another reply").click()
    expect(blank).to_have_count(2)
    expect(page.locator("#id_reply-1-text")).to_have_value("Typed before asking for another row")
    assert not node.replies.filter(text="Typed before asking for another row").exists()


def test_several_questions_are_added_to_a_quiz_at_once(
    page: Page,
    viewport: str,
    content: None,
    sign_in: Callable[..., None],
    axe: Axe,
    fits_width: Callable[[Page], None],
    screenshot: Callable[..., Any],
) -> None:
    quiz = Quiz.objects.filter(slots__question__isnull=False).distinct().first()
    assert quiz is not None
    before = quiz.slots.count()
    outside = list(
        Question.objects.exclude(quizslot__quiz=quiz).select_related("current").order_by("pk")[:2]
    )
    assert len(outside) == 2
    sign_in(page, ADMIN)
    page.goto(f"/author/quizzes/{quiz.pk}/questions/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Add questions")
    screenshot(page, "picker")
    axe(page)
    if viewport == "phone":
        fits_width(page)

    count = page.locator("#picker-count")
    first, second = (page.locator(f'input[name="question"][value="{q.pk}"]') for q in outside)
    first.check()
    second.check()
    expect(count).to_have_text("2 selected")
    # Searching hides the rest without losing what is ticked.
    page.get_by_label("Words in the name or question").fill(outside[0].current.title)
    expect(second).to_be_hidden()
    expect(count).to_have_text("2 selected (1 not shown by the filter)")
    screenshot(page, "filtered")
    page.get_by_role("button", name="Add selected questions").click()
    expect(page.get_by_text("Added 2 questions.")).to_be_visible()
    assert quiz.slots.count() == before + 2
    screenshot(page, "quiz")
    axe(page)
    if viewport == "phone":
        fits_width(page)


def test_trying_a_quiz_in_its_preview_marks_it_and_records_nothing(
    desktop_page: Page,
    content: None,
    sign_in: Callable[..., None],
    axe: Axe,
    screenshot: Callable[..., Any],
) -> None:
    page = desktop_page
    quiz = Quiz.objects.order_by("pk").first()
    assert quiz is not None
    sign_in(page, ADMIN)
    page.goto(f"/author/quizzes/{quiz.pk}/preview/")
    page.locator(".question-preview").first.locator("input").first.check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.locator("#try-result")).to_contain_text("points")
    expect(page.locator(".try-verdict").first).to_be_visible()
    axe(page)
    screenshot(page)
    assert not Attempt.objects.exists()
