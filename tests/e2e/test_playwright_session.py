"""While Playwright runs, browser tests can still use the ORM from the test thread."""

from __future__ import annotations

import asyncio
import os

import pytest
from playwright.sync_api import Browser

from learners.models import User

pytestmark = pytest.mark.e2e


# transactional_db, as the live server gives the other browser tests: pytest-django then runs this
# test next to them, under the same Playwright.
def test_django_async_check_is_off_while_playwright_runs(
    browser: Browser, transactional_db: None
) -> None:
    # Why it has to be off: Playwright leaves its event loop marked as running on this thread.
    # If a later Playwright stops doing that, the fixture no longer needs to touch the variable.
    assert asyncio.get_running_loop().is_running()
    assert os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE") == "true"
    assert not User.objects.filter(email="nobody@example.com").exists()
