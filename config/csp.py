"""POST /csp-report/: browsers report here what the Content Security Policy blocked (or, with
CSP_REPORT_ONLY=1, would have blocked), when CSP_REPORT_URI points here. Each report becomes
one warning in the log; nothing is stored.

Anyone can post, so the endpoint trusts nothing it reads: a report larger than
CSP_REPORT_MAX_BYTES is refused unread, each address and everyone together get
CSP_REPORTS_PER_MINUTE, and every value is cut short and stripped of line breaks before it is
logged. It is exempt from CSRF because browsers send reports without a token (the exemption
list is in docs/adr/0011).
"""

from __future__ import annotations

import json
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("config.csp")

# The fields of a report worth a line in the log, in the order they are written.
_FIELDS = (
    "effective-directive",
    "blocked-uri",
    "document-uri",
    "source-file",
    "line-number",
    "script-sample",
    "disposition",
)
_MAX_VALUE = 200


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Logs one violation report and answers 204. 413 for a report over the size cap, 429 past
    the rate limit, 400 for a body that is not a report. No query; two cache increments."""
    declared = request.headers.get("Content-Length") or "0"
    if not declared.isascii() or not declared.isdigit():
        return HttpResponse("Content-Length must be a number.", status=400)
    if int(declared) > settings.CSP_REPORT_MAX_BYTES:
        return HttpResponse("That report is too large.", status=413)
    if not _within_rate(request.META.get("REMOTE_ADDR", "")):
        return HttpResponse("Too many reports; try again in a minute.", status=429)
    # Reads past the cap only to notice it: a body sent without a length ends where the server
    # says, and one longer than it said is cut there.
    body = request.read(settings.CSP_REPORT_MAX_BYTES + 1)
    if len(body) > settings.CSP_REPORT_MAX_BYTES:
        return HttpResponse("That report is too large.", status=413)
    try:
        report = json.loads(body)["csp-report"]
    except (ValueError, TypeError, KeyError):
        return HttpResponse("Expected a JSON body with a csp-report object.", status=400)
    if not isinstance(report, dict):
        return HttpResponse("Expected a JSON body with a csp-report object.", status=400)
    details = {name: _clean(report.get(name)) for name in _FIELDS if report.get(name)}
    logger.warning(
        "Content Security Policy violation: %s",
        " ".join(f"{name}={value}" for name, value in details.items()) or "(empty report)",
    )
    return HttpResponse(status=204)


def _within_rate(address: str) -> bool:
    """Counts this report against its address's and everyone's limit for the current minute;
    False once either is used up."""
    minute = int(time.time() // 60)
    per_address, overall = settings.CSP_REPORTS_PER_MINUTE
    allowed = True
    for key, limit in (
        (f"csp-report:{minute}:{address}", per_address),
        (f"csp-report:{minute}", overall),
    ):
        cache.add(key, 0, timeout=120)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr: this report starts a new count
            cache.set(key, 1, timeout=120)
            count = 1
        allowed = allowed and count <= limit
    return allowed


def _clean(value: object) -> str:
    """`value` as one short printable line: the log shows what was blocked, and nobody can write
    extra lines or terminal escapes into it."""
    text = " ".join("".join(c if c.isprintable() else " " for c in str(value)).split())
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"
