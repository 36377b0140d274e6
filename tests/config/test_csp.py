"""The Content Security Policy and the other protective headers on every page, the report-only
mode, the violation report endpoint, and the templates that keep the policy workable."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from courses.content import video_embed_url
from tests.config.test_settings import last_line, production_env, run_python

pytestmark = pytest.mark.django_db

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src https://www.youtube-nocookie.com https://player.vimeo.com; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def csp_directives(header: str | None) -> dict[str, list[str]] | None:
    """The policy as {directive: sources}; django-csp writes directives in no fixed order."""
    if header is None:
        return None
    return {d.split()[0]: d.split()[1:] for d in header.split("; ")}


# --- The headers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        (None, "/accounts/login/"),
        ("learner", "/dashboard/"),
        ("admin", "/author/"),
        ("learner", "/no-such-page/"),  # the 404 page
        (None, "/healthz"),
    ],
)
def test_every_page_carries_the_policy_and_the_protective_headers(
    client, request, settings, persona, url
):
    assert settings.DEBUG is False  # as in production: pytest-django runs tests so
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(url)
    assert csp_directives(response["Content-Security-Policy"]) == csp_directives(POLICY)
    assert "Content-Security-Policy-Report-Only" not in response
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_a_refused_request_carries_the_policy_too(client):
    response = client.get("/accounts/login/", {"next": "a\x00b"})
    assert response.status_code == 400
    assert csp_directives(response["Content-Security-Policy"]) == csp_directives(POLICY)


def test_the_policy_allows_no_inline_code_and_nothing_from_elsewhere():
    directives = csp_directives(POLICY)
    for directive in ("script-src", "style-src", "default-src"):
        assert directives[directive] == ["'self'"]
    assert "'unsafe-inline'" not in POLICY
    assert "'unsafe-eval'" not in POLICY


@pytest.mark.parametrize(
    "link",
    [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ",
        "https://vimeo.com/123456789",
    ],
)
def test_lesson_videos_come_from_hosts_the_policy_allows(link):
    embed = urlsplit(video_embed_url(link))
    assert f"{embed.scheme}://{embed.netloc}" in csp_directives(POLICY)["frame-src"]


# A fresh process, as settings read the environment once. The report endpoint's 405 needs no
# collected static files, which production settings insist on for pages.
PRINT_HEADERS = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/csp-report/", secure=True, HTTP_HOST="training.example.com")
print(json.dumps({"status": response.status_code, **response.headers}))
"""


@pytest.mark.parametrize(
    ("variables", "enforced", "reported"),
    [
        ({}, POLICY, None),
        ({"CSP_REPORT_URI": "/csp-report/"}, f"{POLICY}; report-uri /csp-report/", None),
        ({"CSP_REPORT_ONLY": "1"}, None, POLICY),
        (
            {"CSP_REPORT_ONLY": "1", "CSP_REPORT_URI": "https://reports.example.com/csp"},
            None,
            f"{POLICY}; report-uri https://reports.example.com/csp",
        ),
    ],
)
def test_production_settings_enforce_or_only_report(tmp_path, variables, enforced, reported):
    result = run_python(["-c", PRINT_HEADERS], production_env(tmp_path, **variables))
    assert result.returncode == 0, result.stderr
    headers = json.loads(last_line(result.stdout))
    assert headers["status"] == 405
    assert csp_directives(headers.get("Content-Security-Policy")) == csp_directives(enforced)
    assert csp_directives(headers.get("Content-Security-Policy-Report-Only")) == csp_directives(
        reported
    )


def test_a_bad_report_only_value_names_the_variable(tmp_path):
    result = run_python(["manage.py", "check"], production_env(tmp_path, CSP_REPORT_ONLY="maybe"))
    assert result.returncode != 0
    assert "CSP_REPORT_ONLY must be one of 1/0, true/false, yes/no, on/off" in result.stderr


# --- The report endpoint ----------------------------------------------------------------------

REPORT = {
    "csp-report": {
        "document-uri": "https://training.example.com/dashboard/",
        "referrer": "",
        "violated-directive": "style-src-attr",
        "effective-directive": "style-src-attr",
        "original-policy": POLICY,
        "disposition": "enforce",
        "blocked-uri": "inline",
        "line-number": 12,
        "source-file": "https://training.example.com/dashboard/",
        "status-code": 200,
        "script-sample": "",
    }
}


def logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "config.csp"]


def post_report(client: Client, body: object, **extra: object):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(reverse("csp_report"), data, content_type="application/csp-report", **extra)


