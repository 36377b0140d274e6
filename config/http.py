"""Request types for views: what middleware adds, spelled out for the type checker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from learners.models import User


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


class AuthedRequest(HtmxRequest):
    """A request behind @login_required: `user` is a real person."""

    user: User


def safe_next_url(request: HttpRequest, fallback: str) -> str:
    """Where to send the person after a form: the `next` field (POST, else the query string)
    when it stays on this site, else `fallback` (a URL or a URL name). The one rule for every
    `next` in the project: an address elsewhere, or a scheme-relative `//host`, never wins.
    No query."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(fallback)


def redirect_to_next(request: HttpRequest, fallback: str, *args: object) -> HttpResponseRedirect:
    """A redirect to `safe_next_url(request, ...)`; `fallback` with `args` is a URL name."""
    return HttpResponseRedirect(safe_next_url(request, resolve_url(fallback, *args)))
