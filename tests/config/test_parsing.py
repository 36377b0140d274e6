"""Numbers typed into addresses and files: ASCII digits only, or nothing."""

import pytest
from django.urls import reverse

from assessments.questions.interchange.markup import html_to_markdown
from config.parsing import ascii_int


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7),
        ("0042", 42),
        ("²", None),
        ("١٢", None),  # Arabic-Indic digits: isdigit() says yes, ids say no
        ("-1", None),
        (" 1", None),
        ("", None),
        (None, None),
        ("9" * 19, None),
        ("9" * 5000, None),
    ],
)
def test_ascii_int(value, expected):
    assert ascii_int(value) == expected


@pytest.mark.parametrize("start", ["²", "9" * 5000, "-3", "x"])
def test_odd_list_starts_are_numbered_from_one(start):
    markdown, _notes = html_to_markdown(f'<ol start="{start}"><li>Breathe</li><li>Listen</li></ol>')
    assert "1. Breathe" in markdown


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "params", "statuses"),
    [
        ("author_bank_new", {"parent": "²"}, {200}),
        ("question_import", {"bank": "²"}, {200}),
        ("question_import", {"bank": "9" * 5000}, {200}),
        ("question_export", {"bank": "²"}, {404}),
        ("question_export", {"bank": "9" * 5000}, {404}),
    ],
)
def test_odd_numbers_in_addresses_never_crash(client, admin, name, params, statuses):
    client.force_login(admin)
    assert client.get(reverse(name), params).status_code in statuses
