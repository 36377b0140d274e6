"""Taking a quiz one question at a time, on a phone by tap and on a desktop by keyboard: answer,
go back and change an answer, put steps in order with the keyboard (focus stays on the moved
item, the live region says where it went), match long answers without anything cut off or the
page scrolling sideways (and a warning when one answer is used twice), leave two questions
unanswered, see the check step list exactly those, submit anyway, and find "Try again" right by
the result. axe-core checks every step; each step is photographed at both sizes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from assessments.models import Attempt, AttemptItem
from assessments.questions.services import ChoiceInput, PairInput, QuestionInput
from courses.services import enrolment_create
from learners.models import User
from tests.assessments.builders import build_quiz, multiple, single, truefalse
from tests.courses.builders import build_course
from tests.e2e.test_assessments import Axe, radio_with_keys, tab_to, wait_until

pytestmark = pytest.mark.e2e

STEPS = [
    "Listen to the end",
    "Say sorry for how it felt",
    "Say what you'll do",
    "Do it",
    "Check back",
]
LONG = "Feeling good at the job makes it really worth coming in, even on a rainy Monday morning"
PAIRS = [
    ("“I love that you remembered my name.”", LONG),
    (
        "“Why is this taking so long?”",
        "Frustration that is building up, quietly at first, then all at once",
    ),
    (
        "“Is it going to be ready in time for the party?”",
        "Worry about something that matters to them more than it seems",
    ),
]


def order_question() -> QuestionInput:
    return QuestionInput(
        kind="ordering",
        title="Recovery steps",
        prompt="Put the steps of a service recovery in order.",
        choices=[ChoiceInput(text) for text in STEPS],
    )


def match_question() -> QuestionInput:
    return QuestionInput(
        kind="matching",
        title="What they feel",
        prompt="Match what the customer says to what they feel.",
        pairs=[PairInput(prompt, answer) for prompt, answer in PAIRS],
    )


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth"), (
        f"{page.url} scrolls sideways"
    )


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_a_quiz_one_step_at_a_time(
    page: Page,
    viewport: str,
    live_server,
    demo: None,
    sign_in: Callable[..., None],
    axe: Axe,
    screenshot: Callable[..., object],
) -> None:
    course = build_course(modules=1, lessons=1)
    quiz = build_quiz(
        course,
        questions=[
            single("Calm first"),
            multiple("Good signs"),
            order_question(),
            match_question(),
            single("Left for later"),
            truefalse("Also left"),
        ],
        pass_percent=90,
        time_limit_minutes=30,
    )
    learner = User.objects.get(email="learner@example.com")
    enrolment_create(user=learner, course=course)
    sign_in(page, "learner@example.com")
    by_keys = viewport == "desktop"

    def press(name: str) -> None:
        """A button: tapped on the phone, reached with Tab and pressed with Enter on a desktop."""
        button = page.get_by_role("button", name=name, exact=True)
        if by_keys:
            page.evaluate("() => document.activeElement && document.activeElement.blur()")
            for _ in range(80):
                page.keyboard.press("Tab")
                if button.evaluate("(el) => el === document.activeElement"):
                    break
            else:
                pytest.fail(f"Tab never reached {name!r}")
            page.keyboard.press("Enter")
        else:
            button.tap()

    def check(page_label: str) -> None:
        expect(page.get_by_role("timer")).to_be_visible()  # the countdown is on every step
        axe(page)
        no_sideways_scroll(page)
        screenshot(page, page_label)

    page.goto(f"/quizzes/{quiz.key}/")
    press("Start the quiz")
    heading(page, "Question 1 of 6")
    attempt = Attempt.objects.get(quiz=quiz, user=learner)
    items = list(attempt.items.select_related("version").order_by("position"))

    def token(item: AttemptItem, option_id: int) -> str:
        return str(item.option_order.index(option_id) + 1)

    def choose(item: AttemptItem, option_id: int) -> None:
        name = f"q{item.position}-choice"
        value = token(item, option_id)
        if by_keys:
            radio_with_keys(page, name, value)
        else:
            page.locator(f'input[name="{name}"][value="{value}"]').tap()
        expect(page.locator(f'input[name="{name}"][value="{value}"]')).to_be_checked()

    # --- 1: a first, wrong answer -----------------------------------------------------------------
    first = items[0]
    right = next(c.pk for c in first.version.choices.all() if c.fraction == 1)
    wrong = next(c.pk for c in first.version.choices.all() if c.fraction == 0)
    heading(page, "Question 1 of 6")
    expect(page.locator(".quiz-dot")).to_have_count(6)
    expect(page.locator('.quiz-dot[aria-current="step"]')).to_have_text("1, not answered yet")
    choose(first, wrong)
    expect(page.locator("#saved-1")).to_contain_text("Saved at")
    expect(page.locator('.quiz-dot[aria-current="step"]')).to_have_class(
        "step-link quiz-dot is-answered"
    )
    check("1-single")
    press("Next")

    # --- 2: choose all that apply (said once), then back to change the first answer ---------------
    second = items[1]
    heading(page, "Question 2 of 6")
    expect(page.get_by_text("Choose all that apply.")).to_have_count(1)
    for choice in second.version.choices.all():
        if choice.fraction > 0:
            name, value = "q1-choices", token(second, choice.pk)
            box = page.locator(f'input[name="{name}"][value="{value}"]')
            if by_keys:
                tab_to(page, f'input[name="{name}"][value="{value}"]')
                page.keyboard.press("Space")
            else:
                box.tap()
            expect(box).to_be_checked()
    expect(page.locator("#saved-2")).to_contain_text("Saved at")
    check("2-multiple")
    press("Back")
    heading(page, "Question 1 of 6")
    expect(page.locator(f'input[name="q0-choice"][value="{token(first, wrong)}"]')).to_be_checked()
    choose(first, right)
    press("Next")
    heading(page, "Question 2 of 6")
    expect(page.locator('input[name="q1-choices"]:checked')).to_have_count(2)
    wait_until(
        lambda: AttemptItem.objects.get(pk=first.pk).answer == {"choice": right},
        "the changed answer to be saved",
    )
    press("Next")

    # --- 3: put in order with the keyboard --------------------------------------------------------
    third = items[2]
    heading(page, "Question 3 of 6")
    listed = page.locator("#q2-order .order-item")
    expect(listed).to_have_count(len(STEPS))
    assert page.locator("#q2-order").evaluate("(el) => el.tagName") == "UL"  # no numbers
    check("3-ordering-shuffled")
    texts = {c.pk: c.text for c in third.version.choices.all()}
    target = [
        token(third, c.pk) for c in sorted(third.version.choices.all(), key=lambda c: c.position)
    ]
    for place, wanted in enumerate(target):
        shown = listed.evaluate_all("(els) => els.map((e) => e.dataset.token)")
        at = shown.index(wanted)
        if at == place:
            continue
        tab_to(page, f"#q2-up-{wanted}")
        for step in range(at - place):
            page.keyboard.press("Enter")
            now = at - step  # its 1-based place after this move
            still = f"#q2-up-{wanted}" if now > 1 else f"#q2-down-{wanted}"
            expect(page.locator(still)).to_be_focused()
        name = texts[third.option_order[int(wanted) - 1]]
        expect(page.locator("#q2-announce")).to_have_text(
            f"Moved “{name}” to position {place + 1} of {len(STEPS)}."
        )
    expect(listed.locator(".order-text")).to_have_text(STEPS)
    wait_until(
        lambda: (
            AttemptItem.objects.get(pk=third.pk).answer
            == {
                "order": [
                    c.pk for c in sorted(third.version.choices.all(), key=lambda c: c.position)
                ]
            }
        ),
        "the order to be saved",
    )
    check("3-ordering-done")
    press("Next")

    # --- 4: matching long answers, one used twice -------------------------------------------------
    fourth = items[3]
    heading(page, "Question 4 of 6")
    pairs = list(fourth.version.pairs.order_by("position", "pk"))
    long_choice = page.locator(".choice span", has_text=LONG).first
    expect(long_choice).to_be_visible()
    # The whole answer shows, wrapped onto more lines rather than cut off.
    assert long_choice.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1")
    no_sideways_scroll(page)

    def match(row: int, pair) -> None:
        name, value = f"q3-match-{row}", token(fourth, pair.pk)
        if by_keys:
            radio_with_keys(page, name, value)
        else:
            page.locator(f'input[name="{name}"][value="{value}"]').tap()

    match(1, pairs[0])
    match(2, pairs[0])  # the same answer again
    rows = page.locator(".match-row")
    # The prompt is already in quotes: the warning keeps one pair.
    said = pairs[0].prompt.strip("“”")
    warning = f"Same answer as for “{said}” — each answer fits just one."
    expect(rows.nth(1).locator(".field-warning")).to_have_text(warning)
    expect(rows.nth(0).locator(".field-warning")).to_contain_text(pairs[1].prompt.strip("“”"))
    expect(rows.nth(2).locator(".field-warning")).to_be_hidden()
    check("4-matching-twice")
    match(2, pairs[1])
    match(3, pairs[2])
    expect(page.locator(".field-warning:visible")).to_have_count(0)
    wait_until(
        lambda: (
            AttemptItem.objects.get(pk=fourth.pk).answer
            == {"pairs": {str(p.pk): p.pk for p in pairs}}
        ),
        "the matches to be saved",
    )
    check("4-matching")
    press("Next")

    # --- 5 and 6 left unanswered ------------------------------------------------------------------
    heading(page, "Question 5 of 6")
    press("Next")
    heading(page, "Question 6 of 6")
    check("6-unanswered")
    press("Check your answers")

    # --- The check step ---------------------------------------------------------------------------
    heading(page, "Check your answers")
    expect(page.get_by_role("heading", name="2 questions have no answer yet")).to_be_visible()
    expect(page.locator(".unanswered-list a")).to_have_text(["Question 5", "Question 6"])
    expect(page.locator(".unanswered-list a").first).to_have_attribute(
        "href", f"/quizzes/attempts/{attempt.pk}/?q=5"
    )
    check("check")
    press("Submit with 2 unanswered")

    # --- The review: the way to try again is right by the result ----------------------------------
    heading(page, "Not quite yet")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.score == Decimal("5.00")
    score = page.locator(".score-line").bounding_box()
    retry = page.get_by_role("button", name="Try again").first
    expect(retry).to_be_visible()
    box = retry.bounding_box()
    assert score and box
    assert 0 <= box["y"] - (score["y"] + score["height"]) < 120, (score, box)
    assert box["y"] + box["height"] <= page.viewport_size["height"]  # on the first screen
    axe(page)
    no_sideways_scroll(page)
    screenshot(page, "review")
