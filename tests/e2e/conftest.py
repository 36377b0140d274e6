"""Browser tests: Playwright drives Debian's Chromium against pytest-django's `live_server`.

- One Chromium, shared by the tests in tests/e2e and stopped when pytest moves on to tests
  elsewhere; every test gets fresh browser contexts (no shared cookies).
- `page` runs a test twice, as a phone (390x844, touch) and on a desktop (1280x800);
  `phone_page` / `desktop_page` pin one size.
- `axe(page)` scans the page with the vendored axe-core and fails on serious/critical findings.
- Every page watches for Content Security Policy violations (an inline style or script, a
  handler attribute, anything from elsewhere): one fails the test, and so does a page from the
  live server without the policy header.
- `screenshot(page)` saves tests/e2e/artifacts/<test-name>-<viewport>.png (git-ignored); a failing
  test also leaves <test-name>-<viewport>-failed.png for every page it had open.
- The live server runs in this process with the locmem email backend, so `mailoutbox` sees the
  messages it sends, and Celery tasks run eagerly (tests/conftest.py).
"""

from __future__ import annotations

import functools
import io
import json
import os
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Response,
    expect,
    sync_playwright,
)
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from learners.management.commands.seed_demo import DEMO_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
AXE_JS = HERE / "vendor" / "axe-core-4.14.1" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
AXE_BLOCKING = {"serious", "critical"}

CSP_VIOLATION = "Content Security Policy violation: "
# Runs in every page and frame before its own scripts: the browser fires this event for each
# thing the Content Security Policy blocks, and the console carries it back to the test.
CSP_WATCH_JS = """
((prefix) => document.addEventListener("securitypolicyviolation", (event) => {
    console.error(prefix + JSON.stringify({
        directive: event.effectiveDirective,
        blocked: event.blockedURI,
        sample: event.sample,
        source: event.sourceFile ? `${event.sourceFile}:${event.lineNumber}` : "",
        page: event.documentURI,
    }));
}, true))(PREFIX);
""".replace("PREFIX", json.dumps(CSP_VIOLATION))

NewPage = Callable[[str], Page]
Axe = Callable[..., list[dict[str, Any]]]

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


# --- Reporting hook: lets fixtures know whether the test itself failed -----------------------


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


_CALL_FAILED = pytest.StashKey[bool]()


# --- Server side -----------------------------------------------------------------------------


@pytest.fixture
def _e2e_server(live_server: LiveServer, settings: Settings) -> None:
    """The live server (and, with it, a transactional test database); emails link back to it.
    Every page from `new_page` talks to it."""
    settings.SITE_URL = live_server.url
    # Hashing is not what these tests measure; Django's default costs ~0.3 s per password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Login rate limits live in the cache; one test's sign-ins must not throttle the next.
    cache.clear()


@pytest.fixture
def demo(_e2e_server: None) -> None:
    """The demo organisation (see learners/management/commands/seed_demo.py)."""
    call_command("seed_demo", "--force", stdout=io.StringIO())


# --- Browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Playwright and Chromium, started for a browser test and stopped as soon as the next test
    is outside tests/e2e, not at the end of the session (see below). pytest-django runs tests
    without a database last, so test_axe_helper.py usually gets a Chromium of its own."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (Debian package: chromium)"
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but {message}", pytrace=False)
        pytest.skip(message)
    # While Playwright's sync API runs, it leaves an asyncio event loop marked as running on the
    # main thread, and Django refuses ORM calls from a thread with a running loop. Browser tests
    # use the ORM from that thread on purpose, so Django's check is off exactly as long as
    # Playwright runs; the previous value comes back afterwards, so tests outside tests/e2e run
    # with the check on (tests/test_async_guard.py).
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """tests/e2e/artifacts/, emptied of the previous run's screenshots (unless pytest-xdist
    workers share it, in which case each file is simply overwritten)."""
    ARTIFACTS.mkdir(exist_ok=True)
    if "PYTEST_XDIST_WORKER" not in os.environ:
        for old in ARTIFACTS.glob("*.png"):
            old.unlink()
    return ARTIFACTS