def test_a_report_is_logged_as_one_line(caplog):
    # Browsers send no CSRF token; the endpoint must not need one.
    client = Client(enforce_csrf_checks=True)
    with caplog.at_level(logging.WARNING, logger="config.csp"):
        response = post_report(client, REPORT)
    assert response.status_code == 204
    assert logged(caplog) == [
        "Content Security Policy violation: effective-directive=style-src-attr "
        "blocked-uri=inline document-uri=https://training.example.com/dashboard/ "
        "source-file=https://training.example.com/dashboard/ line-number=12 "
        "disposition=enforce"
    ]


def test_what_a_report_says_cannot_forge_log_lines(client, caplog):
    forged = {"csp-report": {"blocked-uri": "x\nERROR django: forged\x1b[31m" + "y" * 500}}
    with caplog.at_level(logging.WARNING, logger="config.csp"):
        assert post_report(client, forged).status_code == 204
    (message,) = logged(caplog)
    assert "\n" not in message and "\x1b" not in message
    assert message.startswith("Content Security Policy violation: blocked-uri=x ERROR django:")
    assert len(message) < 300


@pytest.mark.parametrize(
    "body",
    ["", "not json", "[]", '{"csp-report": "text"}', '{"other": {}}', "\x00"],
)
def test_a_body_that_is_not_a_report_is_a_400_and_logs_nothing(client, caplog, body):
    with caplog.at_level(logging.WARNING, logger="config.csp"):
        response = post_report(client, body)
    assert response.status_code == 400
    assert "csp-report" in response.content.decode()
    assert not logged(caplog)


def test_a_report_over_the_size_cap_is_refused_unread(client, caplog):
    big = {"csp-report": {"script-sample": "x" * settings.CSP_REPORT_MAX_BYTES}}
    with caplog.at_level(logging.WARNING, logger="config.csp"):
        response = post_report(client, big)
    assert response.status_code == 413
    assert not logged(caplog)
    # A length header that lies small doesn't get more than the cap read either.
    assert post_report(client, big, CONTENT_LENGTH="10").status_code == 400
    response = post_report(client, REPORT, CONTENT_LENGTH="ten")
    assert (response.status_code, response.content) == (400, b"Content-Length must be a number.")


def test_reports_are_rate_limited_per_address_and_overall(client, settings):
    settings.CSP_REPORTS_PER_MINUTE = (3, 6)
    with time_machine.travel("2025-03-14 09:30:05Z", tick=False) as clock:
        statuses = [post_report(client, REPORT).status_code for _ in range(4)]
        assert statuses == [204, 204, 204, 429]
        # Another address has its own allowance, until everyone's (refused ones count) is used.
        other = [post_report(client, REPORT, REMOTE_ADDR="192.0.2.7").status_code for _ in "abc"]
        assert other == [204, 204, 429]
        clock.shift(60)  # the next minute starts afresh
        assert post_report(client, REPORT).status_code == 204


def test_only_post_is_accepted(client):
    assert client.get(reverse("csp_report")).status_code == 405


# --- The CSRF allow-list ----------------------------------------------------------------------

# Views that take POSTs without a CSRF token, each with its reason in docs/adr/0011. Django's
# admin and allauth are third-party areas and guard themselves.
CSRF_EXEMPT = {
    "config.csp.csp_report",
    "notifications.views.notification_unsubscribe",
}


def csrf_exempt_views() -> set[str]:
    found: set[str] = set()

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route not in {"admin/", "accounts/"}:
                    walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and getattr(pattern.callback, "csrf_exempt", 0):
                found.add(f"{pattern.callback.__module__}.{pattern.callback.__name__}")

    walk(get_resolver().url_patterns, "")
    return found


def test_csrf_exempt_views_are_exactly_the_allow_list():
    assert csrf_exempt_views() == CSRF_EXEMPT
    adr = (Path(settings.BASE_DIR) / "docs" / "adr" / "0011-content-security-policy.md").read_text()
    for view in CSRF_EXEMPT:
        assert f"`{view}`" in adr


# --- Templates the policy can live with -------------------------------------------------------

# What the policy blocks, so a template that has it is broken in the browser. Emails are read in
# mail programs, not on the site, and keep their inline styles.
BLOCKED = {
    "a style attribute": re.compile(r"""\sstyle\s*=""", re.I),
    "an event-handler attribute": re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
    "a <style> element": re.compile(r"<style[\s>]", re.I),
    "an inline <script>": re.compile(
        r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I
    ),
}


@pytest.mark.parametrize(
    "path",
    sorted(p for p in TEMPLATES.rglob("*.html") if "email" not in p.relative_to(TEMPLATES).parts),
    ids=lambda p: str(p.relative_to(TEMPLATES)),
)
def test_templates_hold_nothing_the_policy_blocks(path):
    source = path.read_text()
    found = [what for what, pattern in BLOCKED.items() if pattern.search(source)]
    assert not found, f"{path.relative_to(TEMPLATES)} has {', '.join(found)}"
