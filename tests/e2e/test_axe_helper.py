"""The accessibility check itself: it must catch what it claims to catch."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e


@pytest.fixture
def blank_page(browser: Browser) -> Iterator[Page]:
    """A page with no server behind it (and so no test database)."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_axe_fails_on_serious_violations_and_names_them(
    blank_page: Page, axe: Callable[..., list[dict[str, Any]]]
) -> None:
    blank_page.set_content(
        "<!DOCTYPE html><html lang='en'><head><title>Broken</title></head><body><main>"
        "<h1>Broken</h1><img src='data:,'><input type='text'>"
        "<p style='color:#aaa;background:#fff'>Low contrast</p></main></body></html>"
    )
    with pytest.raises(AssertionError) as failure:
        axe(blank_page)
    message = str(failure.value)
    for rule in ("image-alt", "label", "color-contrast"):
        assert f"- {rule} [" in message, message
    assert "<img" in message  # the offending nodes are listed

    # A rule named in `ignore` is still reported, but does not fail the scan on its own.
    blank_page.set_content(
        "<!DOCTYPE html><html lang='en'><head><title>Almost</title></head><body><main>"
        "<h1>Almost</h1><img src='data:,'></main></body></html>"
    )
    violations = axe(blank_page, ignore={"image-alt"})
    assert [v["id"] for v in violations] == ["image-alt"]
