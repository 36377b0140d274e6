"""The demo training admin sees the whole organisation and adds a team."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from learners.models import Team

pytestmark = pytest.mark.e2e

ADMIN = "admin@example.com"


def test_admin_sees_the_organisation_and_creates_a_team(
    desktop_page: Page,
    live_server: LiveServer,
    demo: None,
    sign_in: Callable[..., None],
    axe: Callable[[Page], object],
    screenshot: Callable[..., object],
    select_by_text: Callable[[Locator, str], str],
) -> None:
    page = desktop_page
    sign_in(page, ADMIN)
    org = page.get_by_role("region", name="Your organisation")
    # seed_demo: five people, three teams (a region and two stores), nobody invited yet.
    expect(org.locator("article")).to_have_text(
        [
            re.compile(r"^\s*5\s+people · see everyone\s*$"),
            re.compile(r"^\s*3\s+teams · see teams\s*$"),
            re.compile(r"^\s*0\s+invitations waiting · invite someone\s*$"),
        ]
    )
    axe(page)
    screenshot(page, "dashboard")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Teams").click()
    expect(page).to_have_url(f"{live_server.url}/teams/")
    expect(page.locator("ul.team-tree > li > a")).to_have_text(
        ["North Region", "Downtown Store", "Harbour Store"]
    )
    page.get_by_role("button", name="New team").click()
    expect(page).to_have_url(f"{live_server.url}/teams/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("New team")
    axe(page)
    page.get_by_label("Team name").fill("Riverside Store")
    select_by_text(page.get_by_label("Part of"), "North Region")
    page.get_by_role("button", name="Create team").click()

    riverside = Team.objects.get(name="Riverside Store")
    region = Team.objects.get(name="North Region")
    assert riverside.parent == region
    assert riverside.path == f"{region.path}{riverside.pk}/"
    expect(page).to_have_url(f"{live_server.url}/teams/{riverside.pk}/")
    expect(page.get_by_role("status")).to_have_text("Team “Riverside Store” created.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Store")
    expect(page.get_by_text("part of North Region")).to_be_visible()
    axe(page)

    # A nameless team is refused, with the reason next to the name and the parent kept.
    page.goto("/teams/new/")
    downtown_pk = select_by_text(page.get_by_label("Part of"), "Downtown Store")
    page.get_by_role("button", name="Create team").click()
    expect(page).to_have_url(f"{live_server.url}/teams/new/")
    name = page.get_by_label("Team name")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile("This field is required"))
    # The error list sits in the name field's own block, just before the input.
    error = page.locator("#id_name_error")
    expect(error).to_have_text("This field is required.")
    assert error.evaluate("(el) => el.nextElementSibling === document.getElementById('id_name')")
    expect(page.get_by_label("Part of")).to_have_value(downtown_pk)
    assert Team.objects.count() == 4
    axe(page)
    screenshot(page)


def test_admin_reads_and_filters_the_activity_log(
    page: Page,
    live_server: LiveServer,
    demo: None,
    sign_in: Callable[..., None],
    axe: Callable[[Page], object],
    screenshot: Callable[..., object],
    fits_width: Callable[[Page], None],
    select_by_text: Callable[[Locator, str], str],
    main_nav: Callable[[Page], Locator],
) -> None:
    sign_in(page, ADMIN)
    main_nav(page).get_by_role("link", name="Activity log").click()
    expect(page).to_have_url(f"{live_server.url}/audit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Activity log")
    expect(main_nav(page).get_by_role("link", name="Activity log")).to_have_attribute(
        "aria-current", "page"
    )
    page.keyboard.press("Escape")  # closes the phone menu again
    # seed_demo is set-up work: three teams, one training admin, four places in teams.
    log = page.get_by_role("region", name="8 changes")
    expect(log.locator("tbody tr")).to_have_count(8)
    expect(log.locator("tbody tr").first).to_contain_text("System")
    expect(log).to_contain_text("Created a team")
    expect(log).to_contain_text("training admin: no → yes")
    axe(page)
    fits_width(page)
    screenshot(page)

    select_by_text(page.get_by_label("What happened"), "Added to a team")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/audit/\?action=membership\.add&"))
    rows = page.get_by_role("region", name="4 changes").locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("team: — → Harbour Store")
    expect(page.get_by_label("What happened")).to_have_value("membership.add")

    page.get_by_label("Who did it").fill("nobody")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("Nothing matches these filters.")).to_be_visible()
    expect(page.get_by_label("Who did it")).to_have_value("nobody")
    axe(page)
    fits_width(page)

    # A date the page cannot read (from an edited address): the reason sits on the field.
    response = page.goto("/audit/?since=2026-02-31")
    assert response is not None and response.status == 400
    since = page.get_by_label("From")
    expect(since).to_have_attribute("aria-invalid", "true")
    expect(since).to_have_accessible_description(re.compile("We couldn.t read that date."))
    axe(page)
    page.get_by_role("link", name="Show everything").click()
    expect(page.get_by_role("region", name="8 changes")).to_be_visible()
