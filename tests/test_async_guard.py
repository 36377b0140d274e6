"""Outside the browser tests, Django's async-safety check is on.

tests/e2e switches it off (DJANGO_ALLOW_ASYNC_UNSAFE) only while Playwright runs, and Playwright
stops whenever pytest moves on to a test outside tests/e2e, so this holds whether this test runs
before or after the browser tests.
"""

from __future__ import annotations

import asyncio
import os

import pytest
from django.core.exceptions import SynchronousOnlyOperation

from learners.models import User


# No database: Django refuses the query before it connects. Without one, pytest-django also runs
# this test after the browser tests (it orders tests by the database they use).
def test_django_async_check_is_on_outside_browser_tests() -> None:
    assert os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE") is None, (
        "DJANGO_ALLOW_ASYNC_UNSAFE is set outside the browser tests (left over from tests/e2e, "
        "or exported in the shell that runs pytest)"
    )

    async def query_inside_an_event_loop() -> bool:
        return User.objects.exists()

    with pytest.raises(SynchronousOnlyOperation):
        asyncio.run(query_inside_an_event_loop())
