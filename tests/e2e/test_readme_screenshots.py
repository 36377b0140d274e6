"""The pictures in the README, taken from the running product with the demo data `make run`
loads: the learner's dashboard on a phone, a practice conversation's debrief, and the
manager's team page.

Each run saves them under tests/e2e/artifacts/; `make screenshots` (README_SCREENSHOTS=1) also
writes them to docs/screenshots/, so the README never shows a page the product no longer has.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.e2e

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PUBLISH = os.environ.get("README_SCREENSHOTS") == "1"
NewPage = Callable[[str], Page]
Axe = Callable[..., list[dict[str, Any]]]


@pytest.fixture
def demo_with_training(demo: None) -> None:
    out = io.StringIO()
    for command in ("load_curriculum", "load_quizzes", "load_scenarios"):
        call_command(command, stdout=out)
    call_command("seed_demo_activity", "--force", stdout=out)


def keep(page: Page, artifacts_dir: Path, name: str) -> None:
    """The visible screen (not the whole page): what a reader would see first."""
    path = artifacts_dir / f"readme-{name}.png"
    page.screenshot(path=path)
    if PUBLISH:
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / f"{name}.png")


def test_readme_pictures(
    new_page: NewPage,
    live_server: LiveServer,
    demo_with_training: None,
    sign_in: Callable[..., None],
    axe: Axe,
    fits_width: Callable[[Page], None],
    artifacts_dir: Path,
) -> None:
    phone = new_page("phone")
    sign_in(phone, "learner2@example.com")  # Lina: part-way, one course overdue
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    axe(phone)
    fits_width(phone)
    keep(phone, artifacts_dir, "learner-dashboard-phone")

    # A whole practice conversation, always taking the first reply offered.
    phone.goto(f"{live_server.url}/practice/wrong-order/")
    phone.get_by_role("button", name="Start").first.click()
    debrief = phone.get_by_role("heading", name="Your behaviours")
    reply = phone.locator("button.reply-choice:enabled").first
    for _ in range(20):
        expect(debrief.or_(reply)).to_be_visible()
        if debrief.is_visible():
            break
        reply.click()
    expect(debrief).to_be_visible()
    axe(phone)
    fits_width(phone)
    phone.get_by_role("heading", name="Your behaviours").scroll_into_view_if_needed()
    keep(phone, artifacts_dir, "conversation-debrief-phone")

    desktop = new_page("desktop")
    sign_in(desktop, "manager@example.com")
    desktop.get_by_role("navigation", name="Main").get_by_role("link", name="My team").click()
    expect(desktop.get_by_role("heading", level=1)).to_be_visible()
    expect(desktop.get_by_text("Lina Learner").first).to_be_visible()
    axe(desktop)
    fits_width(desktop)
    keep(desktop, artifacts_dir, "manager-team-desktop")
