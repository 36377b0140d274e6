"""The demo manager looks after Downtown Store: sees its people and invites a new hire, who
accepts the emailed link on their phone."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from learners.management.commands.seed_demo import DEMO_PASSWORD
from learners.models import Invitation, Membership, Team, User
from progress.models import Assignment
from tests.courses.builders import build_course

pytestmark = pytest.mark.e2e

Axe = Callable[..., list[dict[str, Any]]]  # the `axe` fixture (tests/e2e/conftest.py)

MANAGER = "manager@example.com"
NEW_HIRE = "sam.newhire@example.com"
NEW_PASSWORD = "Sunny-Counter-2026!"


def test_manager_pages_are_accessible(
    page: Page,
    live_server: LiveServer,
    demo: None,
    sign_in: Callable[..., None],
    axe: Axe,
    screenshot: Callable[..., object],
    fits_width: Callable[[Page], None],
    main_nav: Callable[[Page], Locator],
) -> None:
    sign_in(page, MANAGER)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"\bMaya\b"))
    looked_after = page.get_by_role("region", name="Teams you look after")
    expect(looked_after.get_by_role("heading", level=3)).to_have_text(["Downtown Store"])
    expect(looked_after).to_contain_text("2 people")
    axe(page)
    fits_width(page)

    main_nav(page).get_by_role("link", name="Teams", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/teams/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Teams")
    expect(main_nav(page).get_by_role("link", name="Teams", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    page.keyboard.press("Escape")  # closes the phone menu again
    tree = page.locator("ul.team-tree > li")
    expect(tree).to_have_count(1)
    expect(tree).to_contain_text("Downtown Store · 2 people · managed by Maya Manager")
    # Only training admins shape the organisation chart.
    expect(page.get_by_role("button", name="New team")).to_have_count(0)
    axe(page)
    fits_width(page)
    screenshot(page, "teams")

    page.get_by_role("link", name="Downtown Store").click()
    downtown = Team.objects.get(name="Downtown Store")
    expect(page).to_have_url(f"{live_server.url}/teams/{downtown.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Downtown Store")
    expect(page.get_by_text("part of North Region")).to_be_visible()
    expect(page.get_by_role("region", name="Managers").get_by_role("listitem")).to_have_text(
        [re.compile(r"^\s*Maya Manager\s+manager@example\.com\s*$")]
    )
    expect(page.get_by_role("region", name="People").get_by_role("listitem")).to_have_text(
        [re.compile(r"^\s*Leo Learner\b"), re.compile(r"^\s*Lina Learner\b")]
    )
    # Managers invite; adding existing accounts and removing people is for admins.
    expect(page.get_by_role("button", name="Invite a new hire")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)
    expect(page.get_by_role("button", name="Add to team")).to_have_count(0)
    axe(page)
    fits_width(page)
    screenshot(page, "team")

    main_nav(page).get_by_role("link", name="People", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/people/")
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    expect(main_nav(page).get_by_role("link", name="People", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    page.keyboard.press("Escape")
    names = page.locator("#people-table tbody tr td:first-child")
    # Maya sees herself and her store's people, not Harbour Store's learner or the admin.
    expect(names).to_have_text(["Leo Learner", "Lina Learner", "Maya Manager"])
    expect(page.get_by_role("button", name="Invite someone")).to_be_visible()
    fits_width(page)
    screenshot(page)
    axe(page)


def _invitation_link(message: mail.EmailMessage, base_url: str) -> str:
    match = re.search(r"^(\S+/invite/\S+/)$", message.body, re.MULTILINE)
    assert match, f"no invitation link in the email body:\n{message.body}"
    link = match.group(1)
    assert link.startswith(f"{base_url}/invite/"), link
    return link


def test_manager_invites_a_new_hire_who_accepts_on_their_phone(
    desktop_page: Page,
    new_page: Callable[[str], Page],
    live_server: LiveServer,
    demo: None,
    mailoutbox: list[mail.EmailMessage],
    sign_in: Callable[..., None],
    axe: Axe,
    screenshot: Callable[..., object],
    select_by_text: Callable[[Locator, str], str],
) -> None:
    page = desktop_page
    downtown = Team.objects.get(name="Downtown Store")
    sign_in(page, MANAGER)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="People", exact=True).click()
    page.get_by_role("button", name="Invite someone").click()
    expect(page).to_have_url(f"{live_server.url}/people/invite/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite a new hire")
    page.get_by_label("Email address").fill(NEW_HIRE)
    page.get_by_label("Full name").fill("Sam Newhire")
    chosen = select_by_text(page.get_by_label("Team"), "Downtown Store")
    assert chosen == str(downtown.pk)
    axe(page)
    screenshot(page, "invite")
    page.get_by_role("button", name="Send invitation").click()

    expect(page).to_have_url(f"{live_server.url}/people/")
    expect(page.get_by_role("status")).to_have_text(
        f"The invitation to {NEW_HIRE} is queued and will be emailed in a moment. "
        "The link works for 7 days."
    )
    row = page.locator("tr", has_text=NEW_HIRE)
    expect(row).to_contain_text("Downtown Store")
    # The live server runs tasks inline, so the worker's part is done by the time it shows.
    expect(row).to_contain_text("Sent")
    axe(page)

    # The live server runs in this process, so its locmem email backend fills mail.outbox.
    assert len(mailoutbox) == 1, [m.subject for m in mailoutbox]
    message = mailoutbox[0]
    assert message.to == [NEW_HIRE]
    assert message.subject == "You're invited to Service Practice"
    assert "Maya Manager has invited you to join Downtown Store on Service Practice." in (
        message.body
    )
    link = _invitation_link(message, live_server.url)
    assert isinstance(message, mail.EmailMultiAlternatives)
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{link}"' in html

    # The new hire opens the link on their phone: a fresh context, signed in as nobody.
    phone = new_page("phone")
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Welcome to Downtown Store")
    expect(phone.get_by_text(f"You'll sign in with {NEW_HIRE}.", exact=False)).to_be_visible()
    name = phone.get_by_label("Your name")
    expect(name).to_have_value("Sam Newhire")
    axe(phone)
    screenshot(phone, "accept")
    name.fill("Sam Newhire-Jones")
    phone.get_by_label("Choose a password").fill(NEW_PASSWORD)
    phone.get_by_label("Type it again").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Start my training").click()

    expect(phone).to_have_url(f"{live_server.url}/dashboard/")
    expect(phone.get_by_role("status")).to_have_text(
        "You're all set: you've joined Downtown Store."
    )
    expect(phone.get_by_role("heading", level=1)).to_have_text(re.compile(r"\bSam\b"))
    expect(phone.get_by_role("heading", name="Your next step")).to_be_visible()
    expect(phone.get_by_role("region", name="Your team")).to_contain_text("Downtown Store")
    screenshot(phone)
    person = User.objects.get(email=NEW_HIRE)
    assert person.full_name == "Sam Newhire-Jones"
    assert person.check_password(NEW_PASSWORD)
    assert Membership.objects.filter(
        user=person, team=downtown, role=Membership.Role.MEMBER
    ).exists()
    assert Invitation.objects.get(email=NEW_HIRE).accepted_by == person

    # The link works once.
    response = phone.goto(link)
    assert response is not None
    assert response.status == 410
    expect(phone.get_by_role("heading", level=1)).to_have_text("You've already used this link")
    # Still signed in from accepting: straight back to their training.
    expect(phone.get_by_role("button", name="Go to my training")).to_be_visible()
    axe(phone)
    screenshot(phone, "used")


def test_a_colleague_from_another_store_joins_only_once_signed_in_as_themselves(
    desktop_page: Page,
    new_page: Callable[[str], Page],
    live_server: LiveServer,
    demo: None,
    mailoutbox: list[mail.EmailMessage],
    sign_in: Callable[..., None],
    axe: Axe,
    screenshot: Callable[..., object],
    select_by_text: Callable[[Locator, str], str],
) -> None:
    """Maya invites Luca, who already works at Harbour Store. The link reaches a phone where
    Leo is signed in: it says the invitation is not his, signs him out, and lets Luca in only
    after he signs in."""
    colleague = "learner3@example.com"
    page = desktop_page
    sign_in(page, MANAGER)
    page.goto("/people/invite/")
    page.get_by_label("Email address").fill(colleague)
    select_by_text(page.get_by_label("Team"), "Downtown Store")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text(f"The invitation to {colleague} is queued")
    assert len(mailoutbox) == 1, [m.subject for m in mailoutbox]
    link = _invitation_link(mailoutbox[0], live_server.url)

    phone = new_page("phone")
    sign_in(phone, "learner@example.com")
    response = phone.goto(link)
    assert response is not None
    assert response.status == 403
    main = phone.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("This invitation is for someone else")
    expect(main).to_contain_text(
        f"It invites {colleague} to join Downtown Store, but you're signed in as "
        "learner@example.com."
    )
    axe(phone)
    screenshot(phone, "someone-else")
    main.get_by_role("button", name="Sign out").click()

    expect(phone).to_have_url(re.compile(r"/accounts/login/\?next=/invite/"))
    expect(
        phone.get_by_text(f"Sign in as {colleague} to join Downtown Store.", exact=False)
    ).to_be_visible()
    axe(phone)
    phone.get_by_label("Email address").fill(colleague)
    phone.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    phone.get_by_role("button", name="Sign in", exact=True).click()

    expect(phone).to_have_url(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Welcome to Downtown Store")
    expect(phone.get_by_label("Choose a password")).to_have_count(0)
    axe(phone)
    screenshot(phone, "join")
    phone.get_by_role("button", name="Join the team").click()

    expect(phone).to_have_url(f"{live_server.url}/dashboard/")
    expect(phone.get_by_role("status")).to_have_text("You're now in Downtown Store.")
    luca = User.objects.get(email=colleague)
    assert set(luca.memberships.values_list("team__name", flat=True)) == {
        "Harbour Store",
        "Downtown Store",
    }
    assert Invitation.objects.get(email=colleague).accepted_by == luca


def test_manager_gives_their_store_a_team_rule(
    page: Page,
    live_server: LiveServer,
    demo: None,
    sign_in: Callable[..., None],
    axe: Axe,
    screenshot: Callable[..., object],
    fits_width: Callable[[Page], None],
    select_by_text: Callable[[Locator, str], str],
    main_nav: Callable[[Page], Locator],
) -> None:
    build_course(title="Calm under fire", self_enrol=False)
    sign_in(page, MANAGER)
    main_nav(page).get_by_role("link", name="Assignments", exact=True).click()
    page.get_by_role("button", name="Team rules").click()
    expect(page).to_have_url(f"{live_server.url}/assignments/rules/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Team rules")
    select_by_text(page.get_by_label("Team"), "Downtown Store")
    select_by_text(page.get_by_label("Training"), "Calm under fire")
    page.get_by_label("Days to finish (optional)").fill("14")
    page.get_by_role("button", name="Add rule").click()

    expect(page.get_by_role("status")).to_have_text(
        "Done. Everyone in Downtown Store has “Calm under fire” now, and so will anyone who joins."
    )
    row = page.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Within 14 days of joining")
    expect(row).to_contain_text("2 people")
    assert set(Assignment.objects.values_list("user__email", flat=True)) == {
        "learner@example.com",
        "learner2@example.com",
    }
    axe(page)
    fits_width(page)
    screenshot(page)

    row.get_by_role("button", name=re.compile("^Remove")).click()
    expect(page.get_by_role("status")).to_contain_text("everyone who has it keeps it")
    expect(page.locator("tbody tr")).to_have_count(0)
    assert Assignment.objects.active().count() == 2
