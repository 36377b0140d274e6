"""A training admin builds a course in the browser (course, module, two lessons with the live
Markdown preview, reordering from the keyboard, preview as a learner), publishes it, and a
learner finds it in the catalog. Plus: the authoring pages pass axe on a phone and a desktop."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from courses import services
from courses.models import Course, Lesson
from learners.models import User

pytestmark = pytest.mark.e2e

Axe = Callable[..., list[dict[str, Any]]]  # the `axe` fixture (tests/e2e/conftest.py)

ADMIN = "admin@example.com"
LEARNER = "learner@example.com"
TITLE = "Handling returns"
SUMMARY = "Take back a purchase without fuss, and keep the customer coming back."
MODULE = "Returns at the counter"
FIRST = "Greet and listen"
SECOND = "Offer the options"


def _wait_for_preview(page: Page, typing: Callable[[], None]) -> None:
    """Run `typing` and wait for htmx's request to the server-rendered Markdown preview."""
    with page.expect_response(re.compile(r"/author/markdown-preview/$")) as answer:
        typing()
    assert answer.value.ok


def _lesson_titles(page: Page) -> Locator:
    return page.locator("ol.author-lessons > li > a")


def test_admin_builds_a_course_and_a_learner_finds_it(
    desktop_page: Page,
    new_page: Callable[[str], Page],
    live_server: LiveServer,
    demo: None,
    sign_in: Callable[..., None],
    screenshot: Callable[..., object],
) -> None:
    page = desktop_page
    heading = page.get_by_role("heading", level=1)
    status = page.get_by_role("status")
    sign_in(page, ADMIN)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Authoring").click()
    expect(page).to_have_url(f"{live_server.url}/author/")
    page.get_by_role("button", name="New course").click()

    # --- The course ------------------------------------------------------------------------
    expect(page).to_have_url(f"{live_server.url}/author/courses/new/")
    expect(heading).to_have_text("New course")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Summary").fill(SUMMARY)
    page.get_by_label("Open to everyone").check()
    page.get_by_role("button", name="Create course").click()

    course = Course.objects.get(slug="handling-returns")
    assert course.self_enrol and not course.is_live
    course_url = f"{live_server.url}/author/courses/{course.pk}/"
    expect(page).to_have_url(course_url)
    expect(heading).to_have_text(TITLE)
    expect(status).to_have_text("Course created. Add a module and your first lesson.")
    expect(page.get_by_text("Not visible to learners")).to_be_visible()

    # --- A module --------------------------------------------------------------------------
    add_module = page.get_by_role("group", name="Add a module")
    add_module.get_by_label("Module title").fill(MODULE)
    add_module.get_by_label("Summary").fill("What to say and do when someone brings a thing back.")
    add_module.get_by_role("button", name="Add module").click()
    expect(status).to_have_text("Module added.")
    expect(page.locator("article.module-card h3")).to_have_text([f"1. {MODULE}"])

    # --- The first lesson, with the live preview -------------------------------------------
    page.get_by_role("link", name=f"Add a lesson to {MODULE}").click()
    expect(heading).to_have_text("New lesson")
    preview = page.locator("#preview")
    expect(preview).to_have_text("Nothing to preview yet.")
    page.get_by_label("Lesson title").fill(FIRST)
    editor = page.get_by_label("Lesson text (Markdown)")
    _wait_for_preview(
        page, lambda: editor.press_sequentially("Say hello. This part is **bold** on purpose.")
    )
    expect(preview.locator("strong")).to_have_text("bold")
    expect(preview).to_have_text("Say hello. This part is bold on purpose.")
    screenshot(page, "lesson-editor")
    page.get_by_role("button", name="Save lesson").click()
    expect(page).to_have_url(course_url)
    expect(status).to_have_text(f"Lesson “{FIRST}” added.")

    # --- The second lesson: a missing title is pointed out, and the text survives ----------
    page.get_by_role("link", name=f"Add a lesson to {MODULE}").click()
    text = "## Two options\n\n- swap it\n- refund it"
    editor.fill(text)
    page.get_by_role("button", name="Save lesson").click()
    title = page.get_by_label("Lesson title")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_accessible_description(re.compile("This field is required"))
    error = page.locator("#id_title_error")
    expect(error).to_have_text("This field is required.")
    # Right next to the field: the error list is the input's previous sibling.
    assert error.evaluate("(list) => list.nextElementSibling.id") == "id_title"
    expect(editor).to_have_value(text)
    expect(preview.get_by_role("heading", level=2)).to_have_text("Two options")
    title.fill(SECOND)
    page.get_by_role("button", name="Save lesson").click()
    expect(status).to_have_text(f"Lesson “{SECOND}” added.")
    expect(_lesson_titles(page)).to_have_text([FIRST, SECOND])

    # --- Reordering from the keyboard ------------------------------------------------------
    first = Lesson.objects.get(title=FIRST)
    down = page.get_by_role("button", name=f"Move {FIRST} down")
    expect(page.get_by_role("button", name=f"Move {FIRST} up")).to_be_disabled()
    down.focus()
    expect(down).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{course_url}#lesson-{first.pk}")
    expect(_lesson_titles(page)).to_have_text([SECOND, FIRST])
    # Focus comes back to the moved lesson (its "down" is now disabled, so "up"): moving an
    # item several places is just pressing Enter again.
    up = page.get_by_role("button", name=f"Move {FIRST} up")
    expect(up).to_be_focused()
    page.keyboard.press("Enter")
    expect(_lesson_titles(page)).to_have_text([FIRST, SECOND])
    expect(page.get_by_role("button", name=f"Move {FIRST} down")).to_be_focused()
    page.keyboard.press("Enter")
    expect(_lesson_titles(page)).to_have_text([SECOND, FIRST])
    ordered = Lesson.objects.filter(version__course=course).order_by("position")
    assert [lesson.title for lesson in ordered] == [SECOND, FIRST]

    # --- Preview as a learner --------------------------------------------------------------
    page.get_by_role("button", name="Preview as learner").click()
    expect(page).to_have_url(f"{live_server.url}/author/courses/{course.pk}/preview/")
    expect(status).to_contain_text("Preview of version 1 (Draft) as a learner sees it.")
    expect(heading).to_have_text(TITLE)
    expect(page.locator("ol.outline > li > a")).to_have_text([SECOND, FIRST])
    expect(page.get_by_role("button", name="Start this course")).to_have_count(0)
    page.get_by_role("link", name=SECOND).click()
    expect(heading).to_have_text(SECOND)
    expect(page.locator(".lesson-body li")).to_have_text(["swap it", "refund it"])
    page.get_by_role("button", name="Next").click()
    expect(heading).to_have_text(FIRST)
    expect(page.locator(".lesson-body strong")).to_have_text("bold")
    expect(page.get_by_role("button", name=re.compile("^Done"))).to_have_count(0)
    page.get_by_role("link", name="Back to editing").click()
    expect(page).to_have_url(course_url)

    # --- Publish -----------------------------------------------------------------------------
    page.get_by_role("button", name="Publish").click()
    expect(status).to_have_text("Version 1 is live. Learners' progress carries over.")
    expect(page.get_by_text("Live: version 1")).to_be_visible()
    course.refresh_from_db()
    assert course.is_live

    # --- The learner finds it -----------------------------------------------------------------
    learner = new_page("desktop")
    sign_in(learner, LEARNER)
    learner.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    card = learner.locator(".cards article", has=learner.get_by_role("link", name=TITLE))
    expect(card).to_contain_text(SUMMARY)
    card.get_by_role("link", name=TITLE).click()
    expect(learner).to_have_url(f"{live_server.url}/courses/{course.slug}/")
    expect(learner.locator("ol.outline > li")).to_have_count(2)
    expect(learner.locator("ol.outline > li")).to_contain_text([SECOND, FIRST])
    learner.get_by_role("button", name="Start this course").click()
    expect(learner.get_by_role("heading", level=1)).to_have_text(SECOND)


