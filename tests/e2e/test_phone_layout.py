"""The learner's pages and the header on a phone: a one-line header with a Menu for every role,
no page wider than the screen for anyone, and keyboard-only reading that records progress."""

from __future__ import annotations

import io
import re
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from courses.models import Course, Enrolment, Lesson
from learners.models import Team, User
from learners.services import invitation_create

pytestmark = pytest.mark.e2e

Axe = Callable[..., list[dict[str, Any]]]

LEARNER = "learner@example.com"
MANAGER = "manager@example.com"
ADMIN = "admin@example.com"
PERSONAS = [LEARNER, MANAGER, ADMIN]
HEADER_MAX = 64  # px, at 390 px wide
# Pages a crawl must not open: they sign out, download files, or belong to Django's admin.
SKIP_URL_NAMES = re.compile(r"logout|export|download|pdf|csv")
SKIP_PREFIXES = ("/admin/", "/static/", "/media/")


@pytest.fixture
def full_demo(demo: None) -> None:
    """The demo people with the built-in curriculum, quizzes, conversations and activity."""
    for command in ("load_curriculum", "load_quizzes", "load_scenarios"):
        call_command(command, stdout=io.StringIO())
    call_command("seed_demo_activity", "--force", stdout=io.StringIO())
    # Long addresses in the invitations table are what used to push the People page wide.
    manager = User.objects.get(email=MANAGER)
    team = Team.objects.get(name="Downtown Store")
    invitation_create(
        actor=manager,
        email="samantha.longsurname-newhire@example-store.com",
        team=team,
        full_name="Samantha Longsurname",
    )


@pytest.mark.parametrize("email", PERSONAS)
def test_the_phone_header_is_one_line_with_a_menu(
    phone_page: Page,
    full_demo: None,
    email: str,
    sign_in: Callable[..., None],
    axe: Axe,
    screenshot: Callable[..., object],
) -> None:
    page = phone_page
    sign_in(page, email)
    header = page.locator("header.site-header")
    height = header.evaluate("(el) => el.getBoundingClientRect().height")
    assert height <= HEADER_MAX, f"the header is {height}px high for {email}"
    expect(page.locator("nav.nav-wide")).to_be_hidden()
    menu = page.locator("details.site-menu")
    summary = menu.locator("summary")
    expect(summary).to_have_text("Menu")
    expect(page.get_by_role("link", name="Catalog")).to_have_count(0)  # folded away

    # Keyboard: Tab reaches the Menu (after the skip link, the brand and the notification
    # bell), Enter opens it.
    page.goto("/dashboard/")
    # The bell swaps itself for its counted version once the page has loaded: wait for that,
    # so the focus isn't on an element about to be replaced.
    expect(page.locator("#bell[hx-get]")).to_have_count(0)
    for _ in range(3):
        page.keyboard.press("Tab")
    expect(page.locator("#bell summary")).to_be_focused()
    page.keyboard.press("Tab")
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Catalog")).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    if email != LEARNER:
        expect(nav.get_by_role("link", name="People", exact=True)).to_be_visible()
    # The open menu lies over the page instead of pushing it down.
    assert header.evaluate("(el) => el.getBoundingClientRect().height") == height
    axe(page)
    screenshot(page, "open")
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="My training")).to_be_focused()

    # Escape closes it and gives focus back to the Menu button.
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()

    # A tap elsewhere closes it too; a link in it goes where it says.
    summary.click()
    expect(menu).to_have_attribute("open", "")
    page.locator("footer").click()
    expect(menu).not_to_have_attribute("open", "")
    summary.click()
    nav.get_by_role("link", name="Catalog").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalog")
    expect(menu).not_to_have_attribute("open", "")


