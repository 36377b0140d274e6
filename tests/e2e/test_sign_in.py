"""Signing in and out, as the demo learner, with a mouse, a finger and a keyboard."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from learners.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

LEARNER = "learner@example.com"


def test_learner_signs_in_through_the_login_form(
    page: Page,
    live_server: LiveServer,
    demo: None,
    axe: Callable[[Page], object],
    screenshot: Callable[..., object],
    fits_width: Callable[[Page], None],
    main_nav: Callable[[Page], Locator],
) -> None:
    page.goto("/accounts/login/")
    expect(page).to_have_title("Sign in · Service Practice")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    axe(page)
    fits_width(page)
    screenshot(page, "login")

    page.get_by_label("Email address").fill(LEARNER)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/dashboard/")
    expect(page).to_have_title("My training · Service Practice")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"\bLeo\b"))
    expect(page.get_by_role("heading", level=2, name="Your next step")).to_be_visible()
    expect(page.get_by_role("region", name="Your team")).to_contain_text("Downtown Store")
    nav = main_nav(page)
    expect(nav.get_by_role("link", name="My training")).to_have_attribute("aria-current", "page")
    page.keyboard.press("Escape")
    axe(page)
    fits_width(page)
    screenshot(page)


def test_wrong_password_keeps_the_email_and_explains(
    desktop_page: Page,
    live_server: LiveServer,
    demo: None,
    axe: Callable[[Page], object],
    screenshot: Callable[..., object],
) -> None:
    page = desktop_page
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(LEARNER)
    page.get_by_label("Password", exact=True).fill("Not-the-password-1")
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.locator("form .errorlist")).to_have_text(
        "The email address and/or password you specified are not correct."
    )
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_label("Email address")).to_have_value(LEARNER)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    axe(page)
    screenshot(page)

    # Still signed out.
    page.goto("/dashboard/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/dashboard/$"))


def _tab_to(page: Page, target: str, *, max_presses: int = 20) -> None:
    """Press Tab until the element matching the CSS selector `target` has focus."""
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if page.evaluate("(sel) => document.activeElement.matches(sel)", target):
            return
    focused = page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
    raise AssertionError(f"{target} not reached in {max_presses} Tabs; focus is on {focused}")


def test_keyboard_skip_link_and_account_menu(
    desktop_page: Page,
    live_server: LiveServer,
    demo: None,
    sign_in: Callable[..., None],
    screenshot: Callable[..., object],
) -> None:
    page = desktop_page
    sign_in(page, LEARNER)
    page.goto("/dashboard/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # hidden off-screen until focused
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    expect(page).to_have_url(f"{live_server.url}/dashboard/#main")

    # The account menu opens from the keyboard and its "Sign out" works from there too.
    page.goto("/dashboard/")
    menu = page.locator("details.account-menu")
    expect(menu).not_to_have_attribute("open", "")
    _tab_to(page, "details.account-menu > summary")
    expect(menu.locator("summary")).to_have_text("Account")
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_visible()
    screenshot(page, "menu")
    _tab_to(page, "details.account-menu button[type=submit]")
    expect(sign_out).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    page.goto("/dashboard/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/dashboard/$"))