@pytest.fixture
def draft_course(demo: None) -> Course:
    """A draft course with one module and one lesson, as an author leaves it mid-way."""
    admin = User.objects.get(email=ADMIN)
    course = services.course_create(
        title=TITLE, slug="handling-returns", summary=SUMMARY, created_by=admin
    )
    module = services.module_create(version=course.versions.get(), title=MODULE)
    services.lesson_create(
        module=module, title=FIRST, body_markdown="## Hello\n\nSay **hello** first."
    )
    services.lesson_create(module=module, title=SECOND, body_markdown="- swap it\n- refund it")
    return course


def test_authoring_pages_are_accessible(
    page: Page,
    viewport: str,
    draft_course: Course,
    sign_in: Callable[..., None],
    axe: Axe,
    fits_width: Callable[[Page], None],
) -> None:
    lesson = Lesson.objects.get(title=FIRST)
    heading = page.get_by_role("heading", level=1)
    sign_in(page, ADMIN)

    def check(url: str, title: str) -> None:
        page.goto(url)
        expect(heading).to_have_text(title)
        axe(page)
        if viewport == "phone":
            fits_width(page)

    check("/author/", "Courses you can edit")
    check("/author/courses/new/", "New course")
    check("/author/import/", "Import a course")
    check(f"/author/courses/{draft_course.pk}/", TITLE)
    check(f"/author/lessons/{lesson.pk}/", FIRST)
    # The editor with an error showing.
    page.get_by_label("Lesson title").fill("")
    page.get_by_role("button", name="Save lesson", exact=True).click()
    expect(page.locator("#id_title_error")).to_be_visible()
    axe(page)


def test_form_labels_have_no_trailing_colon(
    desktop_page: Page, demo: None, sign_in: Callable[..., None]
) -> None:
    sign_in(desktop_page, ADMIN)
    desktop_page.goto("/author/courses/new/")
    expect(desktop_page.locator("label[for=id_title]")).to_have_text("Title", timeout=1000)


def test_removing_a_lesson_asks_first(
    desktop_page: Page, live_server: LiveServer, draft_course: Course, sign_in: Callable[..., None]
) -> None:
    page = desktop_page
    sign_in(page, ADMIN)
    page.goto(f"/author/courses/{draft_course.pk}/")
    remove = page.locator(f"#lesson-{Lesson.objects.get(title=FIRST).pk}").get_by_role(
        "button", name=f"Remove {FIRST}"
    )
    asked: list[str] = []

    def answer(accept: bool) -> Callable[[Any], None]:
        def reply(dialog: Any) -> None:
            asked.append(dialog.message)
            if accept:
                dialog.accept()
            else:
                dialog.dismiss()

        return reply

    page.once("dialog", answer(accept=False))
    remove.click()
    expect(_lesson_titles(page)).to_have_text([FIRST, SECOND])
    assert asked == ["Remove this lesson from the draft?"]
    assert Lesson.objects.filter(title=FIRST, version__course=draft_course).exists()

    page.once("dialog", answer(accept=True))
    remove.click()
    expect(_lesson_titles(page)).to_have_text([SECOND])
    assert asked == ["Remove this lesson from the draft?"] * 2
    assert not Lesson.objects.filter(title=FIRST, version__course=draft_course).exists()
