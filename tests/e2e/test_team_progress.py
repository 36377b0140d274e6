"""The demo manager assigns a course to Downtown Store with a due date; a learner finishes a
lesson on their phone; the manager sees it on the team page, opens the person's page and
downloads the spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from learners.models import User
from progress.models import Assignment
from tests.courses.builders import build_course

pytestmark = pytest.mark.e2e

Axe = Callable[..., list[dict[str, Any]]]


def test_assign_then_watch_the_team_progress(
    page: Page,
    new_page: Callable[[str], Page],
    live_server: LiveServer,
    demo: None,
    sign_in: Callable[..., None],
    axe: Axe,
    fits_width: Callable[[Page], None],
    select_by_text: Callable[..., str],
    screenshot: Callable[..., object],
    main_nav: Callable[[Page], Locator],
) -> None:
    build_course(slug="phone-basics", title="Phone basics", modules=1, lessons=2, self_enrol=False)
    due = timezone.localdate() + dt.timedelta(days=14)

    sign_in(page, "manager@example.com")
    main_nav(page).get_by_role("link", name="Assignments").click()
    axe(page)
    fits_width(page)
    page.get_by_role("button", name="Assign training").click()
    select_by_text(page.get_by_label("Training"), "Phone basics")
    expect(page.get_by_label("Leo Learner")).to_be_checked()
    expect(page.get_by_label("Lina Learner")).to_be_checked()
    page.get_by_label("By a date").check()
    page.get_by_label("Due date", exact=True).fill(due.isoformat())
    axe(page)
    fits_width(page)
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_role("status").or_(page.locator(".message")).first).to_contain_text(
        "Assigned “Phone basics” to 2 people."
    )
    assert Assignment.objects.filter(course__slug="phone-basics").count() == 2
    screenshot(page, "assignments")

    # The learner, on their phone, sees who gave it and by when, and reads a lesson.
    learner = new_page("phone")
    sign_in(learner, "learner@example.com")
    expect(learner.get_by_text("from Maya Manager").first).to_be_visible()
    axe(learner)
    fits_width(learner)
    learner.get_by_role("link", name="Phone basics").click()
    expect(learner.get_by_text("Maya Manager gave you this course")).to_be_visible()
    axe(learner)
    fits_width(learner)
    learner.get_by_role("button", name="Start the first lesson").click()
    axe(learner)
    learner.get_by_role("button", name="Done, next lesson").click()

    # The manager sees the change.
    main_nav(page).get_by_role("link", name="My team").click()
    matrix = page.get_by_role("region", name="Everyone's training")
    leo = matrix.get_by_role("row").filter(has_text="Leo Learner")
    expect(leo).to_contain_text("In progress")
    expect(leo).to_contain_text("50%")
    # Charts are drawn, and each has a table with the same numbers beside it.
    expect(page.locator("#overdue-chart")).to_be_visible()
    overdue = page.get_by_role("region", name="Overdue, by team")
    expect(overdue.get_by_role("row").filter(has_text="Downtown Store")).to_contain_text("0")
    axe(page)
    fits_width(page)
    screenshot(page, "team")

    leo.get_by_role("link", name="Leo Learner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leo Learner")
    expect(page.get_by_text("1 of 2 lessons")).to_be_visible()
    axe(page)
    fits_width(page)

    page.go_back()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as a spreadsheet (CSV)").click()
    path = download.value.path()
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    leo_row = next(
        r for r in rows if r["Person"] == "Leo Learner" and r["Course"] == "Phone basics"
    )
    assert leo_row["Status"] == "In progress" and leo_row["Progress %"] == "50"
    assert leo_row["Due"] == due.isoformat()
    assert User.objects.filter(email="learner@example.com").exists()
