"""A learner on a phone takes the de-escalation checkpoint quiz and plays the "wrong-order"
practice conversation, using the real shipped content (courses/curriculum/ and
assessments/content/).

The quiz: the optional confidence question, then every question answered one step at a time
(the ordering and matching ones with the keyboard alone), each with how sure the learner is;
answers save as they go and survive a reload; the check step finds nothing unanswered; one
answer is wrong on purpose while marked "Certain", so the review puts it first. The
conversation: replies chosen with Tab and Enter, no feedback until the end, then a debrief with
the outcome, the path, behaviour totals and a better reply; "Play again" starts afresh. The
course page then shows both checkpoints done.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assessments.models import (
    Attempt,
    AttemptItem,
    Quiz,
    Scenario,
    ScenarioReply,
    ScenarioRun,
    SelfRating,
)
from assessments.scenarios.specs import BEHAVIOURS
from courses.models import Course
from courses.services import enrolment_create
from learners.models import User

pytestmark = pytest.mark.e2e

Axe = Callable[..., list[dict[str, Any]]]  # the `axe` fixture (tests/e2e/conftest.py)

LEARNER = "learner@example.com"
COURSE_SLUG = "de-escalation"
QUIZ_TITLE = "Checkpoint: De-escalation"
SCENARIO_SLUG = "wrong-order"
SCENARIO_TITLE = "The wrong table"
WRONG_ON_PURPOSE = "Handing over"  # a true/false question: answered "False" while "Certain"
CONFIDENCE = {1: "Guessing", 2: "Fairly sure", 3: "Certain"}

# The path through assessments/content/scenarios/wrong-order.yaml: a weak first reply (a
# generic "mix-ups happen" apology), then, when he asks for a manager, fetching her calmly and
# handing over well, ending "Calmed and loyal".
SCENARIO_PATH = [
    "I'm sorry about that, sir. Mix-ups do happen",
    "Of course. I'll get my supervisor, Priti, now",
    "You won't have to. (You brief Priti",
]


@pytest.fixture
def content(demo: None) -> User:
    """The shipped curriculum, quizzes and scenarios, and the demo learner enrolled in the
    de-escalation course (so its checkpoint quiz can be taken)."""
    for command in ("load_curriculum", "load_quizzes", "load_scenarios"):
        call_command(command, stdout=io.StringIO())
    learner = User.objects.get(email=LEARNER)
    enrolment_create(user=learner, course=Course.objects.get(slug=COURSE_SLUG))
    return learner


# --- Keyboard helpers ------------------------------------------------------------------------


def focused(page: Page, selector: str) -> bool:
    return page.evaluate(
        "(s) => !!document.activeElement && document.activeElement.matches(s)", selector
    )


def tab_to(page: Page, selector: str, limit: int = 150) -> None:
    """Press Tab until the focused element matches `selector` (no mouse, no .focus())."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page, selector):
            return
    pytest.fail(f"Tab never reached {selector}")


def tab_to_button(page: Page, within: str, text: str, limit: int = 60) -> None:
    """Press Tab until a button inside `within` whose text is `text` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            """([within, text]) => {
                const el = document.activeElement;
                return !!el && el.tagName === "BUTTON" && !!el.closest(within)
                    && el.textContent.trim() === text;
            }""",
            [within, text],
        ):
            return
    pytest.fail(f"Tab never reached the button {text[:40]!r}")


def confidence_with_keys(page: Page, prefix: str, value: int) -> None:
    """Tab into the question's "How sure are you?" radios and pick `value` with the keyboard."""
    tab_to(page, f'input[name="{prefix}-confidence"]')
    at = int(page.evaluate("() => document.activeElement.value"))
    if at == value:
        page.keyboard.press("Space")
    else:
        key = "ArrowRight" if value > at else "ArrowLeft"
        for _ in range(abs(value - at)):
            page.keyboard.press(key)
    expect(page.locator(f'input[name="{prefix}-confidence"][value="{value}"]')).to_be_checked()


def radio_with_keys(page: Page, name: str, value: str) -> None:
    """Tab into a group of radios and check the one with `value` using the arrow keys."""
    tab_to(page, f'input[name="{name}"]')
    values = page.locator(f'input[name="{name}"]').evaluate_all("(els) => els.map((e) => e.value)")
    at = values.index(page.evaluate("() => document.activeElement.value"))
    target = values.index(value)
    if at == target:
        page.keyboard.press("Space")
    for _ in range(abs(target - at)):
        page.keyboard.press("ArrowDown" if target > at else "ArrowUp")
    expect(page.locator(f'input[name="{name}"][value="{value}"]')).to_be_checked()


