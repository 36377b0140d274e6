"""A new hire's first sessions, on a phone and on a desktop: the welcome, a one-click start of the
onboarding path, two lessons done, then signing out and coming back the next day to pick up
exactly where they left off. Uses the real built-in curriculum (courses/curriculum/)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from courses import services
from courses.models import Course, Enrolment, Lesson
from courses.services import enrolment_create
from learners.models import User
from progress import services as progress

pytestmark = pytest.mark.e2e

Axe = Callable[..., list[dict[str, Any]]]  # the `axe` fixture (tests/e2e/conftest.py)

LEARNER = "learner@example.com"
PATH_SLUG = "customer-service-essentials"
PATH_TITLE = "Customer Service Essentials"
COURSE_SLUG = "why-service-is-a-skill"
COURSE_TITLE = "Why service is a skill"
# courses/curriculum/why-service-is-a-skill/course.yaml, in order.
FIRST_LESSONS = [
    "Wired to fight or run",
    "People remember how you made them feel",
    "Skills fade if you don't use them",
]


@pytest.fixture
def curriculum(demo: None) -> list[Lesson]:
    """The default curriculum and the demo people; returns the first course's live lessons."""
    call_command("load_curriculum", stdout=io.StringIO())
    course = Course.objects.select_related("published_version").get(slug=COURSE_SLUG)
    assert course.published_version is not None
    lessons = list(course.published_version.lessons.all())
    assert [lesson.title for lesson in lessons[:3]] == FIRST_LESSONS
    return lessons


