"""What a learner is kept out of, and the friendly error pages they see instead."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.e2e

LEARNER = "learner@example.com"


def test_learner_gets_friendly_403_and_404_pages(
    desktop_page: Page,
    live_server: LiveServer,
    demo: None,
    sign_in: Callable[..., None],
    axe: Callable[[Page], object],
    screenshot: Callable[..., object],
) -> None:
    page = desktop_page
    sign_in(page, LEARNER)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="My training")).to_be_visible()
    expect(nav.get_by_role("link", name="People", exact=True)).to_have_count(0)
    expect(nav.get_by_role("link", name="Teams", exact=True)).to_have_count(0)

    response = page.goto("/people/")
    assert response is not None
    assert response.status == 403
    expect(page).to_have_title("Not available to you · Service Practice")
    expect(page.get_by_role("heading", level=1)).to_have_text("This page isn't open to you")
    expect(nav.get_by_role("link", name="My training")).to_be_visible()
    expect(nav.get_by_role("link", name="People", exact=True)).to_have_count(0)
    axe(page)
    screenshot(page, "403")

    response = page.goto("/no-such-page/")
    assert response is not None
    assert response.status == 404
    expect(page).to_have_title("Page not found · Service Practice")
    expect(page.get_by_role("heading", level=1)).to_have_text("We couldn't find that page")
    axe(page)
    screenshot(page, "404")
    page.get_by_role("link", name="Go to my training").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/")