def test_the_desktop_keeps_the_full_navigation(
    desktop_page: Page, full_demo: None, sign_in: Callable[..., None]
) -> None:
    page = desktop_page
    sign_in(page, ADMIN)
    expect(page.locator("details.site-menu")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Main")
    for name in ["My training", "Catalog", "People", "My team", "Authoring", "Activity log"]:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    height = page.locator("header.site-header").evaluate(
        "(el) => el.getBoundingClientRect().height"
    )
    assert height <= 96, f"the desktop header wraps: {height}px"  # two rows would be ~140


def _reachable(page: Page, live_server: LiveServer) -> list[str]:
    """Every same-site page linked from where the person can go, one URL per route."""
    seen_routes: set[str] = set()
    queue = deque(["/dashboard/"])
    found: list[str] = []
    while queue:
        path = queue.popleft()
        try:
            match = resolve(path)
        except Resolver404:
            continue
        route = match.route
        if route in seen_routes or SKIP_URL_NAMES.search(match.url_name or ""):
            continue
        seen_routes.add(route)
        response = page.goto(path)
        if response is None or response.status >= 400:
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        found.append(path)
        hrefs = page.eval_on_selector_all("a[href]", "(links) => links.map((a) => a.href)")
        for href in hrefs:
            parts = urlsplit(href)
            if parts.netloc and parts.netloc != urlsplit(live_server.url).netloc:
                continue
            if parts.path.startswith(SKIP_PREFIXES):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _too_wide(page: Page) -> str | None:
    """What sticks out, when the page scrolls sideways; None when it fits."""
    return page.evaluate(
        """() => {
            const doc = document.documentElement;
            // A phone zooms out to show a page that is too wide, which stretches innerWidth
            // with it: the screen's width is the layout viewport's, clientWidth.
            const screen = Math.min(window.innerWidth, doc.clientWidth);
            if (doc.scrollWidth <= screen && window.innerWidth <= doc.clientWidth) return null;
            const culprits = [...document.querySelectorAll('body *')]
                .filter((el) => el.getBoundingClientRect().right > screen + 0.5)
                .filter((el) => !el.closest('.table-wrap'))
                .slice(0, 3)
                .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
            const sizes = `${doc.scrollWidth}px wide, innerWidth ${window.innerWidth}`;
            return `${sizes} (${culprits.join(', ')})`;
        }"""
    )


@pytest.mark.parametrize("email", PERSONAS)
def test_no_page_is_wider_than_a_phone(
    phone_page: Page,
    live_server: LiveServer,
    full_demo: None,
    email: str,
    sign_in: Callable[..., None],
) -> None:
    page = phone_page
    sign_in(page, email)
    pages = _reachable(page, live_server)
    assert len(pages) >= (8 if email == LEARNER else 15), pages
    too_wide = []
    for path in pages:
        page.goto(path)
        problem = _too_wide(page)
        if problem:
            too_wide.append(f"{path}: {problem}")
    assert not too_wide, "\n".join(too_wide)


def _lessons(slug: str) -> list[Lesson]:
    course = Course.objects.select_related("published_version").get(slug=slug)
    assert course.published_version is not None
    return list(course.published_version.lessons.order_by("module__position", "position", "pk"))


def test_reading_a_course_with_the_arrow_key_records_every_lesson(
    page: Page,
    live_server: LiveServer,
    full_demo: None,
    sign_in: Callable[..., None],
) -> None:
    slug = "why-service-is-a-skill"
    lessons = _lessons(slug)
    sign_in(page, "learner3@example.com")  # Luca has not started anything
    page.goto(f"/courses/{slug}/")
    start = page.get_by_role("button", name="Start this course")
    if start.count():
        start.click()
    else:
        page.get_by_role("button", name="Start the first lesson").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(lessons[0].title)
    hint = page.locator(".keyboard-hint")
    if page.viewport_size and page.viewport_size["width"] > 576:
        expect(hint).to_contain_text("→ does what the main button does")

    for index, lesson in enumerate(lessons):
        expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title)
        page.locator("main h1").click()  # focus in the page, on no control
        page.wait_for_load_state("domcontentloaded")  # the keys' deferred script has run
        page.keyboard.press("ArrowRight")
        if index + 1 < len(lessons):
            expect(page.get_by_role("heading", level=1)).to_have_text(lessons[index + 1].title)
    # After the last lesson, on to what the course still asks for: its quick check.
    expect(page).to_have_url(re.compile(r"/quizzes/"))

    enrolment = Enrolment.objects.get(user__email="learner3@example.com", course__slug=slug)
    assert enrolment.completed_lessons == len(lessons)


SCREENSHOT_PAGES = {
    LEARNER: ["/dashboard/", "/catalog/", "/courses/why-service-is-a-skill/", "lesson"],
    MANAGER: ["/dashboard/", "/people/", "/team/"],
    ADMIN: ["/dashboard/", "/people/", "/catalog/"],
}


@pytest.mark.parametrize("email", PERSONAS)
def test_the_main_pages_look_right(
    page: Page,
    full_demo: None,
    email: str,
    sign_in: Callable[..., None],
    axe: Axe,
    screenshot: Callable[..., object],
) -> None:
    """Screenshots (tests/e2e/artifacts/) to look at, and axe on each page."""
    sign_in(page, email)
    lesson = _lessons("why-service-is-a-skill")[1]
    for path in SCREENSHOT_PAGES[email]:
        if path == "lesson":
            path = f"/courses/why-service-is-a-skill/lessons/{lesson.key}/"
        page.goto(path)
        assert _too_wide(page) is None
        axe(page)
        name = email.split("@")[0] + "-" + (path.strip("/").split("/")[0] or "home")
        screenshot(page, name + ("-lesson" if "/lessons/" in path else ""))


def test_the_people_page_keeps_its_buttons_on_a_phone_screen(
    phone_page: Page, full_demo: None, sign_in: Callable[..., None], axe: Axe
) -> None:
    page = phone_page
    sign_in(page, MANAGER)
    page.goto("/people/")
    width = page.viewport_size["width"] if page.viewport_size else 390
    for name in ["Send a new link", "Cancel"]:
        button = page.get_by_role("button", name=re.compile(f"^{name}"))
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{name}: {box}"
    # Neither table needs sideways scrolling to be read.
    for wrap in page.locator(".table-wrap").all():
        assert wrap.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    axe(page)


def test_lesson_lines_stay_a_readable_length_on_a_desktop(
    desktop_page: Page, full_demo: None, sign_in: Callable[..., None]
) -> None:
    page = desktop_page
    lesson = _lessons("why-service-is-a-skill")[0]
    sign_in(page, LEARNER)
    page.goto("/courses/why-service-is-a-skill/")
    page.get_by_role("button", name="Start the first lesson").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title)
    # Characters per line of ordinary English text (spaces included), the typographer's
    # measure; a row of zeros would overstate it in fonts with narrow figures.
    characters = page.locator(".lesson-body").evaluate(
        """(body) => {
            const probe = document.createElement("span");
            probe.textContent = "Stay calm, listen first and say what you will do next. ".repeat(4);
            probe.style.whiteSpace = "nowrap";
            body.appendChild(probe);
            const perCharacter = probe.getBoundingClientRect().width / probe.textContent.length;
            probe.remove();
            return body.getBoundingClientRect().width / perCharacter;
        }"""
    )
    assert 55 <= characters <= 75, f"lesson lines are {characters:.0f} characters wide"
