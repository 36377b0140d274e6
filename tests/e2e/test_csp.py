"""The Content Security Policy in a real browser: the live server sends it, the watch that every
browser test runs (tests/e2e/conftest.py) catches what it blocks, and the operators' admin,
which no other browser test opens, works under it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django_celery_beat.models import CrontabSchedule
from playwright.sync_api import Page, expect

from learners.models import User
from tests.e2e.conftest import CSP_VIOLATION

pytestmark = pytest.mark.e2e


def test_the_watch_reports_what_the_policy_blocks(desktop_page: Page, _open_pages: Any) -> None:
    page = desktop_page
    response = page.goto("/accounts/login/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy

    # What an injection would try: a style attribute and an inline script.
    with page.expect_console_message(lambda m: "style-src-attr" in m.text):
        page.evaluate("() => document.body.setAttribute('style', 'display: none')")
    with page.expect_console_message(lambda m: "script-src-elem" in m.text):
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.injected = true";
                document.body.append(script);
            }"""
        )
    assert page.evaluate("() => window.injected") is None  # blocked, not run
    assert page.locator("body").is_visible()

    caught = [p for p in _open_pages.problems if p.startswith(CSP_VIOLATION)]
    assert len(caught) == 2
    assert '"directive":"style-src-attr"' in caught[0]
    assert '"directive":"script-src-elem"' in caught[1]
    assert '"page":"http://' in caught[0]
    # They would fail this test at teardown; here they are what it expects.
    _open_pages.problems.clear()


def test_the_operators_admin_works_under_the_policy(
    desktop_page: Page, demo: None, sign_in: Callable[..., None]
) -> None:
    page = desktop_page
    operator = User.objects.get(email="admin@example.com")
    operator.is_staff = operator.is_superuser = True
    operator.save()
    CrontabSchedule.objects.create(minute="0", hour="9")
    sign_in(page, operator.email)
    for url in ["/admin/", "/admin/learners/user/", f"/admin/learners/user/{operator.pk}/change/"]:
        page.goto(url)
        expect(page.locator("#content h1")).to_be_visible()

    # django-celery-beat's form says a crontab schedule in words (its script, from a file).
    page.goto("/admin/django_celery_beat/periodictask/add/")
    page.locator("#id_crontab").select_option(index=1)
    expect(page.locator(".field-crontab .help")).to_contain_text("Translation: At 09:00")
    expect(page.locator(".field-crontab_translation")).to_be_hidden()
