"""The bell: a learner with a new assignment sees the count, opens the list from the keyboard or
a tap, and marking everything read clears the count. (The refresher half of the issue's browser
test, opening a due refresher from the dashboard, belongs with the refreshers work.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from learners.models import User
from notifications.sweep import reminders_sweep
from progress.assignments import Due, assignment_create
from tests.courses.builders import build_course

pytestmark = pytest.mark.e2e

Axe = Callable[..., list[dict[str, Any]]]


def test_the_bell_shows_and_clears(
    page: Page,
    demo: None,
    sign_in: Callable[..., None],
    axe: Axe,
    fits_width: Callable[[Page], None],
) -> None:
    course = build_course(slug="phone-basics", title="Phone basics", modules=1, lessons=1)
    leo = User.objects.get(email="learner@example.com")
    maya = User.objects.get(email="manager@example.com")
    assignment_create(
        actor=maya,
        people=[leo],
        course=course,
        due=Due(on=timezone.localdate() + dt.timedelta(days=20)),
    )
    reminders_sweep()

    sign_in(page, "learner@example.com")
    bell = page.locator("#bell")
    expect(bell.get_by_test_id("bell-count")).to_have_text("1")
    fits_width(page)

    summary = bell.locator("summary")
    # The counted bell has just been swapped in; htmx wires it up once it has settled.
    page.wait_for_function(
        "() => !document.querySelector('#bell.htmx-added, #bell .htmx-added, .htmx-settling')"
    )
    summary.focus()
    page.keyboard.press("Enter")
    expect(bell.get_by_role("link", name="New training: Phone basics")).to_be_visible()
    fits_width(page)
    axe(page)

    bell.get_by_role("button", name="Mark all as read").click()
    expect(page.locator("#bell").get_by_test_id("bell-count")).to_have_count(0)
    expect(page.locator("#bell summary")).to_have_attribute("aria-label", "Notifications, 0 unread")

    page.reload()
    expect(page.locator("#bell summary")).to_have_attribute("aria-label", "Notifications, 0 unread")