@dataclass
class _OpenPages:
    """Contexts a test opened, which viewport each page has, and what went wrong in them."""

    contexts: list[BrowserContext] = field(default_factory=list)
    viewport_of: dict[int, str] = field(default_factory=dict)
    pages: list[Page] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    server: str = ""  # the live server's address: every page from it must carry the policy

    def note_bad_response(self, response: Response) -> None:
        """Server errors anywhere, missing static files (an unstyled page or a dead script
        would make the other checks meaningless), and pages from the live server without a
        Content Security Policy. Expected 4xx pages are left to the tests."""
        if response.status >= 500 or ("/static/" in response.url and response.status >= 400):
            self.problems.append(f"{response.status} for {response.request.method} {response.url}")
        if (
            response.request.resource_type == "document"
            and response.url.startswith(self.server)
            and "content-security-policy" not in response.headers
        ):
            self.problems.append(f"No Content-Security-Policy header on {response.url}")

    def note_console(self, message: ConsoleMessage) -> None:
        if message.text.startswith(CSP_VIOLATION):
            self.problems.append(message.text)


@pytest.fixture
def _open_pages(request: pytest.FixtureRequest, artifacts_dir: Path) -> Iterator[_OpenPages]:
    opened = _OpenPages()
    yield opened
    failed = request.node.stash.get(_CALL_FAILED, False)
    try:
        for page in opened.pages:
            if failed and not page.is_closed():
                viewport = opened.viewport_of[id(page)]
                path = artifacts_dir / f"{_test_name(request)}-{viewport}-failed.png"
                page.screenshot(path=path, full_page=True)
    finally:
        for context in opened.contexts:
            context.close()
    if opened.problems:
        report = "The browser saw problems:\n" + "\n".join(opened.problems)
        if failed:
            print(report)  # the test already failed; this lands next to its report
        else:
            pytest.fail(report)


@pytest.fixture
def new_page(
    _open_pages: _OpenPages, browser: Browser, live_server: LiveServer, _e2e_server: None
) -> NewPage:
    """`new_page("phone")`: a page in a fresh context (its own cookies) at that size."""
    _open_pages.server = live_server.url

    def open_page(viewport: str) -> Page:
        context = browser.new_context(base_url=live_server.url, **VIEWPORTS[viewport])
        context.add_init_script(script=CSP_WATCH_JS)
        context.set_default_timeout(10_000)
        context.set_default_navigation_timeout(15_000)
        _open_pages.contexts.append(context)
        page = context.new_page()
        _open_pages.pages.append(page)
        _open_pages.viewport_of[id(page)] = viewport
        page.on("pageerror", lambda exc: _open_pages.problems.append(f"JavaScript error: {exc}"))
        page.on("response", _open_pages.note_bad_response)
        page.on("console", _open_pages.note_console)
        return page

    return open_page


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def page(new_page: NewPage, viewport: str) -> Page:
    """Runs the test once as a phone and once on a desktop."""
    return new_page(viewport)


@pytest.fixture
def phone_page(new_page: NewPage) -> Page:
    return new_page("phone")


@pytest.fixture
def desktop_page(new_page: NewPage) -> Page:
    return new_page("desktop")


# --- Helpers handed to tests -----------------------------------------------------------------


def _test_name(request: pytest.FixtureRequest) -> str:
    return getattr(request.node, "originalname", None) or request.node.name


@pytest.fixture
def screenshot(
    request: pytest.FixtureRequest, _open_pages: _OpenPages, artifacts_dir: Path
) -> Callable[..., Path]:
    """`screenshot(page)` -> artifacts/<test>-<viewport>.png; `screenshot(page, "step")` ->
    artifacts/<test>-step-<viewport>.png for tests that take more than one."""

    def take(page: Page, step: str | None = None) -> Path:
        viewport = _open_pages.viewport_of[id(page)]
        parts = [_test_name(request), *([step] if step else []), viewport]
        path = artifacts_dir / ("-".join(parts) + ".png")
        page.screenshot(path=path, full_page=True)
        return path

    return take


