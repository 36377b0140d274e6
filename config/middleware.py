"""Request checks that hold for every view."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse


class RejectNulMiddleware:
    """Answers 400 to a request with a NUL character in any query or form field name or value.

    PostgreSQL cannot store NUL in text or JSON, so such a value would otherwise fail deep inside
    a save with a 500 (a short answer, a search box, any field a view reads directly). Nobody
    types NUL; refusing it here closes the whole class at once. Uploaded files are not checked:
    the importers read them as files and refuse what they can't use.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for data in (request.GET, request.POST):
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    raise BadRequest("A form field held a NUL character.")
        return self.get_response(request)