def order_with_keys(page: Page, plan: Plan) -> None:
    """Put the steps in order with Move up, by keyboard alone: focus stays on the moved item's
    button, and the live region says where it went."""
    items = page.locator(f"#{plan.prefix}-order .order-item")
    target = [token(plan, choice_id) for choice_id in plan.expected["order"]]
    for place, wanted in enumerate(target):
        shown = items.evaluate_all("(els) => els.map((e) => +e.dataset.token)")
        at = shown.index(wanted)
        if at == place:
            continue
        tab_to(page, f"#{plan.prefix}-up-{wanted}")
        for step in range(at - place):
            page.keyboard.press("Enter")
            now = at - step  # 1-based place after this move
            still = f"#{plan.prefix}-up-{wanted}" if now > 1 else f"#{plan.prefix}-down-{wanted}"
            expect(page.locator(still)).to_be_focused()
        text = page.locator(f"#{plan.prefix}-item-{wanted}").inner_text().strip()
        expect(page.locator(f"#{plan.prefix}-announce")).to_have_text(
            f"Moved “{text}” to position {place + 1} of {len(target)}."
        )


def wait_until(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


# --- The quiz --------------------------------------------------------------------------------


@dataclass
class Plan:
    """How the learner answers one attempt item, and what the database should then hold."""

    item: AttemptItem
    confidence: int
    expected: dict[str, Any]
    right: bool

    @property
    def number(self) -> int:
        return self.item.position + 1

    @property
    def prefix(self) -> str:
        return f"q{self.item.position}"

    @property
    def kind(self) -> str:
        return self.item.version.kind


def plan_answers(attempt: Attempt) -> list[Plan]:
    """The right answer to every question (from the database), except WRONG_ON_PURPOSE."""
    plans = []
    items = attempt.items.select_related("version").prefetch_related(
        "version__choices", "version__pairs", "version__accepted"
    )
    for item in items:
        version = item.version
        choices = sorted(version.choices.all(), key=lambda c: (c.position, c.pk))
        right = True
        confidence = 3 if item.position % 2 == 0 else 2
        if version.kind in {"single", "truefalse"}:
            best = max(choices, key=lambda c: c.fraction)
            if version.title == WRONG_ON_PURPOSE:
                best = next(c for c in choices if c.fraction <= 0)
                right, confidence = False, 3
            expected: dict[str, Any] = {"choice": best.pk}
        elif version.kind == "multiple":
            expected = {"choices": sorted(c.pk for c in choices if c.fraction > 0)}
        elif version.kind == "short":
            expected = {"text": next(a.text for a in version.accepted.all() if a.fraction >= 1)}
        elif version.kind == "ordering":
            expected = {"order": [c.pk for c in choices]}
        elif version.kind == "matching":
            expected = {"pairs": {str(p.pk): p.pk for p in version.pairs.all()}}
        else:
            pytest.fail(f"unexpected question kind {version.kind}")
        plans.append(Plan(item, confidence, expected, right))
    assert sum(not p.right for p in plans) == 1, "the quiz no longer has the question to miss"
    return plans


def token(plan: Plan, option_id: int) -> int:
    """How the taking page names an option: its place in this attempt's order."""
    return plan.item.option_order.index(option_id) + 1


def prompt_token(plan: Plan, pair_id: str | int) -> int:
    """How the taking page names a matching prompt: its place in the question."""
    prompts = [
        p.pk for p in sorted(plan.item.version.pairs.all(), key=lambda p: (p.position, p.pk))
    ]
    return prompts.index(int(pair_id)) + 1


def choice_text(plan: Plan, choice_id: int) -> str:
    return next(c.text for c in plan.item.version.choices.all() if c.pk == choice_id)


def answer(page: Page, plan: Plan) -> None:
    """Answer one question: taps for choices and text, the keyboard alone for ordering and
    matching (Tab to each select, arrow keys to the value, Tab to the confidence radios)."""
    question = page.locator(f"#question-{plan.number}")
    if plan.kind in {"single", "truefalse"}:
        question.get_by_label(choice_text(plan, plan.expected["choice"]), exact=True).tap()
    elif plan.kind == "multiple":
        for choice_id in plan.expected["choices"]:
            question.get_by_label(choice_text(plan, choice_id), exact=True).tap()
    elif plan.kind == "short":
        field = question.get_by_label("Your answer")
        field.tap()
        page.keyboard.type(plan.expected["text"])
        # Typed text saves after a pause, while the learner is still in the field.
        expect(page.locator(f"#saved-{plan.number}")).to_contain_text("Saved at")
        expect(field).to_be_focused()
        wait_until(
            lambda: AttemptItem.objects.get(pk=plan.item.pk).answer == plan.expected,
            "the typed answer to be saved",
        )
    elif plan.kind == "ordering":
        order_with_keys(page, plan)
    elif plan.kind == "matching":
        for prompt_id, answer_id in plan.expected["pairs"].items():
            name = f"{plan.prefix}-match-{prompt_token(plan, prompt_id)}"
            radio_with_keys(page, name, str(token(plan, answer_id)))
    if plan.kind in {"ordering", "matching"}:
        confidence_with_keys(page, plan.prefix, plan.confidence)
    else:
        question.get_by_label(CONFIDENCE[plan.confidence], exact=True).tap()
    expect(page.locator(f"#saved-{plan.number}")).to_contain_text("Saved at")


def saved_as_planned(plans: list[Plan]) -> Callable[[], bool]:
    def check() -> bool:
        stored = {
            i.pk: (i.answer, i.confidence)
            for i in AttemptItem.objects.filter(pk__in=[p.item.pk for p in plans])
        }
        return all(stored[p.item.pk] == (p.expected, p.confidence) for p in plans)

    return check


def shows_answer(page: Page, plan: Plan) -> None:
    """After a reload: the question still shows the answer and confidence given."""
    question = page.locator(f"#question-{plan.number}")
    if plan.kind in {"single", "truefalse"}:
        expect(
            question.get_by_label(choice_text(plan, plan.expected["choice"]), exact=True)
        ).to_be_checked()
    elif plan.kind == "multiple":
        for choice_id in plan.expected["choices"]:
            expect(question.get_by_label(choice_text(plan, choice_id), exact=True)).to_be_checked()
        expect(question.locator("input[type=checkbox]:checked")).to_have_count(
            len(plan.expected["choices"])
        )
    elif plan.kind == "short":
        expect(question.get_by_label("Your answer")).to_have_value(plan.expected["text"])
    elif plan.kind == "ordering":
        shown = page.locator(f"#{plan.prefix}-order .order-item")
        expect(shown).to_have_count(len(plan.expected["order"]))
        assert shown.evaluate_all("(els) => els.map((e) => +e.dataset.token)") == [
            token(plan, choice_id) for choice_id in plan.expected["order"]
        ]
    elif plan.kind == "matching":
        for prompt_id, answer_id in plan.expected["pairs"].items():
            name = f"{plan.prefix}-match-{prompt_token(plan, prompt_id)}"
            expect(
                page.locator(f'input[name="{name}"][value="{token(plan, answer_id)}"]')
            ).to_be_checked()
    expect(question.get_by_label(CONFIDENCE[plan.confidence], exact=True)).to_be_checked()
    expect(page.locator(f"#saved-{plan.number}")).to_have_text("Saved")


def take_the_quiz(
    page: Page,
    live_server: LiveServer,
    learner: User,
    axe: Axe,
    fits_width: Callable[[Page], None],
    screenshot: Callable[..., object],
) -> None:
    quiz = Quiz.objects.get(course__slug=COURSE_SLUG)
    assert quiz.title == QUIZ_TITLE and quiz.self_rating_prompt

    # --- The intro, with the optional "before" confidence question --------------------------
    page.goto(f"/quizzes/{quiz.key}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(QUIZ_TITLE)
    expect(page.locator(".quiz-facts")).to_contain_text(f"Pass mark: {quiz.pass_percent}%")
    rating = page.locator("form.rating-form")
    expect(rating).to_contain_text(quiz.self_rating_prompt)
    axe(page)
    fits_width(page)
    screenshot(page, "quiz-intro")
    rating.get_by_label("2", exact=True).tap()
    rating.get_by_role("button", name="Save").tap()
    expect(page.get_by_text("Thanks. That helps us see what the training changes.")).to_be_visible()
    expect(page.locator("form.rating-form")).to_have_count(0)
    assert SelfRating.objects.get(user=learner, moment="before").rating == 2

    page.get_by_role("button", name="Start the quiz").tap()
    expect(page).to_have_url(re.compile(r"/quizzes/attempts/\d+/$"))
    attempt = Attempt.objects.get(quiz=quiz, user=learner)
    expect(page).to_have_url(f"{live_server.url}/quizzes/attempts/{attempt.pk}/")
    plans = plan_answers(attempt)
    expect(page.locator("fieldset.question")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Question 1 of {len(plans)}")
    kinds = {p.kind for p in plans}
    assert {"ordering", "matching", "short", "multiple", "truefalse", "single"} <= kinds

    def no_secrets() -> None:
        # Nothing on the taking page gives the answers away: no feedback, no explanations.
        html = page.content()
        for plan in plans:
            version = plan.item.version
            secrets = [version.explanation_markdown] + [c.feedback for c in version.choices.all()]
            for secret in filter(None, secrets):
                assert secret not in html, f"the taking page shows {secret[:60]!r}"

    def on_step(plan: Plan) -> None:
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Question {plan.number} of {len(plans)}"
        )

    # --- First half, one question per step, then a reload: the answers are still there -----
    half = len(plans) // 2
    for plan in plans[:half]:
        on_step(plan)
        no_secrets()
        answer(page, plan)
        page.get_by_role("button", name="Next", exact=True).tap()
    on_step(plans[half])
    wait_until(saved_as_planned(plans[:half]), "the first answers to be saved")
    page.reload()
    on_step(plans[half])  # where the learner left off
    expect(page.locator(f"#saved-{plans[half].number}")).to_have_text("")
    for plan in plans[:half]:
        page.locator(f'a.quiz-dot[href$="?q={plan.number}"]').tap()
        on_step(plan)
        shows_answer(page, plan)
    axe(page)
    fits_width(page)

    # --- The rest, all autosaved before submitting -------------------------------------------
    page.locator(f'a.quiz-dot[href$="?q={plans[half].number}"]').tap()
    for plan in plans[half:]:
        on_step(plan)
        no_secrets()
        answer(page, plan)
        axe(page)
        fits_width(page)
        screenshot(page, f"quiz-step-{plan.number}-{plan.kind}")
        label = "Next" if plan is not plans[-1] else "Check your answers"
        page.get_by_role("button", name=label, exact=True).tap()
    wait_until(saved_as_planned(plans), "every answer to be saved")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    expect(page.get_by_text(f"You've answered all {len(plans)} questions.")).to_be_visible()
    axe(page)
    fits_width(page)
    screenshot(page, "quiz-check")
    page.get_by_role("button", name="Submit my answers").tap()

    # --- The review -------------------------------------------------------------------------
    expect(page).to_have_url(f"{live_server.url}/quizzes/attempts/{attempt.pk}/review/")
    attempt.refresh_from_db()
    wrong = next(p for p in plans if not p.right)
    total = sum(p.item.version.points for p in plans)
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.score == total - wrong.item.version.points
    assert attempt.passed is True
    expect(page.get_by_role("heading", level=1)).to_have_text("You passed")
    expect(page.locator(".score-line")).to_contain_text(f"{attempt.percent:.0f}%")

    calibration = page.get_by_role("region", name="How sure you were").locator("li")
    expect(calibration.first).to_have_text(
        "Certain but wrong: 1. These matter most: look at them first."
    )
    unsure_right = sum(1 for p in plans if p.right and p.confidence < 3)
    certain_right = sum(1 for p in plans if p.right and p.confidence == 3)
    expect(calibration.nth(1)).to_contain_text(f"Right, but not sure: {unsure_right}.")
    expect(calibration.nth(2)).to_contain_text("Not sure and wrong: 0.")
    expect(calibration.nth(3)).to_contain_text(f"Certain and right: {certain_right}.")

    reviews = page.locator("article.review-item")
    expect(reviews).to_have_count(len(plans))
    expect(reviews.locator(".status-accepted", has_text=re.compile(r"^Right$"))).to_have_count(
        len(plans) - 1
    )
    first = reviews.first
    version = wrong.item.version
    chosen = next(c for c in version.choices.all() if c.pk == wrong.expected["choice"])
    expect(first).to_have_class(re.compile(r"\bwrong\b"))
    expect(first).to_contain_text("Not right")
    expect(first).to_contain_text("you were certain")
    expect(first.locator(".prompt")).to_contain_text(version.prompt_markdown.strip())
    # Why the chosen answer is wrong, next to it.
    expect(first.locator("li", has_text="Your answer:")).to_contain_text(chosen.feedback)
    expect(first.locator(".explanation")).to_contain_text(version.explanation_markdown)
    # Every question explains itself, and the chosen choices give their own feedback.
    expect(reviews.locator(".explanation")).to_have_count(len(plans))
    for plan in plans:
        article = reviews.filter(has_text=f"Question {plan.number} ·")
        expect(article.locator(".explanation")).to_contain_text(
            plan.item.version.explanation_markdown
        )
        if plan.kind in {"single", "truefalse"}:
            picked = next(
                c for c in plan.item.version.choices.all() if c.pk == plan.expected["choice"]
            )
            expect(article.locator("li", has_text="Your answer:")).to_contain_text(picked.feedback)
    axe(page)
    fits_width(page)
    screenshot(page, "quiz-review")


# --- The practice conversation ---------------------------------------------------------------


def play_the_scenario(
    page: Page,
    live_server: LiveServer,
    learner: User,
    axe: Axe,
    fits_width: Callable[[Page], None],
    screenshot: Callable[..., object],
) -> None:
    scenario = Scenario.objects.get(slug=SCENARIO_SLUG)
    replies = list(ScenarioReply.objects.filter(node__scenario=scenario).select_related("node"))
    all_feedback = [r.feedback for r in replies if r.feedback]
    assert all_feedback

    page.goto(f"/practice/{SCENARIO_SLUG}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(SCENARIO_TITLE)
    expect(page.locator(".scenario-setup")).to_contain_text("click-and-collect desk")
    axe(page)
    fits_width(page)
    screenshot(page, "scenario-intro")
    page.get_by_role("button", name="Start").tap()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    run = ScenarioRun.objects.get(scenario=scenario, user=learner)
    expect(page).to_have_url(f"{live_server.url}/practice/{SCENARIO_SLUG}/runs/{run.pk}/")

    chat = page.locator("#conversation")
    assert scenario.start is not None
    node = scenario.start
    said: list[str] = []
    heard: list[str] = []
    chosen: list[ScenarioReply] = []
    for step, start_of_reply in enumerate(SCENARIO_PATH):
        heard.append(node.line)
        # The chat so far: every customer line and every reply, in order; never feedback.
        expect(chat.locator(".bubble-customer")).to_have_count(len(heard))
        for n, line in enumerate(heard):
            expect(chat.locator(".bubble-customer").nth(n)).to_contain_text(line)
        expect(chat.locator(".bubble-you")).to_have_count(len(said))
        for n, text in enumerate(said):
            expect(chat.locator(".bubble-you").nth(n)).to_contain_text(text)
        html = page.content()
        for feedback in all_feedback:
            assert feedback not in html, f"feedback shown before the end: {feedback[:60]}"
        assert "Why it matters" not in html and "better reply" not in html.lower()
        assert "Your behaviours" not in html and "Outcome:" not in html
        if step == 0:
            axe(page)
            fits_width(page)
            screenshot(page, "scenario-chat")

        reply = next(r for r in node.replies.all() if r.text.startswith(start_of_reply))
        tab_to_button(page, "#reply-choices", reply.text)
        page.keyboard.press("Enter")
        said.append(reply.text)
        chosen.append(reply)
        assert reply.next_node is not None
        node = reply.next_node
        if node.is_end:
            break
        expect(chat.locator(".bubble-you")).to_have_count(len(said))
        expect(page.locator("#chat-status")).to_have_text(
            f"The customer answered. Choose from {node.replies.count()} replies."
        )
        # Keyboard and screen-reader users land on the customer's new line.
        expect(chat.locator("#latest")).to_be_focused()
    else:
        pytest.fail("the path never reached an ending")

    # --- The debrief ------------------------------------------------------------------------
    expect(page.get_by_role("heading", level=1)).to_have_text(f"How it went: {SCENARIO_TITLE}")
    expect(page).to_have_url(f"{live_server.url}/practice/{SCENARIO_SLUG}/runs/{run.pk}/")
    run.refresh_from_db()
    assert run.finished_at is not None and run.outcome == node.outcome == "loyal"
    assert run.path == [r.pk for r in chosen]
    outcome = page.get_by_role("region", name="Outcome: Calmed and loyal")
    expect(outcome).to_contain_text(node.outcome_text)

    expected_totals: dict[str, int] = {}
    for reply in chosen:
        for key, value in reply.scores.items():
            expected_totals[key] = expected_totals.get(key, 0) + value
    assert run.totals == expected_totals
    rows = page.get_by_role("region", name="Your behaviours").locator("tbody tr")
    expect(rows).to_have_count(len(BEHAVIOURS))
    for n, (key, label) in enumerate(BEHAVIOURS.items()):
        value = expected_totals.get(key, 0)
        expect(rows.nth(n).locator("th")).to_have_text(str(label))
        expect(rows.nth(n).locator(".behaviour-value")).to_have_text(
            f"+{value}" if value > 0 else str(value)
        )

    steps = page.get_by_role("region", name="The conversation, step by step").locator(
        "li.debrief-step"
    )
    expect(steps).to_have_count(len(chosen) + 1)  # each reply, then the customer's last line
    for n, reply in enumerate(chosen):
        expect(steps.nth(n).locator(".bubble-customer")).to_contain_text(reply.node.line)
        expect(steps.nth(n).locator(".bubble-you")).to_contain_text(reply.text)
        expect(steps.nth(n)).to_contain_text(f"Why it matters: {reply.feedback}")
    expect(steps.last).to_contain_text(node.line)
    # The weak first reply gets a better one; the later, best replies don't.
    opening = chosen[0].node
    best = max(opening.replies.all(), key=lambda r: sum(r.scores.values()))
    better = page.locator(".better-reply")
    expect(better).to_have_count(1)
    expect(steps.first.locator(".better-reply")).to_contain_text("A better reply")
    expect(steps.first.locator(".better-reply")).to_contain_text(best.text)
    axe(page)
    fits_width(page)
    screenshot(page, "scenario-debrief")

    # --- Play again: a fresh run from the first line -----------------------------------------
    page.get_by_role("button", name="Play again").tap()
    expect(page).not_to_have_url(f"{live_server.url}/practice/{SCENARIO_SLUG}/runs/{run.pk}/")
    fresh = ScenarioRun.objects.filter(scenario=scenario, user=learner).exclude(pk=run.pk).get()
    expect(page).to_have_url(f"{live_server.url}/practice/{SCENARIO_SLUG}/runs/{fresh.pk}/")
    assert fresh.finished_at is None and fresh.path == [] and fresh.current_id == scenario.start_id
    expect(chat.locator(".bubble-you")).to_have_count(0)
    expect(chat.locator(".bubble-customer")).to_have_count(1)
    expect(chat.locator(".bubble-customer")).to_contain_text(scenario.start.line)
    expect(chat.locator("#reply-choices button")).to_have_count(scenario.start.replies.count())


def test_learner_takes_the_checkpoint_quiz_and_a_practice_conversation_on_a_phone(
    phone_page: Page,
    live_server: LiveServer,
    content: User,
    sign_in: Callable[..., None],
    axe: Axe,
    fits_width: Callable[[Page], None],
    screenshot: Callable[..., object],
) -> None:
    page = phone_page
    sign_in(page, LEARNER)
    take_the_quiz(page, live_server, content, axe, fits_width, screenshot)
    play_the_scenario(page, live_server, content, axe, fits_width, screenshot)

    # --- The course page: the quick check passed, the practice conversation done -------------
    page.goto(f"/courses/{COURSE_SLUG}/")
    quick_check = page.locator(".checkpoints li", has_text="Quick check:")
    expect(quick_check).to_have_count(1)
    expect(quick_check).to_contain_text(QUIZ_TITLE)
    expect(quick_check.locator(".status")).to_have_text("Passed")
    # The course has two practice conversations; this one is done.
    practice = page.locator(".checkpoints li", has_text=SCENARIO_TITLE)
    expect(practice).to_have_count(1)
    expect(practice).to_contain_text("Practice conversation")
    expect(practice.locator(".status")).to_have_text("Done")
    fits_width(page)
    screenshot(page, "course")