@pytest.fixture
def axe(_open_pages: _OpenPages) -> Axe:
    """`axe(page)` runs axe-core on the page and fails on serious or critical violations.

    Returns every violation (including minor and moderate ones, and the rules named in
    `ignore`, which a test uses to xfail on a known app bug while it keeps checking the rest).
    """

    def scan(page: Page, *, ignore: Collection[str] = ()) -> list[dict[str, Any]]:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            # Evaluated through the browser's debugging channel, which the page's Content
            # Security Policy doesn't govern; a <script> tag of inline code would be blocked.
            page.evaluate(_axe_source())
        violations: list[dict[str, Any]] = page.evaluate(
            """async (tags) => {
                const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return results.violations.map((v) => ({
                    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                    nodes: v.nodes.map((n) => ({
                        target: n.target.join(' '), html: n.html, summary: n.failureSummary,
                    })),
                }));
            }""",
            AXE_TAGS,
        )
        blocking = [v for v in violations if v["impact"] in AXE_BLOCKING and v["id"] not in ignore]
        viewport = _open_pages.viewport_of.get(id(page), "?")
        for violation in violations:
            if violation["impact"] not in AXE_BLOCKING:  # shown with -rP or -s
                print(f"axe (not failing) on {page.url} ({viewport}):\n{_describe(violation)}")
        assert not blocking, (
            f"axe: {len(blocking)} serious/critical violation(s) on {page.url} ({viewport}):\n"
            + "\n".join(_describe(v) for v in blocking)
        )
        return violations

    return scan


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text()


def _describe(violation: dict[str, Any]) -> str:
    lines = [f"- {violation['id']} [{violation['impact']}]: {violation['help']}"]
    lines.append(f"  {violation['helpUrl']}")
    for node in violation["nodes"]:
        lines.append(f"  * {node['target']}  {node['html'][:160]}")
        summary = " ".join((node["summary"] or "").split())
        if summary:
            lines.append(f"    {summary[:300]}")
    return "\n".join(lines)


@pytest.fixture
def sign_in(live_server: LiveServer) -> Callable[..., None]:
    """`sign_in(page, email)` signs in through the real login form and waits for the
    dashboard."""

    def do_sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page).to_have_url(f"{live_server.url}/dashboard/")

    return do_sign_in


@pytest.fixture
def select_by_text() -> Callable[[Locator, str], str]:
    """Choose the <option> whose visible text, trimmed, is `text` (team lists indent nested
    teams with em spaces). Returns the option's value."""

    def choose(select: Locator, text: str) -> str:
        value = select.evaluate(
            """(el, text) => {
                const option = [...el.options].find((o) => o.textContent.trim() === text);
                return option ? option.value : null;
            }""",
            text,
        )
        assert value is not None, f"no option {text!r} in {select}"
        select.select_option(value=value)
        return value

    return choose


@pytest.fixture
def fits_width() -> Callable[[Page], None]:
    """Fails when the page scrolls sideways, the usual sign of a layout broken on phones."""

    def check(page: Page) -> None:
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{page.url} is {overflow}px wider than the viewport"

    return check


@pytest.fixture
def main_nav() -> Callable[[Page], Locator]:
    """`main_nav(page)`: the Main navigation as the person sees it. On a phone the header shows
    one Menu button, so this opens it first. Call it again after each page load: every page
    starts with the menu closed."""

    def find(page: Page) -> Locator:
        menu = page.locator("details.site-menu")
        if menu.count() and menu.is_visible() and menu.get_attribute("open") is None:
            menu.locator("summary").click()
            expect(menu).to_have_attribute("open", "")
        return page.get_by_role("navigation", name="Main")

    return find