def test_new_hire_starts_the_path_and_picks_up_where_they_left_off(
    page: Page,
    new_page: Callable[[str], Page],
    viewport: str,
    live_server: LiveServer,
    curriculum: list[Lesson],
    sign_in: Callable[..., None],
    axe: Axe,
    screenshot: Callable[..., object],
    fits_width: Callable[[Page], None],
    main_nav: Callable[[Page], Locator],
) -> None:
    def lesson_url(index: int) -> str:
        return f"{live_server.url}/courses/{COURSE_SLUG}/lessons/{curriculum[index].key}/"

    def check_page(current: Page) -> None:
        axe(current)
        if viewport == "phone":
            fits_width(current)

    # --- First visit: a welcome and one clear way to start ---------------------------------
    sign_in(page, LEARNER)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Leo")
    expect(page.get_by_role("region", name="What this training is for")).to_be_visible()
    next_step = page.get_by_role("article", name="Your next step")
    expect(next_step).to_contain_text(f"Start with {PATH_TITLE}")
    start = next_step.get_by_role("button", name="Start your first lesson")
    expect(start).to_be_visible()
    check_page(page)
    screenshot(page, "dashboard-first-visit")

    start.click()
    expect(page).to_have_url(lesson_url(0))
    expect(page.get_by_role("heading", level=1)).to_have_text(FIRST_LESSONS[0])
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumb).to_contain_text(COURSE_TITLE)
    expect(breadcrumb).to_contain_text(f"Lesson 1 of {len(curriculum)}")
    check_page(page)
    screenshot(page, "lesson")

    # --- Two lessons done --------------------------------------------------------------------
    page.get_by_role("button", name="Done, next lesson").click()
    expect(page).to_have_url(lesson_url(1))
    expect(page.get_by_role("heading", level=1)).to_have_text(FIRST_LESSONS[1])
    page.get_by_role("button", name="Done, next lesson").click()
    expect(page).to_have_url(lesson_url(2))
    expect(page.get_by_role("heading", level=1)).to_have_text(FIRST_LESSONS[2])
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text(
        f"Lesson 3 of {len(curriculum)}"
    )

    enrolment = Enrolment.objects.get(user__email=LEARNER, course__slug=COURSE_SLUG)
    assert enrolment.last_lesson_key == curriculum[2].key
    assert enrolment.completed_at is None
    # The path enrolled them in every course of the path, not just the first.
    assert Enrolment.objects.filter(user__email=LEARNER, path__slug=PATH_SLUG).count() == 4

    # The course page shows the progress and offers to carry on.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=COURSE_TITLE).click()
    expect(page).to_have_url(f"{live_server.url}/courses/{COURSE_SLUG}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE_TITLE)
    expect(page.locator("ol.outline li.done")).to_have_count(2)
    expect(page.locator("ol.outline li.current")).to_contain_text(FIRST_LESSONS[2])
    expect(page.get_by_role("button", name="Continue where you left off")).to_have_attribute(
        "href", f"/courses/{COURSE_SLUG}/lessons/{curriculum[2].key}/"
    )
    check_page(page)
    screenshot(page, "course")

    page.goto(f"/paths/{PATH_SLUG}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(PATH_TITLE)
    expect(page.locator("ol.path-steps > li").first).to_contain_text("In progress")
    check_page(page)

    main_nav(page).get_by_role("link", name="Catalog").click()
    expect(page).to_have_url(f"{live_server.url}/catalog/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalog")
    expect(page.get_by_role("link", name=PATH_TITLE)).to_be_visible()
    check_page(page)

    # --- They leave: sign out, close the browser ---------------------------------------------
    if viewport == "desktop":
        page.locator("details.account-menu > summary").click()
        page.get_by_role("button", name="Sign out").click()
    else:  # on a phone, signing out is in the Menu
        main_nav(page).get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.context.close()

    # --- Next day, another session: the dashboard brings them back to lesson 3 ---------------
    again = new_page(viewport)
    sign_in(again, LEARNER)
    expect(again.get_by_role("heading", level=1)).to_have_text("Hi Leo")
    expect(again.get_by_role("region", name="What this training is for")).to_have_count(0)
    next_step = again.get_by_role("article", name="Your next step")
    expect(next_step).to_contain_text("Pick up where you left off:")
    expect(next_step.locator("strong")).to_have_text(FIRST_LESSONS[2])
    expect(again.get_by_role("region", name="My courses")).to_contain_text(
        f"2 of {len(curriculum)} lessons done"
    )
    check_page(again)
    screenshot(again, "dashboard")

    next_step.get_by_role("button", name="Continue").click()
    expect(again).to_have_url(lesson_url(2))
    expect(again.get_by_role("heading", level=1)).to_have_text(FIRST_LESSONS[2])

    # --- The lesson player answers the arrow keys --------------------------------------------
    expect(again.locator('a[rel="prev"]')).to_have_attribute(
        "href", f"/courses/{COURSE_SLUG}/lessons/{curriculum[1].key}/"
    )
    # The keys are wired by a deferred script: wait until it has run (before DOMContentLoaded).
    again.wait_for_load_state("domcontentloaded")
    again.keyboard.press("ArrowLeft")
    expect(again).to_have_url(lesson_url(1))
    expect(again.get_by_role("heading", level=1)).to_have_text(FIRST_LESSONS[1])
    again.wait_for_load_state("domcontentloaded")
    again.keyboard.press("ArrowRight")
    expect(again).to_have_url(lesson_url(2))
    expect(again.get_by_role("heading", level=1)).to_have_text(FIRST_LESSONS[2])


def test_my_courses_lists_the_course_in_progress_first(
    desktop_page: Page, demo: None, sign_in: Callable[..., None]
) -> None:
    learner = User.objects.get(email=LEARNER)
    enrolments = []
    for title in ["Alpha: not started", "Beta: in progress"]:
        course = services.course_create(
            title=title, slug=title.split(":")[0].lower(), created_by=None, self_enrol=True
        )
        module = services.module_create(version=course.versions.get(), title="Module")
        services.lesson_create(module=module, title=f"{title}, lesson 1")
        services.course_publish(course=course, actor=None)
        course.refresh_from_db()
        enrolments.append(enrolment_create(user=learner, course=course))
    beta = enrolments[1]
    assert beta.course.published_version is not None
    progress.lesson_open(enrolment=beta, lesson_key=beta.course.published_version.lessons.get().key)

    sign_in(desktop_page, LEARNER)
    courses = desktop_page.get_by_role("region", name="My courses").get_by_role("link")
    expect(courses).to_have_count(2)
    expect(courses.first).to_have_text("Beta: in progress", timeout=1000)
