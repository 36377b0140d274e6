"""Where a form may send someone next: the one rule for every `next`."""

import pytest
from django.test import RequestFactory

from config.http import safe_next_url


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("/courses/basics/", "/courses/basics/"),
        ("/courses/basics/?step=2#latest", "/courses/basics/?step=2#latest"),
        ("http://testserver/dashboard/", "http://testserver/dashboard/"),
        ("", "/fallback/"),
        ("https://evil.example/", "/fallback/"),
        ("//evil.example/path", "/fallback/"),
        ("/\\evil.example", "/fallback/"),
        ("javascript:alert(1)", "/fallback/"),
        ("https:///evil.example", "/fallback/"),
    ],
)
def test_next_stays_on_this_site(candidate: str, expected: str) -> None:
    posted = RequestFactory().post("/x/", {"next": candidate})
    assert safe_next_url(posted, "/fallback/") == expected
    queried = RequestFactory().get("/x/", {"next": candidate})
    assert safe_next_url(queried, "/fallback/") == expected


def test_next_over_https_must_stay_on_https() -> None:
    request = RequestFactory().post("/x/", {"next": "http://testserver/dashboard/"}, secure=True)
    assert safe_next_url(request, "/fallback/") == "/fallback/"
